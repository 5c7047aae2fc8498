"""Entities and values of a partner confirmation. Frozen attrs classes; no I/O, no serialization."""

from __future__ import annotations

import enum
from datetime import datetime

import attrs


class Status(enum.StrEnum):
    CREATED = "Created"
    SMS_SENT = "SMSSent"
    OPENED = "Opened"
    RESPONDED = "Responded"
    TIMEOUT = "Timeout"
    FAILED = "Failed"

    @property
    def is_terminal(self) -> bool:
        return self in TERMINAL_STATUSES


# The open statuses in the order a request moves through them.
OPEN_ORDER = (Status.CREATED, Status.SMS_SENT, Status.OPENED)
OPEN_STATUSES = frozenset(OPEN_ORDER)
TERMINAL_STATUSES = frozenset({Status.RESPONDED, Status.TIMEOUT, Status.FAILED})


class EventType(enum.StrEnum):
    CREATED = "Created"
    SMS_SENT = "SMSSent"
    OPENED = "Opened"
    RESPONDED = "Responded"
    TIMEOUT = "Timeout"
    FAILED = "Failed"
    NOTIFIED = "Notified"
    REMINDED = "Reminded"
    # An operator gave a request that ended Timeout or Failed a fresh partner attempt: a new round
    # begins (it stands where Created stands in the first round).
    REDRIVEN = "Redriven"
    # The customer's decision on a time the partner proposed, or its lapse; then the partner is told.
    CUSTOMER_ACCEPTED = "CustomerAccepted"
    CUSTOMER_DECLINED = "CustomerDeclined"
    PROPOSAL_LAPSED = "ProposalLapsed"
    PARTNER_TOLD = "PartnerTold"
    # What the SMS service heard back about one of the request's SMS (the link, the reminder): it
    # reached the partner's phone, or never will. Recorded once per SMS, whatever the request's status.
    DELIVERED = "Delivered"
    UNDELIVERABLE = "Undeliverable"

    @classmethod
    def of(cls, status: Status) -> EventType:
        return cls(status.value)


class Intent(enum.StrEnum):
    CHANGE_RESERVATION = "ChangeReservation"
    REPORT_TROUBLE = "ReportTrouble"
    ADD_ON_SERVICE = "AddOnService"

    @property
    def label(self) -> str:
        return _INTENT_LABELS[self]


_INTENT_LABELS = {
    Intent.CHANGE_RESERVATION: "예약변경",
    Intent.REPORT_TROUBLE: "트러블신고",
    Intent.ADD_ON_SERVICE: "부가서비스",
}

FALLBACK_INTENT = "FallbackIntent"
# When the classifier is unavailable the request still goes to the partner, with the most common intent.
DEFAULT_INTENT = Intent.CHANGE_RESERVATION


class IntentSource(enum.StrEnum):
    LEX = "lex"
    LOCAL = "local"
    FALLBACK = "fallback"
    CUSTOMER = "customer"  # picked by the customer among the choices of an unclear answer


class Answer(enum.StrEnum):
    ACCEPT = "accept"
    REJECT = "reject"
    ALTERNATIVE = "alternative"

    @property
    def label(self) -> str:
        return _ANSWER_LABELS[self]


_ANSWER_LABELS = {Answer.ACCEPT: "수락", Answer.REJECT: "거절", Answer.ALTERNATIVE: "다른 시간 제안"}


class ProposalState(enum.StrEnum):
    """Where a time the partner proposed stands: the customer accepts or declines it, or lets it lapse."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    LAPSED = "lapsed"

    @property
    def is_decided(self) -> bool:
        return self is not ProposalState.PENDING

    @property
    def event(self) -> EventType:
        return _PROPOSAL_EVENTS[self]


_PROPOSAL_EVENTS = {
    ProposalState.ACCEPTED: EventType.CUSTOMER_ACCEPTED,
    ProposalState.DECLINED: EventType.CUSTOMER_DECLINED,
    ProposalState.LAPSED: EventType.PROPOSAL_LAPSED,
}


class Decision(enum.StrEnum):
    """What the customer may do with a proposed time."""

    ACCEPT = "accept"
    DECLINE = "decline"

    @property
    def state(self) -> ProposalState:
        return ProposalState.ACCEPTED if self is Decision.ACCEPT else ProposalState.DECLINED


class Outcome(enum.StrEnum):
    """How the workflow ended, as the workflow itself saw it."""

    RESPONDED = "responded"
    TIMEOUT = "timeout"
    FAILED = "failed"

    @property
    def status(self) -> Status:
        return {
            Outcome.RESPONDED: Status.RESPONDED,
            Outcome.TIMEOUT: Status.TIMEOUT,
            Outcome.FAILED: Status.FAILED,
        }[self]


class FailureReason(enum.StrEnum):
    RESERVATION_NOT_MATCHED = "ReservationNotMatched"
    SMS_NOT_DELIVERED = "SmsNotDelivered"
    # The workflow never texted the partner (its start was lost); the sweeper closed the request.
    NOT_STARTED = "NotStarted"
    # The partner's phone had received as many SMS this hour as the stack allows (a cost guard).
    PARTNER_SMS_LIMIT = "PartnerSmsLimit"
    # The link's SMS went out but the carrier reported it can never reach the partner's phone.
    SMS_UNDELIVERABLE = "SmsUndeliverable"
    INTERNAL = "Internal"


class MessageSource(enum.StrEnum):
    BEDROCK = "bedrock"
    TEMPLATE = "template"


class SmsKind(enum.StrEnum):
    """Which of a request's SMS a delivery outcome is about."""

    LINK = "link"
    REMINDER = "reminder"
    # The partner told what the customer decided on a proposed time (or that it lapsed).
    OUTCOME = "outcome"


@attrs.frozen
class DeliveryOutcome:
    """What the SMS service reported about one SMS it sent: it reached the phone (`delivered`) or
    never will. `status` is the service's own word for it; no phone number is kept."""

    request_id: str
    message_id: str
    delivered: bool
    status: str
    at: datetime
    kind: SmsKind | None = None
    # The link the SMS carried: names the partner attempt (a redrive issues a new link).
    link_id: str | None = None

    @property
    def event(self) -> Event:
        """Its entry on the request's timeline, dated when the service reported it, so the same
        report delivered twice is the same entry."""
        details = {"messageId": self.message_id, "status": self.status}
        if self.kind is not None:
            details["sms"] = str(self.kind)
        kind = EventType.DELIVERED if self.delivered else EventType.UNDELIVERABLE
        return Event(self.request_id, kind, self.at, details)

    @property
    def ends_the_wait(self) -> bool:
        """An undeliverable link SMS: the partner never got the link (the reminder repeats it)."""
        return not self.delivered and self.kind is SmsKind.LINK and self.link_id is not None


@attrs.frozen
class Reservation:
    reservation_number: str
    customer_id: str
    customer_name: str
    customer_phone: str
    partner_id: str
    partner_name: str
    partner_phone: str
    service_type: str
    reservation_date: str


@attrs.frozen
class PartnerResponse:
    answer: Answer
    responded_at: datetime
    alternative_time: datetime | None = None
    # What the partner wrote for the customer (cleaned: runtime/domain/validation.py); shown as text.
    note: str | None = None


@attrs.frozen
class Proposal:
    """A time the partner proposed, waiting for the customer's decision (or decided, or lapsed)."""

    time: datetime
    state: ProposalState = ProposalState.PENDING
    decided_at: datetime | None = None

    def decided(self, state: ProposalState, at: datetime) -> Proposal:
        return attrs.evolve(self, state=state, decided_at=at)


@attrs.frozen
class Ending:
    """How a request ended, as the customer will be told: the outcome, and the answer or the reason."""

    outcome: Outcome
    response: PartnerResponse | None = None
    failure_reason: FailureReason | None = None


@attrs.frozen
class Notification:
    message: str
    at: datetime
    source: MessageSource
    # What the message tells the customer: a recorded answer is always told as an answer.
    outcome: Outcome | None = None


# What matching a request to its reservation adds to it (the names are the same on both).
MATCHED_FIELDS = ("partner_id", "partner_name", "partner_phone", "service_type", "reservation_date")


@attrs.frozen
class Request:
    request_id: str
    customer_phone: str
    reservation_number: str
    query: str
    intent: Intent
    intent_source: IntentSource
    status: Status
    created_at: datetime
    updated_at: datetime
    customer_id: str | None = None
    partner_id: str | None = None
    partner_name: str | None = None
    partner_phone: str | None = None
    service_type: str | None = None
    reservation_date: str | None = None
    task_token: str | None = None
    sms_sent_at: datetime | None = None
    # The deadline the partner was shown; an answer recorded before it is the truth.
    answer_by: datetime | None = None
    # The link the partner holds (its signed token is rebuilt from these for the reminder).
    link_id: str | None = None
    link_expires_at: datetime | None = None
    reminded_at: datetime | None = None
    # When the customer must have been told at the latest; past it the sweeper closes the request.
    due_at: datetime | None = None
    response: PartnerResponse | None = None
    notification: Notification | None = None
    failure_reason: FailureReason | None = None
    # The partner attempt this is (1, then one more per redrive), and the customer's messages of the
    # attempts before it, oldest first.
    attempt: int = 1
    earlier_notifications: tuple[Notification, ...] = ()
    # The customer's own token (runtime/domain/link_token.py, scope customer): its random id binds it
    # to this request; the same token is rebuilt from these for a retried submit.
    customer_token_id: str | None = None
    customer_token_expires_at: datetime | None = None
    # A time the partner proposed (written with the answer), the task token of the workflow waiting
    # for the customer's decision on it, and when the partner was told how it ended.
    proposal: Proposal | None = None
    decision_task_token: str | None = None
    partner_told_at: datetime | None = None

    @property
    def workflow_name(self) -> str:
        """The name of this attempt's workflow execution: the request id on the first attempt, then
        `{requestId}-{attempt}` (a name is used once per state machine, so each attempt has its own)."""
        return self.request_id if self.attempt == 1 else f"{self.request_id}-{self.attempt}"

    @property
    def is_closed(self) -> bool:
        return self.status.is_terminal

    @property
    def ending(self) -> Ending | None:
        """How this request ended, as stored (None while it is open). A recorded answer is the truth."""
        if self.status is Status.RESPONDED:
            return Ending(Outcome.RESPONDED, response=self.response)
        if self.status is Status.TIMEOUT:
            return Ending(Outcome.TIMEOUT)
        if self.status is Status.FAILED:
            return Ending(Outcome.FAILED, failure_reason=self.failure_reason)
        return None

    def ended(self, ending: Ending) -> Request:
        """This request as it reads once it ended so (what the customer's message is written from)."""
        return attrs.evolve(
            self,
            status=ending.outcome.status,
            response=ending.response or self.response,
            failure_reason=ending.failure_reason or self.failure_reason,
        )

    def with_partner(self, matched: Reservation | Request) -> Request:
        """This request with the partner and reservation details of `matched` (a reservation, or
        the request as the orchestrator matched it)."""
        return attrs.evolve(self, **{name: getattr(matched, name) for name in MATCHED_FIELDS})


@attrs.frozen
class Event:
    request_id: str
    type: EventType
    at: datetime
    details: dict[str, str] = attrs.field(factory=dict)


@attrs.frozen
class LinkRecord:
    """The server-side record of a link: what the signed token id stands for, and whether it was used.

    It carries what the partner's page and answer need (the request as it was sent, and the
    workflow's task token), so opening and answering read one item.
    """

    token_id: str
    request: Request
    task_token: str
    expires_at: datetime
    used: bool = False
    sms_sent_at: datetime | None = None

    @property
    def request_id(self) -> str:
        return self.request.request_id

    @property
    def partner_id(self) -> str | None:
        return self.request.partner_id


@attrs.frozen
class UnclearMessage:
    """A message the intent step did not understand, kept as a candidate for new sample utterances.

    Only the text: no phone, no reservation number, nothing that names the customer.
    """

    message_id: str
    text: str
    at: datetime


@attrs.frozen
class IdempotencyRecord:
    key: str
    request_id: str
    fingerprint: str
    expires_at: datetime
