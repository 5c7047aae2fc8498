"""The local stand-in of AWS End User Messaging SMS, met through a real boto3 client as the runtime
meets it: it answers SendTextMessage as the service does, refuses what the service's model refuses,
and puts every accepted message in the outbox."""

from __future__ import annotations

import boto3
import pytest
import requests
from botocore.exceptions import ClientError

from local.emulator import SmsOutbox
from local.sms_service import SmsService

PHONE = "+821000002001"


@pytest.fixture
def service():
    outbox = SmsOutbox()
    sms = SmsService(outbox.record).start()
    sms.configuration_sets.add("partner-confirm-local")
    yield sms, outbox
    sms.stop()


@pytest.fixture
def client(service):
    sms, _ = service
    return boto3.client(
        "pinpoint-sms-voice-v2",
        endpoint_url=sms.endpoint,
        region_name="ap-northeast-2",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )


def _send(client, **changes):
    params = {
        "DestinationPhoneNumber": PHONE,
        "MessageBody": "[예약 확인] https://example.test/r/abc",
        "MessageType": "TRANSACTIONAL",
        "ConfigurationSetName": "partner-confirm-local",
        "Context": {"requestId": "req-1"},
    }
    return client.send_text_message(**{**params, **changes})


def test_an_accepted_message_has_an_id_and_is_in_the_outbox(service, client):
    _, outbox = service
    answer = _send(client)

    assert answer["MessageId"]
    ((sms),) = outbox.messages()
    assert (sms.to, sms.body) == (PHONE, "[예약 확인] https://example.test/r/abc")


@pytest.mark.parametrize(
    ("changes", "code", "reason"),
    [
        ({"MessageType": "URGENT"}, "ValidationException", "INVALID_PARAMETER"),  # not in the model's enum
        (
            {"DestinationPhoneNumber": "010-0000-2001"},
            "ValidationException",
            "INVALID_PARAMETER",
        ),  # not E.164
        ({"Context": {"requestId": " padded "}}, "ValidationException", "INVALID_PARAMETER"),
        ({"ConfigurationSetName": "someone-elses"}, "ResourceNotFoundException", None),
    ],
)
def test_what_the_service_would_refuse_is_refused_in_its_error_shape(service, client, changes, code, reason):
    _, outbox = service
    with pytest.raises(ClientError) as refused:
        _send(client, **changes)

    assert refused.value.response["Error"]["Code"] == code
    assert refused.value.response.get("Reason") == reason
    assert outbox.messages() == []


SIGNED = "AWS4-HMAC-SHA256 Credential=local/20261130/ap-northeast-2/sms-voice/aws4_request"


def test_a_request_missing_a_required_member_is_refused(service):
    sms, _ = service
    reply = requests.post(
        sms.endpoint,
        json={"MessageBody": "본문"},
        headers={
            "X-Amz-Target": "PinpointSMSVoiceV2.SendTextMessage",
            "Content-Type": "application/x-amz-json-1.0",
            "Authorization": SIGNED,
        },
        timeout=10,
    )

    assert reply.status_code == 400
    assert reply.json()["__type"] == "ValidationException"
    assert "DestinationPhoneNumber" in reply.json()["Message"]


def test_unsigned_requests_and_other_operations_are_refused(service, client):
    sms, _ = service
    unsigned = requests.post(
        sms.endpoint, json={}, headers={"X-Amz-Target": "PinpointSMSVoiceV2.SendTextMessage"}, timeout=10
    )
    assert (unsigned.status_code, unsigned.json()["__type"]) == (403, "AccessDeniedException")
    with pytest.raises(ClientError, match="UnknownOperationException"):
        client.describe_configuration_sets()
