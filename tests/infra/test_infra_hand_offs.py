"""Hand-offs: the table's stream feeding its consumers through filtered event source mappings, the
dead-letter queue and its alarm, and the sweeper's schedule, all from runtime.contract."""

from __future__ import annotations

import json
from typing import Any

import pytest
from infra_helpers import ROLE, ROLE_POLICY, lambda_of, policy_of, role_of, trusted_service

from infra.components.hand_offs import rate_seconds
from infra.offline.mock_aws import ACCOUNT_ID
from infra.offline.mock_run import CapturedResource, Deployment
from runtime.contract import STREAM_VIEW, Function
from runtime.deployment import FUNCTIONS, SWEEP_PERIOD_SECONDS, SWEEP_SCHEDULE

MAPPING = "aws:lambda/eventSourceMapping:EventSourceMapping"
QUEUE = "aws:sqs/queue:Queue"
SCHEDULE = "aws:scheduler/schedule:Schedule"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
SUBSCRIBED = [function for function, spec in FUNCTIONS.items() if spec.subscription is not None]
SCHEDULED = [function for function, spec in FUNCTIONS.items() if spec.schedule is not None]
FOURTEEN_DAYS = 14 * 24 * 60 * 60


def _stream_arn(deployment: Deployment) -> str:
    return deployment.one("aws:dynamodb/table:Table").outputs["streamArn"]


def _queue(deployment: Deployment) -> CapturedResource:
    return deployment.one(QUEUE)


def _mapping_of(deployment: Deployment, function: Function) -> dict[str, Any]:
    arn = lambda_of(deployment, function).outputs["arn"]
    found = [m.inputs for m in deployment.of_type(MAPPING) if m.inputs["functionName"] == arn]
    assert len(found) == 1, f"{function}: {len(found)} mappings"
    return found[0]


def _schedule_of(deployment: Deployment, function: Function) -> dict[str, Any]:
    arn = lambda_of(deployment, function).outputs["arn"]
    found = [s.inputs for s in deployment.of_type(SCHEDULE) if s.inputs["target"]["arn"] == arn]
    assert len(found) == 1, f"{function}: {len(found)} schedules"
    return found[0]


def _dead_letter_alarm(deployment: Deployment) -> dict[str, Any]:
    found = [a.inputs for a in deployment.of_type(ALARM) if a.inputs.get("namespace") == "AWS/SQS"]
    assert len(found) == 1
    return found[0]


def test_the_table_streams_both_images(deployment: Deployment) -> None:
    table = deployment.one("aws:dynamodb/table:Table")
    assert table.inputs["streamEnabled"] is True
    assert table.inputs["streamViewType"] == STREAM_VIEW == "NEW_AND_OLD_IMAGES"
    assert table.outputs["streamArn"].startswith(f"{table.outputs['arn']}/stream/")


def test_the_contract_has_consumers_and_a_schedule() -> None:
    """The tests below compare something: three functions read the stream, one runs on a schedule."""
    assert SUBSCRIBED == [Function.ORCHESTRATOR, Function.RESUMER, Function.ESCALATOR]
    assert SCHEDULED == [Function.SWEEPER]


def test_one_mapping_per_subscription_and_none_for_other_functions(deployment: Deployment) -> None:
    mapped = sorted(m.inputs["functionName"] for m in deployment.of_type(MAPPING))
    assert mapped == sorted(lambda_of(deployment, function).outputs["arn"] for function in SUBSCRIBED)


@pytest.mark.parametrize("function", SUBSCRIBED)
def test_each_mapping_reads_the_stream_as_its_subscription_says(
    deployment: Deployment, function: Function
) -> None:
    subscription = FUNCTIONS[function].subscription
    assert subscription is not None
    mapping = _mapping_of(deployment, function)
    assert mapping["eventSourceArn"] == _stream_arn(deployment)
    # Nothing written while the mapping is being created is skipped (see infra/components/hand_offs.py).
    assert mapping["startingPosition"] == "TRIM_HORIZON"
    patterns = [json.loads(f["pattern"]) for f in mapping["filterCriteria"]["filters"]]
    assert patterns == [dict(pattern) for pattern in subscription.filters]
    assert mapping["batchSize"] == subscription.batch_size
    assert mapping["parallelizationFactor"] == subscription.parallelization_factor
    assert mapping["bisectBatchOnFunctionError"] is subscription.bisect_on_error is True
    assert mapping["maximumRetryAttempts"] == subscription.maximum_retry_attempts
    assert 0 <= mapping["maximumRetryAttempts"] < 10_000  # bounded: never -1 (retry until expiry)
    assert mapping["maximumRecordAgeInSeconds"] == subscription.maximum_record_age_seconds
    assert mapping["functionResponseTypes"] == ["ReportBatchItemFailures"]
    queue_arn = _queue(deployment).outputs["arn"]
    assert mapping["destinationConfig"] == {"onFailure": {"destinationArn": queue_arn}}


def test_the_filters_reach_aws_as_json_text(deployment: Deployment) -> None:
    """Lambda takes each pattern as a JSON string, not an object."""
    for mapping in deployment.of_type(MAPPING):
        assert all(isinstance(f["pattern"], str) for f in mapping.inputs["filterCriteria"]["filters"])


def test_the_dead_letter_queue_is_encrypted_and_keeps_messages_fourteen_days(deployment: Deployment) -> None:
    queue = _queue(deployment)
    assert queue.inputs["name"] == f"partner-confirm-{deployment.stack}-dead-letters"
    assert queue.inputs["sqsManagedSseEnabled"] is True
    assert queue.inputs["messageRetentionSeconds"] == FOURTEEN_DAYS
    assert "fifoQueue" not in queue.inputs  # Lambda's on-failure destination takes standard queues only


def test_the_queue_arn_given_to_the_consumers_ahead_is_the_one_deployed(deployment: Deployment) -> None:
    queue_arn = _queue(deployment).outputs["arn"]
    region = deployment.config["aws:region"]
    assert queue_arn == f"arn:aws:sqs:{region}:{ACCOUNT_ID}:partner-confirm-{deployment.stack}-dead-letters"
    for function in SUBSCRIBED:
        granted = policy_of(deployment, role_of(deployment, lambda_of(deployment, function)))["Statement"]
        assert any(s["Resource"] == [queue_arn] for s in granted), function


def test_an_alarm_as_soon_as_anything_is_dead_lettered(deployment: Deployment) -> None:
    alarm = _dead_letter_alarm(deployment)
    assert alarm["metricName"] == "ApproximateNumberOfMessagesVisible"
    assert alarm["dimensions"] == {"QueueName": _queue(deployment).outputs["name"]}
    assert alarm["comparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert alarm["threshold"] == 1
    assert alarm["evaluationPeriods"] == 1
    assert alarm["treatMissingData"] == "notBreaching"


def test_the_dead_letter_alarm_goes_to_the_stacks_alarm_topic(
    deployment: Deployment, with_alarm_email: Deployment
) -> None:
    assert not _dead_letter_alarm(deployment)["alarmActions"]  # neither stack file names an address
    subscription = with_alarm_email.one(
        "aws:sns/topicSubscription:TopicSubscription", "observability-alarm-email"
    ).inputs
    alarm = _dead_letter_alarm(with_alarm_email)
    assert alarm["alarmActions"] == alarm["okActions"] == [subscription["topic"]]


@pytest.mark.parametrize("function", SCHEDULED)
def test_the_schedule_runs_its_function_at_the_contract_rate_on_time(
    deployment: Deployment, function: Function
) -> None:
    schedule = _schedule_of(deployment, function)
    assert schedule["scheduleExpression"] == FUNCTIONS[function].schedule
    assert schedule["flexibleTimeWindow"] == {"mode": "OFF"}
    retry = schedule["target"]["retryPolicy"]
    # A run is retried until the next one is due, no longer.
    assert retry["maximumEventAgeInSeconds"] == rate_seconds(schedule["scheduleExpression"])
    assert 0 < retry["maximumRetryAttempts"] <= 185
    assert len(deployment.of_type(SCHEDULE)) == len(SCHEDULED)


def test_the_sweeper_runs_every_minute_here_as_in_the_local_stack() -> None:
    assert rate_seconds(SWEEP_SCHEDULE) == SWEEP_PERIOD_SECONDS == 60
    assert rate_seconds("rate(2 hours)") == 7200
    with pytest.raises(ValueError):
        rate_seconds("cron(0 * * * ? *)")


@pytest.mark.parametrize("function", SCHEDULED)
def test_the_schedule_role_may_only_invoke_its_function(deployment: Deployment, function: Function) -> None:
    schedule = _schedule_of(deployment, function)
    role = next(r for r in deployment.of_type(ROLE) if r.outputs["arn"] == schedule["target"]["roleArn"])
    assert trusted_service(role) == "scheduler.amazonaws.com"
    (trust,) = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
    assert trust["Condition"]["StringEquals"] == {"aws:SourceAccount": ACCOUNT_ID}
    region = deployment.config["aws:region"]
    assert trust["Condition"]["ArnEquals"] == {
        "aws:SourceArn": f"arn:aws:scheduler:{region}:{ACCOUNT_ID}:schedule/default/{schedule['name']}"
    }
    (statement,) = policy_of(deployment, role)["Statement"]
    assert statement["Effect"] == "Allow"
    assert statement["Action"] == ["lambda:InvokeFunction"]
    assert statement["Resource"] == [lambda_of(deployment, function).outputs["arn"]]


def test_only_the_schedules_role_may_invoke_a_function(deployment: Deployment) -> None:
    roles = {role.outputs["name"]: role for role in deployment.of_type(ROLE)}
    invoking = [
        statement
        for policy in deployment.of_type(ROLE_POLICY)
        # The workflow invokes its own tasks (tests/infra/test_infra_workflow.py).
        if trusted_service(roles[policy.inputs["role"]]) != "states.amazonaws.com"
        for statement in json.loads(policy.inputs["policy"])["Statement"]
        if "lambda:InvokeFunction" in statement["Action"]
    ]
    sweeper = lambda_of(deployment, Function.SWEEPER).outputs["arn"]
    assert [statement["Resource"] for statement in invoking] == [[sweeper]]
