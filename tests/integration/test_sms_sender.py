"""The waitForTaskToken task, called as the workflow calls it, against the emulated table and SNS."""

import re

import pytest
from botocore.stub import Stubber

from runtime import bootstrap
from runtime.domain.errors import DependencyUnavailable
from runtime.domain.messages import SMS_BODY_MAX_BYTES, SMS_ENCODING
from runtime.handlers import sms_sender
from tests.builders import request, reservation
from tests.integration.conftest import SITE_URL
from tests.integration.flows import PARTNER_PHONE

EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf]")


@pytest.fixture
def waiting_request(stack):
    """A request the orchestrator matched, as the workflow's first task finds it."""
    repository = bootstrap.repository()
    created = request()
    repository.create_request(created, None)
    repository.assign_partner(created.request_id, reservation(), created.created_at)
    return created.request_id


def test_the_task_token_is_stored_before_the_sms_is_published(stack, waiting_request):
    seen_at_publish = []
    bootstrap.client("sns").meta.events.register(
        "before-call.sns.Publish",
        lambda **_: seen_at_publish.append(stack.request_item(waiting_request).get("taskToken")),
    )

    sms_sender.handle({"requestId": waiting_request, "taskToken": "token-from-step-functions"}, None)

    assert seen_at_publish == ["token-from-step-functions"]
    item = stack.request_item(waiting_request)
    assert item["status"] == "SMSSent"
    assert stack.event_types(waiting_request) == ["Created", "SMSSent"]


def test_the_sms_fits_one_korean_sms_and_carries_the_short_link(stack, waiting_request):
    sms_sender.handle({"requestId": waiting_request, "taskToken": "t"}, None)

    (sms,) = stack.aws.outbox.messages()
    assert sms.to == PARTNER_PHONE
    assert len(sms.body.encode(SMS_ENCODING)) <= SMS_BODY_MAX_BYTES
    assert not EMOJI.search(sms.body)
    link = re.search(r"https://\S+", sms.body).group(0)
    assert re.fullmatch(re.escape(SITE_URL) + r"/r/[A-Za-z0-9_-]{28}", link)
    token_items = stack.items("TOKEN#")
    assert [t["requestId"] for t in token_items] == [waiting_request]
    assert token_items[0]["used"] is False
    assert token_items[0]["ttl"] > 0


def test_an_sns_error_raises_for_the_workflow_to_retry_and_keeps_the_task_token(stack, waiting_request):
    with Stubber(bootstrap.client("sns")) as sns:
        sns.add_client_error("publish", service_error_code="InternalError", http_status_code=500)
        with pytest.raises(DependencyUnavailable):
            sms_sender.handle({"requestId": waiting_request, "taskToken": "token-1"}, None)

    item = stack.request_item(waiting_request)
    assert item["taskToken"] == "token-1"
    assert item["status"] == "Created"
    assert stack.event_types(waiting_request) == ["Created"]
