"""The product's Lambda functions as they are deployed: each one's handler, what it touches and may
do (its IAM permissions), the environment it reads, and what invokes it (the table's stream, a topic,
a schedule). Infra builds the functions, their roles and their triggers from this; the local stack
and the tests build their emulated ones from it. The functions themselves never import it: at run
time they read only the names in runtime/contract.py.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any

import attrs

from runtime.contract import (
    METADATA,
    REQUEST_PREFIX,
    STATUS_ATTRIBUTE,
    Env,
    Function,
    KeyPrefix,
)
from runtime.domain.limits import Limits
from runtime.domain.model import FailureReason, ProposalState, Status

# --- what each function touches ----------------------------------------------------------------


class Resource(enum.StrEnum):
    """Things a function acts on. Infra turns each into ARNs; each has the env names that locate it."""

    TABLE = "table"
    RESERVATION_INDEX = "reservation-index"
    STATUS_INDEX = "status-index"
    TABLE_STREAM = "table-stream"
    DEAD_LETTERS = "dead-letters"
    STATE_MACHINE = "state-machine"
    WORKFLOW_TASKS = "workflow-tasks"
    OPERATORS_TOPIC = "operators-topic"
    LINK_SECRET = "link-secret"
    SMS = "sms"
    # The topic the SMS configuration set sends delivery outcomes to (infra/components/sms_channel.py).
    SMS_EVENTS = "sms-events"
    BOT_ALIAS = "bot-alias"
    BEDROCK_MODELS = "bedrock-models"


RESOURCE_ENV: dict[Resource, tuple[Env, ...]] = {
    Resource.TABLE: (Env.TABLE_NAME,),
    Resource.RESERVATION_INDEX: (Env.TABLE_NAME,),
    Resource.STATUS_INDEX: (Env.TABLE_NAME,),
    Resource.TABLE_STREAM: (),
    Resource.DEAD_LETTERS: (),
    Resource.STATE_MACHINE: (Env.STATE_MACHINE_ARN,),
    Resource.WORKFLOW_TASKS: (),
    Resource.OPERATORS_TOPIC: (Env.OPERATORS_TOPIC_ARN,),
    Resource.LINK_SECRET: (Env.LINK_SECRET_ID, Env.LINK_SECRET_CACHE_SECONDS),
    Resource.SMS: (Env.SMS_CONFIGURATION_SET, Env.SMS_ORIGINATION_IDENTITY),
    Resource.SMS_EVENTS: (),
    Resource.BOT_ALIAS: (Env.LEX_BOT_ID, Env.LEX_BOT_ALIAS_ID, Env.LEX_LOCALE_ID),
    Resource.BEDROCK_MODELS: (Env.BEDROCK_MODEL_ID, Env.BEDROCK_FALLBACK_MODEL_ID),
}


@attrs.frozen
class Permission:
    resource: Resource
    actions: tuple[str, ...]
    # The boto3 client whose calls need these actions (the service the function reaches in its region).
    client: str
    # On the table: only items whose partition key begins with one of these (IAM's
    # `dynamodb:LeadingKeys`). Empty: the whole resource (an index, or anything but the table).
    keys: tuple[KeyPrefix, ...] = ()


def on_items(action: str, *keys: KeyPrefix) -> Permission:
    """A DynamoDB item action (`GetItem`, `PutItem`...) on the table, for items under `keys` only.
    Transactions are authorised per item, by the action of each item."""
    if not keys:
        raise ValueError(f"{action}: name the key prefixes it touches")
    return Permission(Resource.TABLE, (f"dynamodb:{action}",), "dynamodb", tuple(keys))


REQ, LINK, IDEM = KeyPrefix.REQUEST, KeyPrefix.LINK, KeyPrefix.IDEMPOTENCY
# The IAM actions behind each adapter call.
FIND_RESERVATION = Permission(Resource.RESERVATION_INDEX, ("dynamodb:Query",), "dynamodb")
FIND_OVERDUE = Permission(Resource.STATUS_INDEX, ("dynamodb:Query",), "dynamodb")
START_WORKFLOW = Permission(Resource.STATE_MACHINE, ("states:StartExecution",), "stepfunctions")
COMPLETE_TASK = Permission(Resource.WORKFLOW_TASKS, ("states:SendTaskSuccess",), "stepfunctions")
FAIL_TASK = Permission(Resource.WORKFLOW_TASKS, ("states:SendTaskFailure",), "stepfunctions")
READ_LINK_SECRET = Permission(Resource.LINK_SECRET, ("secretsmanager:GetSecretValue",), "secretsmanager")
# Secrets Manager's rotation steps: read the versions, add the pending one, make it current.
ROTATE_LINK_SECRET = Permission(
    Resource.LINK_SECRET,
    (
        "secretsmanager:DescribeSecret",
        "secretsmanager:GetSecretValue",
        "secretsmanager:PutSecretValue",
        "secretsmanager:UpdateSecretVersionStage",
    ),
    "secretsmanager",
)
# SNS sends no SMS from Seoul; AWS End User Messaging SMS does, in the stack's own region.
SEND_SMS = Permission(Resource.SMS, ("sms-voice:SendTextMessage",), "pinpoint-sms-voice-v2")
CLASSIFY_INTENT = Permission(Resource.BOT_ALIAS, ("lex:RecognizeText",), "lexv2-runtime")
ALERT_OPERATORS = Permission(Resource.OPERATORS_TOPIC, ("sns:Publish",), "sns")
WRITE_MESSAGE = Permission(Resource.BEDROCK_MODELS, ("bedrock:InvokeModel",), "bedrock-runtime")


# The API operations the functions' code calls, per botocore service (the least-privilege test holds
# this to what the functions really call). Each function's archive carries botocore's data for its
# services, their models cut down to these operations (runtime.contract.SERVICE_MODELS_FOLDER).
CLIENT_OPERATIONS: Mapping[str, tuple[str, ...]] = {
    "dynamodb": ("DeleteItem", "GetItem", "PutItem", "Query", "TransactWriteItems", "UpdateItem"),
    "stepfunctions": ("SendTaskFailure", "SendTaskSuccess", "StartExecution"),
    "secretsmanager": ("DescribeSecret", "GetSecretValue", "PutSecretValue", "UpdateSecretVersionStage"),
    "pinpoint-sms-voice-v2": ("SendTextMessage",),
    "lexv2-runtime": ("RecognizeText",),
    "bedrock-runtime": ("Converse",),
    "sns": ("Publish",),
}


# What the event source mapping itself does with the function's role: read the stream, and hand a
# batch that keeps failing to the dead-letter queue. These are not calls the function's code makes.
EVENT_SOURCE_PERMISSIONS = (
    Permission(
        Resource.TABLE_STREAM,
        (
            "dynamodb:DescribeStream",
            "dynamodb:GetRecords",
            "dynamodb:GetShardIterator",
            "dynamodb:ListStreams",
        ),
        "dynamodbstreams",
    ),
    Permission(Resource.DEAD_LETTERS, ("sqs:SendMessage",), "sqs"),
)
# What Lambda does with the function's role for a topic's deliveries (asynchronous invocations): send
# an event that failed every retry to the dead-letter queue (its on-failure destination).
ASYNC_FAILURE_PERMISSIONS = (Permission(Resource.DEAD_LETTERS, ("sqs:SendMessage",), "sqs"),)


# --- hand-offs: the table's stream, filtered per consumer ----------------------------------------

_REQUEST_KEYS = {"Keys": {"PK": {"S": [{"prefix": REQUEST_PREFIX}]}, "SK": {"S": [METADATA]}}}
# Lambda event filter patterns (the same syntax in AWS and in the local stack's stream poller).
NEW_REQUEST_FILTER: Mapping[str, Any] = {"eventName": ["INSERT"], "dynamodb": _REQUEST_KEYS}
ANSWER_RECORDED_FILTER: Mapping[str, Any] = {
    "eventName": ["MODIFY"],
    "dynamodb": {
        **_REQUEST_KEYS,
        "NewImage": {STATUS_ATTRIBUTE: {"S": [str(Status.RESPONDED)]}},
        "OldImage": {STATUS_ATTRIBUTE: {"S": [{"anything-but": [str(Status.RESPONDED)]}]}},
    },
}

# The customer decided on a time the partner proposed (runtime/services/decide.py): the proposal
# moved from pending to accepted or declined. A lapse (the workflow's own step) is not delivered.
DECISION_RECORDED_FILTER: Mapping[str, Any] = {
    "eventName": ["MODIFY"],
    "dynamodb": {
        **_REQUEST_KEYS,
        "NewImage": {
            "proposal": {"M": {"state": {"S": [str(ProposalState.ACCEPTED), str(ProposalState.DECLINED)]}}}
        },
        "OldImage": {"proposal": {"M": {"state": {"S": [str(ProposalState.PENDING)]}}}},
    },
}

# An operator redrove a request that had ended Timeout or Failed (runtime/domain/redrive.py): its
# status is back to Created, and its next attempt starts as a new request's first one does.
REDRIVEN_FILTER: Mapping[str, Any] = {
    "eventName": ["MODIFY"],
    "dynamodb": {
        **_REQUEST_KEYS,
        "NewImage": {STATUS_ATTRIBUTE: {"S": [str(Status.CREATED)]}},
        "OldImage": {STATUS_ATTRIBUTE: {"S": [str(Status.TIMEOUT), str(Status.FAILED)]}},
    },
}


def _closed_as(status: Status, **new_image: Mapping[str, Any]) -> Mapping[str, Any]:
    """A request's status changed to `status` (a repeated write of the same status does not match)."""
    return {
        "eventName": ["MODIFY"],
        "dynamodb": {
            **_REQUEST_KEYS,
            "NewImage": {STATUS_ATTRIBUTE: {"S": [str(status)]}, **new_image},
            "OldImage": {STATUS_ATTRIBUTE: {"S": [{"anything-but": [str(status)]}]}},
        },
    }


# Requests that need a person: every timeout, and failures other than a customer's unknown reservation.
TIMED_OUT_FILTER = _closed_as(Status.TIMEOUT)
FAILED_FOR_THE_SYSTEM_FILTER = _closed_as(
    Status.FAILED, failureReason={"S": [{"anything-but": [str(FailureReason.RESERVATION_NOT_MATCHED)]}]}
)


# The link's SMS could not reach the partner (runtime/services/sms_delivery.py closed the request):
# the workflow still waiting for an answer stops waiting.
LINK_UNDELIVERABLE_FILTER = _closed_as(
    Status.FAILED, failureReason={"S": [str(FailureReason.SMS_UNDELIVERABLE)]}
)


@attrs.frozen
class StreamSubscription:
    """A Lambda event source mapping on the table's stream: which records reach the function, and
    how a failing batch is retried before it goes to the dead-letter queue."""

    filters: tuple[Mapping[str, Any], ...]
    batch_size: int = 10
    # Retries of a failing batch (after bisecting it), then the dead-letter queue. The sweeper is the
    # backstop for whatever ends there.
    maximum_retry_attempts: int = 6
    maximum_record_age_seconds: int = 3600
    bisect_on_error: bool = True
    # Concurrent batches per shard; records of one request keep their order.
    parallelization_factor: int = 4


@attrs.frozen
class TopicSubscription:
    """An SNS topic delivering to the function: SNS invokes it asynchronously, Lambda retries a failed
    invocation, then sends the event to the dead-letter queue."""

    topic: Resource
    maximum_retry_attempts: int = 2
    # An event older than this is not run but dead-lettered (SNS retries a throttled delivery for days).
    maximum_event_age_seconds: int = 3600


SNS = "sns.amazonaws.com"


# The sweeper runs on this schedule (EventBridge Scheduler; a timer in the local stack).
SWEEP_SCHEDULE = "rate(1 minute)"
SWEEP_PERIOD_SECONDS = 60


@attrs.frozen
class FunctionSpec:
    handler: str
    description: str
    permissions: tuple[Permission, ...]
    settings: tuple[Env, ...] = ()
    subscription: StreamSubscription | None = None
    schedule: str | None = None
    # An AWS service that invokes the function itself (allowed by a resource policy on the function).
    invoked_by: str | None = None
    topic: TopicSubscription | None = None

    @property
    def role_permissions(self) -> tuple[Permission, ...]:
        """What the function's role is granted: its own calls, and its event source's."""
        stream = EVENT_SOURCE_PERMISSIONS if self.subscription else ()
        return self.permissions + stream + (ASYNC_FAILURE_PERMISSIONS if self.topic else ())

    @property
    def environment(self) -> tuple[Env, ...]:
        """Every variable this function reads: where its resources are, then its settings."""
        names: list[Env] = [Env.STAGE, Env.LOG_LEVEL]
        for permission in self.permissions:
            names += [e for e in RESOURCE_ENV[permission.resource] if e not in names]
        return tuple(names + [e for e in self.settings if e not in names])

    def actions_on(self, resource: Resource) -> tuple[str, ...]:
        actions = {a for p in self.role_permissions if p.resource is resource for a in p.actions}
        return tuple(sorted(actions))

    @property
    def resources(self) -> tuple[Resource, ...]:
        return tuple(dict.fromkeys(p.resource for p in self.role_permissions))

    @property
    def clients(self) -> frozenset[str]:
        """The botocore services the function's own code creates clients for."""
        return frozenset(p.client for p in self.permissions)


def limits_environment(limits: Limits) -> dict[str, str]:
    """The functions' settings for these limits (read back by `runtime.bootstrap.read_settings`)."""
    return {
        Env.LIMIT_OPEN_PER_RESERVATION: str(limits.open_per_reservation),
        Env.LIMIT_REQUESTS_PER_RESERVATION_PER_DAY: str(limits.requests_per_reservation_per_day),
        Env.LIMIT_UNMATCHED_PER_PHONE_PER_HOUR: str(limits.unmatched_per_phone_per_hour),
        Env.LIMIT_SMS_PER_PARTNER_PER_HOUR: str(limits.sms_per_partner_per_hour),
    }


_LIMITS_ON_SUBMIT = (
    Env.LIMIT_OPEN_PER_RESERVATION,
    Env.LIMIT_REQUESTS_PER_RESERVATION_PER_DAY,
    Env.LIMIT_UNMATCHED_PER_PHONE_PER_HOUR,
)
# Settings of every function that writes under a request (each item's TTL follows from it).
_WRITES_REQUESTS = (Env.RETENTION_DAYS,)
# Settings of every function behind an API route.
_SERVES_HTTP = (Env.ORIGIN_SECRET,)
# A workflow step that closes or changes one request: read it, add its event, update it.
_UPDATES_A_REQUEST = (on_items("GetItem", REQ), on_items("PutItem", REQ), on_items("UpdateItem", REQ))
SECRETS_MANAGER = "secretsmanager.amazonaws.com"

FUNCTIONS: dict[Function, FunctionSpec] = {
    Function.CHAT: FunctionSpec(
        handler="runtime.handlers.chat.handle",
        description="POST /api/chat: classify the question and store the request (one conditional write)",
        permissions=(
            on_items("GetItem", REQ, IDEM),
            on_items("PutItem", REQ, IDEM, KeyPrefix.UNCLEAR),
            on_items("UpdateItem", KeyPrefix.RESERVATION_LIMIT, KeyPrefix.PHONE_LIMIT),
            CLASSIFY_INTENT,
            READ_LINK_SECRET,
        ),
        settings=(*_SERVES_HTTP, Env.PARTNER_TIMEOUT_SECONDS, *_WRITES_REQUESTS, *_LIMITS_ON_SUBMIT),
    ),
    Function.ORCHESTRATOR: FunctionSpec(
        handler="runtime.handlers.orchestrator.handle",
        description="Stream: match a new or redriven request to its partner, start its workflow",
        permissions=(
            FIND_RESERVATION,
            on_items("PutItem", REQ),
            on_items("UpdateItem", REQ, KeyPrefix.RESERVATION_LIMIT),  # frees its place when told
            on_items("DeleteItem", REQ),
            START_WORKFLOW,
        ),
        settings=_WRITES_REQUESTS,
        subscription=StreamSubscription(filters=(NEW_REQUEST_FILTER, REDRIVEN_FILTER)),
    ),
    Function.SMS_SENDER: FunctionSpec(
        handler="runtime.handlers.sms_sender.handle",
        description="Workflow task: store the task token and the link, then text the partner",
        permissions=(
            on_items("GetItem", REQ),
            on_items("UpdateItem", REQ, LINK, KeyPrefix.PHONE_LIMIT, KeyPrefix.PARTNER_LIMIT),
            on_items("PutItem", REQ, LINK),
            READ_LINK_SECRET,
            SEND_SMS,
            COMPLETE_TASK,
        ),
        settings=(
            Env.SITE_URL,
            Env.TOKEN_TTL_SECONDS,
            Env.PARTNER_TIMEOUT_SECONDS,
            Env.SMS_MAX_PRICE,
            *_WRITES_REQUESTS,
            Env.LIMIT_UNMATCHED_PER_PHONE_PER_HOUR,
            Env.LIMIT_SMS_PER_PARTNER_PER_HOUR,
        ),
    ),
    Function.REMINDER: FunctionSpec(
        handler="runtime.handlers.reminder.handle",
        description="Workflow task: remind a silent partner once, with the same link",
        permissions=(
            on_items("GetItem", REQ),
            on_items("UpdateItem", REQ, LINK),
            on_items("PutItem", REQ),
            READ_LINK_SECRET,
            SEND_SMS,
            COMPLETE_TASK,
        ),
        settings=(Env.SITE_URL, Env.SMS_MAX_PRICE, *_WRITES_REQUESTS),
    ),
    Function.PARTNER_PAGE: FunctionSpec(
        handler="runtime.handlers.partner_page.handle",
        description="GET /api/confirm/{token} and POST /api/respond: the partner's page",
        permissions=(
            on_items("GetItem", REQ, LINK),
            on_items("PutItem", REQ),
            on_items("UpdateItem", REQ, LINK),
            READ_LINK_SECRET,
        ),
        settings=(*_SERVES_HTTP, *_WRITES_REQUESTS),
    ),
    Function.DECISION: FunctionSpec(
        handler="runtime.handlers.decision.handle",
        description="POST /api/requests/{requestId}/decision: the customer decides on a proposed time",
        permissions=(
            on_items("GetItem", REQ),
            on_items("PutItem", REQ),
            on_items("UpdateItem", REQ),
            READ_LINK_SECRET,
        ),
        settings=(*_SERVES_HTTP, *_WRITES_REQUESTS),
    ),
    Function.DECISION_WAITER: FunctionSpec(
        handler="runtime.handlers.decision_waiter.handle",
        description="Workflow task: keep the task token the customer's decision on a proposed time resumes",
        permissions=(on_items("GetItem", REQ), on_items("UpdateItem", REQ), COMPLETE_TASK),
    ),
    Function.PROPOSAL_LAPSER: FunctionSpec(
        handler="runtime.handlers.proposal_lapser.handle",
        description="Workflow: the customer's time to decide is up; the proposal lapses (unless decided)",
        permissions=_UPDATES_A_REQUEST,
        settings=_WRITES_REQUESTS,
    ),
    Function.PARTNER_TELLER: FunctionSpec(
        handler="runtime.handlers.partner_teller.handle",
        description="Workflow: text the partner once how their proposed time ended",
        permissions=(
            on_items("GetItem", REQ),
            on_items("PutItem", REQ),
            on_items("UpdateItem", REQ),
            SEND_SMS,
        ),
        settings=(Env.SMS_MAX_PRICE, *_WRITES_REQUESTS),
    ),
    Function.RESUMER: FunctionSpec(
        handler="runtime.handlers.resumer.handle",
        description="Stream: an answer or a decision resumes the workflow; an undelivered link ends it",
        permissions=(COMPLETE_TASK, FAIL_TASK),
        subscription=StreamSubscription(
            filters=(ANSWER_RECORDED_FILTER, DECISION_RECORDED_FILTER, LINK_UNDELIVERABLE_FILTER)
        ),
    ),
    Function.ESCALATOR: FunctionSpec(
        handler="runtime.handlers.escalator.handle",
        description="Stream: tell the operators about a request that timed out or failed for a system reason",
        permissions=(ALERT_OPERATORS,),
        subscription=StreamSubscription(filters=(TIMED_OUT_FILTER, FAILED_FOR_THE_SYSTEM_FILTER)),
    ),
    Function.TIMEOUT: FunctionSpec(
        handler="runtime.handlers.timeout.handle",
        description="Workflow: the partner did not answer in time (unless an answer was recorded)",
        permissions=_UPDATES_A_REQUEST,
        settings=_WRITES_REQUESTS,
    ),
    Function.FAILURE: FunctionSpec(
        handler="runtime.handlers.failure.handle",
        description="Workflow: the SMS step failed; close as Failed (unless an answer was recorded)",
        permissions=_UPDATES_A_REQUEST,
        settings=_WRITES_REQUESTS,
    ),
    Function.NOTIFICATION: FunctionSpec(
        handler="runtime.handlers.notification.handle",
        description="Workflow: write the customer's message (Bedrock, then template) and store it",
        permissions=(
            on_items("GetItem", REQ),
            on_items("PutItem", REQ),
            on_items("UpdateItem", REQ, KeyPrefix.RESERVATION_LIMIT),  # frees its place when told
            on_items("DeleteItem", REQ),
            WRITE_MESSAGE,
        ),
        settings=_WRITES_REQUESTS,
    ),
    Function.REQUEST_STATUS: FunctionSpec(
        handler="runtime.handlers.request_status.handle",
        description="GET /api/requests/{requestId}: the customer's timeline",
        permissions=(on_items("Query", REQ),),
        settings=_SERVES_HTTP,
    ),
    Function.SWEEPER: FunctionSpec(
        handler="runtime.handlers.sweeper.handle",
        description="Every minute: end each request past its due time, with exactly one customer message",
        permissions=(
            FIND_OVERDUE,
            on_items("GetItem", REQ),
            on_items("PutItem", REQ),
            on_items("UpdateItem", REQ, KeyPrefix.RESERVATION_LIMIT),  # frees its place when told
            on_items("DeleteItem", REQ),
        ),
        settings=_WRITES_REQUESTS,
        schedule=SWEEP_SCHEDULE,
    ),
    Function.SECRET_ROTATOR: FunctionSpec(
        handler="runtime.handlers.secret_rotator.handle",
        description="Secrets Manager rotation of the link secret: new current key, the old one as previous",
        permissions=(ROTATE_LINK_SECRET,),
        invoked_by=SECRETS_MANAGER,
    ),
    Function.SMS_DELIVERY: FunctionSpec(
        handler="runtime.handlers.sms_delivery.handle",
        description="SNS: each SMS delivery outcome on the timeline; an undeliverable link fails the request",
        permissions=(
            on_items("GetItem", REQ),
            on_items("ConditionCheckItem", REQ),
            on_items("PutItem", REQ),
            on_items("UpdateItem", REQ),
        ),
        settings=_WRITES_REQUESTS,
        invoked_by=SNS,
        topic=TopicSubscription(Resource.SMS_EVENTS),
    ),
}

WORKFLOW_FUNCTIONS = (
    Function.SMS_SENDER,
    Function.REMINDER,
    Function.TIMEOUT,
    Function.FAILURE,
    Function.NOTIFICATION,
    Function.DECISION_WAITER,
    Function.PROPOSAL_LAPSER,
    Function.PARTNER_TELLER,
)
