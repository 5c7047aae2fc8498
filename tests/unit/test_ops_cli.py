"""Parsing the command line: a target and one command, checked as argparse reads them (usage errors
exit 2), and the expected failures that exit 1 with one line on stderr and no traceback."""

from __future__ import annotations

import io
import json
from datetime import date

import pytest

from ops.cli import main, parser
from runtime.domain.model import Status


def parse(*argv: str):
    return parser().parse_args(argv)


def refused(capsys, *argv: str) -> str:
    with pytest.raises(SystemExit) as exit_:
        parse(*argv)
    assert exit_.value.code == 2
    return capsys.readouterr().err


def test_a_target_and_a_command_are_required_and_one_target_only(capsys):
    assert "one of the arguments --local --stack --outputs is required" in refused(capsys, "stats")
    assert "not allowed with argument" in refused(capsys, "--local", "--stack", "dev", "stats")
    assert "invalid choice: 'prod'" in refused(capsys, "--stack", "prod", "stats")
    assert "the following arguments are required: COMMAND" in refused(capsys, "--local")


def test_requests_takes_a_status_in_any_case_and_one_day_or_since():
    args = parse("--local", "requests", "--status", "timeout", "--day", "2026-11-23")
    assert args.status is Status.TIMEOUT
    assert args.day == date(2026, 11, 23) and args.since is None
    args = parse("--outputs", "o.json", "requests", "--status", "SMSSent", "--since", "2026-11-01", "--json")
    assert args.status is Status.SMS_SENT and args.since == date(2026, 11, 1) and args.json


@pytest.mark.parametrize(
    ("argv", "error"),
    [
        (("requests",), "the following arguments are required: --status"),
        (("requests", "--status", "Closed"), "not a status: 'Closed'"),
        (("requests", "--status", "Timeout", "--day", "2026-13-01"), "not a day (YYYY-MM-DD): '2026-13-01'"),
        (
            ("requests", "--status", "Timeout", "--day", "2026-11-01", "--since", "2026-11-01"),
            "not allowed with",
        ),
        (("redrive", "0b6f3c1e-2a4d-4c8e-9f10-1a2b3c4d5e6f"), "required: --reason"),
        (("export", "--out", "x.csv"), "required: --since"),
        (("show",), "required: REQUEST_ID"),
        (("unclear", "--limit", "0"), "not a positive number: '0'"),
    ],
)
def test_usage_errors_exit_2_naming_the_argument(capsys, argv, error):
    assert error in refused(capsys, "--local", *argv)


def test_help_says_days_are_utc_and_times_kst(capsys):
    with pytest.raises(SystemExit):
        parse("--help")
    text = capsys.readouterr().out
    assert "Days are UTC days" in text and "KST" in text and "--reveal" in text
    with pytest.raises(SystemExit):
        parse("--local", "requests", "--help")
    assert "UTC day" in capsys.readouterr().out


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_no_local_stack_is_one_line_and_exit_1(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = run("--local", "requests", "--status", "Timeout")
    assert (code, out) == (1, "")
    assert err == (
        "ops: no local stack is running here: build/local/stack.json is missing "
        "(start one with `make local`)\n"
    )


def test_an_outputs_file_without_the_keys_is_one_line_and_exit_1(tmp_path):
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps({"siteUrl": "https://example.cloudfront.net"}))
    code, out, err = run("--outputs", str(path), "stats")
    assert (code, out) == (1, "")
    assert err.startswith(f"ops: {path} does not name tableName, region")
    assert len(err.splitlines()) == 1 and "Traceback" not in err


def test_an_emulator_that_does_not_answer_is_one_line_and_exit_1(tmp_path, monkeypatch):
    """A stack.json left behind by a local stack that stopped without removing it."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "build/local").mkdir(parents=True)
    stale = {"endpointUrl": "http://127.0.0.1:9", "region": "ap-northeast-2", "tableName": "t"}
    (tmp_path / "build/local/stack.json").write_text(json.dumps(stale))

    code, out, err = run("--local", "show", "0b6f3c1e-2a4d-4c8e-9f10-1a2b3c4d5e6f")

    assert (code, out) == (1, "")
    assert err.startswith("ops: AWS did not answer:") and "is `make local` still running?" in err
    assert len(err.splitlines()) == 1


def test_a_since_in_the_future_or_too_far_back_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "o.json").write_text(json.dumps({"region": "ap-northeast-2", "tableName": "t"}))
    code, _, err = run("--outputs", "o.json", "requests", "--status", "Timeout", "--since", "2999-01-01")
    assert code == 1 and "is after today" in err
    code, _, err = run("--outputs", "o.json", "export", "--since", "2001-01-01", "--out", "x.csv")
    assert code == 1 and "ask for at most 366 days" in err
