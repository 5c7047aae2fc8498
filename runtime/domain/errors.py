"""Domain exceptions. Each carries a stable code for programs and a Korean message for people."""

from __future__ import annotations

from typing import ClassVar

from runtime.domain.model import Intent, Status


class DomainError(Exception):
    code = "ERROR"
    message = "요청을 처리하지 못했습니다."

    def __init__(self, message: str | None = None) -> None:
        if message is not None:
            self.message = message
        super().__init__(self.message)


class InvalidInput(DomainError):
    code = "INVALID_INPUT"
    message = "입력값을 확인해 주세요."

    def __init__(self, message: str | None = None, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class PayloadTooLarge(DomainError):
    code = "PAYLOAD_TOO_LARGE"
    message = "요청이 너무 큽니다. 내용을 줄여 다시 보내 주세요."


class UnsupportedMediaType(DomainError):
    """A body declared as anything but JSON (UTF-8): the API reads nothing else."""

    code = "UNSUPPORTED_MEDIA_TYPE"
    message = "요청 본문은 JSON 으로 보내 주세요 (Content-Type: application/json)."


class IntentUnclear(DomainError):
    """No request was made: the customer picks one of `choices` (or writes more) and sends again."""

    code = "INTENT_UNCLEAR"
    message = (
        "문의 내용을 정확히 이해하지 못했습니다. 아래에서 문의 유형을 고르시거나, "
        "어떤 도움이 필요하신지 조금 더 구체적으로 적어 주세요."
    )
    choices: ClassVar[tuple[Intent, ...]] = tuple(Intent)


class RequestNotFound(DomainError):
    code = "REQUEST_NOT_FOUND"
    message = "요청을 찾을 수 없습니다. 주소를 다시 확인해 주세요."


class IdempotencyKeyReused(DomainError):
    code = "IDEMPOTENCY_KEY_REUSED"
    message = "같은 요청 키로 다른 내용이 이미 접수되었습니다. 새로 작성해 주세요."


class LinkInvalid(DomainError):
    code = "LINK_INVALID"
    message = "올바르지 않은 링크입니다. 문자로 받은 링크를 다시 확인해 주세요."


class LinkExpired(DomainError):
    code = "LINK_EXPIRED"
    message = "링크의 유효 시간이 지났습니다."


class LinkUsed(DomainError):
    code = "LINK_USED"
    message = "이미 응답한 링크입니다."


class RequestClosed(DomainError):
    """The request ended (Timeout / Failed / Responded): its link no longer accepts answers."""

    code = "REQUEST_CLOSED"
    _MESSAGES: ClassVar[dict[Status, str]] = {
        Status.TIMEOUT: "응답 시간이 지났습니다. 이 요청은 종료되었습니다.",
        Status.FAILED: "이 요청은 처리 중 종료되었습니다.",
        Status.RESPONDED: "이미 응답이 완료된 요청입니다.",
    }

    def __init__(self, status: Status) -> None:
        self.status = status
        super().__init__(self._MESSAGES.get(status, "이 요청은 종료되었습니다."))


class ServiceUnavailable(DomainError):
    code = "SERVICE_UNAVAILABLE"
    message = "일시적인 문제로 처리하지 못했습니다. 잠시 후 다시 시도해 주세요."


# --- raised by adapters, handled by services (never shown to people as-is) ----------------------


class StatusConflict(Exception):
    """A conditional write found the request in another status than expected."""


class AlreadyExists(Exception):
    """A conditional create found the item already there."""


class TaskClosed(Exception):
    """The workflow task no longer waits (timed out, or its execution ended)."""

    def __init__(self, timed_out: bool) -> None:
        super().__init__("task timed out" if timed_out else "task no longer exists")
        self.timed_out = timed_out


class DependencyUnavailable(Exception):
    """An outside service failed in a way worth retrying later."""


class SmsRejected(Exception):
    """The SMS service refused this message for good (the number opted out or is not a valid
    destination, the route or sender is not allowed, the price is over the limit): sending it again
    would be refused again, so the workflow does not retry it."""

    def __init__(self, code: str, reason: str | None = None) -> None:
        super().__init__(f"{code} ({reason})" if reason else code)
        self.code = code
        self.reason = reason


class RedriveRefused(Exception):
    """An operator asked for a fresh attempt of a request that may not have one (the reason says why,
    in English, for the operator)."""

    def __init__(self, request_id: str, reason: str) -> None:
        super().__init__(f"request {request_id} is not redriven: {reason}")
        self.request_id = request_id
        self.reason = reason
