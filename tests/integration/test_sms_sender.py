"""The waitForTaskToken task, called as the workflow calls it, against the emulated table and the local
stand-in of AWS End User Messaging SMS."""

import re
from datetime import datetime, timedelta

import pytest
from botocore.stub import Stubber

from runtime import bootstrap
from runtime.adapters.workflow_payloads import request_payload
from runtime.domain.errors import DependencyUnavailable
from runtime.domain.messages import SMS_BODY_MAX_BYTES, SMS_ENCODING
from runtime.handlers import sms_sender
from tests.builders import assigned_request, request
from tests.integration.conftest import SITE_URL
from tests.integration.flows import PARTNER_PHONE

EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf]")


@pytest.fixture
def stack(deploy):
    """Only the step under test runs: no orchestrator starts a workflow of its own for the request."""
    return deploy(hand_offs=False)


@pytest.fixture
def waiting_request(stack):
    """A stored request; the workflow's input carries it as the orchestrator matched it."""
    bootstrap.repository().create_request(request(), None)
    return request().request_id


def _task(task_token: str) -> dict:
    """The SendSMS task's payload, as the state machine builds it."""
    return {**request_payload(assigned_request()), "taskToken": task_token}


def test_the_task_token_is_stored_before_the_sms_is_sent(stack, waiting_request):
    seen_at_send = []
    bootstrap.client("pinpoint-sms-voice-v2").meta.events.register(
        "before-call.pinpoint-sms-voice-v2.SendTextMessage",
        lambda **_: seen_at_send.append(stack.request_item(waiting_request).get("taskToken")),
    )

    sms_sender.handle(_task("token-from-step-functions"), None)

    assert seen_at_send == ["token-from-step-functions"]
    item = stack.request_item(waiting_request)
    assert item["status"] == "SMSSent"
    assert item["partnerPhone"] == PARTNER_PHONE
    assert stack.event_types(waiting_request) == ["Created", "SMSSent"]


def test_the_sms_fits_one_korean_sms_and_carries_the_short_link(stack, waiting_request):
    sms_sender.handle(_task("t"), None)

    (sms,) = stack.aws.outbox.messages()
    assert sms.to == PARTNER_PHONE
    assert len(sms.body.encode(SMS_ENCODING)) <= SMS_BODY_MAX_BYTES
    assert not EMOJI.search(sms.body)
    link = re.search(r"https://\S+", sms.body).group(0)
    assert re.fullmatch(re.escape(SITE_URL) + r"/r/[A-Za-z0-9_-]{28}", link)
    token_items = stack.items("TOKEN#")
    assert [t["request"]["requestId"] for t in token_items] == [waiting_request]
    assert token_items[0]["taskToken"] == "t"
    assert token_items[0]["used"] is False
    assert token_items[0]["ttl"] > 0


def test_the_sms_goes_through_the_stacks_configuration_set_naming_its_request(stack, waiting_request):
    sent = []
    bootstrap.client("pinpoint-sms-voice-v2").meta.events.register(
        "provide-client-params.pinpoint-sms-voice-v2.SendTextMessage", lambda params, **_: sent.append(params)
    )

    sms_sender.handle(_task("t"), None)

    ((params),) = sent
    assert params["MessageType"] == "TRANSACTIONAL"
    assert params["ConfigurationSetName"] == stack.deployment.environment["SMS_CONFIGURATION_SET"]
    # The request, which of its SMS this is and the link it carries: its delivery events name them.
    [link] = stack.items("TOKEN#")
    assert params["Context"] == {"requestId": waiting_request, "sms": "link", "linkId": link["tokenId"]}
    assert "OriginationIdentity" not in params and "MaxPrice" not in params  # unset: the service chooses


def test_an_sms_service_error_raises_for_the_workflow_to_retry_and_keeps_the_task_token(
    stack, waiting_request
):
    with Stubber(bootstrap.client("pinpoint-sms-voice-v2")) as sms:
        sms.add_client_error(
            "send_text_message", service_error_code="InternalServerException", http_status_code=500
        )
        with pytest.raises(DependencyUnavailable):
            sms_sender.handle(_task("token-1"), None)

    item = stack.request_item(waiting_request)
    assert item["taskToken"] == "token-1"
    assert item["status"] == "Created"
    assert stack.event_types(waiting_request) == ["Created"]


def test_a_transaction_whose_answer_was_lost_is_retried_as_done(stack, waiting_request):
    """botocore retries a timed-out transaction with the same ClientRequestToken; DynamoDB (and the
    local emulator) answers it as done, so the link stored by the first try is not refused."""
    seen = []

    def retry_the_first_answer(attempts, **_):
        seen.append(attempts)
        return 0 if len(seen) == 1 else None  # as if the first answer never arrived

    events = bootstrap.client("dynamodb").meta.events
    events.register("needs-retry.dynamodb.TransactWriteItems", retry_the_first_answer, "lost-answer")
    try:
        sms_sender.handle(_task("token-1"), None)
    finally:
        events.unregister("needs-retry.dynamodb.TransactWriteItems", unique_id="lost-answer")

    assert seen[:2] == [1, 2]
    assert stack.request_item(waiting_request)["status"] == "SMSSent"
    assert len(stack.items("TOKEN#")) == 1
    assert len(stack.aws.outbox.messages()) == 1


def test_a_retried_step_texts_again_but_the_round_has_one_sms_sent(stack, waiting_request):
    """The first attempt died after recording its SMS; the retry sends a fresh link (at least once),
    and the partner, who opened the first link meanwhile, keeps the status the answer page gave."""
    sms_sender.handle(_task("first-attempt"), None)
    first = stack.request_item(waiting_request)
    first_sent = _at(first["smsSentAt"])
    assert bootstrap.repository().mark_opened(waiting_request, first_sent + timedelta(seconds=1))

    sms_sender.handle(_task("second-attempt"), None)

    assert len(stack.aws.outbox.messages()) == 2
    item = stack.request_item(waiting_request)
    assert item["status"] == "Opened"
    assert _at(item["smsSentAt"]) == first_sent  # the round's SMS is the first one
    assert stack.event_types(waiting_request) == ["Created", "SMSSent", "Opened"]
    second_link = item["linkId"]
    assert second_link != first["linkId"]
    assert (stack.item(f"TOKEN#{second_link}") or {}).get("smsSentAt")


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value)
