"""Integration tier: the handlers against moto's server through real boto3 calls.

One emulator per session; every test gets an empty account with the product deployed into it
(table built from the contract's key schema, the real state machine, the sample reservations) and
its hand-offs running: the table's stream feeds the consumers, the sweeper runs every second.
"""

from __future__ import annotations

import copy
import json
import os
import time
import uuid
from collections.abc import Callable
from typing import Any

import attrs
import pytest
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.awsrequest import AWSResponse

from local.api_events import RECORDED_EVENTS, recorded_api_event
from local.emulator import LOCAL_CUSTOMER_DECISION_SECONDS, AwsEmulator, Deployment
from local.stack import use_local_stand_ins
from runtime import bootstrap
from runtime.contract import LINK_SECRET_CACHE_SECONDS, Env
from runtime.domain.limits import Limits

SITE_URL = "https://d111111abcdef8.cloudfront.net"
EVENTS = RECORDED_EVENTS
_deserializer = TypeDeserializer()
_serializer = TypeSerializer()


SWEEP_PERIOD_SECONDS = 1.0
DELIVERY_EVENTS = frozenset({"Delivered", "Undeliverable"})


@pytest.fixture(scope="session")
def emulator():
    aws = AwsEmulator(sweep_period_seconds=SWEEP_PERIOD_SECONDS, stream_retry_backoff=(0.05,)).start()
    yield aws
    aws.stop()


@attrs.define
class Stack:
    aws: AwsEmulator
    deployment: Deployment

    def item(self, pk: str, sk: str = "METADATA") -> dict[str, Any] | None:
        found = self.aws.client("dynamodb").get_item(
            TableName=self.deployment.table_name, Key={"PK": {"S": pk}, "SK": {"S": sk}}
        )
        return _plain(found["Item"]) if "Item" in found else None

    def request_item(self, request_id: str) -> dict[str, Any] | None:
        return self.item(f"REQ#{request_id}")

    def items(self, prefix: str) -> list[dict[str, Any]]:
        scanned = self.aws.client("dynamodb").scan(TableName=self.deployment.table_name)["Items"]
        return [_plain(item) for item in scanned if item["PK"]["S"].startswith(prefix)]

    def events(self, request_id: str) -> list[dict[str, Any]]:
        events = [i for i in self.items(f"REQ#{request_id}") if i["SK"].startswith("EVENT#")]
        return sorted(events, key=lambda e: e["SK"])

    def event_types(self, request_id: str) -> list[str]:
        """The flow's events. SMS delivery outcomes (Delivered, Undeliverable) arrive on the carrier's
        time, not the flow's: `delivery_events` reads them."""
        return [e["type"] for e in self.events(request_id) if e["type"] not in DELIVERY_EVENTS]

    def delivery_events(self, request_id: str) -> list[dict[str, Any]]:
        return [e for e in self.events(request_id) if e["type"] in DELIVERY_EVENTS]

    def dead_letters(self) -> list[dict[str, Any]]:
        """Messages in the stream consumers' dead-letter queue (left there)."""
        found = self.aws.client("sqs").receive_message(
            QueueUrl=self.deployment.dead_letter_queue_url, MaxNumberOfMessages=10, VisibilityTimeout=0
        )
        return [json.loads(message["Body"]) for message in found.get("Messages", [])]

    def executions(self) -> list[dict[str, Any]]:
        return self.aws.client("stepfunctions").list_executions(
            stateMachineArn=self.deployment.state_machine_arn
        )["executions"]

    def wait_for(self, condition: Callable[[], Any], timeout: float = 15.0) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if result := condition():
                return result
            time.sleep(0.05)
        raise AssertionError("condition not met in time")

    def wait_for_status(self, request_id: str, *statuses: str, timeout: float = 15.0) -> dict[str, Any]:
        return self.wait_for(
            lambda: (item := self.request_item(request_id)) and item["status"] in statuses and item,
            timeout,
        )


@pytest.fixture
def deploy(emulator, monkeypatch):
    """Deploy the product into an empty emulated account; the handlers read the returned environment."""

    def _deploy(
        *,
        partner_timeout_seconds: int = 300,
        token_ttl_seconds: int = 600,
        reminder_after_seconds: int | None = None,
        customer_decision_seconds: int = LOCAL_CUSTOMER_DECISION_SECONDS,
        hand_offs: bool = True,
        limits: Limits | None = None,
        link_secret_cache_seconds: int = LINK_SECRET_CACHE_SECONDS,
    ) -> Stack:
        """`hand_offs=False`: no stream consumer nor sweeper runs (a test calls a step by itself).
        `limits`: the product's own unless given."""
        emulator.reset()
        deployment = emulator.deploy(
            stage=f"t{uuid.uuid4().hex[:8]}",
            site_url=SITE_URL,
            partner_timeout_seconds=partner_timeout_seconds,
            token_ttl_seconds=token_ttl_seconds,
            reminder_after_seconds=reminder_after_seconds,
            customer_decision_seconds=customer_decision_seconds,
            limits=limits,
            link_secret_cache_seconds=link_secret_cache_seconds,
        )
        for name, value in deployment.environment.items():
            monkeypatch.setenv(name, value)
        bootstrap.reset()
        use_local_stand_ins(deployment)
        if hand_offs:
            emulator.run_event_sources(deployment)
        return Stack(emulator, deployment)

    yield _deploy
    emulator.stop_event_sources()
    bootstrap.clear_overrides()
    bootstrap.reset()


@pytest.fixture
def stack(deploy) -> Stack:
    return deploy()


def api_event(
    name: str,
    *,
    body: Any = None,
    raw_body: str | None = None,
    headers: dict[str, str] | None = None,
    path_parameters: dict[str, str] | None = None,
    through_site: bool = True,
) -> dict[str, Any]:
    """A recorded API Gateway event with this test's body, headers and path, as the deployed stack's
    CloudFront sends it (with the stack's origin header); `through_site=False`: as a client that calls
    the API's own address sends it (without)."""
    return recorded_api_event(
        name,
        origin_secret=os.environ[Env.ORIGIN_SECRET] if through_site else None,
        body=body,
        raw_body=raw_body,
        headers=headers,
        path_parameters=path_parameters,
    )


def stream_event(
    item: dict[str, Any], *, old: dict[str, Any] | None = None, sequence: str = "1"
) -> dict[str, Any]:
    """A recorded DynamoDB stream batch (one record), carrying `item` as stored (plain values)."""
    event = copy.deepcopy(json.loads((EVENTS / "stream_insert.json").read_text(encoding="utf-8")))
    (record,) = event["Records"]
    change = record["dynamodb"]
    change["Keys"] = {"PK": {"S": item["PK"]}, "SK": {"S": item["SK"]}}
    change["NewImage"] = _typed(item)
    change["SequenceNumber"] = sequence
    if old is not None:
        record["eventName"] = "MODIFY"
        change["OldImage"] = _typed(old)
    return event


def fail_calls(client: Any, operation: str, *, code: str, status: int, times: int | None = None) -> list[int]:
    """Make `client` answer `operation` (e.g. "SendTaskSuccess") with AWS's error `code`, `times` HTTP
    attempts (None: every one); botocore's retries and the adapters see it as in AWS. Returns a
    one-item list counting the failures."""
    failed = [0]
    service = client.meta.service_model.service_id.hyphenize()
    body = json.dumps({"__type": code, "message": f"injected: {code}"}).encode()

    def before_send(request: Any, **_: Any) -> AWSResponse | None:
        if times is not None and failed[0] >= times:
            return None
        failed[0] += 1
        headers = {"Content-Type": "application/x-amz-json-1.0", "x-amzn-RequestId": uuid.uuid4().hex}
        return AWSResponse(request.url, status, headers, _Body(body))

    client.meta.events.register(f"before-send.{service}.{operation}", before_send)
    return failed


class _Body:
    def __init__(self, content: bytes) -> None:
        self._content = content

    def stream(self, **_: Any) -> Any:
        yield self._content


def body_of(response: dict[str, Any]) -> dict[str, Any]:
    return json.loads(response["body"])


def _plain(item: dict[str, Any]) -> dict[str, Any]:
    return {name: _deserializer.deserialize(value) for name, value in item.items()}


def _typed(item: dict[str, Any]) -> dict[str, Any]:
    return {name: _serializer.serialize(value) for name, value in item.items()}
