"""In-memory fakes of every port, with the same rules as the real adapters (conditional writes included).

Tests assert on the state these fakes end in, not on which calls were made.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta

import attrs

from runtime.adapters.ports import (
    Classification,
    Clock,
    IntentClassifier,
    MessageWriter,
    MetricWriter,
    OperatorAlerts,
    RequestRepository,
    SecretProvider,
    SigningKeyRepository,
    SmsSender,
    WorkflowClient,
)
from runtime.contract import Metric
from runtime.domain.errors import (
    AlreadyExists,
    DependencyUnavailable,
    LimitReached,
    LinkUsed,
    SmsRejected,
    StatusConflict,
    TaskClosed,
)
from runtime.domain.kst import KST
from runtime.domain.lifecycle import Move, sources
from runtime.domain.limits import Quota
from runtime.domain.link_token import Keyring, SigningKey, next_key
from runtime.domain.model import (
    OPEN_STATUSES,
    Answer,
    Event,
    EventType,
    FailureReason,
    IdempotencyRecord,
    Intent,
    IntentSource,
    LinkRecord,
    MessageSource,
    Notification,
    Outcome,
    PartnerResponse,
    Proposal,
    ProposalState,
    Request,
    Reservation,
    SmsKind,
    Status,
    UnclearMessage,
)
from runtime.domain.redrive import NOT_REDRIVABLE_REASONS, REDRIVABLE_STATUSES


class FakeRequestRepository(RequestRepository):
    def __init__(self, reservations: list[Reservation] | None = None) -> None:
        self.requests: dict[str, Request] = {}
        self.events: dict[str, list[Event]] = {}
        self.reservations = {r.reservation_number: r for r in reservations or []}
        self.idempotency: dict[str, IdempotencyRecord] = {}
        self.links: dict[str, LinkRecord] = {}
        self.due: dict[str, datetime] = {}  # request id -> when its customer must have been told
        self.status_days: dict[str, date] = {}  # request id -> UTC day it reached its status
        self.unclear: list[UnclearMessage] = []
        self.unclear_available = True  # False: storing unclear messages fails as an unreachable table
        # A limit's item by (kind, subject, window): the ids it holds, or its count.
        self.limits: dict[tuple[str, str, str], set[str] | int] = {}

    def counted(self, quota: Quota) -> set[str] | int | None:
        return self.limits.get(_limit_key(quota))

    def uncount(self, quota: Quota) -> None:
        """What a write releasing `quota` does (the SMS step's `issue_link(release=...)`), for tests
        that skip the step."""
        self._release(quota)

    def event_types(self, request_id: str) -> list[EventType]:
        return [event.type for event in sorted(self.events.get(request_id, []), key=lambda e: e.at)]

    # reads
    def get_request(self, request_id: str) -> Request | None:
        return self.requests.get(request_id)

    def get_timeline(self, request_id: str) -> tuple[Request, list[Event]] | None:
        request = self.requests.get(request_id)
        return (request, list(self.events.get(request_id, []))) if request else None

    def find_reservation(self, reservation_number: str, customer_phone: str) -> Reservation | None:
        found = self.reservations.get(reservation_number)
        return found if found and found.customer_phone == customer_phone else None

    def get_idempotency(self, key: str) -> IdempotencyRecord | None:
        return self.idempotency.get(key)

    def get_link(self, token_id: str) -> LinkRecord | None:
        return self.links.get(token_id)

    def overdue(self, now: datetime, *, days: int) -> list[str]:
        oldest = now - timedelta(days=days + 1)
        return [rid for rid, due in sorted(self.due.items(), key=lambda item: item[1]) if oldest < due <= now]

    def forget_due(self, request_id: str) -> None:
        self.due.pop(request_id, None)

    def requests_by_status(self, status: Status, day: date) -> Iterator[Request]:
        """Requests in `status` that reached it on `day`, as the index buckets them (a request a test
        stored directly counts from its updated_at)."""
        found = [r for r in self.requests.values() if r.status is status and self._status_day(r) == day]
        yield from sorted(found, key=lambda r: (r.created_at, r.request_id))

    def count_in_status(self, status: Status, day: date) -> int:
        return len(list(self.requests_by_status(status, day)))

    # writes
    def create_request(
        self, request: Request, idempotency: IdempotencyRecord | None, quotas: Sequence[Quota] = ()
    ) -> None:
        if request.request_id in self.requests or (idempotency and idempotency.key in self.idempotency):
            raise AlreadyExists(request.request_id)
        self._count(quotas)
        self.requests[request.request_id] = request
        self.status_days[request.request_id] = request.created_at.astimezone(UTC).date()
        self._event(request.request_id, EventType.CREATED, request.created_at)
        if request.due_at:
            self.due[request.request_id] = request.due_at
        if idempotency:
            self.idempotency[idempotency.key] = idempotency

    def issue_link(
        self, link: LinkRecord, at: datetime, *, count: Sequence[Quota] = (), release: Sequence[Quota] = ()
    ) -> None:
        request = self._expect(link.request_id, OPEN_STATUSES)
        if link.token_id in self.links:
            raise AlreadyExists(link.token_id)
        self._count(count)
        for quota in release:
            self._release(quota)
        deadlines = {"answer_by": link.request.answer_by, "due_at": link.request.due_at}
        self._save(
            attrs.evolve(
                request.with_partner(link.request),
                task_token=link.task_token,
                link_id=link.token_id,
                link_expires_at=link.expires_at,
                updated_at=at,
                **{name: value for name, value in deadlines.items() if value is not None},
            )
        )
        if link.request.due_at:
            self.due[link.request_id] = link.request.due_at
        self.links[link.token_id] = link

    def mark_sms_sent(self, link: LinkRecord, at: datetime) -> None:
        request = self._expect(link.request_id, set(Status))
        self.links[link.token_id] = attrs.evolve(self.links[link.token_id], sms_sent_at=at)
        if request.status not in sources(Move.TEXTED) and request.sms_sent_at is not None:
            return  # a retried step texted again: the round's SMSSent is recorded
        status = Status.SMS_SENT if request.status in sources(Move.TEXTED) else request.status
        self._save(attrs.evolve(request, status=status, sms_sent_at=at, updated_at=at))
        self._event(link.request_id, EventType.SMS_SENT, at)

    def follow_task(self, request: Request, task_token: str, at: datetime) -> None:
        stored = self._expect(request.request_id, OPEN_STATUSES)
        if request.link_id is None or request.link_id not in self.links:
            raise StatusConflict(request.request_id)
        self._save(attrs.evolve(stored, task_token=task_token, updated_at=at))
        self.links[request.link_id] = attrs.evolve(self.links[request.link_id], task_token=task_token)

    def mark_reminded(self, request_id: str, at: datetime) -> bool:
        stored = self._expect(request_id, set(Status))
        if stored.reminded_at is not None or stored.notification is not None:
            return False
        self._save(attrs.evolve(stored, reminded_at=at, updated_at=at))
        self._event(request_id, EventType.REMINDED, at)
        return True

    def mark_opened(self, request_id: str, at: datetime) -> bool:
        try:
            request = self._expect(request_id, sources(Move.OPENED))
        except StatusConflict:
            return False
        self._save(attrs.evolve(request, status=Status.OPENED, updated_at=at))
        self._event(request_id, EventType.OPENED, at)
        return True

    def close(
        self,
        request_id: str,
        status: Status,
        at: datetime,
        *,
        allowed_from: frozenset[Status],
        failure_reason: FailureReason | None = None,
        notification: Notification | None = None,
        frees: Quota | None = None,
        link_id: str | None = None,
    ) -> None:
        request = self._expect(request_id, allowed_from)
        if link_id is not None and request.link_id != link_id:
            raise StatusConflict(request_id)
        changes: dict[str, object] = {"status": status, "updated_at": at}
        if failure_reason:
            changes["failure_reason"] = failure_reason
        if notification:
            changes["notification"] = notification
        self._save(attrs.evolve(request, **changes))
        self._event(request_id, EventType.of(status), at)
        if notification:
            self._event(request_id, EventType.NOTIFIED, notification.at)
            self.due.pop(request_id, None)
        if frees is not None:
            self._release(frees)

    def record_event(self, event: Event) -> bool:
        if event.request_id not in self.requests:
            return False
        timeline = self.events.setdefault(event.request_id, [])
        # The table keys an event by its time and type: the same one again replaces it.
        timeline[:] = [e for e in timeline if (e.at, e.type) != (event.at, event.type)] + [event]
        return True

    def record_response(self, link: LinkRecord, response: PartnerResponse) -> None:
        stored = self.links[link.token_id]
        if stored.used:
            raise LinkUsed()
        request = self._expect(link.request_id, sources(Move.ANSWERED))
        if request.task_token is None:
            raise StatusConflict(link.request_id)
        if request.answer_by is not None and response.responded_at > request.answer_by:
            raise StatusConflict(link.request_id)
        self.links[link.token_id] = attrs.evolve(stored, used=True)
        proposal = (
            Proposal(time=response.alternative_time)
            if response.answer is Answer.ALTERNATIVE and response.alternative_time is not None
            else None
        )
        self._save(
            attrs.evolve(
                request,
                status=Status.RESPONDED,
                response=response,
                proposal=proposal,
                updated_at=response.responded_at,
            )
        )
        self._event(link.request_id, EventType.RESPONDED, response.responded_at)

    def record_decision(self, request_id: str, decided: Proposal, *, customer_token_id: str) -> None:
        request = self._pending(request_id)
        if request.customer_token_id != customer_token_id or decided.decided_at is None:
            raise StatusConflict(request_id)
        self._save(attrs.evolve(request, proposal=decided, updated_at=decided.decided_at))
        self._event(request_id, decided.state.event, decided.decided_at)

    def await_decision(self, request_id: str, task_token: str, at: datetime) -> None:
        request = self._pending(request_id)
        self._save(attrs.evolve(request, decision_task_token=task_token, updated_at=at))

    def lapse_proposal(self, request_id: str, at: datetime) -> bool:
        try:
            request = self._pending(request_id)
        except StatusConflict:
            return False
        assert request.proposal is not None
        lapsed = request.proposal.decided(ProposalState.LAPSED, at)
        self._save(attrs.evolve(request, proposal=lapsed, updated_at=at))
        self._event(request_id, EventType.PROPOSAL_LAPSED, at)
        return True

    def mark_partner_told(self, request_id: str, state: ProposalState, at: datetime) -> bool:
        request = self.requests.get(request_id)
        if request is None:
            raise StatusConflict(request_id)
        if request.partner_told_at is not None:
            return False
        self._save(attrs.evolve(request, partner_told_at=at, updated_at=at))
        self._event(request_id, EventType.PARTNER_TOLD, at, {"proposal": str(state)})
        return True

    def store_notification(
        self,
        request_id: str,
        notification: Notification,
        *,
        expected: Status,
        close_as: Status | None,
        frees: Quota,
    ) -> None:
        request = self.requests.get(request_id)
        if request is not None and request.notification is not None:
            raise AlreadyExists(request_id)
        request = self._expect(request_id, {expected})
        changes: dict[str, object] = {"notification": notification, "updated_at": notification.at}
        if close_as:
            changes["status"] = close_as
            self._event(request_id, EventType.of(close_as), notification.at)
        self._save(attrs.evolve(request, **changes))
        self._event(request_id, EventType.NOTIFIED, notification.at)
        self.due.pop(request_id, None)
        self._release(frees)

    def redrive(self, request: Request, redriven: Request, *, details: Mapping[str, str]) -> None:
        stored = self._expect(request.request_id, REDRIVABLE_STATUSES)
        if (
            stored.response is not None
            or stored.notification is None
            or stored.failure_reason in NOT_REDRIVABLE_REASONS
            or stored.attempt != request.attempt
        ):
            raise StatusConflict(request.request_id)
        assert redriven.due_at is not None
        self._save(redriven)
        self.due[request.request_id] = redriven.due_at
        self._event(request.request_id, EventType.REDRIVEN, redriven.updated_at, dict(details))

    def record_unclear(self, message: UnclearMessage) -> None:
        if not self.unclear_available:
            raise DependencyUnavailable("table down")
        self.unclear.append(message)

    def recent_unclear(self, day: date, limit: int | None = None) -> list[UnclearMessage]:
        found = sorted(
            (m for m in self.unclear if m.at.astimezone(KST).date() == day), key=lambda m: m.at, reverse=True
        )
        return found[:limit] if limit is not None else found

    def _release(self, quota: Quota) -> None:
        held = self.limits.get(_limit_key(quota))
        if isinstance(held, set):
            held.discard(quota.member or "")

    # helpers
    def _count(self, quotas: Sequence[Quota]) -> None:
        """All or nothing, as the conditional transaction: the quota freeing last is named."""
        full = []
        for quota in quotas:
            held = self.limits.get(_limit_key(quota))
            if quota.kind.keeps_ids:
                ids = held if isinstance(held, set) else set()
                if len(ids) >= quota.maximum and quota.member not in ids:
                    full.append(quota)
            elif isinstance(held, int) and held >= quota.maximum:
                full.append(quota)
        if full:
            raise LimitReached(max(full, key=lambda quota: quota.frees_at))
        for quota in quotas:
            key = _limit_key(quota)
            if quota.kind.keeps_ids:
                ids = self.limits.setdefault(key, set())
                assert isinstance(ids, set)
                ids.add(quota.member or "")
            else:
                held = self.limits.get(key, 0)
                assert isinstance(held, int)
                self.limits[key] = held + 1

    def _expect(self, request_id: str, allowed: frozenset[Status] | set[Status]) -> Request:
        request = self.requests.get(request_id)
        if request is None or request.status not in allowed:
            raise StatusConflict(request_id)
        return request

    def _pending(self, request_id: str) -> Request:
        request = self.requests.get(request_id)
        if request is None or request.proposal is None or request.proposal.state is not ProposalState.PENDING:
            raise StatusConflict(request_id)
        return request

    def _status_day(self, request: Request) -> date:
        return self.status_days.get(request.request_id, request.updated_at.astimezone(UTC).date())

    def _save(self, request: Request) -> Request:
        previous = self.requests.get(request.request_id)
        if previous is None or previous.status is not request.status:
            # The status index moves with the status, to the day of the change.
            self.status_days[request.request_id] = request.updated_at.astimezone(UTC).date()
        self.requests[request.request_id] = request
        return request

    def _event(
        self, request_id: str, event_type: EventType, at: datetime, details: dict[str, str] | None = None
    ) -> None:
        self.events.setdefault(request_id, []).append(Event(request_id, event_type, at, details or {}))


class FakeClock(Clock):
    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or datetime(2026, 11, 23, 6, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current

    def advance(self, seconds: float) -> None:
        self.current += timedelta(seconds=seconds)


class FakeMetricWriter(MetricWriter):
    def __init__(self) -> None:
        self.counts: dict[Metric, int] = {}
        self.durations: dict[Metric, list[float]] = {}
        self.levels: dict[tuple[Metric, str], float] = {}

    def count(self, metric: Metric, value: int = 1) -> None:
        self.counts[metric] = self.counts.get(metric, 0) + value

    def seconds(self, metric: Metric, value: float) -> None:
        self.durations.setdefault(metric, []).append(value)

    def level(self, metric: Metric, value: float, *, status: str) -> None:
        self.levels[(metric, status)] = value


class FakeOperatorAlerts(OperatorAlerts):
    def __init__(self, *, available: bool = True) -> None:
        self.sent: list[tuple[str, str]] = []
        self.available = available

    def alert(self, subject: str, message: str) -> None:
        if not self.available:
            raise DependencyUnavailable("sns down")
        self.sent.append((subject, message))


class FakeIntentClassifier(IntentClassifier):
    """Answers with a fixed intent (None: the fallback intent), or fails like an unreachable service."""

    def __init__(self, intent: Intent | None = Intent.CHANGE_RESERVATION, *, available: bool = True) -> None:
        self.intent = intent
        self.available = available

    def classify(self, text: str, session_id: str) -> Classification:
        if not self.available:
            raise DependencyUnavailable("classifier down")
        return Classification(intent=self.intent, source=IntentSource.LEX)


class FakeWorkflowClient(WorkflowClient):
    """Executions by name (starting twice keeps one), and tasks that can be open, closed or unreachable."""

    def __init__(self) -> None:
        self.executions: dict[str, Request] = {}  # name (the request id, then with its attempt) -> input
        self.still_running: set[str] = set()  # names of executions that have not ended
        self.completed: dict[str, PartnerResponse] = {}
        self.decided: dict[str, ProposalState] = {}  # task token -> the decision it was resumed with
        self.failed: dict[str, FailureReason] = {}
        self.closed_tasks: dict[str, bool] = {}  # task token -> timed out?
        self.available = True

    def start(self, request: Request) -> None:
        self.executions.setdefault(request.workflow_name, request)

    def running(self, request: Request) -> bool:
        return request.workflow_name in self.still_running

    def complete_task(self, task_token: str, request_id: str, response: PartnerResponse) -> None:
        if not self.available:
            raise DependencyUnavailable("step functions down")
        if task_token in self.closed_tasks:
            raise TaskClosed(timed_out=self.closed_tasks[task_token])
        self.completed[task_token] = response

    def complete_decision(self, task_token: str, request_id: str, state: ProposalState) -> None:
        if not self.available:
            raise DependencyUnavailable("step functions down")
        if task_token in self.closed_tasks:
            raise TaskClosed(timed_out=self.closed_tasks[task_token])
        self.decided[task_token] = state

    def fail_task(self, task_token: str, reason: FailureReason) -> None:
        if not self.available:
            raise DependencyUnavailable("step functions down")
        if task_token in self.closed_tasks:
            raise TaskClosed(timed_out=self.closed_tasks[task_token])
        self.failed[task_token] = reason


class FakeSmsSender(SmsSender):
    def __init__(self, *, available: bool = True, refused: bool = False) -> None:
        self.outbox: list[tuple[str, str]] = []
        self.request_ids: list[str] = []
        # Which SMS each one was, and the link it carried (what its delivery events will name).
        self.contexts: list[tuple[SmsKind, str]] = []
        self.available = available
        self.refused = refused

    def send(self, phone: str, body: str, *, request_id: str, kind: SmsKind, link_id: str) -> str:
        if not self.available:
            raise DependencyUnavailable("sms service down")
        if self.refused:
            raise SmsRejected("ConflictException", "DESTINATION_PHONE_NUMBER_OPTED_OUT")
        self.outbox.append((phone, body))
        self.request_ids.append(request_id)
        self.contexts.append((kind, link_id))
        return f"message-{len(self.outbox)}"


class FakeSecretProvider(SecretProvider):
    """The current key signs; the current and the previous one verify. `rotate` moves them along."""

    def __init__(self, secret: bytes = b"test-link-secret-0123456789abcdef") -> None:
        self.keys = Keyring(SigningKey(key_id=0, secret=secret))

    @property
    def secret(self) -> bytes:
        return self.keys.current.secret

    def rotate(self, secret: bytes) -> None:
        self.keys = Keyring(next_key(self.keys.current, secret), previous=self.keys.current)

    def signing_key(self) -> SigningKey:
        return self.keys.current

    def verification_key(self, key_id: int) -> SigningKey | None:
        return self.keys.key(key_id)


class FakeSigningKeys(SigningKeyRepository):
    """The versions of the link secret with their labels, moved as Secrets Manager moves them."""

    def __init__(self, *, current: tuple[str, SigningKey] | None = None) -> None:
        self.values: dict[str, SigningKey] = {}
        self.labels: dict[str, set[str]] = {}
        if current:
            self.values[current[0]] = current[1]
            self.labels[current[0]] = {"AWSCURRENT"}

    def stages_of(self, version_id: str) -> set[str]:
        return self.labels.get(version_id, set())

    def stages(self) -> dict[str, frozenset[str]]:
        return {version: frozenset(labels) for version, labels in self.labels.items()}

    def current(self) -> tuple[str, SigningKey] | None:
        found = [v for v, labels in self.labels.items() if "AWSCURRENT" in labels]
        return (found[0], self.values[found[0]]) if found else None

    def pending(self, version_id: str) -> SigningKey | None:
        return self.values.get(version_id) if "AWSPENDING" in self.stages_of(version_id) else None

    def store_pending(self, version_id: str, key: SigningKey) -> None:
        self._move("AWSPENDING", to=version_id)
        self.values[version_id] = key

    def make_current(self, version_id: str, *, replacing: str) -> None:
        self._move("AWSCURRENT", to=version_id)
        self._move("AWSPREVIOUS", to=replacing)

    def _move(self, label: str, *, to: str) -> None:
        for labels in self.labels.values():
            labels.discard(label)
        self.labels.setdefault(to, set()).add(label)


class FakeMessageWriter(MessageWriter):
    """A model that answers with fixed text, or fails."""

    source = MessageSource.BEDROCK

    def __init__(self, text: str | None = "파트너가 요청을 확인했습니다.") -> None:
        self.text = text

    def write(self, request: Request, outcome: Outcome) -> str:
        if self.text is None:
            raise DependencyUnavailable("model down")
        return self.text


def _limit_key(quota: Quota) -> tuple[str, str, str]:
    return (str(quota.kind), quota.subject, quota.window.label if quota.window else "")
