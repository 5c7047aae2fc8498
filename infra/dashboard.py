"""The CloudWatch dashboard's widgets as data: the request flow first, then what can break it.

Plain data with Pulumi inputs inside; Observability serializes it with Output.json_dumps.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi

from runtime.contract import METRIC_DIMENSION, METRIC_NAMESPACE, STATUS_DIMENSION, Function, Metric
from runtime.domain.model import OPEN_ORDER

FIVE_MINUTES = 300
ONE_DAY = 86_400
FLOW_METRICS = (
    Metric.REQUESTS_CREATED,
    Metric.INTENT_UNCLEAR,
    Metric.SMS_SENT,
    Metric.REMINDERS_SENT,
    Metric.SMS_DELIVERED,
    Metric.SMS_UNDELIVERABLE,
    Metric.PARTNER_RESPONDED,
    Metric.PROPOSALS_DECIDED,
    Metric.PARTNERS_TOLD,
    Metric.PARTNER_TIMED_OUT,
    Metric.REQUEST_FAILED,
    Metric.MESSAGE_FALLBACK_USED,
)


def widgets(
    *,
    region: str,
    stage: str,
    function_names: Mapping[Function, pulumi.Input[str]],
    state_machine_arn: pulumi.Input[str],
    api_id: pulumi.Input[str],
    dead_letter_queue_name: pulumi.Input[str],
) -> list[dict[str, Any]]:
    def graph(
        title: str,
        metrics: list[list[Any]],
        *,
        stat: str = "Sum",
        period: int = FIVE_MINUTES,
        view: str = "timeSeries",
        x: int,
        y: int,
    ) -> dict[str, Any]:
        return {
            "type": "metric",
            "x": x,
            "y": y,
            "width": 12,
            "height": 6,
            "properties": {
                "title": title,
                "region": region,
                "view": view,
                "stat": stat,
                "period": period,
                "metrics": metrics,
            },
        }

    return [
        graph(
            "Requests: created, texted, answered, timed out, failed",
            [[METRIC_NAMESPACE, str(metric), METRIC_DIMENSION, stage] for metric in FLOW_METRICS],
            x=0,
            y=0,
        ),
        graph(
            "Partner response time (s)",
            [
                [
                    METRIC_NAMESPACE,
                    str(Metric.PARTNER_RESPONSE_SECONDS),
                    METRIC_DIMENSION,
                    stage,
                    {"stat": stat},
                ]
                for stat in ("p50", "p90")
            ],
            stat="p50",
            x=12,
            y=0,
        ),
        graph(
            "Workflow executions",
            [
                ["AWS/States", metric, "StateMachineArn", state_machine_arn]
                for metric in (
                    "ExecutionsStarted",
                    "ExecutionsSucceeded",
                    "ExecutionsFailed",
                    "ExecutionsTimedOut",
                )
            ],
            x=0,
            y=6,
        ),
        graph(
            "Lambda errors",
            [["AWS/Lambda", "Errors", "FunctionName", name] for name in function_names.values()],
            x=12,
            y=6,
        ),
        graph(
            "API responses",
            [["AWS/ApiGateway", metric, "ApiId", api_id] for metric in ("Count", "4xx", "5xx")],
            x=0,
            y=12,
        ),
        graph(
            "Hand-offs: requests the sweeper ended, reservations not matched",
            [
                [METRIC_NAMESPACE, str(metric), METRIC_DIMENSION, stage]
                for metric in (Metric.REQUESTS_SWEPT, Metric.RESERVATION_NOT_MATCHED)
            ],
            x=12,
            y=12,
        ),
        graph(
            "Dead-letter queue: stream records no consumer could process",
            [["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", dead_letter_queue_name]],
            stat="Maximum",
            # SQS reports its metrics every minute.
            period=60,
            x=0,
            y=18,
        ),
        graph(
            "Open requests by status (the sweeper counts them every minute)",
            [
                [
                    METRIC_NAMESPACE,
                    str(Metric.OPEN_REQUESTS),
                    METRIC_DIMENSION,
                    stage,
                    STATUS_DIMENSION,
                    str(s),
                ]
                for s in OPEN_ORDER
            ],
            stat="Maximum",
            period=60,
            x=12,
            y=18,
        ),
        graph(
            "Escalations today (requests handed to the operators)",
            [[METRIC_NAMESPACE, str(Metric.ESCALATIONS), METRIC_DIMENSION, stage]],
            period=ONE_DAY,
            view="singleValue",
            x=0,
            y=24,
        ),
        graph(
            "Limits: submits refused (429), requests failed at a partner phone's SMS limit",
            [
                [METRIC_NAMESPACE, str(metric), METRIC_DIMENSION, stage]
                for metric in (Metric.SUBMITS_LIMITED, Metric.PARTNER_SMS_LIMITED)
            ],
            x=12,
            y=24,
        ),
    ]
