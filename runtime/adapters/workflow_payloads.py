"""The request as it travels between functions: the workflow's input and its task results.
camelCase JSON with ISO times, the same shape the table stores."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from runtime.adapters.dynamo_converter import from_item, to_attributes
from runtime.domain.errors import PartnerSmsLimitReached
from runtime.domain.model import (
    Answer,
    Ending,
    FailureReason,
    Outcome,
    PartnerResponse,
    ProposalState,
    Request,
)

REQUEST = "request"
RESULT = "result"


def request_payload(request: Request) -> dict[str, Any]:
    """{requestId, request}: what the workflow receives."""
    return {"requestId": request.request_id, REQUEST: to_attributes(request)}


def request_of(event: Mapping[str, Any]) -> Request:
    return from_item(event[REQUEST], Request)


def answered_result(request_id: str, response: PartnerResponse) -> dict[str, Any]:
    """The waiting task's output when the partner answers (SendTaskSuccess)."""
    return ending_result(request_id, Ending(Outcome.RESPONDED, response=response))


def decided_result(request_id: str, state: ProposalState) -> dict[str, Any]:
    """How the customer's decision on a proposed time ended (the decision wait's output, and the
    lapse step's): {requestId, proposal}."""
    return {"requestId": request_id, "proposal": str(state)}


def awaits_decision(told: Ending) -> bool:
    """Whether the customer was told of a proposed time, on which the workflow then waits for their
    decision (the proposal was written with the answer)."""
    return told.response is not None and told.response.answer is Answer.ALTERNATIVE


def ending_result(request_id: str, ending: Ending) -> dict[str, Any]:
    """{requestId, outcome, response, failureReason}: every key present, so the state machine's
    result selectors always find them."""
    return {
        "requestId": request_id,
        "outcome": str(ending.outcome),
        "response": to_attributes(ending.response) if ending.response else None,
        "failureReason": str(ending.failure_reason) if ending.failure_reason else None,
    }


def ending_of(event: Mapping[str, Any]) -> Ending:
    """How the workflow ended, from the result the notification step receives."""
    result = event[RESULT]
    response = from_item(result["response"], PartnerResponse) if result.get("response") else None
    reason = FailureReason(result["failureReason"]) if result.get("failureReason") else None
    return Ending(Outcome(result["outcome"]), response=response, failure_reason=reason)


# The error a failed SMS step raised, as Step Functions' Catch hands it on (`$.error.Error`: the
# exception's type name, or the reason a task was failed with from outside), and the reason the
# request fails for.
_FAILURE_REASONS = {
    PartnerSmsLimitReached.__name__: FailureReason.PARTNER_SMS_LIMIT,
    str(FailureReason.SMS_UNDELIVERABLE): FailureReason.SMS_UNDELIVERABLE,
}


def failure_reason_of(event: Mapping[str, Any]) -> FailureReason:
    """Why the SMS step failed, from the error the failure path receives (`{"error": {"Error": ...}}`)."""
    error = event.get("error")
    name = error.get("Error") if isinstance(error, Mapping) else None
    return _FAILURE_REASONS.get(str(name), FailureReason.SMS_NOT_DELIVERED)
