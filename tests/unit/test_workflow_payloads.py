"""The request and the partner's answer as they travel through Lambda and Step Functions payloads."""

import json
from datetime import timedelta

from runtime.adapters.workflow_payloads import answered_result, outcome_of, request_of, request_payload
from runtime.domain.model import Answer, FailureReason, Outcome, PartnerResponse
from tests.builders import T0, assigned_request


def _through_json(payload):
    return json.loads(json.dumps(payload, ensure_ascii=False))


def test_the_matched_request_survives_the_trip_through_json_unchanged():
    matched = assigned_request()
    payload = _through_json(request_payload(matched))
    assert payload["requestId"] == matched.request_id
    assert request_of(payload) == matched


def test_the_partners_answer_reaches_the_notification_step():
    answer = PartnerResponse(Answer.ALTERNATIVE, T0, alternative_time=T0 + timedelta(days=1))
    event = _through_json({"result": answered_result("r-1", answer)})
    assert outcome_of(event) == (Outcome.RESPONDED, answer, None)


def test_timeout_and_failure_results_carry_no_answer():
    assert outcome_of({"result": {"outcome": "timeout"}}) == (Outcome.TIMEOUT, None, None)
    failed = {"result": {"outcome": "failed", "failureReason": "SmsNotDelivered"}}
    assert outcome_of(failed) == (Outcome.FAILED, None, FailureReason.SMS_NOT_DELIVERED)
