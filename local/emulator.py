"""An AWS account on this machine: moto's server, holding the same table, secret, functions and state
machine the Pulumi program deploys, built from the same definitions.

Handlers reach it through real boto3 calls (AWS_ENDPOINT_URL); Step Functions executes the real ASL;
Lambda tasks are dispatched in-process (see `lambdas`). Gaps of the emulator closed here: DynamoDB
requests are serialized (moto's transactions are not atomic across threads); its transactions do
not copy whole tables (`dynamodb_transactions`); a transaction retried with its ClientRequestToken
is answered as already done (as DynamoDB does for 10 minutes; botocore retries a timed-out
transaction with the same token). moto has no AWS End User Messaging SMS: its stand-in
(`local.sms_service`) runs in this process, beside the emulator, and keeps every SMS it accepts in an
outbox with the time it was sent.
"""

from __future__ import annotations

import io
import json
import logging
import os
import threading
import time
import zipfile
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import attrs
import boto3
import requests
from boto3.dynamodb.types import TypeSerializer
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.responses import DynamoHandler
from moto.server import ThreadedMotoServer

from infra import state_machine
from local.dynamodb_transactions import transact_write_items
from local.lambdas import LambdaDispatcher, load_handler
from local.sms_service import ENDPOINT_VARIABLE, SmsService
from runtime.adapters.sample_data import read_reservations, reservation_item
from runtime.contract import FUNCTIONS, LEX_LOCALE, TABLE, Env, Function, table_name

REGION = "ap-northeast-2"
PROJECT_ROOT = Path(__file__).resolve().parents[1]
SAMPLE_RESERVATIONS = PROJECT_ROOT / "infra" / "sample_reservations.json"
BOT_DEFINITION = PROJECT_ROOT / "bot" / "ko_KR.json"
_FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local"}


@attrs.frozen
class SentSms:
    to: str
    body: str
    sent_at: datetime


class SmsOutbox:
    """Every SMS the SMS stand-in accepted, oldest first. `listeners` hear of each as it is sent."""

    def __init__(self) -> None:
        self._messages: list[SentSms] = []
        self._lock = threading.Lock()
        self.listeners: list[Callable[[SentSms], None]] = []

    def record(self, to: str, body: str) -> None:
        sms = SentSms(to=to, body=body, sent_at=datetime.now(UTC))
        with self._lock:
            self._messages.append(sms)
        for listener in self.listeners:
            listener(sms)

    def messages(self) -> list[SentSms]:
        with self._lock:
            return list(self._messages)

    def clear(self) -> None:
        with self._lock:
            self._messages.clear()


@attrs.frozen
class Deployment:
    """What was created, and the environment the handlers read it from."""

    table_name: str
    state_machine_arn: str
    secret_id: str
    function_names: Mapping[Function, str]
    environment: Mapping[str, str]


class AwsEmulator:
    def __init__(self, *, async_retry_delay: float = 1.0) -> None:
        self.outbox = SmsOutbox()
        self.sms = SmsService(self.outbox.record)
        self.dispatcher = LambdaDispatcher(async_retry_delay=async_retry_delay)
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.endpoint = ""

    def start(self) -> AwsEmulator:
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        _install_patches()
        self.dispatcher.install()
        self.sms.start()
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.endpoint = f"http://{host}:{port}"
        # moto's Step Functions interpreter calls Lambda at localhost:$MOTO_PORT.
        os.environ["MOTO_PORT"] = str(port)
        os.environ.update(_FAKE_CREDENTIALS)
        self.configure()
        return self

    def configure(self) -> None:
        config = {"lambda": {"use_docker": False}, "stepfunctions": {"execute_state_machine": True}}
        requests.post(f"{self.endpoint}/moto-api/config", json=config, timeout=10).raise_for_status()

    def reset(self) -> None:
        """Forget every resource and message (tests start from an empty account)."""
        requests.post(f"{self.endpoint}/moto-api/reset", timeout=10).raise_for_status()
        self.configure()
        self.outbox.clear()
        self.sms.configuration_sets.clear()
        self.dispatcher.forget_functions()

    def stop(self) -> None:
        self.dispatcher.shutdown()
        self._server.stop()
        self.sms.stop()

    def client(self, service: str) -> Any:
        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id=_FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=_FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        )

    def deploy(
        self,
        *,
        stage: str = "local",
        site_url: str,
        partner_timeout_seconds: int = 300,
        token_ttl_seconds: int = 600,
        load_samples: bool = True,
    ) -> Deployment:
        """Create the product's resources, register the handlers, and return the handlers' environment."""
        table = table_name(stage)
        create_table(self.client("dynamodb"), table)
        if load_samples:
            load_reservations(self.client("dynamodb"), table)
        secret_id = f"partner-confirm/{stage}/link-secret"
        self.client("secretsmanager").create_secret(Name=secret_id, SecretString=os.urandom(32).hex())
        configuration_set = f"partner-confirm-{stage}"
        self.sms.configuration_sets.add(configuration_set)
        role = self.client("iam").create_role(
            RoleName=f"partner-confirm-{stage}", AssumeRolePolicyDocument="{}"
        )["Role"]["Arn"]

        names = {function: f"partner-confirm-{stage}-{function}" for function in Function}
        arns = {}
        for function, spec in FUNCTIONS.items():
            arns[function] = self._create_function(names[function], spec.handler, role)
            self.dispatcher.register(
                names[function],
                load_handler(spec.handler),
                async_retries=1 if function is Function.ORCHESTRATOR else 0,
                on_failure=names[Function.FAILURE] if function is Function.ORCHESTRATOR else None,
            )
        definition = state_machine.definition(arns, partner_timeout_seconds)
        state_machine_arn = self.client("stepfunctions").create_state_machine(
            name=f"partner-confirm-{stage}", definition=json.dumps(definition), roleArn=role
        )["stateMachineArn"]

        environment = {
            Env.STAGE: stage,
            Env.LOG_LEVEL: "INFO",
            Env.TABLE_NAME: table,
            Env.STATE_MACHINE_ARN: state_machine_arn,
            Env.ORCHESTRATOR_FUNCTION: names[Function.ORCHESTRATOR],
            Env.LINK_SECRET_ID: secret_id,
            Env.SITE_URL: site_url,
            Env.TOKEN_TTL_SECONDS: str(token_ttl_seconds),
            Env.PARTNER_TIMEOUT_SECONDS: str(partner_timeout_seconds),
            Env.LEX_LOCALE_ID: LEX_LOCALE,
            Env.BOT_DEFINITION_FILE: str(BOT_DEFINITION),
            Env.SMS_CONFIGURATION_SET: configuration_set,
            Env.SMS_ORIGINATION_IDENTITY: "",
            Env.SMS_MAX_PRICE: "",
            "AWS_ENDPOINT_URL": self.endpoint,
            # botocore prefers a service's own endpoint variable to AWS_ENDPOINT_URL.
            ENDPOINT_VARIABLE: self.sms.endpoint,
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            **_FAKE_CREDENTIALS,
        }
        return Deployment(
            table_name=table,
            state_machine_arn=state_machine_arn,
            secret_id=secret_id,
            function_names=names,
            environment={str(k): v for k, v in environment.items()},
        )

    def _create_function(self, name: str, handler: str, role: str) -> str:
        return self.client("lambda").create_function(
            FunctionName=name,
            Runtime="python3.12",
            Role=role,
            Handler=handler,
            Code={"ZipFile": _empty_zip()},
        )["FunctionArn"]


def create_table(dynamodb: Any, table_name: str) -> None:
    """The table as infra declares it: same keys, same indexes (all key attributes are strings)."""
    dynamodb.create_table(
        TableName=table_name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": name, "AttributeType": "S"} for name in TABLE.key_attributes],
        KeySchema=[
            {"AttributeName": TABLE.partition_key, "KeyType": "HASH"},
            {"AttributeName": TABLE.sort_key, "KeyType": "RANGE"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": index.name,
                "KeySchema": [
                    {"AttributeName": index.partition_key, "KeyType": "HASH"},
                    {"AttributeName": index.sort_key, "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
            for index in TABLE.indexes
        ],
    )
    dynamodb.update_time_to_live(
        TableName=table_name,
        TimeToLiveSpecification={"Enabled": True, "AttributeName": TABLE.ttl_attribute},
    )


def load_reservations(dynamodb: Any, table_name: str, path: Path = SAMPLE_RESERVATIONS) -> int:
    serializer = TypeSerializer()
    reservations = read_reservations(path)
    for reservation in reservations:
        item = reservation_item(reservation)
        dynamodb.put_item(TableName=table_name, Item={k: serializer.serialize(v) for k, v in item.items()})
    return len(reservations)


_dynamodb_lock = threading.RLock()
_patched: list[bool] = []
IDEMPOTENCY_WINDOW_SECONDS = 600
# ClientRequestToken -> (when it succeeded, the response), for transactions.
_applied_transactions: dict[str, tuple[float, Any]] = {}


def _install_patches() -> None:
    """Process-wide changes to moto's backends, installed once."""
    if _patched:
        return
    _patched.append(True)

    original_call_action = DynamoHandler.call_action

    def serialized_call_action(self: DynamoHandler) -> Any:
        # DynamoDB applies each request atomically; moto does not under concurrent threads.
        with _dynamodb_lock:
            token = _client_request_token(self)
            if token and token in _applied_transactions:
                return _applied_transactions[token][1]
            response = original_call_action(self)
            if token and isinstance(response, tuple) and response[0] == 200:
                _remember_transaction(token, response)
            return response

    DynamoHandler.call_action = serialized_call_action  # type: ignore[method-assign]
    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]


def _client_request_token(handler: DynamoHandler) -> str | None:
    if handler._get_action() != "TransactWriteItems":
        return None
    return getattr(handler, "params", {}).get("ClientRequestToken")


def _remember_transaction(token: str, response: Any) -> None:
    now = time.monotonic()
    while _applied_transactions:  # oldest first: a dict keeps insertion order
        oldest = next(iter(_applied_transactions))
        if now - _applied_transactions[oldest][0] <= IDEMPOTENCY_WINDOW_SECONDS:
            break
        del _applied_transactions[oldest]
    _applied_transactions[token] = (now, response)


def _empty_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("README", "The handler runs in-process on the local stack.")
    return buffer.getvalue()
