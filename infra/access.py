"""Where each resource named by the contract lives: the ARNs a policy grants on, and the environment
values a function finds it by. This is the one place that turns `runtime.contract.Resource` into AWS.

The orchestrator function is not here: the Functions component creates it, so it adds it itself.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import attrs
import pulumi

from infra.aws_account import AwsAccount
from runtime.contract import LEX_LOCALE, RESERVATION_INDEX, Env, Resource


@attrs.frozen
class Target:
    arns: Sequence[pulumi.Input[str]]
    environment: Mapping[Env, pulumi.Input[str]] = attrs.field(factory=dict)


def resource_targets(
    *,
    account: AwsAccount,
    table_name: pulumi.Input[str],
    table_arn: pulumi.Output[str],
    state_machine_arn: pulumi.Input[str],
    link_secret_arn: pulumi.Input[str],
    bot_id: pulumi.Input[str],
    bot_alias_id: pulumi.Input[str],
    bot_alias_arn: pulumi.Input[str],
    bedrock_model_id: str,
    bedrock_fallback_model_id: str,
) -> dict[Resource, Target]:
    models = (bedrock_model_id, bedrock_fallback_model_id)
    return {
        Resource.TABLE: Target([table_arn], {Env.TABLE_NAME: table_name}),
        Resource.RESERVATION_INDEX: Target(
            [pulumi.Output.concat(table_arn, "/index/", RESERVATION_INDEX.name)], {Env.TABLE_NAME: table_name}
        ),
        Resource.STATE_MACHINE: Target([state_machine_arn], {Env.STATE_MACHINE_ARN: state_machine_arn}),
        # SendTaskSuccess authorizes on the state machine whose task waits (as CDK's grantTaskResponse).
        Resource.WORKFLOW_TASKS: Target([state_machine_arn]),
        Resource.LINK_SECRET: Target([link_secret_arn], {Env.LINK_SECRET_ID: link_secret_arn}),
        # An SMS goes to a phone number, which has no ARN: SNS only accepts "*" for direct SMS.
        Resource.SMS: Target(["*"]),
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
