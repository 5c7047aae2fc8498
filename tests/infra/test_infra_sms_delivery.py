"""The SMS delivery events reach their function: SNS subscribed to the stack's SMS events topic, allowed
to invoke that function for that topic only, Lambda's retries then the dead-letter queue, and what SNS
cannot deliver at all in the same queue (whose policy admits that topic only)."""

from __future__ import annotations

import json

from infra_helpers import lambda_of, policy_of, role_of, statements

from infra.offline.mock_aws import ACCOUNT_ID
from infra.offline.mock_run import Deployment
from runtime.contract import Function
from runtime.deployment import FUNCTIONS

SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"
PERMISSION = "aws:lambda/permission:Permission"
INVOKE_CONFIG = "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig"
QUEUE_POLICY = "aws:sqs/queuePolicy:QueuePolicy"
SPEC = FUNCTIONS[Function.SMS_DELIVERY]


def _topic(deployment: Deployment) -> str:
    return deployment.exports["smsEventsTopicArn"]


def _function_arn(deployment: Deployment) -> str:
    return lambda_of(deployment, Function.SMS_DELIVERY).outputs["arn"]


def _queue(deployment: Deployment):
    return deployment.one("aws:sqs/queue:Queue")


def test_the_events_topic_delivers_to_the_delivery_function(deployment: Deployment) -> None:
    (subscription,) = [s for s in deployment.of_type(SUBSCRIPTION) if s.inputs["protocol"] == "lambda"]
    assert subscription.inputs["topic"] == _topic(deployment)
    assert subscription.inputs["endpoint"] == _function_arn(deployment)
    # What SNS cannot hand to Lambda at all ends in the dead-letter queue, not nowhere.
    redrive = json.loads(subscription.inputs["redrivePolicy"])
    assert redrive == {"deadLetterTargetArn": _queue(deployment).outputs["arn"]}


def test_sns_may_invoke_the_function_for_that_topic_of_this_account_only(deployment: Deployment) -> None:
    (permission,) = [p for p in deployment.of_type(PERMISSION) if p.inputs["principal"] == SPEC.invoked_by]
    assert permission.inputs == {
        "action": "lambda:InvokeFunction",
        "function": _function_arn(deployment),
        "principal": "sns.amazonaws.com",
        "sourceArn": _topic(deployment),
        "sourceAccount": ACCOUNT_ID,
    }


def test_lambda_retries_a_failed_delivery_then_dead_letters_it(deployment: Deployment) -> None:
    assert SPEC.topic is not None
    (config,) = deployment.of_type(INVOKE_CONFIG)
    assert config.inputs["functionName"] == _function_arn(deployment)
    assert config.inputs["maximumRetryAttempts"] == SPEC.topic.maximum_retry_attempts == 2
    assert config.inputs["maximumEventAgeInSeconds"] == SPEC.topic.maximum_event_age_seconds
    assert config.inputs["destinationConfig"] == {
        "onFailure": {"destination": _queue(deployment).outputs["arn"]}
    }


def test_the_queue_admits_undelivered_messages_of_the_events_topic_only(deployment: Deployment) -> None:
    queue = _queue(deployment)
    (policy,) = deployment.of_type(QUEUE_POLICY)
    assert policy.inputs["queueUrl"] == queue.outputs["url"]
    (statement,) = json.loads(policy.inputs["policy"])["Statement"]
    assert statement == {
        "Sid": "UndeliveredTopicMessages",
        "Effect": "Allow",
        "Principal": {"Service": "sns.amazonaws.com"},
        "Action": "sqs:SendMessage",
        "Resource": queue.outputs["arn"],
        "Condition": {
            "StringEquals": {"aws:SourceAccount": ACCOUNT_ID},
            "ArnEquals": {"aws:SourceArn": [_topic(deployment)]},
        },
    }


def test_the_delivery_function_writes_only_under_requests_and_calls_nothing_else(
    deployment: Deployment,
) -> None:
    lambda_ = lambda_of(deployment, Function.SMS_DELIVERY)
    granted = statements(policy_of(deployment, role_of(deployment, lambda_)))
    table = deployment.one("aws:dynamodb/table:Table").outputs["arn"]
    queue = _queue(deployment).outputs["arn"]
    grants = {
        sid: s
        for sid, s in granted.items()
        if s["Effect"] == "Allow" and sid not in ("WriteLogs", "WriteTraces")
    }
    assert grants == {
        "TableRequest": {
            "Sid": "TableRequest",
            "Effect": "Allow",
            "Action": [
                "dynamodb:ConditionCheckItem",
                "dynamodb:GetItem",
                "dynamodb:PutItem",
                "dynamodb:UpdateItem",
            ],
            "Resource": [table],
            "Condition": {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["REQ#*"]}},
        },
        "DeadLetters": {
            "Sid": "DeadLetters",
            "Effect": "Allow",
            "Action": ["sqs:SendMessage"],
            "Resource": [queue],
        },
    }
    assert set(lambda_.inputs["environment"]["variables"]) == {
        "STAGE",
        "LOG_LEVEL",
        "TABLE_NAME",
        "RETENTION_DAYS",
    }


def test_the_resumer_may_fail_a_waiting_task_as_well_as_resume_it(deployment: Deployment) -> None:
    lambda_ = lambda_of(deployment, Function.RESUMER)
    granted = statements(policy_of(deployment, role_of(deployment, lambda_)))
    assert granted["WorkflowTasks"]["Action"] == ["states:SendTaskFailure", "states:SendTaskSuccess"]
