"""POST /api/chat as most Python Lambda teams write it today, with AWS Lambda Powertools.

The peer does our chat's job with the product's own rules and other plumbing, so that `make bench`
compares plumbing only. The same as our chat: the validation (`runtime.domain.validation`), the
classifier our chat uses (Lex through `runtime.adapters.lex_classifier` when the function has a bot,
as in AWS; otherwise the local classifier, built on first use as ours is), and one conditional
TransactWriteItems of the same three items (the request, its Created event and its due marker, in
the table's key layout), answered with the same 201 body. Its own, in
Powertools' documented style: module-level clients; Logger with the Lambda context and the API's
request id as correlation id; Metrics in embedded metric format; Idempotency on DynamoDB keyed by
the Idempotency-Key header, with the body as the payload a reused key must match.

Idempotency records live in the product's single table. The persistence layer takes the table's
key names (`key_attr`, `sort_key_attr`); with a sort key it puts every record in one partition,
`static_pk_value`, with the hashed key as sort key (Powertools' layout for a shared table: a single
partition for all records, where ours gives each key its own `IDEM#<key>`). Its expiry goes in the
table's TTL attribute, so DynamoDB removes records as it removes ours; its other attributes keep
Powertools' names, which no item of ours uses as a key.

Differences kept on purpose: the peer does not count the abuse limits (ours adds their updates to
the same transaction, still one call), and it validates before the idempotency record is written (as ours
validates before any call), so an invalid submit costs no AWS call in either; a message it cannot
classify is answered 422 with the same choices, but its text is not kept for new utterances.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyValidationError
from aws_lambda_powertools.utilities.typing import LambdaContext
from boto3.dynamodb.types import TypeSerializer
from botocore.exceptions import BotoCoreError, ClientError

from runtime.adapters import api_payloads
from runtime.adapters import dynamo_keys as keys
from runtime.adapters.lex_classifier import LexIntentClassifier
from runtime.adapters.ports import IntentClassifier
from runtime.contract import LEX_LOCALE, METRIC_DIMENSION, METRIC_NAMESPACE, Env, Metric
from runtime.domain.deadlines import due_on_creation
from runtime.domain.errors import (
    DomainError,
    IdempotencyKeyReused,
    IntentUnclear,
    InvalidInput,
    ServiceUnavailable,
)
from runtime.domain.model import EventType, Intent, IntentSource, Request, Status
from runtime.domain.validation import Submission, parse_idempotency_key, parse_submission

SERVICE = "chat-peer"
# As long as our chat remembers an Idempotency-Key; a request's items are kept the stack's retention.
IDEMPOTENCY_WINDOW = timedelta(hours=24)
IDEMPOTENCY_PARTITION = f"idempotency#{SERVICE}"
DEFAULT_PARTNER_TIMEOUT_SECONDS = 300

TABLE_NAME = os.environ[Env.TABLE_NAME]
RETENTION = timedelta(days=int(os.environ.get(Env.RETENTION_DAYS, "14")))
PARTNER_TIMEOUT = timedelta(
    seconds=int(os.environ.get(Env.PARTNER_TIMEOUT_SECONDS) or DEFAULT_PARTNER_TIMEOUT_SECONDS)
)

logger = Logger(service=SERVICE)
metrics = Metrics(namespace=METRIC_NAMESPACE, service=SERVICE)
metrics.set_default_dimensions(**{METRIC_DIMENSION: os.environ.get(Env.STAGE, "local")})
dynamodb = boto3.client("dynamodb")
# One client for the handler and the persistence layer (left alone, it would create a second one).
persistence_layer = DynamoDBPersistenceLayer(
    table_name=TABLE_NAME,
    key_attr=keys.PK,
    sort_key_attr=keys.SK,
    static_pk_value=IDEMPOTENCY_PARTITION,
    expiry_attr=keys.TTL,
    boto3_client=dynamodb,
)
idempotency_config = IdempotencyConfig(
    event_key_jmespath='headers."idempotency-key"',
    payload_validation_jmespath="body",
    expires_after_seconds=int(IDEMPOTENCY_WINDOW.total_seconds()),
)
serializer = TypeSerializer()
# Module-level clients, Powertools-style: Lex when the function has a bot, as ours in AWS.
_classifier: IntentClassifier | None = (
    LexIntentClassifier(
        boto3.client("lexv2-runtime"),
        bot_id=os.environ[Env.LEX_BOT_ID],
        bot_alias_id=os.environ[Env.LEX_BOT_ALIAS_ID],
        locale_id=os.environ.get(Env.LEX_LOCALE_ID) or LEX_LOCALE,
    )
    if os.environ.get(Env.LEX_BOT_ID) and os.environ.get(Env.LEX_BOT_ALIAS_ID)
    else None
)

RESPONSE_HEADERS = {"content-type": "application/json; charset=utf-8", "cache-control": "no-store"}


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    try:
        submission = parse_submission(_json_body(event))
        parse_idempotency_key((event.get("headers") or {}).get("idempotency-key"))
        # Powertools passes keyword arguments through; its decorator's type knows only (event, context).
        return create_request(event, context, submission=submission)  # type: ignore[call-arg]
    except IdempotencyValidationError:
        return _error(IdempotencyKeyReused())
    except DomainError as error:
        logger.info("Request rejected", extra={"code": error.code})
        return _error(error)
    except (BotoCoreError, ClientError):
        logger.exception("DynamoDB call failed")
        return _error(ServiceUnavailable())


# The decorator's type knows only (event, context); the submission is passed by keyword (see above).
@idempotent(config=idempotency_config, persistence_store=persistence_layer)  # type: ignore[arg-type]
def create_request(
    event: dict[str, Any], context: LambdaContext, *, submission: Submission
) -> dict[str, Any]:
    request_id = str(uuid.uuid4())
    logger.append_keys(requestId=request_id)
    intent: Intent | None
    if submission.intent is not None:  # the customer's pick among the choices: not classified
        intent, source = submission.intent, IntentSource.CUSTOMER
    else:
        classification = _classifier_of().classify(submission.message, request_id)
        intent, source = classification.intent, classification.source
    if intent is None:
        metrics.add_metric(name=Metric.INTENT_UNCLEAR, unit=MetricUnit.Count, value=1)
        raise IntentUnclear()
    now = datetime.now(UTC)
    request = Request(
        request_id=request_id,
        customer_id=submission.customer_id,
        customer_phone=submission.customer_phone,
        reservation_number=submission.reservation_number,
        query=submission.message,
        intent=intent,
        intent_source=source,
        status=Status.CREATED,
        created_at=now,
        updated_at=now,
        due_at=due_on_creation(now, PARTNER_TIMEOUT),
    )
    dynamodb.transact_write_items(TransactItems=transaction_of(request))
    metrics.add_metric(name=Metric.REQUESTS_CREATED, unit=MetricUnit.Count, value=1)
    logger.info("Request created", extra={"intent": str(request.intent)})
    return _response(201, api_payloads.created(request, None))  # no customer token: the peer predates it


def transaction_of(request: Request) -> list[dict[str, Any]]:
    """The request (only if new), its Created event and its due marker, as our chat stores them."""
    created = keys.timestamp(request.created_at)
    request_item = {
        **keys.request_key(request.request_id),
        **keys.status_partition(request.status, request.created_at),
        **keys.status_sort(request.created_at, request.request_id),
        "requestId": request.request_id,
        "customerPhone": request.customer_phone,
        "reservationNumber": request.reservation_number,
        "query": request.query,
        "intent": str(request.intent),
        "intentSource": str(request.intent_source),
        "status": str(request.status),
        "createdAt": created,
        "updatedAt": created,
        "attempt": request.attempt,
        "entity": "Request",
        keys.TTL: _kept_until(request.created_at),
    }
    if request.customer_id:
        request_item["customerId"] = request.customer_id
    if request.due_at is not None:
        request_item["dueAt"] = keys.timestamp(request.due_at)
    event_item = {
        **keys.event_key(request.request_id, request.created_at, EventType.CREATED),
        "requestId": request.request_id,
        "type": str(EventType.CREATED),
        "at": created,
        "details": {},
        "entity": "Event",
        keys.TTL: _kept_until(request.created_at),
    }
    writes = [
        _put(request_item, condition="attribute_not_exists(#pk)"),
        _put(event_item),
    ]
    if request.due_at is not None:
        due_item = {
            **keys.due_key(request.request_id),
            **keys.due_index(request.due_at, request.request_id),
            "requestId": request.request_id,
            "dueAt": keys.timestamp(request.due_at),
            keys.TTL: _kept_until(request.due_at),
        }
        writes.append(_put(due_item))
    return writes


def _kept_until(moment: datetime) -> int:
    return int((moment + RETENTION).timestamp())


def _put(item: dict[str, Any], *, condition: str | None = None) -> dict[str, Any]:
    put: dict[str, Any] = {
        "TableName": TABLE_NAME,
        "Item": {name: serializer.serialize(value) for name, value in item.items()},
    }
    if condition:
        put["ConditionExpression"] = condition
        put["ExpressionAttributeNames"] = {"#pk": keys.PK}
    return {"Put": put}


def _classifier_of() -> IntentClassifier:
    global _classifier  # noqa: PLW0603 - without Lex, built on the first request, as ours is
    if _classifier is None:
        from bot.classifier import bot_classifier  # noqa: PLC0415 - the stand-in for Lex, never on Lambda

        _classifier = bot_classifier()
    return _classifier


def _json_body(event: dict[str, Any]) -> dict[str, Any]:
    raw = event.get("body") or ""
    try:
        text = base64.b64decode(raw, validate=True).decode() if event.get("isBase64Encoded") else raw
        body = json.loads(text)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidInput("요청 본문을 읽을 수 없습니다.") from None
    if not isinstance(body, dict):
        raise InvalidInput("요청 본문은 JSON 객체여야 합니다.")
    return body


def _error(error: DomainError) -> dict[str, Any]:
    status = {
        InvalidInput: 400,
        IdempotencyKeyReused: 409,
        IntentUnclear: 422,
        ServiceUnavailable: 503,
    }.get(type(error), 400)
    body: dict[str, Any] = {"error": {"code": error.code, "message": error.message}}
    if isinstance(error, InvalidInput) and error.field:
        body["error"]["field"] = error.field
    if isinstance(error, IntentUnclear):
        body["choices"] = [{"intent": str(intent), "label": intent.label} for intent in error.choices]
    return _response(status, body)


def _response(status: int, body: dict[str, Any]) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": RESPONSE_HEADERS,
        "body": json.dumps(body, ensure_ascii=False),
        "isBase64Encoded": False,
    }
