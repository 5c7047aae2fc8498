"""Domain exceptions. Each carries a stable code for programs and a Korean message for people."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from runtime.domain.model import Intent, ProposalState, Status

if TYPE_CHECKING:  # limits.py does not import this module; the check keeps it that way
    from runtime.domain.limits import Quota


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


class NotThroughSite(DomainError):
    """A request sent to the API's own address rather than through the site (CloudFront)."""

    code = "FORBIDDEN"
    message = "이 주소로는 직접 요청할 수 없습니다. 서비스 페이지에서 이용해 주세요."


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

    # What became of the time the partner proposed, for a partner who opens the used link again.
    _PROPOSALS: ClassVar[dict[ProposalState, str]] = {
        ProposalState.PENDING: f"{message} 제안하신 시간에 대한 고객의 결정을 기다리고 있습니다.",
        ProposalState.ACCEPTED: f"{message} 고객이 제안하신 시간을 수락했습니다.",
        ProposalState.DECLINED: f"{message} 고객이 제안하신 시간을 거절하고 다른 시간을 요청했습니다.",
        ProposalState.LAPSED: f"{message} 고객이 기한 안에 결정하지 않아 제안하신 시간은 만료되었습니다.",
    }

    def __init__(self, proposal: ProposalState | None = None) -> None:
        self.proposal = proposal
        super().__init__(self._PROPOSALS.get(proposal) if proposal else None)


class CustomerTokenInvalid(DomainError):
    """The customer's token is missing, forged, expired, or belongs to another request."""

    code = "CUSTOMER_TOKEN_INVALID"
    message = "문의를 보낸 화면에서만 결정할 수 있습니다. 문의한 페이지를 다시 열어 주세요."


class NoPendingProposal(DomainError):
    """The request has no proposed time waiting for the customer's decision (none, decided, lapsed)."""

    code = "NO_PENDING_PROPOSAL"
    _MESSAGES: ClassVar[dict[ProposalState, str]] = {
        ProposalState.ACCEPTED: "이미 수락한 제안입니다.",
        ProposalState.DECLINED: "이미 거절한 제안입니다.",
        ProposalState.LAPSED: "결정 기한이 지나 제안이 만료되었습니다.",
    }

    def __init__(self, state: ProposalState | None = None) -> None:
        self.state = state
        super().__init__(
            self._MESSAGES.get(state, "결정할 제안이 없습니다.") if state else "결정할 제안이 없습니다."
        )


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


class TooManyRequests(DomainError):
    """A limit refused the request (429): nothing was stored. `retry_after_seconds` says when it may
    be sent again."""

    code = "RATE_LIMITED"
    message = "요청이 너무 많습니다. 잠시 후 다시 시도해 주세요."

    def __init__(self, *, retry_after_seconds: int, maximum: int | None = None) -> None:
        self.retry_after_seconds = retry_after_seconds
        self.maximum = maximum
        super().__init__(self.describe(maximum))

    def describe(self, maximum: int | None) -> str:
        return self.message


class TooManyOpenRequests(TooManyRequests):
    code = "TOO_MANY_OPEN_REQUESTS"

    def describe(self, maximum: int | None) -> str:
        return (
            f"이 예약으로 확인을 기다리는 문의가 이미 {maximum}건 있습니다. "
            "앞선 문의에 대한 안내를 받은 뒤 다시 문의해 주세요."
        )


class DailyLimitReached(TooManyRequests):
    code = "DAILY_LIMIT_REACHED"

    def describe(self, maximum: int | None) -> str:
        return f"이 예약으로 오늘 보낼 수 있는 문의 {maximum}건을 모두 보냈습니다. 내일 다시 문의해 주세요."


class TooManyLookups(TooManyRequests):
    """Unknown reservation and wrong phone read the same: so does this limit, whatever was guessed."""

    code = "TOO_MANY_LOOKUPS"

    def describe(self, maximum: int | None) -> str:
        return (
            "예약을 확인하지 못한 문의가 많아 이 번호로는 잠시 문의를 받을 수 없습니다. "
            "예약번호와 휴대전화 번호를 확인한 뒤 잠시 후 다시 시도해 주세요."
        )


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


class LimitReached(Exception):
    """A write was refused by one of its limits (runtime/domain/limits.py): `quota` names which."""

    def __init__(self, quota: Quota) -> None:
        super().__init__(f"limit reached: {quota.kind}")
        self.quota = quota


class PartnerSmsLimitReached(Exception):
    """The partner's phone received as many SMS this hour as the stack allows: this request is not
    texted (the workflow does not retry it; its failure path ends it with its own reason)."""


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
