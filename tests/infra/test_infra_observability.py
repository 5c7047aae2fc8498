"""Dashboard and alarms: the flow's metrics, failed executions, Lambda errors, API 5xx, swept requests,
the partner phones' SMS limit and the dead-letter queue."""

from __future__ import annotations

import json

import pytest
from infra_helpers import lambda_of, setting, state_machine_arn

from infra.config import NO_ALARM_EMAIL_WARNING
from infra.offline.mock_run import Deployment, run_program
from runtime.contract import METRIC_DIMENSION, METRIC_NAMESPACE, Function, Metric

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
TOPIC = "aws:sns/topic:Topic"


def _alarm(deployment: Deployment, suffix: str) -> dict:
    return deployment.one(ALARM, f"observability-{suffix}").inputs


def _dashboard_metrics(deployment: Deployment) -> list[list]:
    body = json.loads(deployment.one("aws:cloudwatch/dashboard:Dashboard").inputs["dashboardBody"])
    return [metric for widget in body["widgets"] for metric in widget["properties"]["metrics"]]


def test_the_dashboard_shows_the_flow_the_runtime_reports(deployment: Deployment) -> None:
    metrics = _dashboard_metrics(deployment)
    flow = {
        m[1] for m in metrics if m[0] == METRIC_NAMESPACE and m[2:4] == [METRIC_DIMENSION, deployment.stack]
    }
    assert flow == {str(metric) for metric in Metric}


def test_the_dashboard_shows_what_can_break_the_flow(deployment: Deployment) -> None:
    metrics = _dashboard_metrics(deployment)
    api_id = deployment.one("aws:apigatewayv2/api:Api").id
    assert {m[3] for m in metrics if m[:2] == ["AWS/Lambda", "Errors"]} == {
        lambda_of(deployment, function).outputs["name"] for function in Function
    }
    assert ["AWS/States", "ExecutionsFailed", "StateMachineArn", state_machine_arn(deployment)] in metrics
    assert ["AWS/ApiGateway", "4xx", "ApiId", api_id] in metrics
    assert ["AWS/ApiGateway", "5xx", "ApiId", api_id] in metrics
    queue = deployment.one("aws:sqs/queue:Queue").outputs["name"]
    assert ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", queue] in metrics


def test_alarm_on_failed_executions(deployment: Deployment) -> None:
    alarm = _alarm(deployment, "executions-failed")
    assert (alarm["namespace"], alarm["metricName"]) == ("AWS/States", "ExecutionsFailed")
    assert alarm["dimensions"] == {"StateMachineArn": state_machine_arn(deployment)}
    assert alarm["threshold"] == 1 and alarm["comparisonOperator"] == "GreaterThanOrEqualToThreshold"


def test_alarm_on_errors_of_any_function(deployment: Deployment) -> None:
    queries = _alarm(deployment, "lambda-errors")["metricQueries"]
    watched = {q["metric"]["dimensions"]["FunctionName"] for q in queries if "metric" in q}
    assert watched == {lambda_of(deployment, function).outputs["name"] for function in Function}
    (total,) = [q for q in queries if q.get("returnData")]
    assert total["expression"] == "SUM(METRICS())"


def test_alarm_on_api_5xx_and_on_failed_requests(deployment: Deployment) -> None:
    api = _alarm(deployment, "api-5xx")
    assert (api["namespace"], api["metricName"]) == ("AWS/ApiGateway", "5xx")
    assert api["dimensions"] == {"ApiId": deployment.one("aws:apigatewayv2/api:Api").id}
    requests = _alarm(deployment, "requests-failed")
    # Only real failures: an unmatched reservation is counted as ReservationNotMatched, and alarms no one.
    assert (requests["namespace"], requests["metricName"]) == (METRIC_NAMESPACE, str(Metric.REQUEST_FAILED))
    assert requests["dimensions"] == {METRIC_DIMENSION: deployment.stack}
    watched = {alarm.inputs.get("metricName") for alarm in deployment.of_type(ALARM)}
    assert str(Metric.RESERVATION_NOT_MATCHED) not in watched


def test_alarm_on_any_request_the_sweeper_had_to_end(deployment: Deployment) -> None:
    swept = _alarm(deployment, "requests-swept")
    assert (swept["namespace"], swept["metricName"]) == (METRIC_NAMESPACE, str(Metric.REQUESTS_SWEPT))
    assert swept["dimensions"] == {METRIC_DIMENSION: deployment.stack}
    assert (swept["statistic"], swept["period"], swept["evaluationPeriods"]) == ("Sum", 300, 1)
    assert swept["threshold"] == 1 and swept["comparisonOperator"] == "GreaterThanOrEqualToThreshold"


def test_without_an_alarm_address_nobody_is_subscribed_and_pulumi_up_says_so(deployment: Deployment) -> None:
    assert setting(deployment.stack, "alarmEmail") is None  # the committed files name no one
    alarms = deployment.of_type(ALARM)
    # Executions, Lambda errors, API 5xx, failed requests, swept requests, the partner SMS limit, the
    # dead-letter queue.
    assert len(alarms) == 7
    # The only subscription: the SMS delivery events to their function (no e-mail to anyone).
    subscriptions = deployment.of_type("aws:sns/topicSubscription:TopicSubscription")
    assert [s.inputs["protocol"] for s in subscriptions] == ["lambda"]
    assert not [topic for topic in deployment.of_type(TOPIC) if topic.name == "observability-alarms"]
    assert all(not alarm.inputs.get("alarmActions") for alarm in alarms)
    assert NO_ALARM_EMAIL_WARNING in deployment.warnings


def test_alarms_email_the_address_the_stack_names() -> None:
    deployment = run_program("demo", extra_config={"partner-confirm:alarmEmail": "oncall@partner-confirm.kr"})
    topic = deployment.one(TOPIC, "observability-alarms")
    subscription = deployment.one(
        "aws:sns/topicSubscription:TopicSubscription", "observability-alarm-email"
    ).inputs
    assert (subscription["protocol"], subscription["endpoint"]) == ("email", "oncall@partner-confirm.kr")
    assert subscription["topic"] == topic.outputs["arn"]
    assert all(alarm.inputs["alarmActions"] == [topic.outputs["arn"]] for alarm in deployment.of_type(ALARM))
    assert all(alarm.inputs["okActions"] == [topic.outputs["arn"]] for alarm in deployment.of_type(ALARM))
    assert NO_ALARM_EMAIL_WARNING not in deployment.warnings


@pytest.mark.parametrize(
    "placeholder", ["partner-confirm-alarms@example.com", "ops@example.org", "ops@mail.example.net"]
)
def test_a_placeholder_alarm_address_stops_the_program_with_a_clear_message(placeholder: str) -> None:
    with pytest.raises(ValueError, match=r"alarmEmail .* is a placeholder: .* receives no mail"):
        run_program("demo", extra_config={"partner-confirm:alarmEmail": placeholder})


def test_alarm_on_any_request_failed_at_its_partner_phones_sms_limit(deployment: Deployment) -> None:
    limited = _alarm(deployment, "partner-sms-limit")
    assert (limited["namespace"], limited["metricName"]) == (
        METRIC_NAMESPACE,
        str(Metric.PARTNER_SMS_LIMITED),
    )
    assert limited["dimensions"] == {METRIC_DIMENSION: deployment.stack}
    assert (limited["statistic"], limited["period"], limited["evaluationPeriods"]) == ("Sum", 300, 1)
    assert limited["threshold"] == 1 and limited["comparisonOperator"] == "GreaterThanOrEqualToThreshold"
    # A refused submit is the limit doing its job: counted on the dashboard, alarming no one.
    watched = {alarm.inputs.get("metricName") for alarm in deployment.of_type(ALARM)}
    assert str(Metric.SUBMITS_LIMITED) not in watched
