"""Ports: what the use cases need from the outside world. Adapters and test fakes implement them."""

from __future__ import annotations

import abc
from datetime import date, datetime

import attrs

from runtime.contract import Metric
from runtime.domain.model import (
    Event,
    FailureReason,
    IdempotencyRecord,
    Intent,
    IntentSource,
    LinkToken,
    MessageSource,
    Notification,
    Outcome,
    PartnerResponse,
    Request,
    Reservation,
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
    def get_link(self, token_id: str) -> LinkToken | None: ...

    @abc.abstractmethod
    def create_request(self, request: Request, idempotency: IdempotencyRecord | None) -> None:
        """Store the request, its Created event and the idempotency record (if any) together."""

    @abc.abstractmethod
    def issue_link(self, link: LinkToken, at: datetime) -> None:
        """Keep the task token and the partner on the open request and store the link, all or nothing.

        Raises StatusConflict when the request has ended.
        """

    @abc.abstractmethod
    def mark_sms_sent(self, link: LinkToken, at: datetime) -> None:
        """Record SMSSent (on the request and its link); the status moves only if the partner has not
        opened the link already."""

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
    ) -> None:
        """End the request in a terminal status (with its event, and the customer's message if given)."""

    @abc.abstractmethod
    def record_response(self, link: LinkToken, response: PartnerResponse) -> None:
        """Consume the link, set Responded and add the event, all or nothing.

        Raises LinkUsed if the link was consumed, StatusConflict if the request is no longer open.
        """

    @abc.abstractmethod
    def undo_response(self, link: LinkToken, response: PartnerResponse, restore: Status) -> None:
        """Give the link back and return the request to `restore` (the answer did not reach the workflow)."""

    @abc.abstractmethod
    def store_notification(
        self, request_id: str, notification: Notification, *, expected: Status, close_as: Status | None
    ) -> None:
        """Store the customer's message once (AlreadyExists otherwise), closing as `close_as` if given."""

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
    def send(self, phone: str, body: str) -> str:
        """Send a transactional SMS; return the provider's message id. Raises DependencyUnavailable."""


class WorkflowClient(abc.ABC):
    @abc.abstractmethod
    def start(self, request: Request) -> None:
        """Start the workflow of a request matched to its partner; starting it again is not an error."""

    @abc.abstractmethod
    def complete_task(self, task_token: str, request_id: str, response: PartnerResponse) -> None:
        """Resume the waiting task with the partner's answer. Raises TaskClosed or DependencyUnavailable."""


class OrchestratorSender(abc.ABC):
    @abc.abstractmethod
    def send(self, request: Request) -> None:
        """Hand the request to the orchestrator without waiting. Raises DependencyUnavailable."""


class SecretProvider(abc.ABC):
    @abc.abstractmethod
    def link_secret(self) -> bytes: ...


class Clock(abc.ABC):
    @abc.abstractmethod
    def now(self) -> datetime:
        """Timezone-aware current time."""


class MetricWriter(abc.ABC):
    @abc.abstractmethod
    def count(self, metric: Metric, value: int = 1) -> None: ...

    @abc.abstractmethod
    def seconds(self, metric: Metric, value: float) -> None: ...
