"""The workflow's Amazon States Language, built as a dict: one definition for AWS and the local stack.

SendSMS invokes the sms sender with `waitForTaskToken`: the handler stores the task token before the
SMS goes out, so a partner who answers at once is never lost (no separate wait state, no race). The
partner's answer is recorded in the table and resumes the task from there (the table's stream and
the resumer function), never directly from the partner's request.
Every path goes through GenerateNotification, so every request gets exactly one customer message; a
request whose workflow dies is ended by the sweeper. When the message told of a time the partner
proposed, a second callback wait (AwaitDecision) is resumed by the customer's recorded decision, the
same way; its timeout lapses the proposal. Either way the partner is told once (TellPartner).
The request (as the orchestrator matched it) travels in the state, and the partner's answer in the
task's result, so the steps after the answer need no read of the table.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from runtime.contract import Function
from runtime.domain.deadlines import check_decision_window, check_reminder_after
from runtime.domain.errors import DependencyUnavailable

LAMBDA_SERVICE_ERRORS = [
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
    "Lambda.Unknown",
]
# An invocation that died (out of memory, killed, timed out) rather than raised.
LAMBDA_CRASH_ERRORS = ["Runtime.ExitError", "Sandbox.Timedout"]
# The sms sender raises this (its class name is the Lambda error type) when the SMS service or
# DynamoDB fail or throttle: a busy dependency is waited for, not turned into a failed request. A
# message the SMS service refuses for good (SmsRejected) is not retried.
RETRYABLE_TASK_ERRORS = [*LAMBDA_SERVICE_ERRORS, *LAMBDA_CRASH_ERRORS, DependencyUnavailable.__name__]
# Backoff of the SMS step: 2, 4, 8, 16, 30 s at most (with full jitter), about a minute in all.
SMS_RETRY = {"IntervalSeconds": 2, "MaxAttempts": 5, "BackoffRate": 2.0, "MaxDelaySeconds": 30}
# Backoff of the closing steps: 1, 2, 4, 8, 16, 20 s, within the allowance before the sweeper steps in.
STEP_RETRY = {"IntervalSeconds": 1, "MaxAttempts": 6, "BackoffRate": 2.0, "MaxDelaySeconds": 20}


def definition(
    function_arns: Mapping[Function, str],
    partner_timeout_seconds: int,
    reminder_after_seconds: int,
    *,
    customer_decision_seconds: int,
) -> dict[str, Any]:
    """`function_arns` maps each workflow function to its ARN (or name, locally). The partner's wait
    is two phases: the SMS, then, at `reminder_after_seconds`, one reminder with the same link for the
    rest of the window. A proposed time waits `customer_decision_seconds` for the customer."""
    check_reminder_after(reminder_after_seconds, partner_timeout_seconds)
    check_decision_window(customer_decision_seconds)
    return {
        "Comment": "Partner confirmation: text the partner a link, wait for the answer, tell the customer",
        "StartAt": "SendSMS",
        "States": {
            "SendSMS": _wait_for_partner(
                function_arns[Function.SMS_SENDER],
                {"requestId.$": "$.requestId", "request.$": "$.request", "taskToken.$": "$$.Task.Token"},
                timeout_seconds=reminder_after_seconds,
                on_timeout="SendReminder",
            ),
            "SendReminder": _wait_for_partner(
                function_arns[Function.REMINDER],
                {"requestId.$": "$.requestId", "taskToken.$": "$$.Task.Token"},
                timeout_seconds=partner_timeout_seconds - reminder_after_seconds,
                on_timeout="HandleTimeout",
            ),
            # Both read a recorded answer if there is one: their result is how the request really ended.
            "HandleTimeout": _invoke(
                function_arns[Function.TIMEOUT],
                {"requestId.$": "$.requestId", "error.$": "$.error"},
                selector=ENDING_SELECTOR,
                next_state="GenerateNotification",
            ),
            "HandleFailure": _invoke(
                function_arns[Function.FAILURE],
                {"requestId.$": "$.requestId", "error.$": "$.error"},
                selector=ENDING_SELECTOR,
                next_state="GenerateNotification",
            ),
            "GenerateNotification": _invoke(
                function_arns[Function.NOTIFICATION],
                {"requestId.$": "$.requestId", "request.$": "$.request", "result.$": "$.result"},
                selector={"notified.$": "$.Payload.notified", "awaitDecision.$": "$.Payload.awaitDecision"},
                result_path="$.notification",
                next_state="ProposedTime",
            ),
            # The customer was told of a time the partner proposed: they accept or decline it.
            "ProposedTime": {
                "Type": "Choice",
                "Choices": [
                    {
                        "Variable": "$.notification.awaitDecision",
                        "BooleanEquals": True,
                        "Next": "AwaitDecision",
                    }
                ],
                "Default": "Done",
            },
            "AwaitDecision": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
                "Parameters": {
                    "FunctionName": function_arns[Function.DECISION_WAITER],
                    "Payload": {"requestId.$": "$.requestId", "taskToken.$": "$$.Task.Token"},
                },
                "TimeoutSeconds": customer_decision_seconds,
                "ResultPath": "$.decision",
                "Retry": [{"ErrorEquals": RETRYABLE_TASK_ERRORS, **STEP_RETRY, "JitterStrategy": "FULL"}],
                "Catch": [
                    {"ErrorEquals": ["States.Timeout"], "ResultPath": "$.error", "Next": "LapseProposal"}
                ],
                "Next": "TellPartner",
            },
            # A decision recorded meanwhile stands: the step returns it instead of a lapse.
            "LapseProposal": _invoke(
                function_arns[Function.PROPOSAL_LAPSER],
                {"requestId.$": "$.requestId"},
                selector={"proposal.$": "$.Payload.proposal"},
                result_path="$.decision",
                next_state="TellPartner",
            ),
            # Tells the partner what is stored (the decision or the lapse), once.
            "TellPartner": {
                **_invoke(
                    function_arns[Function.PARTNER_TELLER],
                    {"requestId.$": "$.requestId"},
                    selector={"told.$": "$.Payload.told"},
                    result_path="$.told",
                ),
                "Retry": [{"ErrorEquals": RETRYABLE_TASK_ERRORS, **SMS_RETRY, "JitterStrategy": "FULL"}],
            },
            "Done": {"Type": "Succeed"},
        },
    }


def _wait_for_partner(
    function_arn: str, payload: dict[str, str], *, timeout_seconds: int, on_timeout: str
) -> dict[str, Any]:
    """A task that stores its callback token, texts the partner and waits; the partner's answer (via
    the resumer) completes it with the answer as its result."""
    return {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
        "Parameters": {"FunctionName": function_arn, "Payload": payload},
        "TimeoutSeconds": timeout_seconds,
        "ResultPath": "$.result",
        "Retry": [{"ErrorEquals": RETRYABLE_TASK_ERRORS, **SMS_RETRY, "JitterStrategy": "FULL"}],
        "Catch": [
            {"ErrorEquals": ["States.Timeout"], "ResultPath": "$.error", "Next": on_timeout},
            {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "HandleFailure"},
        ],
        "Next": "GenerateNotification",
    }


def longest_retry_wait(retry: dict[str, Any]) -> float:
    """Seconds a Retry rule waits in all before giving up, at most (jitter only shortens the waits)."""
    waits = (retry["IntervalSeconds"] * retry["BackoffRate"] ** n for n in range(retry["MaxAttempts"]))
    return float(sum(min(wait, retry.get("MaxDelaySeconds", wait)) for wait in waits))


# What the closing steps return (runtime.adapters.workflow_payloads.ending_result): every key present.
ENDING_SELECTOR = {
    "outcome.$": "$.Payload.outcome",
    "response.$": "$.Payload.response",
    "failureReason.$": "$.Payload.failureReason",
}


def _invoke(
    function_arn: str,
    payload: dict[str, str],
    *,
    selector: dict[str, str],
    next_state: str | None = None,
    result_path: str = "$.result",
) -> dict[str, Any]:
    state: dict[str, Any] = {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": function_arn, "Payload": payload},
        "ResultSelector": selector,
        "ResultPath": result_path,
        "Retry": [{"ErrorEquals": ["States.ALL"], **STEP_RETRY, "JitterStrategy": "FULL"}],
    }
    if next_state:
        state["Next"] = next_state
    else:
        state["End"] = True
    return state
