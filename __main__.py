"""Partner Confirm on AWS: the stack's settings in, the components built from them, the addresses out."""

from pathlib import Path

import pulumi

from bot import BOT_FILE
from definitions.routes import OPENAPI_PATH, ROUTES, openapi_document
from definitions.site_settings import site_settings
from infra.access import guardrails, resource_targets
from infra.aws_account import AwsAccount
from infra.components.api_routes import ApiRoutes, ApiRoutesArgs
from infra.components.bot import Bot, BotArgs
from infra.components.functions import Functions, FunctionsArgs
from infra.components.hand_offs import HandOffs, HandOffsArgs
from infra.components.http_api import HttpApi, HttpApiArgs
from infra.components.link_secret import (
    LinkSecret,
    LinkSecretArgs,
    LinkSecretRotation,
    LinkSecretRotationArgs,
)
from infra.components.observability import Observability, ObservabilityArgs
from infra.components.operators import Operators, OperatorsArgs
from infra.components.origin import OriginSecret
from infra.components.rate_limit import RateLimit, RateLimitArgs
from infra.components.sample_data import SampleData, SampleDataArgs
from infra.components.sms_channel import SmsChannel, SmsChannelArgs
from infra.components.table import Table, TableArgs
from infra.components.website import Site, SiteArgs
from infra.components.workflow import Workflow, WorkflowArgs
from infra.config import read_settings
from infra.lambda_package import LambdaPackage
from runtime.contract import API_PREFIX, Env, Function, StackOutput, table_name
from runtime.deployment import WORKFLOW_FUNCTIONS, Resource, limits_environment

ROOT = Path(__file__).resolve().parent
settings = read_settings()
prefix = settings.name_prefix
account = AwsAccount.current(settings.region)

table = Table(
    "table",
    TableArgs(name=table_name(settings.stage), deletion_protection=settings.table_deletion_protection),
)
link_secret = LinkSecret("link-secret", LinkSecretArgs(name_prefix=prefix, value=settings.link_secret))
origin_secret = OriginSecret("origin-secret")
bot = Bot("bot", BotArgs(definition_file=BOT_FILE, stage=settings.stage))
api = HttpApi(
    "api",
    HttpApiArgs(
        name_prefix=prefix, throttle=settings.api_throttle, log_retention_days=settings.log_retention_days
    ),
)
rate_limit = (
    RateLimit("rate-limit", RateLimitArgs(name_prefix=prefix, api_prefix=API_PREFIX))
    if settings.waf_rate_limit
    else None
)
sms = SmsChannel("sms", SmsChannelArgs(name_prefix=prefix, account=account))
site = Site(
    "site",
    SiteArgs(
        name_prefix=prefix,
        site_dir=ROOT / "site",
        api_origin_domain=api.origin_domain,
        api_prefix=API_PREFIX,
        site_settings=site_settings(partner_timeout_seconds=settings.partner_timeout_seconds),
        openapi_path=OPENAPI_PATH,
        openapi_document=openapi_document(),
        origin_secret=origin_secret.value,
        web_acl_arn=rate_limit.web_acl_arn if rate_limit else None,
    ),
)

operators = Operators("operators", OperatorsArgs(name_prefix=prefix, alarm_email=settings.alarm_email))

# Named ahead: the orchestrator starts this state machine, whose tasks are functions built below; the
# stream consumers' roles send to this queue, which the hand-offs built after them create.
state_machine_name = f"{prefix}-workflow"
state_machine_arn = account.state_machine_arn(state_machine_name)
dead_letter_queue_name = f"{prefix}-dead-letters"
dead_letter_queue_arn = account.queue_arn(dead_letter_queue_name)
functions = Functions(
    "functions",
    FunctionsArgs(
        name_prefix=prefix,
        package=LambdaPackage.build(ROOT),
        targets=resource_targets(
            account=account,
            table_name=table.name,
            table_arn=table.arn,
            table_stream_arn=table.stream_arn,
            dead_letter_queue_arn=dead_letter_queue_arn,
            state_machine_arn=state_machine_arn,
            link_secret_arn=link_secret.arn,
            bot_id=bot.bot_id,
            bot_alias_id=bot.alias_id,
            bot_alias_arn=bot.alias_arn,
            bedrock_model_id=settings.bedrock_model_id,
            bedrock_fallback_model_id=settings.bedrock_fallback_model_id,
            sms_configuration_set_name=sms.configuration_set_name,
            sms_configuration_set_arn=sms.configuration_set_arn,
            sms_origination_identity=settings.sms_origination_identity,
            sms_events_topic_arn=sms.events_topic_arn,
            operators_topic_arn=operators.topic_arn,
        ),
        guardrails=guardrails(operators.topic_arn),
        settings={
            Env.STAGE: settings.stage,
            Env.LOG_LEVEL: settings.log_level,
            Env.SITE_URL: site.url,
            Env.TOKEN_TTL_SECONDS: str(settings.token_ttl_seconds),
            Env.PARTNER_TIMEOUT_SECONDS: str(settings.partner_timeout_seconds),
            Env.SMS_MAX_PRICE: settings.sms_max_price or "",
            Env.RETENTION_DAYS: str(settings.retention_days),
            Env.ORIGIN_SECRET: origin_secret.value,
            **limits_environment(settings.limits),
        },
        log_retention_days=settings.log_retention_days,
    ),
)
LinkSecretRotation(
    "link-secret-rotation",
    LinkSecretRotationArgs(
        secret_arn=link_secret.arn,
        rotator_arn=functions.arns[Function.SECRET_ROTATOR],
        every_days=settings.link_rotation_days,
    ),
)
workflow = Workflow(
    "workflow",
    WorkflowArgs(
        state_machine_name=state_machine_name,
        expected_arn=state_machine_arn,
        function_arns={function: functions.arns[function] for function in WORKFLOW_FUNCTIONS},
        partner_timeout_seconds=settings.partner_timeout_seconds,
        reminder_after_seconds=settings.reminder_after_seconds,
        customer_decision_seconds=settings.customer_decision_seconds,
        log_retention_days=settings.log_retention_days,
    ),
)
ApiRoutes(
    "api-routes",
    ApiRoutesArgs(
        api_id=api.api_id, execution_arn=api.execution_arn, routes=ROUTES, function_arns=functions.arns
    ),
)
observability = Observability(
    "observability",
    ObservabilityArgs(
        name_prefix=prefix,
        region=settings.region,
        stage=settings.stage,
        function_names=functions.names,
        state_machine_arn=workflow.arn,
        api_id=api.api_id,
        dead_letter_queue_name=dead_letter_queue_name,
        alarm_email=settings.alarm_email,
    ),
)
hand_offs = HandOffs(
    "hand-offs",
    HandOffsArgs(
        account=account,
        name_prefix=prefix,
        dead_letter_queue_name=dead_letter_queue_name,
        expected_dead_letter_queue_arn=dead_letter_queue_arn,
        stream_arn=table.stream_arn,
        function_arns=functions.arns,
        alarm_actions=observability.alarm_actions,
        topic_arns={Resource.SMS_EVENTS: sms.events_topic_arn},
    ),
)
if settings.load_sample_data:
    SampleData(
        "sample-data",
        SampleDataArgs(
            table_name=table.name,
            reservations_file=ROOT / "infra" / "sample_reservations.json",
            phones=settings.sample_phones,
        ),
    )

# What people and tools need to reach and operate the stack (`python -m ops --stack <stack>` reads
# these through `pulumi stack output --json`).
pulumi.export(StackOutput.SITE_URL, site.url)
pulumi.export(StackOutput.API_URL, api.url)
pulumi.export(StackOutput.REGION, settings.region)
pulumi.export(StackOutput.TABLE_NAME, table.name)
pulumi.export(StackOutput.STREAM_ARN, table.stream_arn)
pulumi.export(StackOutput.STATE_MACHINE_ARN, workflow.arn)
pulumi.export(StackOutput.DEAD_LETTER_QUEUE_URL, hand_offs.dead_letter_queue_url)
pulumi.export(StackOutput.PARTNER_TIMEOUT_SECONDS, settings.partner_timeout_seconds)
pulumi.export(StackOutput.RETENTION_DAYS, settings.retention_days)
pulumi.export(StackOutput.BOT_ID, bot.bot_id)
pulumi.export(StackOutput.BOT_ALIAS_ID, bot.alias_id)
pulumi.export(StackOutput.SMS_EVENTS_TOPIC_ARN, sms.events_topic_arn)
pulumi.export(StackOutput.OPERATORS_TOPIC_ARN, operators.topic_arn)
