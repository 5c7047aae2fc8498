"""An AWS account on this machine: moto's server, holding the same table, secret, queue and state
machine the Pulumi program deploys, built from the same definitions, plus what moto cannot do for
the product: running its Lambda handlers, its event source mappings and its schedule.

- moto runs in its own process (`local.moto_server`), so the emulator and the handlers each have a
  core; handlers reach it through real boto3 calls (AWS_ENDPOINT_URL).
- Step Functions executes the real ASL there; its Lambda tasks come back to this process through
  `local.lambda_service` and run the handlers (`local.lambdas`).
- The table's stream feeds the consumers as Lambda's event source mappings do (`local.streams`),
  with the same filters, retries and dead-letter queue; the sweeper runs on a timer
  (`local.schedules`). Nothing hands work from one function to the next any other way.
- moto has no AWS End User Messaging SMS: its stand-in (`local.sms_service`) runs in this process,
  keeps every SMS it accepts in an outbox with the time it was sent, and publishes each one's
  delivery outcome to the stack's SMS events topic (moto's SNS), which delivers it to the delivery
  function as Lambda's SNS subscription does (`local.topics`).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import attrs
import boto3
import requests
from boto3.dynamodb.types import TypeSerializer

from definitions import state_machine
from local.lambda_service import LambdaService
from local.lambdas import LambdaDispatcher, load_handler
from local.schedules import RateSchedule
from local.sms_service import ENDPOINT_VARIABLE, SmsService
from local.streams import RETRY_BACKOFF, StreamEventSource, StreamReader
from local.topics import TopicEventSource
from runtime.adapters.sample_data import read_reservations, reservation_item
from runtime.adapters.secrets_manager import secret_value
from runtime.contract import (
    LEX_LOCALE,
    LINK_SECRET_CACHE_SECONDS,
    LOCAL_STAGE,
    STREAM_VIEW,
    TABLE,
    Env,
    Function,
    table_name,
)
from runtime.deployment import FUNCTIONS, SWEEP_PERIOD_SECONDS, Resource, limits_environment
from runtime.domain.deadlines import default_reminder_after
from runtime.domain.limits import Limits
from runtime.domain.link_token import SigningKey, new_secret

REGION = "ap-northeast-2"
ACCOUNT = "123456789012"
PROJECT_ROOT = Path(__file__).resolve().parents[1]
SAMPLE_RESERVATIONS = PROJECT_ROOT / "infra" / "sample_reservations.json"
_FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local"}
# How long requests are kept locally (Pulumi.<stack>.yaml's retentionDays on AWS).
LOCAL_RETENTION_DAYS = 14
# Seconds a customer has to decide on a proposed time here: short enough to see a lapse in a demo.
LOCAL_CUSTOMER_DECISION_SECONDS = 120
ROTATION_STEPS = ("createSecret", "setSecret", "testSecret", "finishSecret")
STARTUP_SECONDS = 60
EMULATOR_LOG = PROJECT_ROOT / "build" / "local" / "emulator.log"


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

    stage: str
    table_name: str
    stream_arn: str
    state_machine_arn: str
    secret_id: str
    dead_letter_queue_url: str
    operators_topic_arn: str
    # Where the SMS stand-in publishes each SMS's delivery outcome (the configuration set's destination).
    sms_events_topic_arn: str
    # Stands in for the operators' e-mail: an SQS queue subscribed to their topic.
    operators_inbox_url: str
    function_names: Mapping[Function, str]
    environment: Mapping[str, str]

    @property
    def origin_secret(self) -> str:
        """What the site's front door (CloudFront; locally the gateway) adds to every API request."""
        return self.environment[Env.ORIGIN_SECRET]

    def function_environment(
        self, function: Function, environ: Mapping[str, str] | None = None
    ) -> dict[str, str]:
        """What `function` is given, as in AWS: exactly the variables its spec declares, plus what
        reaches AWS here (endpoints, region, credentials). `environ`: the variables to choose from
        (default: the deployment's)."""
        environ = self.environment if environ is None else environ
        spec = FUNCTIONS[function]
        declared = {str(n): environ[n] for n in spec.environment if n in environ}
        stand_ins = {name: value for name, value in environ.items() if name not in _PRODUCT_SETTINGS}
        return {**stand_ins, **declared}


# The product's own settings (everything else in a deployment's environment reaches AWS or stands in
# for it here).
_PRODUCT_SETTINGS = frozenset(str(name) for name in Env)


class AwsEmulator:
    def __init__(
        self,
        *,
        sweep_period_seconds: float = SWEEP_PERIOD_SECONDS,
        stream_retry_backoff: tuple[float, ...] = RETRY_BACKOFF,
        log_file: Path = EMULATOR_LOG,
    ) -> None:
        """`log_file`: where the emulator's own process writes what it reports (moto's errors,
        failed executions), so they do not mix with the product's output."""
        self.log_file = log_file
        self.outbox = SmsOutbox()
        self.sms = SmsService(self.outbox.record, publish=self._publish)
        self._sns: Any = None
        self.dispatcher = LambdaDispatcher()
        self.sweep_period_seconds = sweep_period_seconds
        self.stream_retry_backoff = stream_retry_backoff
        self._lambda_service = LambdaService(self.dispatcher)
        self._process: subprocess.Popen[str] | None = None
        self.endpoint = ""
        self.stream_readers: list[StreamReader] = []
        self._stepfunctions: Any = None  # for wait_idle, made on its first call
        self.topic_sources: list[TopicEventSource] = []
        self.schedules: list[RateSchedule] = []

    def start(self) -> AwsEmulator:
        self._lambda_service.start()
        self.sms.start()
        environment = {
            **os.environ,
            **_FAKE_CREDENTIALS,
            # Step Functions calls Lambda at localhost:$MOTO_PORT: here, in this process.
            "MOTO_PORT": str(self._lambda_service.port),
            "PYTHONPATH": os.pathsep.join([str(PROJECT_ROOT), os.environ.get("PYTHONPATH", "")]),
        }
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        with self.log_file.open("a", encoding="utf-8") as log:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "local.moto_server"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                env=environment,
                cwd=PROJECT_ROOT,
                text=True,
            )
        assert self._process.stdout is not None
        line = _read_line(self._process.stdout, timeout=STARTUP_SECONDS)
        self.endpoint = f"http://127.0.0.1:{json.loads(line)['port']}"
        os.environ.update(_FAKE_CREDENTIALS)
        self.configure()
        return self

    def configure(self) -> None:
        config = {"lambda": {"use_docker": False}, "stepfunctions": {"execute_state_machine": True}}
        requests.post(f"{self.endpoint}/moto-api/config", json=config, timeout=10).raise_for_status()

    def reset(self) -> None:
        """Forget every resource and message (tests start from an empty account)."""
        self.stop_event_sources()
        self.sms.forget()  # no SMS outcome is published into the account while it resets
        requests.post(f"{self.endpoint}/moto-api/reset", timeout=30).raise_for_status()
        self.configure()
        self.outbox.clear()
        self.dispatcher.forget_functions()

    def stop(self) -> None:
        self.stop_event_sources()
        self._lambda_service.stop()
        self.sms.stop()
        if self._process is not None:
            with contextlib.suppress(OSError):
                assert self._process.stdin is not None
                self._process.stdin.close()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=10)

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
        stage: str = LOCAL_STAGE,
        site_url: str,
        partner_timeout_seconds: int = 300,
        token_ttl_seconds: int = 600,
        reminder_after_seconds: int | None = None,
        customer_decision_seconds: int = LOCAL_CUSTOMER_DECISION_SECONDS,
        load_samples: bool = True,
        limits: Limits | None = None,
        link_secret_cache_seconds: int = LINK_SECRET_CACHE_SECONDS,
    ) -> Deployment:
        """Create the product's resources and register its handlers; return the handlers' environment.
        Call `run_event_sources` once the handlers can read that environment. `limits`: the abuse
        limits (default: the product's; `NO_LIMITS` lifts them)."""
        limits = limits if limits is not None else Limits()
        table = table_name(stage)
        stream_arn = create_table(self.client("dynamodb"), table)
        if load_samples:
            load_reservations(self.client("dynamodb"), table)
        secret_id = f"partner-confirm/{stage}/link-secret"
        first_key = SigningKey(key_id=0, secret=new_secret())
        self.client("secretsmanager").create_secret(Name=secret_id, SecretString=secret_value(first_key))
        dead_letters = self.client("sqs").create_queue(QueueName=f"partner-confirm-{stage}-dead-letters")
        configuration_set = f"partner-confirm-{stage}"
        self.sms.configuration_sets.add(configuration_set)
        operators_topic, operators_inbox = self._operators(stage)
        sms_events_topic = self.client("sns").create_topic(Name=f"partner-confirm-{stage}-sms-events")[
            "TopicArn"
        ]
        self.sms.event_destinations[configuration_set] = sms_events_topic
        role = self.client("iam").create_role(
            RoleName=f"partner-confirm-{stage}", AssumeRolePolicyDocument="{}"
        )["Role"]["Arn"]

        names = {function: f"partner-confirm-{stage}-{function}" for function in Function}
        arns = {
            function: f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}" for function, name in names.items()
        }
        for function, spec in FUNCTIONS.items():
            self.dispatcher.register(names[function], load_handler(spec.handler))
        reminder_after = reminder_after_seconds or default_reminder_after(partner_timeout_seconds)
        definition = state_machine.definition(
            arns, partner_timeout_seconds, reminder_after, customer_decision_seconds=customer_decision_seconds
        )
        state_machine_arn = self.client("stepfunctions").create_state_machine(
            name=f"partner-confirm-{stage}", definition=json.dumps(definition), roleArn=role
        )["stateMachineArn"]

        environment = {
            Env.STAGE: stage,
            Env.LOG_LEVEL: "INFO",
            Env.TABLE_NAME: table,
            Env.STATE_MACHINE_ARN: state_machine_arn,
            Env.LINK_SECRET_ID: secret_id,
            Env.LINK_SECRET_CACHE_SECONDS: str(link_secret_cache_seconds),
            Env.SITE_URL: site_url,
            Env.TOKEN_TTL_SECONDS: str(token_ttl_seconds),
            Env.PARTNER_TIMEOUT_SECONDS: str(partner_timeout_seconds),
            Env.LEX_LOCALE_ID: LEX_LOCALE,
            Env.SMS_CONFIGURATION_SET: configuration_set,
            Env.SMS_ORIGINATION_IDENTITY: "",
            Env.SMS_MAX_PRICE: "",
            Env.OPERATORS_TOPIC_ARN: operators_topic,
            Env.RETENTION_DAYS: str(LOCAL_RETENTION_DAYS),
            Env.ORIGIN_SECRET: secrets.token_urlsafe(32),
            **limits_environment(limits),
            "AWS_ENDPOINT_URL": self.endpoint,
            # botocore prefers a service's own endpoint variable to AWS_ENDPOINT_URL.
            ENDPOINT_VARIABLE: self.sms.endpoint,
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            **_FAKE_CREDENTIALS,
        }
        return Deployment(
            stage=stage,
            table_name=table,
            stream_arn=stream_arn,
            state_machine_arn=state_machine_arn,
            secret_id=secret_id,
            dead_letter_queue_url=dead_letters["QueueUrl"],
            operators_topic_arn=operators_topic,
            sms_events_topic_arn=sms_events_topic,
            operators_inbox_url=operators_inbox,
            function_names=names,
            environment={str(k): v for k, v in environment.items()},
        )

    def _publish(self, topic_arn: str, message: str) -> None:
        """The SMS stand-in's event destination: publish to the topic in moto's SNS."""
        if self._sns is None:
            self._sns = self.client("sns")
        self._sns.publish(TopicArn=topic_arn, Message=message)

    def _operators(self, stage: str) -> tuple[str, str]:
        """The operators' topic, and a queue subscribed to it where their e-mails can be read."""
        sns, sqs = self.client("sns"), self.client("sqs")
        topic = sns.create_topic(Name=f"partner-confirm-{stage}-operators")["TopicArn"]
        inbox = sqs.create_queue(QueueName=f"partner-confirm-{stage}-operators-inbox")["QueueUrl"]
        inbox_arn = sqs.get_queue_attributes(QueueUrl=inbox, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        sns.subscribe(
            TopicArn=topic, Protocol="sqs", Endpoint=inbox_arn, Attributes={"RawMessageDelivery": "false"}
        )
        return topic, inbox

    def operators_inbox(self, deployment: Deployment) -> list[dict[str, str]]:
        """What the operators were sent so far ({subject, message}; at most ten), left in place."""
        found = self.client("sqs").receive_message(
            QueueUrl=deployment.operators_inbox_url, MaxNumberOfMessages=10, VisibilityTimeout=0
        )
        notes = [json.loads(message["Body"]) for message in found.get("Messages", [])]
        return [{"subject": note.get("Subject", ""), "message": note.get("Message", "")} for note in notes]

    def rotate_link_secret(self, deployment: Deployment) -> str:
        """What Secrets Manager does on `rotate-secret` (or on the rotation schedule): invoke the
        rotation function for each step with one fresh ClientRequestToken. Returns the new version."""
        version = str(uuid.uuid4())
        name = deployment.function_names[Function.SECRET_ROTATOR]
        for step in ROTATION_STEPS:
            event = {"Step": step, "SecretId": deployment.secret_id, "ClientRequestToken": version}
            invocation = self.dispatcher.invoke(name, event)
            if invocation.failed:
                raise RuntimeError(f"rotation step {step} failed: {invocation.payload}")
        return version

    def run_event_sources(self, deployment: Deployment) -> None:
        """Start the table stream's consumers and the schedules, as the deployment's mappings say."""
        reader = StreamReader(streams=self.client("dynamodbstreams"), stream_arn=deployment.stream_arn)
        for function, spec in FUNCTIONS.items():
            name = deployment.function_names[function]
            if spec.subscription is not None:
                StreamEventSource(
                    reader=reader,
                    sqs=self.client("sqs"),
                    function_name=name,
                    subscription=spec.subscription,
                    dispatcher=self.dispatcher,
                    dead_letter_queue_url=deployment.dead_letter_queue_url,
                    retry_backoff=self.stream_retry_backoff,
                )
            if spec.topic is not None:
                topics = {Resource.SMS_EVENTS: deployment.sms_events_topic_arn}
                topic_source = TopicEventSource(
                    sns=self.client("sns"),
                    sqs=self.client("sqs"),
                    topic_arn=topics[spec.topic.topic],
                    function_name=name,
                    subscription=spec.topic,
                    dispatcher=self.dispatcher,
                    dead_letter_queue_url=deployment.dead_letter_queue_url,
                )
                self.topic_sources.append(topic_source.start())
            if spec.schedule is not None:
                schedule = RateSchedule(
                    dispatcher=self.dispatcher, function_name=name, period_seconds=self.sweep_period_seconds
                )
                self.schedules.append(schedule.start())
        self.stream_readers.append(reader.start())

    def stop_event_sources(self) -> None:
        for reader in self.stream_readers:
            reader.stop()
        for schedule in self.schedules:
            schedule.stop()
        for topic_source in self.topic_sources:
            topic_source.stop()
        self.topic_sources.clear()
        self.stream_readers.clear()
        self.schedules.clear()

    def wait_idle(self, timeout: float = 30.0) -> None:
        """Until every SMS outcome was reported and handled, every stream record written so far
        reached its consumer, every running workflow waits for a callback, and no function runs."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            left = max(0.1, deadline - time.monotonic())
            if (
                self._outcomes_handled(left)
                and all(reader.wait_idle(left) for reader in self.stream_readers)
                and self._workflows_waiting()
                and self.dispatcher.in_flight == 0
                and self._outcomes_handled(left)
            ):
                return
            time.sleep(0.05)
        raise TimeoutError("stream records, workflow steps or invocations still pending")

    def _workflows_waiting(self) -> bool:
        """Every running execution has handed its task out and waits for its callback (a workflow
        just started, or between two steps, is about to invoke a function)."""
        if self._stepfunctions is None:
            self._stepfunctions = self.client("stepfunctions")
        stepfunctions = self._stepfunctions
        for machine in stepfunctions.list_state_machines()["stateMachines"]:
            running = stepfunctions.list_executions(
                stateMachineArn=machine["stateMachineArn"], statusFilter="RUNNING"
            )["executions"]
            for execution in running:
                # The emulator answers the whole history, oldest first (it ignores reverseOrder).
                history = stepfunctions.get_execution_history(executionArn=execution["executionArn"])
                if not history["events"] or history["events"][-1]["type"] != "TaskSubmitted":
                    return False
        return True

    def _outcomes_handled(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while self.sms.reports_pending and time.monotonic() < deadline:
            time.sleep(0.05)
        left = max(0.1, deadline - time.monotonic())
        return not self.sms.reports_pending and all(source.wait_idle(left) for source in self.topic_sources)


def _read_line(stream: Any, *, timeout: float) -> str:
    found: list[str] = []
    reader = threading.Thread(target=lambda: found.append(stream.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    if not found or not found[0]:
        raise RuntimeError("the AWS emulator's process did not start")
    return found[0]


def create_table(dynamodb: Any, table_name: str) -> str:
    """The table as infra declares it: same keys, same indexes (all key attributes are strings), its
    stream with both images. Returns the stream's ARN."""
    created = dynamodb.create_table(
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
        StreamSpecification={"StreamEnabled": True, "StreamViewType": STREAM_VIEW},
    )
    dynamodb.update_time_to_live(
        TableName=table_name,
        TimeToLiveSpecification={"Enabled": True, "AttributeName": TABLE.ttl_attribute},
    )
    return str(created["TableDescription"]["LatestStreamArn"])


def load_reservations(dynamodb: Any, table_name: str, path: Path = SAMPLE_RESERVATIONS) -> int:
    serializer = TypeSerializer()
    reservations = read_reservations(path)
    for reservation in reservations:
        item = reservation_item(reservation)
        dynamodb.put_item(TableName=table_name, Item={k: serializer.serialize(v) for k, v in item.items()})
    return len(reservations)
