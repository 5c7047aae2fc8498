"""Observability: a dashboard of the request flow, and alarms when requests fail, functions error,
the API answers 5xx, the sweeper has to end a request or a partner's phone reaches its SMS limit;
alarms e-mail the stack's alarmEmail when one is set (`alarm_actions`, for the alarms other components
raise).

The flow metrics are the ones the runtime writes in embedded metric format (runtime.contract).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs
import pulumi
import pulumi_aws as aws

from infra import dashboard
from runtime.contract import METRIC_DIMENSION, METRIC_NAMESPACE, Function, Metric

FIVE_MINUTES = 300


@attrs.frozen
class ObservabilityArgs:
    name_prefix: str
    region: str
    stage: str
    function_names: Mapping[Function, pulumi.Input[str]]
    state_machine_arn: pulumi.Input[str]
    api_id: pulumi.Input[str]
    dead_letter_queue_name: pulumi.Input[str]
    alarm_email: str | None = None


class Observability(pulumi.ComponentResource):
    dashboard_name: pulumi.Output[str]
    # Where every alarm of the stack goes: the alarm topic, or nowhere without an alarm e-mail.
    alarm_actions: list[pulumi.Input[str]]

    def __init__(
        self, name: str, args: ObservabilityArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("partnerconfirm:infra:Observability", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        actions: list[pulumi.Input[str]] = []
        if args.alarm_email:
            topic = aws.sns.Topic(f"{name}-alarms", name=f"{args.name_prefix}-alarms", opts=child)
            aws.sns.TopicSubscription(
                f"{name}-alarm-email",
                topic=topic.arn,
                protocol="email",
                endpoint=args.alarm_email,
                opts=child,
            )
            actions = [topic.arn]

        def alarm(suffix: str, description: str, **metric: Any) -> None:
            aws.cloudwatch.MetricAlarm(
                f"{name}-{suffix}",
                name=f"{args.name_prefix}-{suffix}",
                alarm_description=description,
                comparison_operator="GreaterThanOrEqualToThreshold",
                threshold=1,
                evaluation_periods=1,
                treat_missing_data="notBreaching",
                alarm_actions=actions,
                ok_actions=actions,
                opts=child,
                **metric,
            )

        alarm(
            "executions-failed",
            "A workflow execution failed: its request may have no final status.",
            namespace="AWS/States",
            metric_name="ExecutionsFailed",
            dimensions={"StateMachineArn": args.state_machine_arn},
            statistic="Sum",
            period=FIVE_MINUTES,
        )
        alarm(
            "requests-failed",
            # Only failures: a reservation that does not match is the customer's mistake, counted apart.
            "Requests closed as Failed: customers were told their request could not be confirmed.",
            namespace=METRIC_NAMESPACE,
            metric_name=str(Metric.REQUEST_FAILED),
            dimensions={METRIC_DIMENSION: args.stage},
            statistic="Sum",
            period=FIVE_MINUTES,
        )
        alarm(
            "requests-swept",
            "The sweeper ended requests past their due time: a hand-off (the table's stream, a consumer or "
            "the workflow) did not happen in time. See the dead-letter queue and the functions' errors.",
            namespace=METRIC_NAMESPACE,
            metric_name=str(Metric.REQUESTS_SWEPT),
            dimensions={METRIC_DIMENSION: args.stage},
            statistic="Sum",
            period=FIVE_MINUTES,
        )
        alarm(
            "partner-sms-limit",
            # A cost guard at work: one partner phone texted more than the stack allows an hour. Either
            # a partner really is that busy (raise limits.smsPerPartnerPerHour) or someone is driving
            # requests at one reservation's partner (see SubmitsLimited and the access logs).
            "Requests failed because their partner's phone had received the hour's SMS limit; the "
            "customers were told to ask again later.",
            namespace=METRIC_NAMESPACE,
            metric_name=str(Metric.PARTNER_SMS_LIMITED),
            dimensions={METRIC_DIMENSION: args.stage},
            statistic="Sum",
            period=FIVE_MINUTES,
        )
        alarm(
            "lambda-errors",
            "A function raised: see its log group (/aws/lambda/...).",
            metric_queries=_sum_of_errors(args.function_names),
        )
        alarm(
            "api-5xx",
            "The HTTP API answered 5xx.",
            namespace="AWS/ApiGateway",
            metric_name="5xx",
            dimensions={"ApiId": args.api_id},
            statistic="Sum",
            period=FIVE_MINUTES,
        )
        board = aws.cloudwatch.Dashboard(
            f"{name}-dashboard",
            dashboard_name=args.name_prefix,
            dashboard_body=pulumi.Output.json_dumps(
                {
                    "widgets": dashboard.widgets(
                        region=args.region,
                        stage=args.stage,
                        function_names=args.function_names,
                        state_machine_arn=args.state_machine_arn,
                        api_id=args.api_id,
                        dead_letter_queue_name=args.dead_letter_queue_name,
                    )
                }
            ),
            opts=child,
        )
        self.dashboard_name = board.dashboard_name
        self.alarm_actions = actions
        self.register_outputs({"dashboardName": self.dashboard_name})


def _sum_of_errors(function_names: Mapping[Function, pulumi.Input[str]]) -> Sequence[dict[str, Any]]:
    """One alarm over every function: the sum of their Errors metrics."""
    queries: list[dict[str, Any]] = [
        {
            "id": f"errors_{str(function).replace('-', '_')}",
            "return_data": False,
            "metric": {
                "namespace": "AWS/Lambda",
                "metric_name": "Errors",
                "dimensions": {"FunctionName": function_name},
                "stat": "Sum",
                "period": FIVE_MINUTES,
            },
        }
        for function, function_name in function_names.items()
    ]
    queries.append({"id": "errors", "expression": "SUM(METRICS())", "label": "Errors", "return_data": True})
    return queries
