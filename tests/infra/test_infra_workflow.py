"""The Step Functions workflow: the shared ASL, logging, tracing, and a role that invokes only its tasks."""

from __future__ import annotations

import json

from infra_helpers import lambda_of, policy_of, setting, statements, trusted_service, variables_of

from definitions import state_machine
from infra.offline.mock_run import Deployment
from runtime.contract import Env, Function
from runtime.deployment import WORKFLOW_FUNCTIONS

STATE_MACHINE = "aws:sfn/stateMachine:StateMachine"


def test_a_standard_state_machine_runs_the_asl_the_local_stack_runs(deployment: Deployment) -> None:
    machine = deployment.one(STATE_MACHINE).inputs
    assert machine["type"] == "STANDARD"  # Express cannot wait for a task token
    assert machine["name"] == f"partner-confirm-{deployment.stack}-workflow"
    arns = {function: lambda_of(deployment, function).outputs["arn"] for function in WORKFLOW_FUNCTIONS}
    expected = state_machine.definition(
        arns,
        setting(deployment.stack, "partnerTimeoutSeconds"),
        setting(deployment.stack, "reminderAfterSeconds"),
        customer_decision_seconds=setting(deployment.stack, "customerDecisionSeconds"),
    )
    assert isinstance(machine["definition"], str)
    assert json.loads(machine["definition"]) == expected


def test_the_partner_waits_in_two_phases_the_reminder_between_that_add_up_to_the_window(
    deployment: Deployment,
) -> None:
    states = json.loads(deployment.one(STATE_MACHINE).inputs["definition"])["States"]
    window = setting(deployment.stack, "partnerTimeoutSeconds")
    reminder_after = setting(deployment.stack, "reminderAfterSeconds")
    first, second = states["SendSMS"], states["SendReminder"]
    assert first["TimeoutSeconds"] == reminder_after
    assert second["TimeoutSeconds"] == window - reminder_after
    assert first["Resource"] == second["Resource"] == "arn:aws:states:::lambda:invoke.waitForTaskToken"
    assert second["Parameters"]["FunctionName"] == lambda_of(deployment, Function.REMINDER).outputs["arn"]
    assert second["Parameters"]["Payload"]["taskToken.$"] == "$$.Task.Token"
    timeouts = {
        state: next(c["Next"] for c in states[state]["Catch"] if c["ErrorEquals"] == ["States.Timeout"])
        for state in ("SendSMS", "SendReminder")
    }
    assert timeouts == {"SendSMS": "SendReminder", "SendReminder": "HandleTimeout"}
    assert first["Next"] == second["Next"] == "GenerateNotification"


def test_every_retry_is_jittered_and_the_closing_steps_say_how_the_request_ended(
    deployment: Deployment,
) -> None:
    states = json.loads(deployment.one(STATE_MACHINE).inputs["definition"])["States"]
    retries = [retry for state in states.values() for retry in state.get("Retry", [])]
    assert retries and all(retry["JitterStrategy"] == "FULL" for retry in retries)
    assert states["SendSMS"]["Retry"][0]["MaxAttempts"] == state_machine.SMS_RETRY["MaxAttempts"]
    for name in ("HandleTimeout", "HandleFailure"):
        assert states[name]["ResultSelector"] == state_machine.ENDING_SELECTOR


def test_a_proposed_time_waits_for_the_customer_then_the_partner_is_told_once(
    deployment: Deployment,
) -> None:
    states = json.loads(deployment.one(STATE_MACHINE).inputs["definition"])["States"]
    assert states["GenerateNotification"]["Next"] == "ProposedTime"
    choice = states["ProposedTime"]
    assert choice["Type"] == "Choice"
    assert choice["Choices"] == [
        {"Variable": "$.notification.awaitDecision", "BooleanEquals": True, "Next": "AwaitDecision"}
    ]
    assert states[choice["Default"]] == {"Type": "Succeed"}
    wait = states["AwaitDecision"]
    assert wait["Resource"] == "arn:aws:states:::lambda:invoke.waitForTaskToken"
    assert wait["TimeoutSeconds"] == setting(deployment.stack, "customerDecisionSeconds")
    assert (
        wait["Parameters"]["FunctionName"] == lambda_of(deployment, Function.DECISION_WAITER).outputs["arn"]
    )
    assert wait["Parameters"]["Payload"]["taskToken.$"] == "$$.Task.Token"
    assert wait["Catch"] == [
        {"ErrorEquals": ["States.Timeout"], "ResultPath": "$.error", "Next": "LapseProposal"}
    ]
    assert wait["Next"] == states["LapseProposal"]["Next"] == "TellPartner"
    tell = states["TellPartner"]
    assert tell["Parameters"]["FunctionName"] == lambda_of(deployment, Function.PARTNER_TELLER).outputs["arn"]
    assert tell["End"] is True
    assert tell["Retry"][0]["MaxAttempts"] == state_machine.SMS_RETRY["MaxAttempts"]


def test_executions_are_logged_without_their_data_and_traced(deployment: Deployment) -> None:
    machine = deployment.one(STATE_MACHINE).inputs
    log_group = deployment.one("aws:cloudwatch/logGroup:LogGroup", "workflow-logs")
    logging = machine["loggingConfiguration"]
    assert logging["level"] in {"ALL", "ERROR"}
    assert logging["includeExecutionData"] is False
    assert logging["logDestination"] == f"{log_group.outputs['arn']}:*"
    assert log_group.inputs["retentionInDays"] == setting(deployment.stack, "logRetentionDays")
    assert machine["tracingConfiguration"] == {"enabled": True}


def test_the_workflow_role_invokes_only_the_workflow_functions(deployment: Deployment) -> None:
    machine = deployment.one(STATE_MACHINE)
    role = next(
        r for r in deployment.of_type("aws:iam/role:Role") if r.outputs["arn"] == machine.inputs["roleArn"]
    )
    assert trusted_service(role) == "states.amazonaws.com"
    policy = policy_of(deployment, role)
    invoking = [s for s in policy["Statement"] if any(a.startswith("lambda:") for a in s["Action"])]
    assert len(invoking) == 1
    assert invoking[0]["Action"] == ["lambda:InvokeFunction"]
    workflow_arns = sorted(lambda_of(deployment, f).outputs["arn"] for f in WORKFLOW_FUNCTIONS)
    assert sorted(invoking[0]["Resource"]) == workflow_arns
    others = {lambda_of(deployment, f).outputs["arn"] for f in Function if f not in WORKFLOW_FUNCTIONS}
    assert not others & set(invoking[0]["Resource"])
    granted = statements(policy)
    assert "logs:CreateLogDelivery" in granted["DeliverLogs"]["Action"]
    assert "xray:PutTraceSegments" in granted["WriteTraces"]["Action"]


def test_every_task_of_the_definition_is_an_invocable_function(deployment: Deployment) -> None:
    machine = deployment.one(STATE_MACHINE).inputs
    tasks = {
        state["Parameters"]["FunctionName"]
        for state in json.loads(machine["definition"])["States"].values()
        if state["Type"] == "Task"
    }
    assert tasks == {lambda_of(deployment, f).outputs["arn"] for f in WORKFLOW_FUNCTIONS}


def test_the_state_machine_arn_given_ahead_is_the_one_deployed(deployment: Deployment) -> None:
    """Functions get the ARN before the state machine exists (aws_account.py); AWS's ARN must match."""
    deployed = deployment.one(STATE_MACHINE).outputs["arn"]
    orchestrator = variables_of(lambda_of(deployment, Function.ORCHESTRATOR))
    assert orchestrator[str(Env.STATE_MACHINE_ARN)] == deployed
    assert deployment.exports["stateMachineArn"] == deployed
