"""Steps shared by the integration tests: a customer submitting, a partner's link arriving."""

from __future__ import annotations

import uuid
from typing import Any

from definitions.state_machine import SMS_RETRY, longest_retry_wait
from runtime.adapters.secrets_manager import read_keyring
from runtime.domain.link_token import verify_link
from runtime.handlers import chat
from tests.integration.conftest import Stack, api_event, body_of

CUSTOMER = {"customerPhone": "010-0000-1001", "reservationNumber": "HTL-100101"}
PARTNER_PHONE = "+821000002001"
# The SMS service as the runtime's client names it, and its send operation (botocore's names).
SMS_SERVICE = "pinpoint-sms-voice-v2"
SMS_OPERATION = "SendTextMessage"
SMS_ATTEMPTS = 1 + SMS_RETRY["MaxAttempts"]
# How long the workflow may spend on an SMS that never goes out: its retries' waits, plus a few
# seconds per attempt for the attempt itself.
SMS_RETRY_SECONDS = longest_retry_wait(SMS_RETRY) + 5 * SMS_ATTEMPTS


def submit(message: str = "체크인 날짜를 하루 미루고 싶어요", **fields: Any) -> dict[str, Any]:
    event = api_event(
        "chat_post",
        body={**CUSTOMER, "message": message, **fields},
        headers={"idempotency-key": f"submit-{uuid.uuid4()}"},  # a new key per submit, as the page does
    )
    response = chat.handle(event, None)
    assert response["statusCode"] == 201, response["body"]
    return body_of(response)


def link_token(stack: Stack, count: int = 1) -> str:
    """The token in the newest SMS with a link, once `count` messages with a link have arrived (the
    partner's SMS about a customer's decision has none)."""
    messages = stack.wait_for(lambda: len(linked := _with_link(stack)) >= count and linked)
    return messages[-1].body.rsplit("/r/", 1)[1]


def _with_link(stack: Stack) -> list[Any]:
    return [sms for sms in stack.aws.outbox.messages() if "/r/" in sms.body]


def submit_and_wait_for_link(stack: Stack, **fields: Any) -> tuple[str, str]:
    request_id = submit(**fields)["requestId"]
    token = link_token(stack)
    stack.wait_for_status(request_id, "SMSSent", "Opened")
    return request_id, token


def link_token_for(stack: Stack, request_id: str) -> str:
    """The token texted for `request_id`, matched as the server matches it (the link's record)."""
    keys = read_keyring(stack.aws.client("secretsmanager"), stack.deployment.secret_id)

    def find() -> str | None:
        for sms in _with_link(stack):
            token = sms.body.rsplit("/r/", 1)[1]
            record = stack.item(f"TOKEN#{verify_link(keys.key, token, now=0).token_id}")
            if record and record["request"]["requestId"] == request_id:
                return token
        return None

    return stack.wait_for(find)
