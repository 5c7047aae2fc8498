"""Ports: what the use cases need from the outside world. Adapters and test fakes implement them."""

from __future__ import annotations

import abc
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime

import attrs

from runtime.contract import Metric
from runtime.domain.limits import Quota
from runtime.domain.link_token import SigningKey
from runtime.domain.model import (
    Event,
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


class RequestRepository(abc.ABC):
    """The single table. Every status write is conditional and carries its event in one transaction.

    Conditional writes that find another status raise `StatusConflict`; creates that find the item
    already there raise `AlreadyExists`.
    """

    @abc.abstractmethod
    def get_request(self, request_id: str) -> Request | None: ...

    @abc.abstractmethod
    def get_timeline(self, request_id: str) -> tuple[Request, list[Event]] | None: ...

    @abc.abstractmethod
    def find_reservation(self, reservation_number: str, customer_phone: str) -> Reservation | None:
        """The reservation with this number AND this customer phone (E.164), else None."""

    @abc.abstractmethod
    def get_idempotency(self, key: str) -> IdempotencyRecord | None: ...

    @abc.abstractmethod
    def get_link(self, token_id: str) -> LinkRecord | None: ...

    @abc.abstractmethod
    def overdue(self, now: datetime, *, days: int) -> list[str]:
        """Ids of requests due at or before `now` (their customer not yet told), over the last `days`."""

    @abc.abstractmethod
    def forget_due(self, request_id: str) -> None:
        """Drop the request's due marker (its customer was told)."""

    @abc.abstractmethod
    def requests_by_status(self, status: Status, day: date) -> Iterator[Request]:
        """Requests now in `status` that reached it on `day` (UTC), oldest created first (the status
        index, one partition per status and day)."""

    @abc.abstractmethod
    def count_in_status(self, status: Status, day: date) -> int:
        """How many requests moved to `status` on `day` (UTC) and are still in it (what
        `requests_by_status` would give, without reading them)."""

    @abc.abstractmethod
    def create_request(
        self, request: Request, idempotency: IdempotencyRecord | None, quotas: Sequence[Quota] = ()
    ) -> None:
        """Store the request, its Created event, its due marker and the idempotency record (if any)
        together, counted against each of `quotas`. The orchestrator is handed the request from this
        write (the table's stream).

        Raises AlreadyExists when the request or the idempotency key is taken (whatever the limits
        say), LimitReached (naming the quota that frees last) when a quota is full: nothing is stored.
        """

    @abc.abstractmethod
    def issue_link(
        self, link: LinkRecord, at: datetime, *, count: Sequence[Quota] = (), release: Sequence[Quota] = ()
    ) -> None:
        """Keep the task token, the partner and the deadlines of `link.request` on the open request,
        move its due marker, and store the link, counted against each of `count` and taken out of
        each of `release`, all or nothing.

        Raises StatusConflict when the request has ended, LimitReached when a `count` quota is full.
        """

    @abc.abstractmethod
    def mark_sms_sent(self, link: LinkRecord, at: datetime) -> None:
        """Record SMSSent (on the request and its link); the status moves only if the partner has not
        opened the link already, and the event is written once per round (a retried step that texted
        again stamps its link only)."""

    @abc.abstractmethod
    def follow_task(self, request: Request, task_token: str, at: datetime) -> None:
        """Keep `task_token` as the one the workflow now waits on, on the open request and on its
        link's record (`request.link_id`), all or nothing. Raises StatusConflict when the request is
        no longer open."""

    @abc.abstractmethod
    def mark_reminded(self, request_id: str, at: datetime) -> bool:
        """Record the reminder once (its event with it); False if it was recorded before, or if the
        customer was told meanwhile (the request ended while the reminder went out)."""

    @abc.abstractmethod
    def mark_opened(self, request_id: str, at: datetime) -> bool:
        """Move Created/SMSSent to Opened with its event; False if it was opened before."""

    @abc.abstractmethod
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
        """End the request in a terminal status (with its event, and the customer's message if given,
        which also drops its due marker). `frees`: the request's place among its reservation's open
        requests, freed in the same write (given with the message). `link_id`: only if the request
        still holds this link (the partner attempt it was sent in)."""

    @abc.abstractmethod
    def record_event(self, event: Event) -> bool:
        """Put `event` on its request's timeline, whatever the request's status; the same event again
        is the same entry (its key is its time and type). False when the request is gone."""

    @abc.abstractmethod
    def record_response(self, link: LinkRecord, response: PartnerResponse) -> None:
        """Consume the link, set Responded and add the event, all or nothing. Only while the request is
        open and before its `answer_by`: what follows (resuming the workflow) is delivered from this
        write, never undone.

        Raises LinkUsed if the link was consumed, StatusConflict if the request is no longer open or
        its deadline has passed.
        """

    @abc.abstractmethod
    def record_decision(self, request_id: str, decided: Proposal, *, customer_token_id: str) -> None:
        """The customer's decision on the pending proposal (`decided`: the proposal as decided) with
        its event, in one write, on the condition that the request still holds the customer's token
        `customer_token_id` and its proposal is pending. The workflow waiting for the decision is
        resumed from this write (the table's stream). Raises StatusConflict otherwise."""

    @abc.abstractmethod
    def await_decision(self, request_id: str, task_token: str, at: datetime) -> None:
        """Keep `task_token` as the one the workflow waits on for the customer's decision, while the
        proposal is pending. Raises StatusConflict when it is not (decided already, or none)."""

    @abc.abstractmethod
    def lapse_proposal(self, request_id: str, at: datetime) -> bool:
        """A pending proposal the customer did not decide on in time becomes lapsed, with its event.
        False when it was not pending (a decision recorded meanwhile stands)."""

    @abc.abstractmethod
    def mark_partner_told(self, request_id: str, state: ProposalState, at: datetime) -> bool:
        """Record once that the partner was told how their proposal ended (its event with it); False
        if it was recorded before."""

    @abc.abstractmethod
    def store_notification(
        self,
        request_id: str,
        notification: Notification,
        *,
        expected: Status,
        close_as: Status | None,
        frees: Quota,
    ) -> None:
        """Store the customer's message once (AlreadyExists otherwise), closing as `close_as` if given,
        drop the due marker, and free `frees` (the request's place among its reservation's open
        requests: a request holds it until its customer is told), all in one write."""

    @abc.abstractmethod
    def redrive(self, request: Request, redriven: Request, *, details: Mapping[str, str]) -> None:
        """Start `request`'s next attempt as `redriven` (runtime.domain.redrive.next_round) in one
        write: the status back to Created, the attempt counted, the earlier message kept, the round's
        link, deadlines and message dropped, the due marker put back and a Redriven event (with
        `details`). Only while the request is as read: ended Timeout or Failed, told, unanswered, at
        the same attempt; StatusConflict otherwise. Its next workflow is started from this write."""

    @abc.abstractmethod
    def record_unclear(self, message: UnclearMessage) -> None:
        """Keep a message the intent step did not understand, for two weeks, filed under its KST day.

        Raises DependencyUnavailable on any failure: the caller answers the customer regardless.
        """

    @abc.abstractmethod
    def recent_unclear(self, day: date, limit: int | None = None) -> list[UnclearMessage]:
        """The unclear messages of a KST day, newest first."""


@attrs.frozen
class Classification:
    intent: Intent | None  # None: the classifier's fallback intent (it did not understand)
    source: IntentSource


class IntentClassifier(abc.ABC):
    @abc.abstractmethod
    def classify(self, text: str, session_id: str) -> Classification:
        """Raises DependencyUnavailable when the service cannot answer."""


class MessageWriter(abc.ABC):
    source: MessageSource

    @abc.abstractmethod
    def write(self, request: Request, outcome: Outcome) -> str:
        """The customer's message; raises DependencyUnavailable when this writer cannot produce one."""


class SmsSender(abc.ABC):
    @abc.abstractmethod
    def send(self, phone: str, body: str, *, request_id: str, kind: SmsKind, link_id: str) -> str:
        """Send a transactional SMS about `request_id`, the `kind` of SMS carrying link `link_id` (its
        delivery events name all three); return the provider's message id. Raises
        DependencyUnavailable when worth retrying, SmsRejected when not."""


class WorkflowClient(abc.ABC):
    @abc.abstractmethod
    def start(self, request: Request) -> None:
        """Start the workflow of a request matched to its partner; starting it again is not an error."""

    @abc.abstractmethod
    def complete_task(self, task_token: str, request_id: str, response: PartnerResponse) -> None:
        """Resume the waiting task with the partner's answer. Raises TaskClosed or DependencyUnavailable."""

    @abc.abstractmethod
    def complete_decision(self, task_token: str, request_id: str, state: ProposalState) -> None:
        """Resume the task waiting for the customer's decision with it. Raises TaskClosed or
        DependencyUnavailable."""

    @abc.abstractmethod
    def fail_task(self, task_token: str, reason: FailureReason) -> None:
        """End the waiting task with `reason` as its error (the workflow's failure path takes it on).
        Raises TaskClosed or DependencyUnavailable."""

    @abc.abstractmethod
    def running(self, request: Request) -> bool:
        """Whether the workflow of the request's current attempt is still running."""


class SecretProvider(abc.ABC):
    """The link-signing keys: the current secret signs; it and the previous one verify."""

    @abc.abstractmethod
    def signing_key(self) -> SigningKey: ...

    @abc.abstractmethod
    def verification_key(self, key_id: int) -> SigningKey | None:
        """The key with this id, if it is the current or the previous secret; else None."""


class SigningKeyRepository(abc.ABC):
    """The stored versions of the link-signing secret, as a rotation moves them along."""

    @abc.abstractmethod
    def stages(self) -> dict[str, frozenset[str]]:
        """Every version id with its staging labels."""

    @abc.abstractmethod
    def current(self) -> tuple[str, SigningKey] | None:
        """The current version's id and key (None: the secret has no value yet)."""

    @abc.abstractmethod
    def pending(self, version_id: str) -> SigningKey | None:
        """The key of that version while it is pending, if it has a value."""

    @abc.abstractmethod
    def store_pending(self, version_id: str, key: SigningKey) -> None: ...

    @abc.abstractmethod
    def make_current(self, version_id: str, *, replacing: str) -> None:
        """The pending version becomes current; the one it replaces becomes the previous."""


class Clock(abc.ABC):
    @abc.abstractmethod
    def now(self) -> datetime:
        """Timezone-aware current time."""


class MetricWriter(abc.ABC):
    @abc.abstractmethod
    def count(self, metric: Metric, value: int = 1) -> None: ...

    @abc.abstractmethod
    def seconds(self, metric: Metric, value: float) -> None: ...

    @abc.abstractmethod
    def level(self, metric: Metric, value: float, *, status: str) -> None:
        """How many there are right now, per status (a gauge, not a count of events)."""


class OperatorAlerts(abc.ABC):
    @abc.abstractmethod
    def alert(self, subject: str, message: str) -> None:
        """Tell the operators (by e-mail, through their topic). Raises DependencyUnavailable."""
