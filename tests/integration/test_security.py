"""Only the site reaches the API, links survive a rotation of their secret (and stop once it is
retired), personal data expires with the table's TTL, and an error leaving a function is masked."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import pytest

from local.emulator import LOCAL_RETENTION_DAYS
from runtime import bootstrap
from runtime.adapters.secrets_manager import read_keyring
from runtime.contract import Function
from runtime.domain.link_token import verify_link
from runtime.handlers import chat, partner_page, request_status
from tests.integration.conftest import api_event, body_of
from tests.integration.flows import CUSTOMER, link_token, submit, submit_and_wait_for_link

RETENTION = timedelta(days=LOCAL_RETENTION_DAYS)


# --- only through the site ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("handler", "event"),
    [
        (chat, lambda: api_event("chat_post", body={**CUSTOMER, "message": "조식 추가"}, through_site=False)),
        (request_status, lambda: api_event("request_status_get", through_site=False)),
        (partner_page, lambda: api_event("confirm_get", through_site=False)),
        (
            partner_page,
            lambda: api_event("respond_post", body={"token": "x", "response": "accept"}, through_site=False),
        ),
    ],
    ids=["chat", "request-status", "confirm", "respond"],
)
def test_a_request_sent_around_the_site_is_403_and_touches_nothing(stack, handler, event):
    stack.aws.wait_idle()
    before = stack.items("")

    refused = handler.handle(event(), None)

    assert refused["statusCode"] == 403
    assert body_of(refused)["error"]["code"] == "FORBIDDEN"
    stack.aws.wait_idle()
    assert stack.items("") == before


def test_a_guessed_origin_header_is_refused_too(stack):
    event = api_event("chat_post", body={**CUSTOMER, "message": "조식 추가"}, through_site=False)
    event["headers"]["x-origin-verify"] = "origin-secret-of-the-recorded-stack"
    assert chat.handle(event, None)["statusCode"] == 403


# --- rotation of the link secret ------------------------------------------------------------------


def _open(token: str) -> dict:
    return partner_page.handle(api_event("confirm_get", path_parameters={"token": token}), None)


def test_a_link_issued_before_a_rotation_works_after_it_and_stops_once_its_secret_is_retired(stack):
    _, before = submit_and_wait_for_link(stack)
    old_key = verify_link(
        read_keyring(stack.aws.client("secretsmanager"), stack.deployment.secret_id).key, before, now=0
    )

    stack.aws.rotate_link_secret(stack.deployment)
    bootstrap.secrets.cache_clear()  # the functions' copies are a few minutes old at most

    assert _open(before)["statusCode"] == 200
    submit()
    after = link_token(stack, count=2)
    assert _raw_key_id(after) == _raw_key_id(before) + 1  # signed with the new current secret
    assert _open(after)["statusCode"] == 200

    stack.aws.rotate_link_secret(stack.deployment)
    bootstrap.secrets.cache_clear()

    retired = _open(before)
    assert retired["statusCode"] == 401
    assert body_of(retired)["error"]["code"] == "LINK_INVALID"
    assert _open(after)["statusCode"] == 200  # the previous secret still verifies
    assert old_key.token_id  # the retired link was genuine


def test_functions_read_the_secret_again_once_their_copy_is_older_than_the_cache_period(deploy):
    """Not once per container's life: here the period is a second (300 s on AWS)."""
    stack = deploy(link_secret_cache_seconds=1)
    _, before = submit_and_wait_for_link(stack)
    assert _open(before)["statusCode"] == 200  # the functions have read the secret
    stack.aws.rotate_link_secret(stack.deployment)
    stack.aws.rotate_link_secret(stack.deployment)
    time.sleep(1.1)

    assert _open(before)["statusCode"] == 401  # its secret retired, and the functions know it


def test_rotation_keeps_the_previous_secret_and_each_step_can_run_again(stack):
    client = stack.aws.client("secretsmanager")
    first = read_keyring(client, stack.deployment.secret_id)
    version = stack.aws.rotate_link_secret(stack.deployment)
    # Secrets Manager retries a step that failed: every step again changes nothing.
    for step in ("createSecret", "setSecret", "testSecret", "finishSecret"):
        invocation = stack.aws.dispatcher.invoke(
            stack.deployment.function_names[Function.SECRET_ROTATOR],
            {"Step": step, "SecretId": stack.deployment.secret_id, "ClientRequestToken": version},
        )
        assert not invocation.failed, invocation.payload

    rotated = read_keyring(client, stack.deployment.secret_id)
    assert rotated.previous == first.current
    assert rotated.current.key_id == (first.current.key_id + 1) % 16
    assert len(rotated.current.secret) >= 32
    stages = client.describe_secret(SecretId=stack.deployment.secret_id)["VersionIdsToStages"]
    assert "AWSCURRENT" in stages[version]
    assert [v for v, labels in stages.items() if "AWSPREVIOUS" in labels] != [version]
    assert sum("AWSCURRENT" in labels for labels in stages.values()) == 1


def _raw_key_id(token: str) -> int:
    import base64

    return base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))[0] >> 4


# --- less data, for less time -------------------------------------------------------------------


def test_every_item_under_a_request_expires_after_the_stacks_retention(stack):
    request_id, _ = submit_and_wait_for_link(stack)
    stack.aws.wait_idle()

    items = stack.items(f"REQ#{request_id}")
    assert {item["SK"].split("#")[0] for item in items} == {"METADATA", "EVENT", "DUE"}
    for item in items:
        moment = item.get("createdAt") or item.get("at") or item.get("dueAt")
        expected = int((datetime.fromisoformat(moment) + RETENTION).timestamp())
        assert item["ttl"] == expected, item["SK"]
    limits = stack.items("LIMIT#")
    assert limits and all(item["ttl"] > datetime.now(UTC).timestamp() for item in limits)
    assert all(item["ttl"] < (datetime.now(UTC) + timedelta(days=2)).timestamp() for item in limits)


# --- errors leaving a function ------------------------------------------------------------------


def test_an_error_leaving_a_function_keeps_its_type_name_and_masks_phones(stack):
    """What Lambda reports (and Step Functions keeps in the execution history, where the state
    machine's Retry and Catch match on the type name)."""
    invocation = stack.aws.dispatcher.invoke(
        stack.deployment.function_names[Function.FAILURE],
        {"requestId": "010-1234-5678", "error": {"Error": "SmsRejected"}},
    )

    assert invocation.failed
    assert invocation.payload["errorType"] == "StatusConflict"
    assert "5678" in invocation.payload["errorMessage"]
    assert "1234" not in json.dumps(invocation.payload)
