"""HandlerFunction: one Lambda function with its own role, policy and log group.

The role's policy is the statements the caller derived from the contract, plus what every function
needs to run: write its own log group and send X-Ray traces. Nothing else.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs
import pulumi
import pulumi_aws as aws

from infra import iam
from infra.lambda_package import LAMBDA_ARCHITECTURE, LAMBDA_RUNTIME

# Enough memory for boto3 cold starts (CPU grows with memory), and API Gateway's own 30 s limit.
MEMORY_MB = 512
TIMEOUT_SECONDS = 30
LOG_ACTIONS = ("logs:CreateLogStream", "logs:PutLogEvents")
# X-Ray has no resource-level permissions: "*" is the only resource it accepts.
TRACE_ACTIONS = ("xray:PutTelemetryRecords", "xray:PutTraceSegments")


@attrs.frozen
class HandlerFunctionArgs:
    function_name: str
    description: str
    handler: str
    code: pulumi.Archive
    layer_arn: pulumi.Input[str]
    environment: Mapping[str, pulumi.Input[str]]
    statements: Sequence[dict[str, Any]]
    log_retention_days: int


class HandlerFunction(pulumi.ComponentResource):
    arn: pulumi.Output[str]
    function_name: pulumi.Output[str]

    def __init__(
        self, name: str, args: HandlerFunctionArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("partnerconfirm:infra:HandlerFunction", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        # Lambda's own log group name, created first so its retention applies from the first line.
        log_group = aws.cloudwatch.LogGroup(
            f"{name}-logs",
            name=f"/aws/lambda/{args.function_name}",
            retention_in_days=args.log_retention_days,
            opts=child,
        )
        role = aws.iam.Role(
            f"{name}-role",
            assume_role_policy=iam.assume_role_policy("lambda.amazonaws.com"),
            description=f"Execution role of {args.function_name}",
            opts=child,
        )
        policy = aws.iam.RolePolicy(
            f"{name}-policy",
            role=role.id,
            policy=iam.policy_document(
                [
                    *args.statements,
                    iam.allow(
                        "WriteLogs", LOG_ACTIONS, [log_group.arn, pulumi.Output.concat(log_group.arn, ":*")]
                    ),
                    iam.allow("WriteTraces", TRACE_ACTIONS, ["*"]),
                ]
            ),
            opts=child,
        )
        function = aws.lambda_.Function(
            f"{name}-function",
            name=args.function_name,
            description=args.description,
            role=role.arn,
            runtime=LAMBDA_RUNTIME,
            architectures=[LAMBDA_ARCHITECTURE],
            handler=args.handler,
            code=args.code,
            layers=[args.layer_arn],
            memory_size=MEMORY_MB,
            timeout=TIMEOUT_SECONDS,
            tracing_config={"mode": "Active"},
            environment={"variables": dict(args.environment)},
            # Permissions first: an event source mapping on the function is checked against its role.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[policy, log_group]),
        )
        self.arn = function.arn
        self.function_name = function.name
        self.register_outputs({"arn": self.arn, "functionName": self.function_name})
