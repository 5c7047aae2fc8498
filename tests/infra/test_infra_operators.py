"""The operators' topic: escalations reach people by e-mail when the stack names an address; the
dashboard shows open requests by status and today's escalations."""

from __future__ import annotations

import json

from infra.offline.mock_run import Deployment, run_program
from runtime.contract import METRIC_DIMENSION, METRIC_NAMESPACE, STATUS_DIMENSION, Metric
from runtime.domain.model import OPEN_ORDER

TOPIC = "aws:sns/topic:Topic"
SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"


def test_the_operators_topic_is_encrypted_and_exported(deployment: Deployment) -> None:
    topic = deployment.one(TOPIC, "operators-topic")
    assert topic.inputs["name"] == f"partner-confirm-{deployment.stack}-operators"
    assert topic.inputs["kmsMasterKeyId"] == "alias/aws/sns"
    assert deployment.exports["operatorsTopicArn"] == topic.outputs["arn"]
    assert not [s for s in deployment.of_type(SUBSCRIPTION) if s.name == "operators-email"]


def test_escalations_are_e_mailed_to_the_stacks_alarm_address() -> None:
    deployment = run_program("demo", extra_config={"partner-confirm:alarmEmail": "oncall@partner-confirm.kr"})
    subscription = deployment.one(SUBSCRIPTION, "operators-email").inputs
    assert (subscription["protocol"], subscription["endpoint"]) == ("email", "oncall@partner-confirm.kr")
    assert subscription["topic"] == deployment.one(TOPIC, "operators-topic").outputs["arn"]


def _widgets(deployment: Deployment) -> list[dict]:
    body = json.loads(deployment.one("aws:cloudwatch/dashboard:Dashboard").inputs["dashboardBody"])
    return [widget["properties"] for widget in body["widgets"]]


def test_the_dashboard_shows_open_requests_by_status_and_todays_escalations(deployment: Deployment) -> None:
    widgets = {w["title"].split(" (")[0]: w for w in _widgets(deployment)}
    open_requests = widgets["Open requests by status"]
    assert open_requests["metrics"] == [
        [
            METRIC_NAMESPACE,
            str(Metric.OPEN_REQUESTS),
            METRIC_DIMENSION,
            deployment.stack,
            STATUS_DIMENSION,
            str(s),
        ]
        for s in OPEN_ORDER
    ]
    escalations = widgets["Escalations today"]
    assert escalations["metrics"] == [
        [METRIC_NAMESPACE, str(Metric.ESCALATIONS), METRIC_DIMENSION, deployment.stack]
    ]
    assert (escalations["period"], escalations["stat"], escalations["view"]) == (86_400, "Sum", "singleValue")
