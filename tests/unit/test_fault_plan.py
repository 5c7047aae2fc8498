"""The local stack's fault plan: what a fault description means, and how failures are counted."""

import pytest

from local.faults import Fault, FaultInvalid, FaultPlan, Mode, Target, parse_faults
from runtime.contract import Function


def test_a_transient_fault_fails_its_number_of_times_then_the_service_recovers():
    plan = FaultPlan()
    plan.set(Fault(Target.SMS, Mode.TRANSIENT, times=2))

    outcomes = [plan.should_fail(Target.SMS, "sms-sender") for _ in range(4)]

    assert outcomes == [True, True, False, False]
    assert (plan.injected(Target.SMS), plan.attempts(Target.SMS)) == (2, 4)
    assert plan.describe()["faults"][0]["remaining"] == 0


def test_a_permanent_fault_fails_until_cleared():
    plan = FaultPlan()
    plan.set(Fault(Target.DYNAMODB, Mode.PERMANENT))

    failing = [plan.should_fail(Target.DYNAMODB, None) for _ in range(50)]
    plan.clear()

    assert all(failing)
    assert not plan.should_fail(Target.DYNAMODB, None)


def test_a_fault_limited_to_one_function_spares_the_others():
    plan = FaultPlan()
    plan.set(Fault(Target.DYNAMODB, Mode.PERMANENT, function=Function.CHAT))

    assert plan.should_fail(Target.DYNAMODB, "chat")
    assert not plan.should_fail(Target.DYNAMODB, "sms-sender")
    assert not plan.should_fail(Target.DYNAMODB, None)


def test_other_targets_are_untouched_and_clearing_one_keeps_the_rest():
    plan = FaultPlan()
    plan.set(Fault(Target.LEX, Mode.PERMANENT), Fault(Target.BEDROCK, Mode.PERMANENT))
    plan.clear(Target.LEX)

    assert not plan.should_fail(Target.LEX, None)
    assert not plan.should_fail(Target.SMS, None)
    assert plan.should_fail(Target.BEDROCK, None)


def test_descriptions_parse_one_or_many():
    one = parse_faults({"target": "send_task_success", "mode": "transient", "times": 3})
    many = parse_faults([{"target": "lex", "mode": "permanent"}, {"target": "sms", "mode": "permanent"}])

    assert one == [Fault(Target.SEND_TASK_SUCCESS, Mode.TRANSIENT, times=3)]
    assert [fault.target for fault in many] == [Target.LEX, Target.SMS]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (None, None),
        ([], None),
        ({"mode": "permanent"}, "target"),
        ({"target": "sms"}, "mode"),
        ({"target": "sms", "mode": "transient", "times": 1001}, "times"),
        ({"target": "sms", "mode": "transient", "times": "2"}, "times"),
        ({"target": "sms", "mode": "permanent", "function": 3}, "function"),
    ],
)
def test_unusable_descriptions_are_refused_with_a_korean_message(payload, field):
    with pytest.raises(FaultInvalid) as refused:
        parse_faults(payload)

    assert refused.value.field == field
    assert any("가" <= ch <= "힣" for ch in refused.value.message)


def test_a_crash_kills_the_invocation_after_the_chosen_call_and_only_that_one():
    plan = FaultPlan()
    plan.set(
        Fault(
            Target.CRASH,
            Mode.TRANSIENT,
            times=1,
            function=Function.SMS_SENDER,
            operation="dynamodb.TransactWriteItems",
            occurrence=2,
        )
    )

    first_invocation = [plan.should_crash("dynamodb.TransactWriteItems", "sms-sender", "inv-1") for _ in "ab"]
    other_function = plan.should_crash("dynamodb.TransactWriteItems", "chat", "inv-2")
    other_operation = plan.should_crash("sfn.SendTaskSuccess", "sms-sender", "inv-1")
    spent = [plan.should_crash("dynamodb.TransactWriteItems", "sms-sender", "inv-3") for _ in "ab"]

    assert first_invocation == [False, True]
    assert (other_function, other_operation, spent) == (False, False, [False, False])
    assert plan.injected(Target.CRASH) == 1


def test_lost_answers_and_several_crashes_are_armed_side_by_side():
    plan = FaultPlan()
    plan.set(
        Fault(Target.CRASH, Mode.PERMANENT, function=Function.ORCHESTRATOR, operation="dynamodb.Query"),
        Fault(Target.CRASH, Mode.TRANSIENT, times=1, function=Function.SWEEPER, operation="dynamodb.Query"),
        Fault(Target.LOST_RESPONSE, Mode.TRANSIENT, times=1, operation="sfn.SendTaskSuccess"),
    )

    assert [plan.should_crash("dynamodb.Query", "orchestrator", f"o{n}") for n in range(3)] == [True] * 3
    assert plan.should_crash("dynamodb.Query", "sweeper", "s1")
    assert not plan.should_crash("dynamodb.Query", "sweeper", "s2")
    assert plan.should_lose_response("sfn.SendTaskSuccess", "resumer")
    assert not plan.should_lose_response("sfn.SendTaskSuccess", "resumer")
    assert len(plan.describe()["faults"]) == 3


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"target": "crash", "mode": "permanent"}, "operation"),
        ({"target": "crash", "mode": "permanent", "operation": "TransactWriteItems"}, "operation"),
        (
            {"target": "crash", "mode": "permanent", "operation": "dynamodb.Query", "occurrence": 0},
            "occurrence",
        ),
        (
            {
                "target": "lost_response",
                "mode": "permanent",
                "operation": "sfn.SendTaskSuccess",
                "occurrence": 2,
            },
            "occurrence",
        ),
        ({"target": "lex", "mode": "permanent", "operation": "dynamodb.Query"}, "operation"),
    ],
)
def test_call_faults_need_a_well_formed_operation(payload, field):
    with pytest.raises(FaultInvalid) as refused:
        parse_faults(payload)
    assert refused.value.field == field
