"""The workflow's Amazon States Language, built as a dict: one definition for AWS and the local stack.

SendSMS invokes the sms sender with `waitForTaskToken`: the handler stores the task token before the
SMS goes out, so a partner who answers at once is never lost (no separate wait state, no race).
Every path ends in GenerateNotification, so every request gets exactly one customer message.
The request (as the orchestrator matched it) travels in the state, and the partner's answer in the
task's result, so the steps after the answer need no read of the table.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from runtime.contract import Function
from runtime.domain.errors import DependencyUnavailable

LAMBDA_SERVICE_ERRORS = [
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
]
# The sms sender raises this (its class name is the Lambda error type) when the SMS service or DynamoDB
# fail for a while; a message the SMS service refuses for good (SmsRejected) is not retried.
RETRYABLE_TASK_ERRORS = [*LAMBDA_SERVICE_ERRORS, DependencyUnavailable.__name__]


def definition(function_arns: Mapping[Function, str], partner_timeout_seconds: int) -> dict[str, Any]:
    """`function_arns` maps each workflow function to its ARN (or name, locally)."""
    return {
        "Comment": "Partner confirmation: text the partner a link, wait for the answer, tell the customer",
        "StartAt": "SendSMS",
        "States": {
            "SendSMS": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
                "Parameters": {
                    "FunctionName": function_arns[Function.SMS_SENDER],
                    "Payload": {
                        "requestId.$": "$.requestId",
                        "request.$": "$.request",
                        "taskToken.$": "$$.Task.Token",
                    },
                },
                "TimeoutSeconds": partner_timeout_seconds,
                "ResultPath": "$.result",
                "Retry": [
                    {
                        "ErrorEquals": RETRYABLE_TASK_ERRORS,
                        "IntervalSeconds": 1,
                        "MaxAttempts": 2,
                        "BackoffRate": 2.0,
                        "MaxDelaySeconds": 4,
                    }
                ],
                "Catch": [
                    {"ErrorEquals": ["States.Timeout"], "ResultPath": "$.error", "Next": "HandleTimeout"},
                    {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "HandleFailure"},
                ],
                "Next": "GenerateNotification",
            },
            "HandleTimeout": _invoke(
                function_arns[Function.TIMEOUT],
                {"requestId.$": "$.requestId", "error.$": "$.error"},
                next_state="GenerateNotification",
            ),
            "HandleFailure": _invoke(
                function_arns[Function.FAILURE],
                {"requestId.$": "$.requestId", "error.$": "$.error"},
                selector={"outcome.$": "$.Payload.outcome", "failureReason.$": "$.Payload.failureReason"},
                next_state="GenerateNotification",
            ),
            "GenerateNotification": _invoke(
                function_arns[Function.NOTIFICATION],
                {"requestId.$": "$.requestId", "request.$": "$.request", "result.$": "$.result"},
                selector={"notified.$": "$.Payload.notified"},
                result_path="$.notification",
            ),
        },
    }


def _invoke(
    function_arn: str,
    payload: dict[str, str],
    *,
    next_state: str | None = None,
    selector: dict[str, str] | None = None,
    result_path: str = "$.result",
) -> dict[str, Any]:
    state: dict[str, Any] = {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": function_arn, "Payload": payload},
        "ResultSelector": selector or {"outcome.$": "$.Payload.outcome"},
        "ResultPath": result_path,
        "Retry": [
            {
                "ErrorEquals": ["States.ALL"],
                "IntervalSeconds": 1,
                "MaxAttempts": 3,
                "BackoffRate": 2.0,
            }
        ],
    }
    if next_state:
        state["Next"] = next_state
    else:
        state["End"] = True
    return state
