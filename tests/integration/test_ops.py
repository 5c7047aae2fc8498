"""`python -m ops` against an emulated account with the product deployed: each command's queries and
output, the redrive's second attempt end to end, and the failures an operator meets."""

from __future__ import annotations

import csv
import io
import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from botocore.stub import Stubber

from local.emulator import LOCAL_RETENTION_DAYS, REGION
from ops.cli import main
from reliability.invariants import violations
from runtime import bootstrap
from runtime.contract import StackOutput
from runtime.domain.model import UnclearMessage
from runtime.handlers import partner_page
from tests.integration.conftest import DELIVERY_EVENTS, Stack, api_event, fail_calls
from tests.integration.flows import (
    PARTNER_PHONE,
    SMS_SERVICE,
    link_token,
    submit,
    submit_and_wait_for_link,
)

CUSTOMER_E164 = "+821000001001"


def outputs_file(stack: Stack, path: Path, *, partner_timeout_seconds: int, **changes: Any) -> Path:
    """What `pulumi stack output --json` gives for this deployment, with the emulator's endpoint."""
    deployment = stack.deployment
    outputs = {
        StackOutput.ENDPOINT_URL: stack.aws.endpoint,
        StackOutput.REGION: REGION,
        StackOutput.TABLE_NAME: deployment.table_name,
        StackOutput.STREAM_ARN: deployment.stream_arn,
        StackOutput.STATE_MACHINE_ARN: deployment.state_machine_arn,
        StackOutput.DEAD_LETTER_QUEUE_URL: deployment.dead_letter_queue_url,
        StackOutput.PARTNER_TIMEOUT_SECONDS: partner_timeout_seconds,
        StackOutput.RETENTION_DAYS: LOCAL_RETENTION_DAYS,
        **changes,
    }
    path.write_text(json.dumps({str(k): v for k, v in outputs.items() if v is not None}), encoding="utf-8")
    return path


class Ops:
    """Runs the command line in this process, as an operator would run it, on one deployment."""

    def __init__(self, outputs: Path) -> None:
        self.outputs = outputs

    def __call__(self, *args: str) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        code = main(["--outputs", str(self.outputs), *args], out=out, err=err)
        return code, out.getvalue(), err.getvalue()

    def json_lines(self, *args: str) -> list[dict[str, Any]]:
        code, out, err = self(*args, "--json")
        assert code == 0, err
        return [json.loads(line) for line in out.splitlines()]


@pytest.fixture
def ops_on(tmp_path, monkeypatch):
    """`ops_on(stack)`: the command line on that deployment. Runs in tmp_path (its audit log too)."""
    monkeypatch.chdir(tmp_path)

    def _ops(stack: Stack, *, partner_timeout_seconds: int = 300, **changes: Any) -> Ops:
        path = outputs_file(
            stack, tmp_path / "outputs.json", partner_timeout_seconds=partner_timeout_seconds, **changes
        )
        return Ops(path)

    return _ops


def told(stack: Stack, request_id: str, *, after: str | None = None, timeout: float = 20.0) -> dict[str, Any]:
    """The request once its customer was told (a message other than `after`)."""
    return stack.wait_for(
        lambda: (
            (item := stack.request_item(request_id)).get("notification")
            and item["notification"]["at"] != after
            and item
        ),
        timeout,
    )


def workflows_ended(stack: Stack) -> None:
    """Until no workflow runs: the last step stores the message, the execution ends a moment later
    (the command line refuses a redrive while the request's workflow still runs)."""
    stack.wait_for(lambda: all(e["status"] != "RUNNING" for e in stack.executions()))
    stack.aws.wait_idle()


def answer(token: str, choice: str = "accept") -> None:
    reply = partner_page.handle(api_event("respond_post", body={"token": token, "response": choice}), None)
    assert reply["statusCode"] == 200, reply["body"]


def today() -> str:
    return datetime.now(UTC).date().isoformat()


def test_requests_lists_a_status_by_day_as_a_table_and_as_json_lines(deploy, ops_on):
    stack = deploy(partner_timeout_seconds=2)
    ops = ops_on(stack)
    timed_out = submit()["requestId"]
    told(stack, timed_out)
    unmatched = submit(reservationNumber="HTL-999999")["requestId"]
    stack.wait_for_status(unmatched, "Failed")

    (found,) = ops.json_lines("requests", "--status", "Timeout")
    assert found["requestId"] == timed_out
    assert found["status"] == "Timeout" and found["told"] is True
    assert found["partnerPhone"] == "+8210****2001"
    assert found["intentLabel"] == "예약변경"
    assert [r["requestId"] for r in ops.json_lines("requests", "--status", "failed", "--day", today())] == [
        unmatched
    ]
    assert ops.json_lines("requests", "--status", "Timeout", "--day", "2026-01-01") == []
    yesterday = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
    assert [
        r["requestId"] for r in ops.json_lines("requests", "--status", "Timeout", "--since", yesterday)
    ] == [timed_out]

    code, out, err = ops("requests", "--status", "Timeout")
    assert code == 0, err
    header, row, *_ = out.splitlines()
    assert header.split() == ["REQUEST", "ID", "RESERVATION", "INTENT", "STATUS", "AGE", "PARTNER"]
    assert row.startswith(timed_out) and "HTL-100101" in row and "+8210****2001" in row
    assert PARTNER_PHONE not in out and CUSTOMER_E164 not in out
    assert "1 request in Timeout" in out
    code, out, _ = ops("requests", "--status", "Opened")
    assert code == 0 and out.startswith("No requests reached Opened on")


def test_show_gives_the_timeline_masked_and_a_reveal_is_recorded_before_it_is_shown(deploy, ops_on, tmp_path):
    stack = deploy()
    ops = ops_on(stack)
    request_id, token = submit_and_wait_for_link(stack)
    answer(token)
    told(stack, request_id)

    stack.wait_for(lambda: stack.delivery_events(request_id))
    (shown,) = ops.json_lines("show", request_id)
    flow = [e for e in shown["events"] if e["type"] not in DELIVERY_EVENTS]
    assert [e["type"] for e in flow] == ["Created", "SMSSent", "Responded", "Notified"]
    assert flow[2]["details"] == {"answer": "accept"}
    # The carrier's report on the link, with the message it is about and no phone number.
    (delivered,) = [e for e in shown["events"] if e["type"] in DELIVERY_EVENTS]
    assert delivered["type"] == "Delivered" and delivered["details"]["sms"] == "link"
    assert shown["customerPhone"] == "+8210****1001" and shown["partnerPhone"] == "+8210****2001"
    assert shown["response"]["answer"] == "accept"
    assert shown["notification"]["message"]
    assert shown["createdAt"].endswith("+09:00")
    assert "taskToken" not in json.dumps(shown) and token not in json.dumps(shown)
    assert not (tmp_path / "build/ops/audit.log").exists()

    code, out, err = ops("show", request_id, "--reveal")
    assert code == 0, err
    assert CUSTOMER_E164 in out and PARTNER_PHONE in out
    (audit,) = [json.loads(line) for line in (tmp_path / "build/ops/audit.log").read_text().splitlines()]
    assert audit["event"] == "phones_revealed"
    assert audit["requestId"] == request_id
    assert audit["principal"].startswith("arn:aws:")  # who, as AWS knows them
    assert audit["user"] and audit["at"].endswith("+09:00")
    assert json.loads(err.strip().splitlines()[-1]) == audit

    code, out, err = ops("show", request_id)
    assert code == 0 and "Timeline (KST)" in out and "Responded" in out
    assert CUSTOMER_E164 not in out and "+8210****1001" in out


def test_a_reveal_that_cannot_be_recorded_reveals_nothing(stack, ops_on, tmp_path):
    ops = ops_on(stack)
    request_id = submit()["requestId"]
    (tmp_path / "build/ops/audit.log").mkdir(parents=True)  # the log cannot be appended to

    code, out, err = ops("show", request_id, "--reveal")

    assert code == 1
    assert out == ""
    assert err.startswith("ops: cannot record phones_revealed in build/ops/audit.log")
    assert err.rstrip().endswith("phone numbers not revealed")
    assert len(err.splitlines()) == 1


def test_an_unknown_request_a_malformed_id_and_a_missing_output_are_one_line_errors(stack, ops_on, tmp_path):
    ops = ops_on(stack)
    unknown = str(uuid.uuid4())

    for args, expected in [
        (("show", unknown), f"ops: request {unknown} not found in {tmp_path / 'outputs.json'}"),
        (("show", "REQ#1"), "ops: 'REQ#1' is not a request id"),
        (("redrive", unknown, "--reason", "retry"), f"ops: request {unknown} not found"),
        (("redrive", unknown, "--reason", "   "), "ops: --reason must say why"),
    ]:
        code, out, err = ops(*args)
        assert (code, out) == (1, ""), err
        assert err.startswith(expected) and len(err.splitlines()) == 1, err

    without_queue = ops_on(stack, deadLetterQueueUrl=None)
    code, _, err = without_queue("dead-letters")
    assert code == 1
    assert err.startswith(f"ops: {tmp_path / 'outputs.json'} does not name deadLetterQueueUrl")


def test_stats_counts_a_day_by_status_and_gives_the_partners_median_answer_time(deploy, ops_on):
    stack = deploy(partner_timeout_seconds=2)
    ops = ops_on(stack)
    answered, token = submit_and_wait_for_link(stack)
    answer(token, "reject")
    told(stack, answered)
    silent = submit()["requestId"]
    told(stack, silent)

    (figures,) = ops.json_lines("stats", "--day", today())

    assert figures["counts"] == {
        "Created": 0,
        "SMSSent": 0,
        "Opened": 0,
        "Responded": 1,
        "Timeout": 1,
        "Failed": 0,
    }
    assert figures["total"] == 2 and figures["answers"] == 1
    stored = stack.request_item(answered)
    expected = (
        datetime.fromisoformat(stored["response"]["respondedAt"])
        - datetime.fromisoformat(stored["smsSentAt"])
    ).total_seconds()
    assert figures["medianAnswerSeconds"] == pytest.approx(expected, abs=0.1)
    assert figures["partners"] == {
        "PTN-HOTEL-SEOUL": {"answers": 1, "medianAnswerSeconds": figures["medianAnswerSeconds"]}
    }
    code, out, _ = ops("stats", "--day", today())
    assert code == 0 and "Partners' median answer time" in out and "PTN-HOTEL-SEOUL" in out


def test_export_writes_one_masked_row_per_request_with_a_progress_bar(stack, ops_on, tmp_path):
    ops = ops_on(stack)
    first, token = submit_and_wait_for_link(stack)
    answer(token)
    told(stack, first)
    second = submit(reservationNumber="HTL-999999")["requestId"]
    stack.wait_for_status(second, "Failed")
    stack.aws.wait_idle()

    code, out, err = ops("export", "--since", today(), "--out", str(tmp_path / "requests.csv"))

    assert code == 0, err
    assert out.strip() == f"Wrote 2 requests ({today()} to {today()}, UTC) to {tmp_path / 'requests.csv'}"
    assert "6/6" in err and "2 requests" in err  # the progress bar: every status's partition for the day
    with (tmp_path / "requests.csv").open(encoding="utf-8", newline="") as file:
        rows = {row["requestId"]: row for row in csv.DictReader(file)}
    assert set(rows) == {first, second}
    assert rows[first]["status"] == "Responded" and rows[first]["answer"] == "accept"
    assert rows[first]["partnerPhone"] == "+8210****2001"
    assert rows[second]["failureReason"] == "ReservationNotMatched"
    text = (tmp_path / "requests.csv").read_text(encoding="utf-8")
    assert CUSTOMER_E164 not in text and PARTNER_PHONE not in text
    assert "체크인" not in text  # the customer's own words stay out
    assert not list(tmp_path.glob(".requests.csv.partial"))

    code, _, err = ops("export", "--since", today(), "--out", str(tmp_path / "missing" / "x.csv"))
    assert code == 1 and err.startswith("ops: cannot write")


def test_dead_letters_names_the_requests_of_each_batch_and_leaves_the_messages(stack, ops_on):
    ops = ops_on(stack)
    code, out, _ = ops("dead-letters")
    assert code == 0 and out.startswith("The dead-letter queue is empty")

    fail_calls(bootstrap.client("stepfunctions"), "StartExecution", code="ServiceUnavailable", status=503)
    request_id = submit()["requestId"]
    stack.wait_for(stack.dead_letters)

    (letter,) = ops.json_lines("dead-letters")
    assert letter["requestIds"] == [request_id]
    assert letter["condition"] == "RetryAttemptsExhausted"
    assert letter["batch"]["streamArn"] == stack.deployment.stream_arn
    (record,) = letter["records"]
    assert (record["eventName"], record["SK"], record["newStatus"]) == ("INSERT", "METADATA", "Created")
    assert record["sequenceNumber"] == letter["batch"]["startSequenceNumber"]
    assert letter["recordsUnavailable"] is None

    code, out, err = ops("dead-letters")
    assert code == 0, err
    assert f"requests   {request_id}" in out and "Message 1 of 1" in out
    assert len(stack.dead_letters()) == 1  # still there, visible to the next reader at once


def test_a_redriven_timeout_gets_a_second_sms_workflow_and_message(deploy, ops_on):
    stack = deploy(partner_timeout_seconds=2)
    ops = ops_on(stack, partner_timeout_seconds=2)
    request_id = submit()["requestId"]
    link_token(stack)
    first = told(stack, request_id)
    workflows_ended(stack)
    assert first["status"] == "Timeout"

    code, out, err = ops("redrive", request_id, "--reason", "파트너가 문자를 못 받았다고 전화함")

    assert code == 0, err
    assert f"Request {request_id} redriven: attempt 2" in out
    assert f"--outputs {ops.outputs} show {request_id}" in out
    second = told(stack, request_id, after=first["notification"]["at"])
    stack.aws.wait_idle()
    assert second["status"] == "Timeout" and second["attempt"] == 2
    assert second["earlierNotifications"] == [first["notification"]]
    # Each attempt texts its own link (and reminds the silent partner once, with the same link).
    links = list(dict.fromkeys(sms.body.rsplit("/r/", 1)[1] for sms in stack.aws.outbox.messages()))
    assert len(links) == 2
    assert len(stack.aws.outbox.messages()) <= 4
    assert sorted(e["name"] for e in stack.executions()) == sorted([request_id, f"{request_id}-2"])
    # Each attempt's events (a slow SMS may record SMSSent after the timeout: the invariants allow it).
    events = stack.event_types(request_id)
    redrive = events.index("Redriven")
    first_round, second_round = events[:redrive], events[redrive:]
    # The silent partner is reminded at most once per attempt.
    assert first_round.count("Reminded") <= 1 and second_round.count("Reminded") <= 1
    first_round = [e for e in first_round if e != "Reminded"]
    second_round = [e for e in second_round if e != "Reminded"]
    assert sorted(first_round) == sorted(["Created", "SMSSent", "Timeout", "Notified"])
    assert sorted(second_round) == sorted(["Redriven", "SMSSent", "Timeout", "Notified"])
    (redriven,) = [e for e in stack.items(f"REQ#{request_id}") if e.get("type") == "Redriven"]
    assert redriven["details"]["reason"] == "파트너가 문자를 못 받았다고 전화함"
    assert redriven["details"]["principal"].startswith("arn:aws:")
    assert stack.item(f"REQ#{request_id}", "DUE") is None
    items = stack.items("")
    assert violations(items, untold_grace_seconds=60, now=datetime.now(UTC).timestamp()) == []

    # The customer's poll shows the new round and the latest message.
    (shown,) = ops.json_lines("show", request_id)
    assert shown["notification"]["at"] != shown["earlierNotifications"][0]["at"]


def test_a_request_whose_sms_was_refused_is_redriven_and_answered(stack, ops_on):
    """The first attempt fails at once (the number was opted out); the partner opts back in, an
    operator redrives it, and the partner answers the second SMS."""
    ops = ops_on(stack)
    with Stubber(bootstrap.client(SMS_SERVICE)) as sms:
        sms.add_client_error(
            "send_text_message",
            service_error_code="ConflictException",
            http_status_code=400,
            modeled_fields={"Message": "opted out", "Reason": "DESTINATION_PHONE_NUMBER_OPTED_OUT"},
        )
        request_id = submit()["requestId"]
        first = told(stack, request_id)
        sms.assert_no_pending_responses()
    workflows_ended(stack)
    assert (first["status"], first["failureReason"]) == ("Failed", "SmsNotDelivered")

    assert ops("redrive", request_id, "--reason", "partner opted back in")[0] == 0
    token = link_token(stack)
    answer(token)

    final = told(stack, request_id, after=first["notification"]["at"])
    assert final["status"] == "Responded" and final["response"]["answer"] == "accept"
    assert "failureReason" not in final and "remindedAt" not in final
    events = stack.event_types(request_id)
    assert sorted(events[events.index("Redriven") :]) == sorted(
        ["Redriven", "SMSSent", "Responded", "Notified"]
    )


def test_open_answered_and_unmatched_requests_are_refused_and_left_alone(deploy, ops_on):
    stack = deploy()
    ops = ops_on(stack)
    open_id, token = submit_and_wait_for_link(stack)
    unmatched = submit(reservationNumber="HTL-999999")["requestId"]
    stack.wait_for_status(unmatched, "Failed")

    code, out, err = ops("redrive", open_id, "--reason", "retry")
    assert (code, out) == (1, "")
    assert err.startswith(f"ops: request {open_id} is not redriven: it is still open (SMSSent)")

    answer(token)
    told(stack, open_id)
    code, _, err = ops("redrive", open_id, "--reason", "retry")
    assert code == 1 and "the partner answered (accept)" in err

    code, _, err = ops("redrive", unmatched, "--reason", "retry")
    assert code == 1 and "no reservation matched" in err
    stack.aws.wait_idle()
    assert stack.request_item(unmatched)["status"] == "Failed"
    assert "Redriven" not in stack.event_types(open_id) + stack.event_types(unmatched)
    assert len(stack.executions()) == 1


def test_a_phone_the_customer_typed_in_the_question_is_masked_unless_revealed(stack, ops_on):
    ops = ops_on(stack)
    request_id = submit(message="체크인 하루 미뤄 주세요. 010-2345-6789로 연락 주세요")["requestId"]

    (shown,) = ops.json_lines("show", request_id)
    assert shown["query"] == "체크인 하루 미뤄 주세요. +8210****6789로 연락 주세요"
    code, out, _ = ops("show", request_id, "--reveal")
    assert code == 0 and "010-2345-6789" in out


def test_unclear_lists_a_kst_days_messages_newest_first(stack, ops_on):
    ops = ops_on(stack)
    repository = bootstrap.repository()
    # 23:30 UTC on the 23rd is the 24th in Korea: the messages are filed by the KST day.
    late = datetime(2026, 11, 23, 23, 30, tzinfo=UTC)
    for minutes, text in [(0, "음... 그거요"), (5, "[예약번호] 그거 어떻게 돼요")]:
        repository.record_unclear(UnclearMessage(str(uuid.uuid4()), text, late + timedelta(minutes=minutes)))

    found = ops.json_lines("unclear", "--day", "2026-11-24")

    assert [line["text"] for line in found] == ["[예약번호] 그거 어떻게 돼요", "음... 그거요"]
    assert found[0]["at"] == "2026-11-24T08:35:00+09:00"
    assert ops.json_lines("unclear", "--day", "2026-11-23") == []
    assert [line["text"] for line in ops.json_lines("unclear", "--day", "2026-11-24", "--limit", "1")] == [
        "[예약번호] 그거 어떻게 돼요"
    ]
    code, out, _ = ops("unclear", "--day", "2026-11-24")
    assert code == 0 and "2026-11-24 08:35:00 KST" in out and "2 unclear messages" in out
