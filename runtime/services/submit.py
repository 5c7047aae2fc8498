"""A customer's question becomes a request: validate, classify, store.

Storing is the whole hand-off: the orchestrator receives the new request from the table's stream,
at least once, so no crash after the write can leave the request waiting.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

import attrs
import structlog

from runtime.adapters.ports import (
    Classification,
    Clock,
    IntentClassifier,
    MetricWriter,
    RequestRepository,
    SecretProvider,
)
from runtime.contract import Metric
from runtime.domain.deadlines import due_on_creation
from runtime.domain.errors import (
    AlreadyExists,
    DailyLimitReached,
    DependencyUnavailable,
    IdempotencyKeyReused,
    IntentUnclear,
    LimitReached,
    TooManyLookups,
    TooManyOpenRequests,
    TooManyRequests,
)
from runtime.domain.limits import Kind, Limits, Quota, submit_quotas
from runtime.domain.link_token import new_token_id
from runtime.domain.model import (
    DEFAULT_INTENT,
    IdempotencyRecord,
    IntentSource,
    Request,
    Status,
    UnclearMessage,
)
from runtime.domain.validation import (
    Submission,
    parse_idempotency_key,
    parse_submission,
    without_personal_details,
)
from runtime.services.decide import customer_token

IDEMPOTENCY_WINDOW = timedelta(hours=24)
log = structlog.get_logger()
_REFUSALS: dict[Kind, type[TooManyRequests]] = {
    Kind.OPEN_REQUESTS: TooManyOpenRequests,
    Kind.REQUESTS_PER_DAY: DailyLimitReached,
    Kind.UNMATCHED_LOOKUPS: TooManyLookups,
}


@attrs.frozen
class Submitted:
    request: Request
    replayed: bool
    # The customer's own token for this request (None for a request stored before tokens existed).
    customer_token: str | None = None


def new_request_id() -> str:
    return str(uuid.uuid4())


def submit_request(
    fields: Mapping[str, object],
    *,
    idempotency_key: str | None,
    repository: RequestRepository,
    classifier: IntentClassifier,
    clock: Clock,
    metrics: MetricWriter,
    secrets: SecretProvider,
    partner_timeout: timedelta,
    customer_token_ttl: timedelta,
    limits: Limits,
    new_id: Callable[[], str] = new_request_id,
) -> Submitted:
    """A retry with the same Idempotency-Key is found by the create itself (its key is taken), so a
    first submit reads nothing. The limits are conditions of the same write: past one, nothing is
    stored and TooManyRequests says when to come back.

    The customer's token (scope customer, signed like the partner's link) is bound to the request by
    a random id stored on it; a retried submit gets the same token. The signing key is read before
    anything is stored, so a secret that cannot be read stores nothing."""
    submission = parse_submission(fields)
    key = parse_idempotency_key(idempotency_key)

    request_id = new_id()
    structlog.contextvars.bind_contextvars(requestId=request_id)
    classification = _intent_of(submission, request_id, classifier)
    if classification.intent is None:
        if key and (earlier := _replay(key, submission, repository, secrets)):
            return earlier
        _remember_unclear(submission.message, request_id, repository=repository, clock=clock, metrics=metrics)
        raise IntentUnclear()

    signing_key = secrets.signing_key()
    now = clock.now()
    request = Request(
        request_id=request_id,
        customer_id=submission.customer_id,
        customer_phone=submission.customer_phone,
        reservation_number=submission.reservation_number,
        query=submission.message,
        intent=classification.intent,
        intent_source=classification.source,
        status=Status.CREATED,
        created_at=now,
        updated_at=now,
        due_at=due_on_creation(now, partner_timeout),
        customer_token_id=new_token_id(),
        customer_token_expires_at=now + customer_token_ttl,
    )
    record = (
        IdempotencyRecord(key, request_id, submission.fingerprint, now + IDEMPOTENCY_WINDOW) if key else None
    )
    try:
        repository.create_request(
            request, record, submit_quotas(request, limits, partner_timeout=partner_timeout)
        )
    except AlreadyExists:
        # An earlier submit with the same key stored its request first: answer with that one.
        if key and (earlier := _replay(key, submission, repository, secrets)):
            return earlier
        raise
    except LimitReached as reached:
        raise _refusal(reached.quota, now, metrics) from None
    metrics.count(Metric.REQUESTS_CREATED)
    log.info("request_created", intent=request.intent, intentSource=request.intent_source)
    return Submitted(request=request, replayed=False, customer_token=customer_token(request, signing_key))


def _refusal(quota: Quota, now: datetime, metrics: MetricWriter) -> TooManyRequests:
    metrics.count(Metric.SUBMITS_LIMITED)
    log.warning("submit_limited", limit=str(quota.kind), maximum=quota.maximum)
    return _REFUSALS[quota.kind](retry_after_seconds=quota.retry_after_seconds(now), maximum=quota.maximum)


def _replay(
    key: str, submission: Submission, repository: RequestRepository, secrets: SecretProvider
) -> Submitted | None:
    record = repository.get_idempotency(key)
    if record is None:
        return None
    if record.fingerprint != submission.fingerprint:
        raise IdempotencyKeyReused()
    request = repository.get_request(record.request_id)
    if request is None:
        return None
    structlog.contextvars.bind_contextvars(requestId=request.request_id)
    log.info("request_replayed")
    token = customer_token(request, secrets.signing_key())
    return Submitted(request=request, replayed=True, customer_token=token)


def _intent_of(submission: Submission, session_id: str, classifier: IntentClassifier) -> Classification:
    """The customer's own pick (among the choices of an unclear answer), else the classifier's."""
    if submission.intent is not None:
        return Classification(intent=submission.intent, source=IntentSource.CUSTOMER)
    return _classify(submission.message, session_id, classifier)


def _remember_unclear(
    text: str, request_id: str, *, repository: RequestRepository, clock: Clock, metrics: MetricWriter
) -> None:
    """Count it and keep its text for new utterances; failing to keep it must not fail the answer."""
    log.info("intent_unclear")
    metrics.count(Metric.INTENT_UNCLEAR)
    try:
        kept = UnclearMessage(message_id=request_id[:8], text=without_personal_details(text), at=clock.now())
        repository.record_unclear(kept)
    except DependencyUnavailable as error:
        log.warning("unclear_message_not_stored", error=str(error))


def _classify(text: str, session_id: str, classifier: IntentClassifier) -> Classification:
    try:
        return classifier.classify(text, session_id)
    except DependencyUnavailable as error:
        log.warning("classifier_unavailable", error=str(error), intent=DEFAULT_INTENT)
        return Classification(intent=DEFAULT_INTENT, source=IntentSource.FALLBACK)
