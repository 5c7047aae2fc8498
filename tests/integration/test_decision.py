"""A proposed time on the real state machine: the customer decides with their token, the workflow's
second wait is resumed from the table's stream (or lapses), and the partner is told once."""

from datetime import UTC, datetime, timedelta

import pytest

from runtime.domain.kst import KST
from runtime.handlers import decision, partner_page, request_status
from tests.integration.conftest import api_event, body_of
from tests.integration.flows import PARTNER_PHONE, submit

PROPOSED = (datetime.now(UTC) + timedelta(days=3)).astimezone(KST).replace(microsecond=0)


def decision_event(request_id, *, body, authorization):
    event = api_event("decision_post", body=body, path_parameters={"requestId": request_id})
    event["rawPath"] = f"/api/requests/{request_id}/decision"
    if authorization is None:
        del event["headers"]["authorization"]
    else:
        event["headers"]["authorization"] = authorization
    return event


def _decide(request_id, customer_token, decision_value="accept"):
    event = decision_event(
        request_id, body={"decision": decision_value}, authorization=f"Bearer {customer_token}"
    )
    return decision.handle(event, None)


def _timeline(request_id):
    found = request_status.handle(
        api_event("request_status_get", path_parameters={"requestId": request_id}), None
    )
    return body_of(found)


def _submit_and_propose(stack, note=None):
    created = submit()
    request_id, customer_token = created["requestId"], created["customerToken"]
    stack.wait_for_status(request_id, "SMSSent", "Opened")
    token = stack.aws.outbox.messages()[-1].body.rsplit("/r/", 1)[1]
    body = {"token": token, "response": "alternative", "alternativeTime": PROPOSED.isoformat()}
    if note is not None:
        body["note"] = note
    answered = partner_page.handle(api_event("respond_post", body=body), None)
    assert answered["statusCode"] == 200, body_of(answered)
    stack.wait_for(lambda: stack.request_item(request_id).get("decisionTaskToken"))
    return request_id, customer_token, token


def _told(stack, request_id):
    return stack.wait_for(
        lambda: "PartnerTold" in stack.event_types(request_id) and stack.event_types(request_id)
    )


def test_the_customer_accepts_and_the_partner_is_told_once(stack):
    request_id, customer_token, link = _submit_and_propose(
        stack, note="  오전엔 만실이라\n오후로 제안드려요 "
    )

    shown = _timeline(request_id)
    assert shown["status"] == "Responded"
    assert shown["partnerNote"] == "오전엔 만실이라 오후로 제안드려요"
    assert shown["proposal"] == {"time": PROPOSED.isoformat(), "state": "pending"}

    decided = _decide(request_id, customer_token, "accept")
    assert decided["statusCode"] == 200, body_of(decided)
    assert body_of(decided)["proposal"]["state"] == "accepted"
    assert body_of(decided)["status"] == "Responded"

    events = _told(stack, request_id)
    assert events == ["Created", "SMSSent", "Responded", "Notified", "CustomerAccepted", "PartnerTold"]
    _, told = stack.aws.outbox.messages()
    assert told.to == PARTNER_PHONE
    assert "HTL-100101" in told.body and "수락" in told.body and "/r/" not in told.body
    execution = stack.wait_for(
        lambda: stack.executions()[0]["status"] == "SUCCEEDED" and stack.executions()[0]
    )
    assert execution["name"] == request_id
    assert _timeline(request_id)["proposal"]["state"] == "accepted"

    again = _decide(request_id, customer_token, "decline")
    assert again["statusCode"] == 409
    assert body_of(again)["error"]["code"] == "NO_PENDING_PROPOSAL"

    opened = partner_page.handle(api_event("confirm_get", path_parameters={"token": link}), None)
    assert opened["statusCode"] == 409
    assert "수락" in body_of(opened)["error"]["message"]


def test_the_customer_declines_and_the_partner_is_told_so(stack):
    request_id, customer_token, _ = _submit_and_propose(stack)
    assert _decide(request_id, customer_token, "decline")["statusCode"] == 200
    events = _told(stack, request_id)
    assert events[-2:] == ["CustomerDeclined", "PartnerTold"]
    assert "거절" in stack.aws.outbox.messages()[-1].body


def test_an_undecided_proposal_lapses_and_the_partner_is_told(deploy):
    stack = deploy(customer_decision_seconds=2)
    request_id, customer_token, _ = _submit_and_propose(stack)

    events = _told(stack, request_id)
    assert events[-2:] == ["ProposalLapsed", "PartnerTold"]
    assert "만료" in stack.aws.outbox.messages()[-1].body
    late = _decide(request_id, customer_token, "accept")
    assert late["statusCode"] == 409
    assert "만료" in body_of(late)["error"]["message"]
    assert _timeline(request_id)["proposal"]["state"] == "lapsed"


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer " + "A" * 28, "Basic abc"],
    ids=["missing", "forged", "not-bearer"],
)
def test_no_decision_without_the_customers_own_token(stack, authorization):
    request_id, _, _ = _submit_and_propose(stack)
    other = submit(message="조식 추가할게요")
    for header in (authorization, f"Bearer {other['customerToken']}"):
        event = decision_event(request_id, body={"decision": "accept"}, authorization=header)
        refused = decision.handle(event, None)
        assert refused["statusCode"] == 401, body_of(refused)
        assert body_of(refused)["error"]["code"] == "CUSTOMER_TOKEN_INVALID"
    assert stack.request_item(request_id)["proposal"]["state"] == "pending"


def test_a_request_without_a_proposal_has_nothing_to_decide(stack):
    created = submit()
    request_id = created["requestId"]
    stack.wait_for_status(request_id, "SMSSent", "Opened")
    token = stack.aws.outbox.messages()[-1].body.rsplit("/r/", 1)[1]
    partner_page.handle(api_event("respond_post", body={"token": token, "response": "accept"}), None)
    stack.wait_for(lambda: stack.executions()[0]["status"] == "SUCCEEDED")

    refused = _decide(request_id, created["customerToken"])
    assert refused["statusCode"] == 409
    assert "proposal" not in _timeline(request_id)
    assert len(stack.aws.outbox.messages()) == 1


def test_bad_decisions_are_400s_in_the_error_shape(stack):
    request_id, customer_token, _ = _submit_and_propose(stack)
    for value in ("maybe", "", None):
        refused = _decide(request_id, customer_token, value)
        assert refused["statusCode"] == 400
        assert body_of(refused)["error"]["field"] == "decision"
