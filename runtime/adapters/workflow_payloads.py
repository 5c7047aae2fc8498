"""The request as it travels between functions: the orchestrator's invoke, the workflow's input and its
task results. camelCase JSON with ISO times, the same shape the table stores."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from runtime.adapters.dynamo_converter import from_item, to_attributes
from runtime.domain.model import FailureReason, Outcome, PartnerResponse, Request

REQUEST = "request"
RESULT = "result"


def request_payload(request: Request) -> dict[str, Any]:
    """{requestId, request}: what the orchestrator and the workflow receive."""
    return {"requestId": request.request_id, REQUEST: to_attributes(request)}


def request_of(event: Mapping[str, Any]) -> Request:
    return from_item(event[REQUEST], Request)


def answered_result(request_id: str, response: PartnerResponse) -> dict[str, Any]:
    """The waiting task's output when the partner answers (SendTaskSuccess)."""
    return {"requestId": request_id, "outcome": str(Outcome.RESPONDED), "response": to_attributes(response)}


def outcome_of(event: Mapping[str, Any]) -> tuple[Outcome, PartnerResponse | None, FailureReason | None]:
    """How the workflow ended, from the result the notification step receives."""
    result = event[RESULT]
    response = from_item(result["response"], PartnerResponse) if result.get("response") else None
    reason = FailureReason(result["failureReason"]) if result.get("failureReason") else None
    return Outcome(result["outcome"]), response, reason
