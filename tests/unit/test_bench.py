"""The bench's arithmetic and bookkeeping (no timings): budgets, the table, call grouping, import profiles."""

import pytest

from bench.calls import group
from bench.cold_start import extra_imports, import_profile
from bench.figures import Figure, Section
from bench.report import Baseline, console_table, markdown_table, missed, show
from bench.stats import median, percentile, ratio
from local.aws_calls import AwsCall


def test_a_budget_is_a_ceiling_unless_marked_as_a_floor():
    assert Figure("a", "a", 15, "calls", budget=15).met is True
    assert Figure("a", "a", 16, "calls", budget=15).met is False
    assert Figure("a", "a", 90, "count", budget=91, at_least=True).met is False
    assert Figure("a", "a", 3, "calls").met is None


def test_the_median_ratio_and_percentile_of_measurements():
    assert median([300, 100, 200, 1000]) == 250
    assert ratio(390, 300) == pytest.approx(1.3)
    assert percentile([5, 1, 4, 2, 3], 95) == 5
    assert percentile(list(range(1, 101)), 95) == 95
    with pytest.raises(ValueError):
        ratio(100, 0)
    with pytest.raises(ValueError):
        median([])


def test_values_are_written_in_their_units():
    assert show(1.234, "x") == "1.23×"
    assert show(153600, "bytes") == "150.0 KiB"
    assert show(700, "bytes") == "700 B"
    assert show(22, "calls") == "22"
    assert show(0.9843, "%") == "98.4 %"


def test_the_table_sets_each_figure_beside_its_baseline_and_flags_missed_budgets():
    sections = [
        Section(
            "calls",
            (
                Figure("calls.flow", "calls per flow", 14, "calls", 15),
                Figure("cold.chat", "cold start: chat", 1.5, "x", 1.3),
                Figure("new", "a new figure", 7, "calls"),
            ),
        )
    ]
    baseline = Baseline("2026-01-01", "abc1234", "a machine", {"calls.flow": 22, "cold.chat": 1.65})

    table = console_table(sections, baseline).splitlines()

    assert table[0].split() == ["figure", "before", "now", "budget"]
    assert table[2] == "[calls]"
    assert table[3].split() == ["calls", "per", "flow", "22", "14", "≤", "15", "met"]
    assert table[4].split()[-5:] == ["1.65×", "1.50×", "≤", "1.30×", "MISSED"]
    assert table[5].split() == ["a", "new", "figure", "—", "7"]
    assert markdown_table(sections[0].figures, None)[2] == "| calls per flow | — | 14 | ≤ 15 | met |"
    assert [f.key for f in missed(sections)] == ["cold.chat"]


def test_calls_are_grouped_by_operation_the_partner_page_by_what_the_partner_did():
    def call(function, name, phase="wait", invocation="i1"):
        client, _, operation = name.partition(":")
        return AwsCall(function, invocation, client, client, operation, phase=phase)

    flow = group(
        [
            call("chat", "dynamodb:TransactWriteItems", "submit"),
            call("sms-sender", "secretsmanager:GetSecretValue"),
            call("sms-sender", "pinpoint-sms-voice-v2:SendTextMessage"),
            call("response", "dynamodb:GetItem", "open", "i2"),
            call("response", "dynamodb:TransactWriteItems", "answer", "i3"),
            call("response", "stepfunctions:SendTaskSuccess", "answer", "i3"),
            call("notification", "bedrock-runtime:Converse"),
            call("request-status", "dynamodb:Query", invocation="p1"),
            call("request-status", "dynamodb:Query", invocation="p2"),
        ]
    )

    assert flow.counted("confirm GET") == ["dynamodb:GetItem"]
    assert flow.counted("respond POST") == ["dynamodb:TransactWriteItems", "stepfunctions:SendTaskSuccess"]
    assert flow.counted("sms-sender") == [
        "pinpoint-sms-voice-v2:SendTextMessage"
    ]  # the secret is read once per cold start
    assert flow.invocations["request-status poll"] == 2
    assert flow.local_total == 6  # polls are not part of the flow
    assert flow.aws_only("chat") == ["lexv2-runtime:RecognizeText"]
    assert flow.aws_only("notification") == []  # already made here: not counted twice
    assert flow.aws_total == 7


def test_import_profiles_add_up_own_times_per_package_and_compare_with_the_floor():
    output = "\n".join(
        [
            "import time: self [us] | cumulative | imported package",
            "import time:      2000 |       2000 |     botocore.client",
            "import time:      1000 |       3000 |   boto3",
            "import time:      9000 |       9000 |     structlog._config",
            "import time:       500 |       9500 |   structlog",
            "import time:      3000 |      12500 | runtime.adapters.logs",
        ]
    )

    profile = import_profile(output)

    assert profile == {"botocore": 2.0, "boto3": 1.0, "structlog": 9.5, "runtime.adapters": 3.0}
    assert extra_imports(profile, {"botocore": 2.0, "boto3": 1.0}) == [
        ("structlog", 9.5),
        ("runtime.adapters", 3.0),
    ]
