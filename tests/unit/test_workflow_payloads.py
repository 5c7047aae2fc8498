"""The request and the partner's answer as they travel through Lambda and Step Functions payloads."""

import json
from datetime import timedelta

import pytest

from runtime.adapters.workflow_payloads import (
    answered_result,
    ending_of,
    ending_result,
    request_of,
    request_payload,
)
from runtime.domain.model import Answer, Ending, FailureReason, Outcome, PartnerResponse
from tests.builders import T0, assigned_request


def _through_json(payload):
    return json.loads(json.dumps(payload, ensure_ascii=False))


def test_the_matched_request_survives_the_trip_through_json_unchanged():
    matched = assigned_request(answer_by=T0, due_at=T0 + timedelta(seconds=30))
    payload = _through_json(request_payload(matched))
    assert payload["requestId"] == matched.request_id
    assert request_of(payload) == matched


def test_the_partners_answer_reaches_the_notification_step():
    answer = PartnerResponse(Answer.ALTERNATIVE, T0, alternative_time=T0 + timedelta(days=1))
    event = _through_json({"result": answered_result("r-1", answer)})
    assert ending_of(event) == Ending(Outcome.RESPONDED, response=answer)


@pytest.mark.parametrize(
    "ending",
    [
        Ending(Outcome.TIMEOUT),
        Ending(Outcome.FAILED, failure_reason=FailureReason.SMS_NOT_DELIVERED),
        Ending(Outcome.RESPONDED, response=PartnerResponse(Answer.REJECT, T0)),
    ],
    ids=lambda e: str(e.outcome),
)
def test_a_closing_step_result_carries_every_key_and_round_trips(ending):
    result = _through_json(ending_result("r-1", ending))
    assert set(result) == {"requestId", "outcome", "response", "failureReason"}  # the ASL selects all
    assert ending_of({"result": result}) == ending
