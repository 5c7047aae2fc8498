"""Where each resource named in runtime/deployment.py lives: the ARNs a policy grants on, and the environment
values a function finds it by. This is the one place that turns `runtime.deployment.Resource` into AWS.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs
import pulumi

from infra import iam
from infra.aws_account import AwsAccount
from runtime.contract import (
    LEX_LOCALE,
    LINK_SECRET_CACHE_SECONDS,
    RESERVATION_INDEX,
    STATUS_INDEX,
    Env,
    Index,
)
from runtime.deployment import Resource


@attrs.frozen
class Target:
    arns: Sequence[pulumi.Input[str]]
    environment: Mapping[Env, pulumi.Input[str]] = attrs.field(factory=dict)


def resource_targets(
    *,
    account: AwsAccount,
    table_name: pulumi.Input[str],
    table_arn: pulumi.Output[str],
    table_stream_arn: pulumi.Input[str],
    dead_letter_queue_arn: pulumi.Input[str],
    state_machine_arn: pulumi.Input[str],
    link_secret_arn: pulumi.Input[str],
    bot_id: pulumi.Input[str],
    bot_alias_id: pulumi.Input[str],
    bot_alias_arn: pulumi.Input[str],
    bedrock_model_id: str,
    bedrock_fallback_model_id: str,
    sms_configuration_set_name: pulumi.Input[str],
    sms_configuration_set_arn: pulumi.Input[str],
    sms_origination_identity: str | None,
    sms_events_topic_arn: pulumi.Input[str],
    operators_topic_arn: pulumi.Input[str],
) -> dict[Resource, Target]:
    models = (bedrock_model_id, bedrock_fallback_model_id)
    origination = [sms_origination_identity] if sms_origination_identity else []
    return {
        Resource.TABLE: Target([table_arn], {Env.TABLE_NAME: table_name}),
        Resource.RESERVATION_INDEX: _index(table_name, table_arn, RESERVATION_INDEX),
        Resource.STATUS_INDEX: _index(table_name, table_arn, STATUS_INDEX),
        Resource.OPERATORS_TOPIC: Target(
            [operators_topic_arn], {Env.OPERATORS_TOPIC_ARN: operators_topic_arn}
        ),
        # Read by the event source mappings with their function's role, never by the function's code.
        Resource.TABLE_STREAM: Target([table_stream_arn]),
        Resource.DEAD_LETTERS: Target([dead_letter_queue_arn]),
        Resource.STATE_MACHINE: Target([state_machine_arn], {Env.STATE_MACHINE_ARN: state_machine_arn}),
        # SendTaskSuccess authorizes on the state machine whose task waits (as CDK's grantTaskResponse).
        Resource.WORKFLOW_TASKS: Target([state_machine_arn]),
        Resource.LINK_SECRET: Target(
            [link_secret_arn],
            {
                Env.LINK_SECRET_ID: link_secret_arn,
                Env.LINK_SECRET_CACHE_SECONDS: str(LINK_SECRET_CACHE_SECONDS),
            },
        ),
        # SendTextMessage authorizes on the resources a message names: its configuration set and its
        # origination identity (a phone number, pool or sender ID, by ARN). The Service Authorization
        # Reference lists these (and protect configurations, unused here) as its resource types, so
        # no "*" is needed. Unset, the service chooses the route and the message names no identity.
        Resource.SMS: Target(
            [sms_configuration_set_arn, *origination],
            {
                Env.SMS_CONFIGURATION_SET: sms_configuration_set_name,
                Env.SMS_ORIGINATION_IDENTITY: sms_origination_identity or "",
            },
        ),
        # Delivers to the delivery function (an SNS subscription); no function calls it.
        Resource.SMS_EVENTS: Target([sms_events_topic_arn]),
        Resource.BOT_ALIAS: Target(
            [bot_alias_arn],
            {Env.LEX_BOT_ID: bot_id, Env.LEX_BOT_ALIAS_ID: bot_alias_id, Env.LEX_LOCALE_ID: LEX_LOCALE},
        ),
        Resource.BEDROCK_MODELS: Target(
            [arn for model in models for arn in account.bedrock_model_arns(model)],
            {
                Env.BEDROCK_MODEL_ID: bedrock_model_id,
                Env.BEDROCK_FALLBACK_MODEL_ID: bedrock_fallback_model_id,
            },
        ),
    }


def _index(table_name: pulumi.Input[str], table_arn: pulumi.Output[str], index: Index) -> Target:
    return Target([pulumi.Output.concat(table_arn, "/index/", index.name)], {Env.TABLE_NAME: table_name})


def guardrails(operators_topic_arn: pulumi.Input[str]) -> list[dict[str, Any]]:
    """Statements every function's policy carries besides its grants (defense in depth)."""
    # SMS goes through End User Messaging SMS: no function publishes to any SNS topic but the
    # operators' (which only the escalator is granted). A deny beats any allow, so no grant added by
    # mistake can publish elsewhere.
    return [iam.deny_all_but("NoSnsPublish", ["sns:Publish"], [operators_topic_arn])]
