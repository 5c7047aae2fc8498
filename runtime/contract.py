"""Names shared by the Lambda runtime, the Pulumi program and the local stack.

Everything here is defined once: the table's key schema, environment variable names, the Lambda
functions (handler path, what each one touches and may do), and the metric names. The runtime reads
these names; infra builds resources and IAM policies from them; the local stack and the tests build
their emulated resources from them. Standard library and attrs only.
"""

from __future__ import annotations

import enum

import attrs

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


def table_name(stage: str) -> str:
    return f"PartnerConfirmation-{stage}"


# --- environment variables ---------------------------------------------------------------------


class Env(enum.StrEnum):
    TABLE_NAME = "TABLE_NAME"
    STATE_MACHINE_ARN = "STATE_MACHINE_ARN"
    ORCHESTRATOR_FUNCTION = "ORCHESTRATOR_FUNCTION_NAME"
    LINK_SECRET_ID = "LINK_SECRET_ID"
    SITE_URL = "SITE_URL"
    TOKEN_TTL_SECONDS = "TOKEN_TTL_SECONDS"
    PARTNER_TIMEOUT_SECONDS = "PARTNER_TIMEOUT_SECONDS"
    LEX_BOT_ID = "LEX_BOT_ID"
    LEX_BOT_ALIAS_ID = "LEX_BOT_ALIAS_ID"
    LEX_LOCALE_ID = "LEX_LOCALE_ID"
    BEDROCK_MODEL_ID = "BEDROCK_MODEL_ID"
    BEDROCK_FALLBACK_MODEL_ID = "BEDROCK_FALLBACK_MODEL_ID"
    STAGE = "STAGE"
    LOG_LEVEL = "LOG_LEVEL"
    # Local stack only: without Lex, intents are classified from this bot definition file.
    BOT_DEFINITION_FILE = "BOT_DEFINITION_FILE"


LEX_LOCALE = "ko_KR"


# --- HTTP path parameters (the routes themselves are in infra/routes.py) ------------------------

API_PREFIX = "/api"
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
    STATE_MACHINE = "state-machine"
    WORKFLOW_TASKS = "workflow-tasks"
    ORCHESTRATOR_FUNCTION = "orchestrator-function"
    LINK_SECRET = "link-secret"
    SMS = "sms"
    BOT_ALIAS = "bot-alias"
    BEDROCK_MODELS = "bedrock-models"


RESOURCE_ENV: dict[Resource, tuple[Env, ...]] = {
    Resource.TABLE: (Env.TABLE_NAME,),
    Resource.RESERVATION_INDEX: (Env.TABLE_NAME,),
    Resource.STATE_MACHINE: (Env.STATE_MACHINE_ARN,),
    Resource.WORKFLOW_TASKS: (),
    Resource.ORCHESTRATOR_FUNCTION: (Env.ORCHESTRATOR_FUNCTION,),
    Resource.LINK_SECRET: (Env.LINK_SECRET_ID,),
    Resource.SMS: (),
    Resource.BOT_ALIAS: (Env.LEX_BOT_ID, Env.LEX_BOT_ALIAS_ID, Env.LEX_LOCALE_ID),
    Resource.BEDROCK_MODELS: (Env.BEDROCK_MODEL_ID, Env.BEDROCK_FALLBACK_MODEL_ID),
}


@attrs.frozen
class Permission:
    resource: Resource
    actions: tuple[str, ...]


# The IAM actions behind each adapter call. DynamoDB transactions are authorised per item action.
READ_ITEMS = Permission(Resource.TABLE, ("dynamodb:GetItem",))
QUERY_ITEMS = Permission(Resource.TABLE, ("dynamodb:Query",))
PUT_ITEMS = Permission(Resource.TABLE, ("dynamodb:PutItem",))
UPDATE_ITEMS = Permission(Resource.TABLE, ("dynamodb:UpdateItem",))
DELETE_ITEMS = Permission(Resource.TABLE, ("dynamodb:DeleteItem",))
FIND_RESERVATION = Permission(Resource.RESERVATION_INDEX, ("dynamodb:Query",))
START_WORKFLOW = Permission(Resource.STATE_MACHINE, ("states:StartExecution",))
COMPLETE_TASK = Permission(Resource.WORKFLOW_TASKS, ("states:SendTaskSuccess",))
INVOKE_ORCHESTRATOR = Permission(Resource.ORCHESTRATOR_FUNCTION, ("lambda:InvokeFunction",))
READ_LINK_SECRET = Permission(Resource.LINK_SECRET, ("secretsmanager:GetSecretValue",))
SEND_SMS = Permission(Resource.SMS, ("sns:Publish",))
CLASSIFY_INTENT = Permission(Resource.BOT_ALIAS, ("lex:RecognizeText",))
WRITE_MESSAGE = Permission(Resource.BEDROCK_MODELS, ("bedrock:InvokeModel",))


class Function(enum.StrEnum):
    CHAT = "chat"
    ORCHESTRATOR = "orchestrator"
    SMS_SENDER = "sms-sender"
    RESPONSE = "response"
    TIMEOUT = "timeout"
    FAILURE = "failure"
    NOTIFICATION = "notification"
    REQUEST_STATUS = "request-status"


@attrs.frozen
class FunctionSpec:
    handler: str
    description: str
    permissions: tuple[Permission, ...]
    settings: tuple[Env, ...] = ()

    @property
    def environment(self) -> tuple[Env, ...]:
        """Every variable this function reads: where its resources are, then its settings."""
        names: list[Env] = [Env.STAGE, Env.LOG_LEVEL]
        for permission in self.permissions:
            names += [e for e in RESOURCE_ENV[permission.resource] if e not in names]
        return tuple(names + [e for e in self.settings if e not in names])

    def actions_on(self, resource: Resource) -> tuple[str, ...]:
        actions = {a for p in self.permissions if p.resource is resource for a in p.actions}
        return tuple(sorted(actions))

    @property
    def resources(self) -> tuple[Resource, ...]:
        return tuple(dict.fromkeys(p.resource for p in self.permissions))


FUNCTIONS: dict[Function, FunctionSpec] = {
    Function.CHAT: FunctionSpec(
        handler="runtime.handlers.chat.handle",
        description="POST /api/chat: classify the question and create the request",
        permissions=(READ_ITEMS, PUT_ITEMS, UPDATE_ITEMS, CLASSIFY_INTENT, INVOKE_ORCHESTRATOR),
    ),
    Function.ORCHESTRATOR: FunctionSpec(
        handler="runtime.handlers.orchestrator.handle",
        description="Match the reservation and partner, then start the workflow",
        permissions=(FIND_RESERVATION, PUT_ITEMS, UPDATE_ITEMS, START_WORKFLOW),
    ),
    Function.SMS_SENDER: FunctionSpec(
        handler="runtime.handlers.sms_sender.handle",
        description="Workflow task: store the task token and the link, then text the partner",
        permissions=(UPDATE_ITEMS, PUT_ITEMS, READ_LINK_SECRET, SEND_SMS),
        settings=(Env.SITE_URL, Env.TOKEN_TTL_SECONDS, Env.PARTNER_TIMEOUT_SECONDS),
    ),
    Function.RESPONSE: FunctionSpec(
        handler="runtime.handlers.response.handle",
        description="GET /api/confirm/{token} and POST /api/respond: the partner's page",
        permissions=(
            READ_ITEMS,
            QUERY_ITEMS,
            PUT_ITEMS,
            UPDATE_ITEMS,
            DELETE_ITEMS,
            READ_LINK_SECRET,
            COMPLETE_TASK,
        ),
    ),
    Function.TIMEOUT: FunctionSpec(
        handler="runtime.handlers.timeout.handle",
        description="Workflow: the partner did not answer in time",
        permissions=(PUT_ITEMS, UPDATE_ITEMS),
    ),
    Function.FAILURE: FunctionSpec(
        handler="runtime.handlers.failure.handle",
        description="Workflow and orchestrator failures: close the request as Failed",
        permissions=(READ_ITEMS, PUT_ITEMS, UPDATE_ITEMS),
    ),
    Function.NOTIFICATION: FunctionSpec(
        handler="runtime.handlers.notification.handle",
        description="Workflow: write the customer's message (Bedrock, then template) and store it",
        permissions=(READ_ITEMS, PUT_ITEMS, UPDATE_ITEMS, WRITE_MESSAGE),
    ),
    Function.REQUEST_STATUS: FunctionSpec(
        handler="runtime.handlers.request_status.handle",
        description="GET /api/requests/{requestId}: the customer's timeline",
        permissions=(QUERY_ITEMS,),
    ),
}

WORKFLOW_FUNCTIONS = (Function.SMS_SENDER, Function.TIMEOUT, Function.FAILURE, Function.NOTIFICATION)


# --- metrics (CloudWatch embedded metric format) -----------------------------------------------

METRIC_NAMESPACE = "PartnerConfirm"
METRIC_DIMENSION = "Stage"


class Metric(enum.StrEnum):
    REQUESTS_CREATED = "RequestsCreated"
    INTENT_UNCLEAR = "IntentUnclear"
    SMS_SENT = "SmsSent"
    PARTNER_RESPONDED = "PartnerResponded"
    PARTNER_TIMED_OUT = "PartnerTimedOut"
    REQUEST_FAILED = "RequestFailed"
    MESSAGE_FALLBACK_USED = "MessageFallbackUsed"
    PARTNER_RESPONSE_SECONDS = "PartnerResponseSeconds"
