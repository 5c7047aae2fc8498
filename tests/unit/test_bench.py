"""The bench's arithmetic and bookkeeping (no timings): budgets, the table, call grouping, import profiles."""

import cProfile
import json
import os
import pstats
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pytest

from bench import cold_start, peer
from bench.calls import OURS, PEER, SubmitCalls, group, submit_figures
from bench.cold_start import MEASURED, PROBES, Timing, as_on_lambda, extra_imports, import_profile
from bench.cold_start_probe import OnlyWhatLambdaHas
from bench.figures import Figure, Section
from bench.lex_runtime import ENDPOINT_VARIABLE, lex_runtime
from bench.report import (
    Baseline,
    Machine,
    benchmarks_markdown,
    console_table,
    markdown_table,
    missed,
    peer_comparison,
    show,
)
from bench.stats import median, percentile, ratio
from local.aws_calls import AwsCall
from runtime.adapters.lex_classifier import LexIntentClassifier
from runtime.contract import Env
from runtime.domain.model import Intent

ROOT = Path(__file__).resolve().parents[2]


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
            call("partner-page", "dynamodb:GetItem", "open", "i2"),
            call("partner-page", "dynamodb:TransactWriteItems", "answer", "i3"),
            call("partner-page", "stepfunctions:SendTaskSuccess", "answer", "i3"),
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


def test_import_profiles_of_several_runs_count_each_module_at_its_least_own_time():
    first = "import time:      2000 |       2000 |   botocore.client\nimport time:  900 |  2900 | botocore"
    second = "import time:      1500 |       1500 |   botocore.client\nimport time:  1200 |  2700 | botocore"

    assert import_profile(first, second) == {"botocore": 2.4}


def test_import_profiles_name_the_bench_by_sub_package_as_the_runtime():
    output = "import time:      4000 |       4000 | bench.peer.chat\nimport time:   700 |   700 | bench.peer"

    assert import_profile(output) == {"bench.peer": 4.7}


# --- the Powertools peer ---------------------------------------------------------------------------


def test_a_probe_imports_powertools_only_for_the_peer_whose_layer_has_it():
    ours, the_peers = OnlyWhatLambdaHas(), OnlyWhatLambdaHas(cold_start.PEER.layer)

    for module in ("boto3", "structlog", "runtime.handlers.chat", "bench.peer.chat", "json"):
        assert ours.find_spec(module) is None
        assert the_peers.find_spec(module) is None
    with pytest.raises(ModuleNotFoundError, match="aws_lambda_powertools is not on Lambda"):
        ours.find_spec("aws_lambda_powertools.logging")
    assert the_peers.find_spec("aws_lambda_powertools.logging") is None
    with pytest.raises(ModuleNotFoundError):
        the_peers.find_spec("rich")  # a development package stays hidden from the peer too
    assert [probe.layer for probe in PROBES] == [()] * len(PROBES)
    assert cold_start.PEER in MEASURED


def _import_as_on_lambda(module: str, layer: tuple[str, ...]) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, Env.TABLE_NAME: "PartnerConfirmation-unit"}
    environment["AWS_DEFAULT_REGION"] = "us-east-1"  # the peer creates its client at import
    return subprocess.run(
        [sys.executable, "-c", as_on_lambda(f"import {module}", layer)],
        env=environment,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_the_peer_imports_with_its_layer_as_on_lambda_and_not_without_it():
    with_layer = _import_as_on_lambda(peer.MODULE, cold_start.PEER.layer)
    without = _import_as_on_lambda(peer.MODULE, ())

    assert with_layer.returncode == 0, with_layer.stderr
    assert without.returncode != 0
    assert "aws_lambda_powertools is not on Lambda" in without.stderr


def test_the_peer_keeps_keys_and_markers_as_long_as_our_chat_under_the_table_s_names(monkeypatch):
    from runtime.services.submit import IDEMPOTENCY_WINDOW

    monkeypatch.setenv(Env.TABLE_NAME, "PartnerConfirmation-unit")
    monkeypatch.setenv(Env.RETENTION_DAYS, "90")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    module = peer.load()

    assert module.IDEMPOTENCY_WINDOW == IDEMPOTENCY_WINDOW
    assert timedelta(days=90) == module.RETENTION
    assert module.persistence_layer.key_attr == "PK"
    assert module.persistence_layer.sort_key_attr == "SK"
    assert module.persistence_layer.expiry_attr == "ttl"


def test_the_peer_is_measured_in_the_same_runs_with_no_budget_and_its_gap_is_said():
    floors = {probe.key: [Timing(400, 250, 100)] * 3 for probe in MEASURED}
    timings = {probe.key: [Timing(500, 300, 150)] * 3 for probe in MEASURED}
    timings[cold_start.PEER.key] = [Timing(900, 500, 350)] * 3
    profiles = {probe.key: {} for probe in MEASURED}

    section = cold_start.section(floors, timings, {}, profiles, runs=3)

    figures = {figure.key: figure for figure in section.figures}
    assert figures["cold.chat-peer"].value == pytest.approx(2.25)
    assert figures["cold.chat-peer"].budget is None
    assert figures["cold.chat"].budget == cold_start.BUDGET
    assert missed([section]) == []  # 2.25x would be missed under our budget
    assert any("our chat starts 400 ms sooner than the peer" in line for line in section.details)
    assert figures["cold.slowest-vs-peer"].value == pytest.approx(500 / 900)
    assert figures["cold.slowest-vs-peer"].met
    # Every handler's milliseconds above the floor, the peer's too: 100 ms, 50 of import, 50 of serving.
    rows = [line for line in section.details if line.startswith("| chat (POST /api/chat) | +100 ms")]
    assert rows == [
        "| chat (POST /api/chat) | +100 ms | +50 ms | +0 | +0 | +0 | +0 | +0 | +0 | +0 | +50 ms |"
    ]
    assert any(line.startswith(f"| {cold_start.PEER.label} | +500 ms | +250 ms") for line in section.details)


def test_each_run_is_held_to_the_floor_run_beside_it():
    """A slow moment slows the pair: the ratios stay, where medians of each would not."""
    floors = {
        probe.key: [Timing(300, 200, 80), Timing(600, 400, 160), Timing(300, 200, 80)] for probe in MEASURED
    }
    timings = {
        probe.key: [Timing(360, 240, 96), Timing(720, 480, 192), Timing(720, 480, 192)] for probe in MEASURED
    }

    section = cold_start.section(floors, timings, {}, {probe.key: {} for probe in MEASURED}, runs=3)

    figures = {figure.key: figure for figure in section.figures}
    assert figures["cold.floor"].value == 300  # the median of every floor run
    assert figures["cold.chat"].value == pytest.approx(1.2)  # 1.2, 1.2 and 2.4: the median pair
    assert any(line.startswith("| chat (POST /api/chat) | +120 ms | +80 ms") for line in section.details)


def test_a_handler_slower_than_the_peer_misses_the_peer_budget():
    floors = {probe.key: [Timing(400, 250, 100)] * 3 for probe in MEASURED}
    timings = {probe.key: [Timing(500, 300, 150)] * 3 for probe in MEASURED}
    timings["failure"] = [Timing(520, 300, 170)] * 3
    timings[cold_start.PEER.key] = [Timing(510, 300, 160)] * 3

    section = cold_start.section(floors, timings, {}, {probe.key: {} for probe in MEASURED}, runs=3)

    assert [figure.key for figure in missed([section])] == ["cold.slowest-vs-peer"]


def test_the_import_parts_add_up_to_the_whole_difference_with_the_floor():
    floor = {"botocore": 40.0, "boto3": 6.0, "s3transfer": 8.0, "json": 2.0}
    handler = {
        "botocore": 41.0,
        "json": 1.5,
        "attr": 12.0,
        "cattrs": 8.0,
        "structlog": 10.0,
        "asyncio": 9.0,
        "runtime.domain": 20.0,
        "runtime.contract": 3.0,
        "inspect": 2.5,
    }

    parts = cold_start.import_parts(handler, floor)

    assert parts["attrs, cattrs"] == 20.0
    assert parts["structlog, asyncio"] == 19.0
    assert parts["runtime"] == 23.0
    assert parts["not imported (boto3 and its own)"] == -14.0
    assert parts["other modules only it loads"] == 2.5  # inspect
    assert parts["modules both load"] == 0.5  # botocore and json: the same work, importtime's noise
    assert sum(parts.values()) == pytest.approx(sum(handler.values()) - sum(floor.values()))


def _submits() -> dict[str, SubmitCalls]:
    return {
        OURS: SubmitCalls(
            ["dynamodb:TransactWriteItems"],
            ["dynamodb:TransactWriteItems", "dynamodb:GetItem", "dynamodb:GetItem"],
        ),
        PEER: SubmitCalls(
            ["dynamodb:PutItem", "dynamodb:TransactWriteItems", "dynamodb:UpdateItem"], ["dynamodb:PutItem"]
        ),
    }


def test_one_submit_and_its_retry_are_counted_for_ours_and_the_peer_with_no_before():
    figures = submit_figures(_submits())

    assert {figure.key: figure.value for figure in figures} == {
        "calls.submit.chat": 1,
        "calls.submit.chat.retried": 3,
        "calls.submit.chat-peer": 3,
        "calls.submit.chat-peer.retried": 1,
    }
    baseline = Baseline("2026-01-01", "abc1234", "a machine", {"calls.op.chat": 1, "cold.chat": 1.5})
    assert all(row.split(" | ")[1] == "—" for row in markdown_table(figures, baseline)[2:])


def test_the_comparison_sets_our_chat_beside_the_peer_and_says_what_it_means():
    cold = Section(
        "Cold start",
        (
            Figure("cold.floor", "floor", 400, "ms"),
            Figure("cold.chat", "chat", 1.5, "x", 1.3),
            Figure("cold.chat-peer", "peer", 2.0, "x"),
        ),
    )
    sections = [Section("AWS calls per flow", tuple(submit_figures(_submits()))), cold]

    lines = peer_comparison(sections)

    assert lines[0] == "## Beside a Powertools peer"
    assert "| cold start | 600 ms (1.50× the floor) | 800 ms (2.00× the floor) |" in lines
    assert "| AWS calls, one submit | 1 | 3 |" in lines
    assert "| AWS calls, that submit again | 3 | 1 |" in lines
    assert "our chat's cold start is 200 ms shorter than the peer's" in lines[-1]
    assert "one submit costs ours 2 fewer calls" in lines[-1]
    assert "that submit again costs ours 2 more calls" in lines[-1]
    assert peer_comparison([Section("Cold start", cold.figures[:2])]) == []

    written = benchmarks_markdown(
        sections,
        baseline=None,
        machine=Machine("a cpu", 2, "3.11.7"),
        measured_at=datetime(2026, 12, 1, tzinfo=UTC),
        commit="abc1234",
        seconds=60,
    )
    assert written.index("## Beside a Powertools peer") < written.index("## AWS calls per flow")


def test_the_lex_stand_in_answers_our_lex_adapter_as_lex_would():
    """Chat's probe asks Lex as in AWS: a real boto3 client, through the endpoint variable."""
    with lex_runtime(ROOT / "bot" / "ko_KR.json") as environment:
        client = boto3.client(
            "lexv2-runtime",
            endpoint_url=environment[ENDPOINT_VARIABLE],
            region_name="ap-northeast-2",
            aws_access_key_id="bench",
            aws_secret_access_key="bench",
        )
        lex = LexIntentClassifier(
            client,
            bot_id=environment[Env.LEX_BOT_ID],
            bot_alias_id=environment[Env.LEX_BOT_ALIAS_ID],
            locale_id=environment[Env.LEX_LOCALE_ID],
        )
        understood = lex.classify("체크인 날짜를 하루 미루고 싶어요", "session-1")
        not_understood = lex.classify("ㅋㅋㅋㅋ", "session-2")
        with pytest.raises(client.exceptions.ResourceNotFoundException):
            client.recognize_text(
                botId="OTHERBOT01",
                botAliasId="OTHERALIAS",
                localeId="ko_KR",
                sessionId="session-3",
                text="안녕",
            )

    assert understood.intent is Intent.CHANGE_RESERVATION
    assert not_understood.intent is None


def test_a_served_events_time_is_placed_by_package_ours_imports_and_network():
    site_packages = "/var/lang/lib/python3.11/site-packages"
    assert cold_start._place(f"{site_packages}/botocore/endpoint.py", "_send") == "botocore"
    assert cold_start._place(str(ROOT / "runtime" / "bootstrap.py"), "client") == "runtime"
    assert cold_start._place("<frozen importlib._bootstrap>", "_find_and_load") == "imports"
    assert cold_start._place("~", "<method 'recv_into' of '_socket.socket' objects>") == "network"
    assert cold_start._place("~", "<built-in method builtins.compile>") == "compile"
    assert cold_start._place("~", "<built-in method zlib.decompress>") == "other built-ins"


def test_where_time_goes_gives_the_largest_shares_of_a_real_profile():
    profiler = cProfile.Profile()
    profiler.runcall(lambda: [json.dumps(list(range(20_000))) for _ in range(20)])

    shares = cold_start.where_time_goes(pstats.Stats(profiler), top=2)

    assert len(shares) == 2
    assert list(shares.values()) == sorted(shares.values(), reverse=True)
    assert 0 < sum(shares.values()) <= 1.0
    assert "json" in shares or "other built-ins" in shares
