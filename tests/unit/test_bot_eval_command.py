"""`python -m bot.eval`: its arguments, where it finds the bot, and the Lex calls a replay makes.

Lex is botocore's Stubber on a real lexv2-runtime client: the replay's calls are checked against the
service model and the expected parameters, and answered without AWS.
"""

import json
import subprocess

import boto3
import pytest
from botocore.stub import ANY, Stubber

from bot.eval import __main__ as command
from bot.eval import calibration, lex
from bot.eval.dataset import NONE, Case

OUTPUTS = {"botId": "BOT1234567", "botAliasId": "ALIAS12345", "siteUrl": "https://example.org"}


def _lex_client():
    return boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="ap-northeast-2"
    ).client("lexv2-runtime")


def _answer(intent_name: str) -> dict:
    return {
        "sessionState": {"intent": {"name": intent_name, "state": "InProgress"}},
        "sessionId": "lex-session",
    }


def _expected_call(text: str) -> dict:
    return {
        "botId": "BOT1234567",
        "botAliasId": "ALIAS12345",
        "localeId": "ko_KR",
        "sessionId": ANY,
        "text": text,
    }


@pytest.fixture
def few_cases(monkeypatch):
    """Three messages instead of the whole set, so a stubbed replay stays short."""
    cases = [
        Case("체크인 날짜 바꿀게요", "ChangeReservation"),
        Case("온수가 안 나와요", "ReportTrouble"),
        Case("안녕하세요", NONE),
    ]
    monkeypatch.setattr(command, "load_cases", lambda: cases)
    monkeypatch.setattr(lex.time, "sleep", lambda _: None)
    return cases


def _pulumi(outputs: dict | None, *, returncode: int = 0):
    calls: list[list[str]] = []

    def run(argv, **_):
        calls.append(argv)
        return subprocess.CompletedProcess(
            argv, returncode, json.dumps(outputs) if outputs else "", "no stack"
        )

    return run, calls


def test_a_replay_asks_lex_once_per_message_in_a_session_of_its_own(few_cases, capsys):
    client = _lex_client()
    sessions: list[str] = []
    client.meta.events.register(
        "provide-client-params.lex-runtime-v2.RecognizeText",
        lambda params, **_: sessions.append(params["sessionId"]),
    )
    run, calls = _pulumi(OUTPUTS)
    regions: list[str | None] = []

    def factory(region, profile):
        regions.append(region)
        return client

    with Stubber(client) as stubber:
        stubber.add_response(
            "recognize_text", _answer("ChangeReservation"), _expected_call(few_cases[0].text)
        )
        stubber.add_response("recognize_text", _answer("AddOnService"), _expected_call(few_cases[1].text))
        stubber.add_response("recognize_text", _answer("FallbackIntent"), _expected_call(few_cases[2].text))
        assert command.main(["--stack", "dev", "--json"], client_factory=factory, run=run) == 0
        stubber.assert_no_pending_responses()

    assert calls == [["pulumi", "stack", "output", "--json", "--stack", "dev"]]
    assert regions == ["ap-northeast-2"]  # Pulumi.dev.yaml's aws:region
    assert len(set(sessions)) == 3
    printed = json.loads(capsys.readouterr().out)
    assert printed["bot"] == {"botId": "BOT1234567", "botAliasId": "ALIAS12345"}
    assert printed["lex"]["confusion"]["ReportTrouble"]["AddOnService"] == 1
    assert printed["lex"]["nonRequestsUnclear"] == 1.0
    assert printed["failures"] == []


def test_a_throttled_message_is_asked_again_and_an_unanswered_one_fails_the_run(few_cases, tmp_path, capsys):
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps(OUTPUTS), encoding="utf-8")
    client = _lex_client()
    with Stubber(client) as stubber:
        stubber.add_client_error("recognize_text", "ThrottlingException", http_status_code=429)
        stubber.add_response(
            "recognize_text", _answer("ChangeReservation"), _expected_call(few_cases[0].text)
        )
        for _ in range(lex.ATTEMPTS):
            stubber.add_client_error("recognize_text", "InternalFailureException", http_status_code=500)
        stubber.add_response("recognize_text", _answer("FallbackIntent"), _expected_call(few_cases[2].text))
        code = command.main(
            ["--outputs", str(outputs), "--region", "us-east-1"], client_factory=lambda r, p: client
        )
        stubber.assert_no_pending_responses()

    assert code == 1
    out, err = capsys.readouterr()
    assert "accuracy on the three intents (1 requests)" in out  # the unanswered one is not counted
    assert "not answered: 온수가 안 나와요" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--stack", "dev", "--outputs", "x.json"], "not allowed with argument"),
        (["--calibrate", "--stack", "dev"], "not allowed with argument"),
        (["--region", "us-east-1"], "apply to a replay against Lex"),
        (["--stack"], "expected one argument"),
    ],
)
def test_conflicting_or_incomplete_arguments_are_a_usage_error(argv, message, capsys):
    with pytest.raises(SystemExit) as exited:
        command.main(argv, client_factory=pytest.fail)
    assert exited.value.code == 2
    assert message in capsys.readouterr().err


def test_a_stack_without_the_bot_outputs_says_so_without_calling_lex(few_cases, capsys):
    run, _ = _pulumi({"siteUrl": "https://example.org"})
    assert command.main(["--stack", "demo"], client_factory=pytest.fail, run=run) == 2
    assert "has no botId and botAliasId outputs" in capsys.readouterr().err


def test_pulumi_failing_or_missing_is_reported_in_one_line(few_cases, capsys, tmp_path):
    run, _ = _pulumi(None, returncode=255)
    assert command.main(["--stack", "nope"], client_factory=pytest.fail, run=run) == 2
    assert "pulumi stack output --stack nope failed: no stack" in capsys.readouterr().err

    def missing(*_, **__):
        raise FileNotFoundError("pulumi")

    assert command.main(["--stack", "dev"], client_factory=pytest.fail, run=missing) == 2
    assert "--outputs FILE" in capsys.readouterr().err
    assert command.main(["--outputs", str(tmp_path / "none.json")], client_factory=pytest.fail) == 2
    assert "cannot read" in capsys.readouterr().err
    (tmp_path / "bad.json").write_text("[1, 2]", encoding="utf-8")
    assert command.main(["--outputs", str(tmp_path / "bad.json")], client_factory=pytest.fail) == 2
    assert "expected a JSON object" in capsys.readouterr().err


def test_the_local_run_prints_the_figures_and_the_confusion_matrix(capsys):
    assert command.main([]) == 0
    out = capsys.readouterr().out
    for expected in (
        "accuracy on the three intents",
        "precision",
        "recall",
        "Confusion matrix",
        "Cross-validated",
    ):
        assert expected in out
    assert "stale" not in out


def test_calibrating_writes_the_threshold_and_where_it_came_from(tmp_path):
    stored = tmp_path / "local_classifier.json"
    calibration.store(stored, 0.25, 403)
    document = calibration.stored(stored)
    assert document["unclearBelow"] == 0.25
    assert document["calibratedOn"] == "bot/eval/messages.jsonl"
    assert document["messages"] == 403
