"""Workflow: the Standard state machine (Express cannot wait for a task token) built from the ASL the
local stack runs too (definitions/state_machine.py), logged and traced, allowed to invoke only its tasks."""

from __future__ import annotations

import json
from collections.abc import Mapping

import attrs
import pulumi
import pulumi_aws as aws

from definitions import state_machine
from infra import iam
from infra.aws_account import same_arn
from runtime.contract import Function
from runtime.deployment import WORKFLOW_FUNCTIONS

# Step Functions delivers logs through CloudWatch Logs' vended-log delivery, which authorizes these on
# "*" only. The /aws/vendedlogs/ prefix keeps the log group's resource policy from growing per stack.
LOG_DELIVERY_ACTIONS = (
    "logs:CreateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:DescribeLogGroups",
    "logs:DescribeResourcePolicies",
    "logs:GetLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:UpdateLogDelivery",
)
TRACE_ACTIONS = (
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
    "xray:PutTelemetryRecords",
    "xray:PutTraceSegments",
)


@attrs.frozen
class WorkflowArgs:
    state_machine_name: str
    function_arns: Mapping[Function, pulumi.Input[str]]
    partner_timeout_seconds: int
    reminder_after_seconds: int
    customer_decision_seconds: int
    log_retention_days: int
    # The ARN other resources were given before this one existed (see aws_account.py); checked on deploy.
    expected_arn: pulumi.Input[str] | None = None


class Workflow(pulumi.ComponentResource):
    arn: pulumi.Output[str]

    def __init__(self, name: str, args: WorkflowArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("partnerconfirm:infra:Workflow", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        task_arns = [args.function_arns[function] for function in WORKFLOW_FUNCTIONS]
        logs = aws.cloudwatch.LogGroup(
            f"{name}-logs",
            name=f"/aws/vendedlogs/states/{args.state_machine_name}",
            retention_in_days=args.log_retention_days,
            opts=child,
        )
        role = aws.iam.Role(
            f"{name}-role",
            assume_role_policy=iam.assume_role_policy("states.amazonaws.com"),
            description=f"Execution role of the {args.state_machine_name} state machine",
            opts=child,
        )
        policy = aws.iam.RolePolicy(
            f"{name}-policy",
            role=role.id,
            policy=iam.policy_document(
                [
                    iam.allow("InvokeWorkflowFunctions", ["lambda:InvokeFunction"], task_arns),
                    iam.allow("DeliverLogs", LOG_DELIVERY_ACTIONS, ["*"]),
                    iam.allow("WriteTraces", TRACE_ACTIONS, ["*"]),
                ]
            ),
            opts=child,
        )
        definition = pulumi.Output.all(*task_arns).apply(
            lambda arns: json.dumps(
                state_machine.definition(
                    dict(zip(WORKFLOW_FUNCTIONS, arns, strict=True)),
                    args.partner_timeout_seconds,
                    args.reminder_after_seconds,
                    customer_decision_seconds=args.customer_decision_seconds,
                )
            )
        )
        machine = aws.sfn.StateMachine(
            f"{name}-state-machine",
            name=args.state_machine_name,
            type="STANDARD",
            role_arn=role.arn,
            definition=definition,
            # Execution data holds phone numbers and task tokens: the logs keep only the transitions.
            logging_configuration={
                "level": "ALL",
                "include_execution_data": False,
                "log_destination": pulumi.Output.concat(logs.arn, ":*"),
            },
            tracing_configuration={"enabled": True},
            # Step Functions checks at creation that the role may deliver its logs.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[policy]),
        )
        self.arn = machine.arn
        if args.expected_arn is not None:
            self.arn = same_arn(machine.arn, args.expected_arn)
        self.register_outputs({"arn": self.arn})
