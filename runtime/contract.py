"""Names shared by the Lambda runtime, the Pulumi program and the local stack.

Everything here is defined once: the table's key schema, environment variable names, the Lambda
functions (handler path, what each one touches and may do), and the metric names. The runtime reads
these names; infra builds resources and IAM policies from them; the local stack and the tests build
their emulated resources from them. Standard library and attrs only.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any

import attrs

from runtime.domain.limits import Limits
from runtime.domain.model import FailureReason, ProposalState, Status

# --- the single DynamoDB table -----------------------------------------------------------------


@attrs.frozen
class Index:
    name: str
    partition_key: str
    sort_key: str


@attrs.frozen
class TableSchema:
    partition_key: str
    sort_key: str
    ttl_attribute: str
    indexes: tuple[Index, ...]

    @property
    def key_attributes(self) -> tuple[str, ...]:
        """Every attribute used as a key by the table or an index (all strings)."""
        names = [self.partition_key, self.sort_key]
        for index in self.indexes:
            names += [index.partition_key, index.sort_key]
        return tuple(names)


RESERVATION_INDEX = Index(name="GSI1", partition_key="GSI1PK", sort_key="GSI1SK")
STATUS_INDEX = Index(name="GSI2", partition_key="GSI2PK", sort_key="GSI2SK")
TABLE = TableSchema(
    partition_key="PK",
    sort_key="SK",
    ttl_attribute="ttl",
    indexes=(RESERVATION_INDEX, STATUS_INDEX),
)


# The stage of the stack `make local` runs (the deployed ones are named after their Pulumi stacks).
LOCAL_STAGE = "local"


def table_name(stage: str) -> str:
    return f"PartnerConfirmation-{stage}"


class KeyPrefix(enum.StrEnum):
    """How every partition key of the table begins (runtime/adapters/dynamo_keys.py builds the keys).

    The stream filters match on them, and each function's IAM grant names the ones it may touch
    (`dynamodb:LeadingKeys`). No prefix is the beginning of another."""

    REQUEST = "REQ#"
    RESERVATION = "RES#"
    LINK = "TOKEN#"
    IDEMPOTENCY = "IDEM#"
    # Abuse limits (runtime/domain/limits.py): per reservation number, customer phone, partner phone.
    RESERVATION_LIMIT = "LIMIT#RES#"
    PHONE_LIMIT = "LIMIT#PHONE#"
    PARTNER_LIMIT = "LIMIT#PARTNER#"
    # Messages the intent step did not understand, one partition per KST day.
    UNCLEAR = "UNCLEAR#"


REQUEST_PREFIX = KeyPrefix.REQUEST.value
METADATA = "METADATA"
# The request's status attribute, as the converter names the entity's `status` field.
STATUS_ATTRIBUTE = "status"
# The table's stream carries both images, so a filter can tell a status change from a rewrite.
STREAM_VIEW = "NEW_AND_OLD_IMAGES"


# --- environment variables ---------------------------------------------------------------------


class Env(enum.StrEnum):
    TABLE_NAME = "TABLE_NAME"
    STATE_MACHINE_ARN = "STATE_MACHINE_ARN"
    LINK_SECRET_ID = "LINK_SECRET_ID"
    # Seconds a function keeps the link secret it read (a rotation reaches every function within it).
    LINK_SECRET_CACHE_SECONDS = "LINK_SECRET_CACHE_SECONDS"
    SITE_URL = "SITE_URL"
    TOKEN_TTL_SECONDS = "TOKEN_TTL_SECONDS"
    PARTNER_TIMEOUT_SECONDS = "PARTNER_TIMEOUT_SECONDS"
    LEX_BOT_ID = "LEX_BOT_ID"
    LEX_BOT_ALIAS_ID = "LEX_BOT_ALIAS_ID"
    LEX_LOCALE_ID = "LEX_LOCALE_ID"
    BEDROCK_MODEL_ID = "BEDROCK_MODEL_ID"
    BEDROCK_FALLBACK_MODEL_ID = "BEDROCK_FALLBACK_MODEL_ID"
    # AWS End User Messaging SMS: the stack's configuration set (delivery events), the origination
    # identity to send from (an ARN; empty: the service chooses), and the most one SMS may cost (USD).
    SMS_CONFIGURATION_SET = "SMS_CONFIGURATION_SET"
    SMS_ORIGINATION_IDENTITY = "SMS_ORIGINATION_IDENTITY"
    SMS_MAX_PRICE = "SMS_MAX_PRICE"
    # The operators' SNS topic: requests that need a person (timed out, failed for a system reason).
    OPERATORS_TOPIC_ARN = "OPERATORS_TOPIC_ARN"
    STAGE = "STAGE"
    LOG_LEVEL = "LOG_LEVEL"
    # Days a request and everything under it are kept (the table's TTL deletes them after).
    RETENTION_DAYS = "RETENTION_DAYS"
    # The value CloudFront puts in ORIGIN_HEADER; the API refuses a request without it.
    ORIGIN_SECRET = "ORIGIN_SECRET"
    # Abuse limits (0: no limit): open requests and requests per KST day per reservation number,
    # lookups that found no reservation per customer phone per hour, SMS per partner phone per hour.
    LIMIT_OPEN_PER_RESERVATION = "LIMIT_OPEN_PER_RESERVATION"
    LIMIT_REQUESTS_PER_RESERVATION_PER_DAY = "LIMIT_REQUESTS_PER_RESERVATION_PER_DAY"
    LIMIT_UNMATCHED_PER_PHONE_PER_HOUR = "LIMIT_UNMATCHED_PER_PHONE_PER_HOUR"
    LIMIT_SMS_PER_PARTNER_PER_HOUR = "LIMIT_SMS_PER_PARTNER_PER_HOUR"


LEX_LOCALE = "ko_KR"
# Functions keep the link secret they read this long (LINK_SECRET_CACHE_SECONDS's value on AWS): a
# rotation reaches every function within it.
LINK_SECRET_CACHE_SECONDS = 300


# --- HTTP path parameters (the routes themselves are in definitions/routes.py) ------------------------

API_PREFIX = "/api"
# CloudFront adds this header, with the stack's secret value, to every request it sends the API; the
# API answers 403 to a request without it (one sent to the API's own address, around CloudFront).
ORIGIN_HEADER = "X-Origin-Verify"
TOKEN_PARAMETER = "token"
REQUEST_ID_PARAMETER = "requestId"
# The partner's SMS link is `{siteUrl}{PARTNER_LINK_PREFIX}{token}`, served by the site's PARTNER_PAGE.
PARTNER_LINK_PREFIX = "/r/"
PARTNER_PAGE = "confirm.html"


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
# this to what the functions really call). Each function's archive carries the models of its
# services cut down to these operations, in SERVICE_MODELS_FOLDER beside the code: a client then
# loads a few KiB of JSON rather than the whole service's description (the models botocore ships
# take 10-30 ms each to read at a cold start).
SERVICE_MODELS_FOLDER = "aws_models"
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


class Function(enum.StrEnum):
    CHAT = "chat"
    ORCHESTRATOR = "orchestrator"
    SMS_SENDER = "sms-sender"
    REMINDER = "reminder"
    PARTNER_PAGE = "partner-page"
    DECISION = "decision"
    DECISION_WAITER = "decision-waiter"
    PROPOSAL_LAPSER = "proposal-lapser"
    PARTNER_TELLER = "partner-teller"
    RESUMER = "resumer"
    ESCALATOR = "escalator"
    TIMEOUT = "timeout"
    FAILURE = "failure"
    NOTIFICATION = "notification"
    REQUEST_STATUS = "request-status"
    SWEEPER = "sweeper"
    SECRET_ROTATOR = "secret-rotator"
    SMS_DELIVERY = "sms-delivery"


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
        permissions=(on_items("GetItem", REQ), on_items("PutItem", REQ), on_items("UpdateItem", REQ)),
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
        permissions=(on_items("GetItem", REQ), on_items("PutItem", REQ), on_items("UpdateItem", REQ)),
        settings=_WRITES_REQUESTS,
    ),
    Function.FAILURE: FunctionSpec(
        handler="runtime.handlers.failure.handle",
        description="Workflow: the SMS step failed; close as Failed (unless an answer was recorded)",
        permissions=(on_items("GetItem", REQ), on_items("PutItem", REQ), on_items("UpdateItem", REQ)),
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


# --- SMS delivery events (AWS End User Messaging SMS, through the configuration set) -------------

# Each SMS carries the request id in its Context, so a delivery event names the request it is about.
SMS_CONTEXT_REQUEST_ID = "requestId"
# ...and which of its SMS it is (runtime.domain.model.SmsKind) with the link it carries (its attempt).
SMS_CONTEXT_KIND = "sms"
SMS_CONTEXT_LINK_ID = "linkId"
# The event types that end an SMS's journey: reached the phone, or never will.
SMS_DELIVERED_EVENTS = ("TEXT_DELIVERED",)
SMS_UNDELIVERABLE_EVENTS = (
    "TEXT_INVALID",
    "TEXT_INVALID_MESSAGE",
    "TEXT_UNREACHABLE",
    "TEXT_CARRIER_UNREACHABLE",
    "TEXT_BLOCKED",
    "TEXT_CARRIER_BLOCKED",
    "TEXT_SPAM",
    "TEXT_UNKNOWN",
    "TEXT_TTL_EXPIRED",
    "TEXT_PROTECT_BLOCKED",
)


# --- metrics (CloudWatch embedded metric format) -----------------------------------------------

METRIC_NAMESPACE = "PartnerConfirm"
METRIC_DIMENSION = "Stage"
# The second dimension of OpenRequests.
STATUS_DIMENSION = "Status"


class Metric(enum.StrEnum):
    REQUESTS_CREATED = "RequestsCreated"
    INTENT_UNCLEAR = "IntentUnclear"
    SMS_SENT = "SmsSent"
    REMINDERS_SENT = "RemindersSent"
    # Delivery outcomes the SMS service reported (an undeliverable link SMS also fails its request).
    SMS_DELIVERED = "SmsDelivered"
    SMS_UNDELIVERABLE = "SmsUndeliverable"
    PARTNER_RESPONDED = "PartnerResponded"
    PARTNER_TIMED_OUT = "PartnerTimedOut"
    REQUEST_FAILED = "RequestFailed"
    RESERVATION_NOT_MATCHED = "ReservationNotMatched"
    MESSAGE_FALLBACK_USED = "MessageFallbackUsed"
    PARTNER_RESPONSE_SECONDS = "PartnerResponseSeconds"
    # Requests the sweeper had to end: each one is a hand-off that did not happen in time.
    REQUESTS_SWEPT = "RequestsSwept"
    # Submits refused (429) by a limit per reservation or per phone: abuse, or a customer in a hurry.
    SUBMITS_LIMITED = "SubmitsLimited"
    # Requests failed because their partner's phone reached its SMS limit for the hour (a cost guard).
    PARTNER_SMS_LIMITED = "PartnerSmsLimited"
    # Customers' decisions on a proposed time, and partners told how their proposal ended.
    PROPOSALS_DECIDED = "ProposalsDecided"
    PARTNERS_TOLD = "PartnersTold"
    # Requests handed to the operators (timed out, failed for a system reason).
    ESCALATIONS = "Escalations"
    # Requests open in each status right now (dimension Status), measured by the sweeper each run.
    OPEN_REQUESTS = "OpenRequests"


# --- what a deployment tells the tools that operate it ----------------------------------------


class StackOutput(enum.StrEnum):
    """The Pulumi program's exports (`pulumi stack output --json`), and the same names in the local
    stack's description (`build/local/stack.json`), which adds the emulator's endpoint."""

    SITE_URL = "siteUrl"
    API_URL = "apiUrl"
    REGION = "region"
    TABLE_NAME = "tableName"
    STREAM_ARN = "streamArn"
    STATE_MACHINE_ARN = "stateMachineArn"
    DEAD_LETTER_QUEUE_URL = "deadLetterQueueUrl"
    PARTNER_TIMEOUT_SECONDS = "partnerTimeoutSeconds"
    # Days every item under a request is kept (its TTL follows from it, as the functions set it).
    RETENTION_DAYS = "retentionDays"
    BOT_ID = "botId"
    BOT_ALIAS_ID = "botAliasId"
    SMS_EVENTS_TOPIC_ARN = "smsEventsTopicArn"
    OPERATORS_TOPIC_ARN = "operatorsTopicArn"
    # Local stack only: where its AWS emulator answers.
    ENDPOINT_URL = "endpointUrl"
