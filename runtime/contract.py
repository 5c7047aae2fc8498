"""Names shared by the Lambda runtime, the Pulumi program and the local stack.

Everything here is defined once: the table's key schema, environment variable names, the routes,
the functions' names, the SMS delivery events and the metric names. The runtime reads these names;
infra builds resources and IAM policies from them; the local stack and the tests build their
emulated resources from them. How each function is deployed (its handler, permissions, environment
and triggers) is in runtime/deployment.py, which the functions never import: a cold start loads only
these names. Standard library and attrs only.
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


# Where a function's archive keeps botocore's data for the services it calls, cut to its calls
# (infra/service_models.py writes it, runtime/adapters/packaged_aws_data.py reads it): a client then
# loads a few KiB of JSON rather than botocore's whole description of the service and of every
# service's endpoints (15-60 ms at a cold start).
SERVICE_MODELS_FOLDER = "aws_models"
# The name botocore gives a service's model file (`<service>/<api version>/service-2.json`).
SERVICE_MODEL = "service-2"


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
