"""The SMS adapter on AWS End User Messaging SMS, through botocore's Stubber: the calls are built and
checked by botocore against the service's own model, and the service's error codes become the
domain's exceptions (retry later, or never)."""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import EndpointConnectionError, ParamValidationError
from botocore.stub import Stubber

from runtime.adapters.end_user_messaging_sms import EndUserMessagingSmsSender
from runtime.domain.errors import DependencyUnavailable, SmsRejected
from runtime.domain.model import SmsKind

PHONE = "+821000002001"
ORIGINATION = "arn:aws:sms-voice:ap-northeast-2:123456789012:phone-number/phone-0123456789abcdef"


@pytest.fixture
def client():
    return boto3.client(
        "pinpoint-sms-voice-v2",
        region_name="ap-northeast-2",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


def test_a_transactional_sms_through_the_configuration_set_naming_its_request(client):
    sender = EndUserMessagingSmsSender(
        client, configuration_set="partner-confirm-demo", origination_identity=ORIGINATION, max_price="0.05"
    )
    with Stubber(client) as stub:
        stub.add_response(
            "send_text_message",
            {"MessageId": "msg-1"},
            expected_params={
                "DestinationPhoneNumber": PHONE,
                "MessageBody": "[예약 확인] 링크",
                "MessageType": "TRANSACTIONAL",
                "Context": {"requestId": "req-1", "sms": "link", "linkId": "link-1"},
                "ConfigurationSetName": "partner-confirm-demo",
                "OriginationIdentity": ORIGINATION,
                "MaxPrice": "0.05",
            },
        )
        assert (
            sender.send(PHONE, "[예약 확인] 링크", request_id="req-1", kind=SmsKind.LINK, link_id="link-1")
            == "msg-1"
        )
        stub.assert_no_pending_responses()


def test_unset_settings_are_left_to_the_service(client):
    sender = EndUserMessagingSmsSender(
        client, configuration_set=None, origination_identity="", max_price=None
    )
    with Stubber(client) as stub:
        stub.add_response(
            "send_text_message",
            {"MessageId": "msg-2"},
            expected_params={
                "DestinationPhoneNumber": PHONE,
                "MessageBody": "본문",
                "MessageType": "TRANSACTIONAL",
                "Context": {"requestId": "req-2", "sms": "link", "linkId": "link-1"},
            },
        )
        assert sender.send(PHONE, "본문", request_id="req-2", kind=SmsKind.LINK, link_id="link-1") == "msg-2"


def test_a_call_botocore_finds_invalid_against_the_model_is_refused_not_retried(client):
    sender = EndUserMessagingSmsSender(client)
    with Stubber(client) as stub:
        stub.add_response("send_text_message", {"MessageId": "never"})
        with pytest.raises(SmsRejected) as refused:
            sender.send(
                PHONE, "", request_id="req-3", kind=SmsKind.LINK, link_id="link-1"
            )  # the model wants at least one character

    assert isinstance(refused.value.__cause__, ParamValidationError)
    assert "MessageBody" in str(refused.value.__cause__)


@pytest.mark.parametrize(
    ("code", "status", "fields"),
    [
        ("ThrottlingException", 400, {}),
        ("InternalServerException", 500, {"RequestId": "r"}),
        ("ServiceQuotaExceededException", 402, {"Reason": "MONTHLY_SPEND_LIMIT_REACHED_FOR_TEXT"}),
    ],
)
def test_what_may_pass_is_retried_by_the_workflow(client, code, status, fields):
    sender = EndUserMessagingSmsSender(client)
    with Stubber(client) as stub:
        stub.add_client_error(
            "send_text_message",
            service_error_code=code,
            http_status_code=status,
            modeled_fields={"Message": f"call {PHONE} later", **fields},
        )
        with pytest.raises(DependencyUnavailable, match=code):
            sender.send(PHONE, "본문", request_id="req-4", kind=SmsKind.LINK, link_id="link-1")


@pytest.mark.parametrize(
    ("code", "fields"),
    [
        ("ConflictException", {"Reason": "DESTINATION_PHONE_NUMBER_OPTED_OUT"}),
        ("ConflictException", {"Reason": "DESTINATION_PHONE_NUMBER_NOT_VERIFIED"}),
        ("ValidationException", {"Reason": "INVALID_IDENTITY_FOR_DESTINATION_COUNTRY"}),
        ("ValidationException", {"Reason": "PRICE_OVER_THRESHOLD"}),
        ("ResourceNotFoundException", {"ResourceType": "configuration-set", "ResourceId": "x"}),
        ("AccessDeniedException", {"Reason": "ACCOUNT_DISABLED"}),
    ],
)
def test_what_will_be_refused_again_is_not_retried(client, code, fields):
    sender = EndUserMessagingSmsSender(client)
    with Stubber(client) as stub:
        stub.add_client_error(
            "send_text_message",
            service_error_code=code,
            http_status_code=400,
            modeled_fields={"Message": f"{PHONE} cannot be texted", **fields},
        )
        with pytest.raises(SmsRejected) as refused:
            sender.send(PHONE, "본문", request_id="req-5", kind=SmsKind.LINK, link_id="link-1")

    assert refused.value.code == code
    assert refused.value.reason == fields.get("Reason")
    assert PHONE not in str(refused.value)  # the service's message quotes the number; ours does not


def test_an_unreachable_endpoint_is_retried_later(client):
    sender = EndUserMessagingSmsSender(client)

    def unreachable(**_):
        raise EndpointConnectionError(endpoint_url="https://sms-voice.ap-northeast-2.amazonaws.com")

    client.meta.events.register("before-send.pinpoint-sms-voice-v2.SendTextMessage", unreachable)
    with pytest.raises(DependencyUnavailable):
        sender.send(PHONE, "본문", request_id="req-6", kind=SmsKind.LINK, link_id="link-1")
