"""Logs are JSON lines; phone numbers are masked and tokens cut short whatever is logged; every Lambda
invocation starts with a fresh context, binds its ids and ends with one summary line."""

import io
import json
import re
from pathlib import Path

import pytest
import structlog

from runtime import bootstrap
from runtime.adapters.logs import configure_logging
from runtime.contract import Function
from runtime.entrypoint import lambda_entry

EVENTS = Path(__file__).resolve().parents[1] / "events"
REQUEST_ID = "0b6f3c1e-2a4d-4c8e-9f10-1a2b3c4d5e6f"
LINK_TOKEN = "ASi30INRsKgwawPYuJrELCmtFN1E"
TASK_TOKEN = "AQCEAAAAKgAAAAMAAAAAAAAAAdZxT4b1+Qm0dNQ3lH8kFJ2vS8RXo9YzUu7EaKcG1pLWf3nB=="


def _event(name: str) -> dict:
    return json.loads((EVENTS / f"{name}.json").read_text(encoding="utf-8"))


class FakeLambdaContext:
    def __init__(self, aws_request_id: str, function_name: str = "partner-confirm-dev-chat") -> None:
        self.aws_request_id = aws_request_id
        self.function_name = function_name
        self.memory_limit_in_mb = 256
        self.invoked_function_arn = f"arn:aws:lambda:ap-northeast-2:123456789012:function:{function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return 29_000


@pytest.fixture
def output():
    """Logging configured as in production, into a buffer; the previous configuration restored after."""
    saved = structlog.get_config()
    buffer = io.StringIO()
    configure_logging("INFO", stream=buffer)
    bootstrap.override(bootstrap.logging_configured, lambda real: True)
    structlog.contextvars.clear_contextvars()
    yield buffer
    bootstrap.clear_overrides()
    structlog.contextvars.clear_contextvars()
    structlog.configure(**saved)


def _lines(buffer: io.StringIO) -> list[dict]:
    text = buffer.getvalue()
    assert text.endswith("\n")
    return [json.loads(line) for line in text.splitlines()]


def _one(buffer: io.StringIO) -> dict:
    lines = _lines(buffer)
    assert len(lines) == 1
    return lines[0]


log = structlog.get_logger()


# --- JSON lines ---------------------------------------------------------------------------------


def test_each_log_call_is_one_json_line_with_level_and_utc_timestamp(output):
    log.info("request_created", requestId=REQUEST_ID, intent="ChangeReservation")
    log.warning("sms_slow", seconds=2.5)
    first, second = _lines(output)
    assert first["event"] == "request_created"
    assert first["level"] == "info"
    assert first["requestId"] == REQUEST_ID
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d+Z", first["timestamp"])
    assert (second["level"], second["seconds"]) == ("warning", 2.5)


def test_korean_text_is_written_as_readable_utf8(output):
    log.info("notified", message="파트너가 수락했습니다")
    assert "파트너가 수락했습니다" in output.getvalue()


def test_the_configured_level_filters_lower_levels():
    saved = structlog.get_config()
    buffer = io.StringIO()
    try:
        configure_logging("warning", stream=buffer)
        log.info("hidden")
        log.error("shown")
    finally:
        structlog.configure(**saved)
    assert [line["event"] for line in _lines(buffer)] == ["shown"]


# --- phone numbers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "written",
    [
        "010-1234-5678",
        "01012345678",
        "+82 10 1234 5678",
        "+82-10-1234-5678",
        "+821012345678",
        "010.1234.5678",
    ],
)
def test_phone_numbers_are_masked_in_any_value(output, written):
    log.info("sms_sent", to=written)
    line = _one(output)
    assert line["to"] == "+8210****5678"
    assert not [value for key, value in line.items() if key != "timestamp" and "1234" in str(value)]


def test_phone_numbers_are_masked_inside_free_text_nested_values_and_the_event_itself(output):
    log.info(
        "reservation not matched for 010-0000-1001",
        detail="partner +82 10 0000 2001 did not answer",
        request={"customerPhone": "+821000001001", "partner": {"partnerPhone": "010-0000-2001"}},
        phones=["010-0000-1001", "+821000002001"],
    )
    line = _one(output)
    assert line["event"] == "reservation not matched for +8210****1001"
    assert line["detail"] == "partner +8210****2001 did not answer"
    assert line["request"] == {
        "customerPhone": "+8210****1001",
        "partner": {"partnerPhone": "+8210****2001"},
    }
    assert line["phones"] == ["+8210****1001", "+8210****2001"]


def test_phone_numbers_in_an_exception_message_are_masked(output):
    try:
        raise ValueError("no reservation for 010-0000-1001")
    except ValueError:
        log.exception("orchestration_failed")
    line = _one(output)
    assert line["exception"][0]["exc_value"] == "no reservation for +8210****1001"
    assert "0000-1001" not in output.getvalue()


# --- tokens -------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["token", "taskToken", "linkToken", "TaskToken", "task_token"])
def test_values_under_a_token_key_keep_only_six_characters(output, key):
    log.info("stored", **{key: TASK_TOKEN})
    assert _one(output)[key] == TASK_TOKEN[:6] + "…"
    assert TASK_TOKEN[:7] not in output.getvalue()


def test_tokens_are_cut_inside_nested_values_too(output):
    log.info("answered", body={"token": LINK_TOKEN, "response": "accept"}, tokens=[LINK_TOKEN, TASK_TOKEN])
    line = _one(output)
    assert line["body"] == {"token": "ASi30I…", "response": "accept"}
    assert line["tokens"] == ["ASi30I…", "AQCEAA…"]


def test_a_short_token_value_is_left_as_is_and_other_keys_are_not_cut(output):
    log.info("checked", token="abc", message="a" * 40)
    line = _one(output)
    assert (line["token"], line["message"]) == ("abc", "a" * 40)


def test_exceptions_are_rendered_as_data(output):
    try:
        raise KeyError("requestId")
    except KeyError:
        log.exception("handler_failed")
    line = _one(output)
    assert line["level"] == "error"
    assert line["exception"][0]["exc_type"] == "KeyError"
    assert isinstance(line["exception"][0]["frames"], list)


def test_an_exception_log_does_not_carry_secrets_or_whole_links_from_local_variables(output):
    def send_link():
        secret = b"link-secret-for-tests-0123456789"
        link = f"https://partner-confirm.examples-co.kr/r/{LINK_TOKEN}"
        raise ConnectionError(f"SNS unavailable ({len(secret)}, {len(link)})")

    try:
        send_link()
    except ConnectionError:
        log.exception("invocation_failed")
    text = output.getvalue()
    assert "link-secret-for-tests" not in text
    assert LINK_TOKEN not in text


# --- every invocation ---------------------------------------------------------------------------


def test_an_invocation_binds_its_ids_and_ends_with_one_summary_line(output):
    @lambda_entry(Function.REQUEST_STATUS)
    def handle(event, context):
        log.info("timeline_read")
        return {"statusCode": 200, "body": "{}"}

    result = handle(_event("request_status_get"), FakeLambdaContext("8f1e2d3c-0000-4b5a-9c8d-111111111111"))

    assert result["statusCode"] == 200
    inside, done = _lines(output)
    for line in (inside, done):
        assert line["requestId"] == REQUEST_ID
        assert line["awsRequestId"] == "8f1e2d3c-0000-4b5a-9c8d-111111111111"
        assert line["function"] == "request-status"
        assert line["apiRequestId"] == "VxK4Zh9LIE0EJfA="
    assert done["event"] == "invocation_done"
    assert done["statusCode"] == 200
    assert isinstance(done["durationMs"], int | float)
    assert done["durationMs"] >= 0


def test_a_workflow_invocation_binds_the_request_id_from_its_payload(output):
    @lambda_entry(Function.SMS_SENDER)
    def handle(event, context):
        return {"link": "sent"}

    handle({"requestId": REQUEST_ID, "taskToken": TASK_TOKEN}, FakeLambdaContext("aws-1"))
    done = _one(output)
    assert (done["event"], done["requestId"], done["function"]) == (
        "invocation_done",
        REQUEST_ID,
        "sms-sender",
    )
    assert done["statusCode"] is None


def test_a_value_bound_in_one_invocation_does_not_appear_in_the_next(output):
    @lambda_entry(Function.CHAT)
    def handle(event, context):
        if event.get("first"):
            structlog.contextvars.bind_contextvars(customerName="김민준", partnerId="PTN-HOTEL-SEOUL")
        log.info("working")
        return {"statusCode": 201}

    handle({"first": True, "requestId": "req-first"}, FakeLambdaContext("aws-first"))
    output.truncate(0)
    output.seek(0)
    handle({"requestId": "req-second"}, FakeLambdaContext("aws-second"))

    lines = _lines(output)
    assert [line["event"] for line in lines] == ["working", "invocation_done"]
    for line in lines:
        assert "customerName" not in line and "partnerId" not in line
        assert (line["requestId"], line["awsRequestId"]) == ("req-second", "aws-second")


def test_a_value_bound_before_the_invocation_is_cleared(output):
    structlog.contextvars.bind_contextvars(requestId="stale-request", leftover="x")

    @lambda_entry(Function.TIMEOUT)
    def handle(event, context):
        return None

    handle({"other": 1}, FakeLambdaContext("aws-2"))
    done = _one(output)
    assert "leftover" not in done
    assert "requestId" not in done


def test_a_failing_invocation_logs_the_failure_once_and_raises(output):
    @lambda_entry(Function.NOTIFICATION)
    def handle(event, context):
        raise RuntimeError("bedrock and template both failed")

    with pytest.raises(RuntimeError):
        handle({"requestId": REQUEST_ID}, FakeLambdaContext("aws-3"))
    failed = _one(output)
    assert failed["event"] == "invocation_failed"
    assert failed["level"] == "error"
    assert failed["requestId"] == REQUEST_ID
    assert failed["exception"][0]["exc_type"] == "RuntimeError"


def test_the_entry_keeps_the_handler_name_for_lambda():
    @lambda_entry(Function.CHAT)
    def handle(event, context):
        return None

    assert handle.__name__ == "handle"


def test_a_lone_surrogate_from_a_path_is_written_escaped_not_a_failed_invocation():
    """The client chose the path: its text must not make the log line (and the invocation) fail."""
    saved = structlog.get_config()
    raw = io.BytesIO()
    strict_utf8 = io.TextIOWrapper(raw, encoding="utf-8", errors="strict", write_through=True)
    configure_logging("INFO", stream=strict_utf8)
    bootstrap.override(bootstrap.logging_configured, lambda real: True)

    @lambda_entry(Function.REQUEST_STATUS)
    def handle(event, context):
        structlog.get_logger().info("looked_up", note="짝 없는 \ud800")
        return {"statusCode": 404}

    event = _event("request_status_get")
    event["pathParameters"] = {"requestId": "\udfff-id"}
    try:
        assert handle(event, FakeLambdaContext("lambda-req-9"))["statusCode"] == 404
    finally:
        bootstrap.clear_overrides()
        structlog.contextvars.clear_contextvars()
        structlog.configure(**saved)
    lines = [json.loads(line) for line in raw.getvalue().decode("utf-8").splitlines()]
    assert [line["event"] for line in lines] == ["looked_up", "invocation_done"]
    assert lines[0]["note"] == "짝 없는 \\ud800"
    assert {line["requestId"] for line in lines} == {"\\udfff-id"}
