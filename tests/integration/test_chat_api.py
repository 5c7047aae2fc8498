"""POST /api/chat against the emulated account: stored, idempotent, validated, classified."""

from datetime import UTC, date, datetime, timedelta

import pytest
from botocore.exceptions import ReadTimeoutError
from botocore.stub import ANY, Stubber

from runtime import bootstrap
from runtime.contract import Env
from runtime.domain.kst import KST
from runtime.domain.model import UnclearMessage
from runtime.handlers import chat
from tests.integration.conftest import api_event, body_of
from tests.integration.flows import CUSTOMER, PARTNER_PHONE, submit


def test_a_question_is_stored_and_the_partner_is_texted(stack):
    created = submit()

    assert created["status"] == "Created"
    assert "접수" in created["message"]
    item = stack.request_item(created["requestId"])
    assert item["customerPhone"] == "+821000001001"
    assert item["reservationNumber"] == "HTL-100101"
    assert item["intent"] == "ChangeReservation"
    assert item["intentSource"] == "local"
    sms = stack.wait_for(stack.aws.outbox.messages)
    assert sms[0].to == PARTNER_PHONE
    assert [e["name"] for e in stack.executions()] == [created["requestId"]]


def test_the_same_idempotency_key_returns_the_same_request_and_stores_one(stack):
    event = api_event(
        "chat_post",
        body={**CUSTOMER, "message": "조식을 추가하고 싶어요"},
        headers={"idempotency-key": "page-submit-0001"},
    )
    first = chat.handle(event, None)
    second = chat.handle(event, None)

    assert first["statusCode"] == second["statusCode"] == 201
    assert body_of(first)["requestId"] == body_of(second)["requestId"]
    assert second["headers"]["idempotent-replayed"] == "true"
    requests = [i for i in stack.items("REQ#") if i["SK"] == "METADATA"]
    assert [i["requestId"] for i in requests] == [body_of(first)["requestId"]]
    assert len(stack.items("IDEM#")) == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**CUSTOMER, "message": ""}, "message"),
        ({**CUSTOMER, "message": "가" * 1001}, "message"),
        ({**CUSTOMER, "customerPhone": "1234-5678", "message": "날짜 변경"}, "customerPhone"),
        ({**CUSTOMER, "reservationNumber": "예약번호", "message": "날짜 변경"}, "reservationNumber"),
        ({"reservationNumber": "HTL-100101", "message": "날짜 변경"}, "customerPhone"),
    ],
    ids=["empty-message", "message-over-1000", "malformed-phone", "malformed-reservation", "missing-phone"],
)
def test_each_invalid_field_gets_a_korean_400_and_nothing_is_stored(stack, body, field):
    response = chat.handle(api_event("chat_post", body=body), None)

    assert response["statusCode"] == 400
    error = body_of(response)["error"]
    assert error["code"] == "INVALID_INPUT"
    assert error["field"] == field
    assert any("가" <= ch <= "힣" for ch in error["message"])
    assert stack.items("REQ#") == []


def test_a_body_that_is_not_json_gets_a_400(stack):
    response = chat.handle(api_event("chat_post", raw_body="customerPhone=010"), None)
    assert response["statusCode"] == 400
    assert body_of(response)["error"]["message"] == "요청 본문이 올바른 JSON 형식이 아닙니다."


@pytest.fixture
def lex(stack, monkeypatch):
    monkeypatch.setenv(Env.LEX_BOT_ID, "BOTID12345")
    monkeypatch.setenv(Env.LEX_BOT_ALIAS_ID, "ALIAS12345")
    bootstrap.reset()
    bootstrap.clear_overrides(bootstrap.classifier)  # Lex itself, not the bot's stand-in
    client = bootstrap.client("lexv2-runtime")
    sessions = []
    client.meta.events.register(
        "provide-client-params.lex-runtime-v2.RecognizeText",
        lambda params, **_: sessions.append(params["sessionId"]),
    )
    with Stubber(client) as stubber:
        yield stubber, sessions


def _lex_answer(intent_name):
    return {
        "sessionState": {"intent": {"name": intent_name, "state": "InProgress"}},
        "sessionId": "lex-session",
    }


def test_lex_classifies_with_the_request_id_as_session(stack, lex):
    stubber, sessions = lex
    expected = {
        "botId": "BOTID12345",
        "botAliasId": "ALIAS12345",
        "localeId": "ko_KR",
        "sessionId": ANY,
        "text": "온수가 안 나와요",
    }
    stubber.add_response("recognize_text", _lex_answer("ReportTrouble"), expected)

    created = submit(message="온수가 안 나와요")
    item = stack.request_item(created["requestId"])
    assert item["intent"] == "ReportTrouble"
    assert item["intentSource"] == "lex"
    assert sessions == [created["requestId"]]


def test_lex_fallback_intent_gets_a_422_and_creates_nothing(stack, lex):
    stubber, _ = lex
    stubber.add_response("recognize_text", _lex_answer("FallbackIntent"))

    response = chat.handle(api_event("chat_post", body={**CUSTOMER, "message": "안녕하세요"}), None)

    assert response["statusCode"] == 422
    assert body_of(response)["error"]["code"] == "INTENT_UNCLEAR"
    assert stack.items("REQ#") == []
    assert stack.aws.outbox.messages() == []


def test_an_unavailable_lex_gives_the_default_intent_flagged_fallback(stack, lex):
    stubber, _ = lex
    stubber.add_client_error("recognize_text", service_error_code="ThrottlingException", http_status_code=429)

    created = submit(message="예약 관련 문의입니다")
    item = stack.request_item(created["requestId"])
    assert item["intent"] == "ChangeReservation"
    assert item["intentSource"] == "fallback"


def test_a_throttled_table_gets_a_503_with_the_error_shape(stack):
    with Stubber(bootstrap.client("dynamodb")) as dynamodb:
        dynamodb.add_client_error(
            "transact_write_items",
            service_error_code="ProvisionedThroughputExceededException",
            http_status_code=400,
        )
        response = chat.handle(
            api_event(
                "chat_post",
                body={**CUSTOMER, "message": "조식을 추가하고 싶어요"},
                headers={"idempotency-key": "throttled-0001"},
            ),
            None,
        )

    assert response["statusCode"] == 503
    error = body_of(response)["error"]
    assert error["code"] == "SERVICE_UNAVAILABLE"
    assert "Traceback" not in response["body"]


def test_a_table_that_does_not_answer_in_time_gets_a_503_and_nothing_is_stored(stack):
    def time_out(request, **_):
        raise ReadTimeoutError(endpoint_url=request.url)

    client = bootstrap.client("dynamodb")
    client.meta.events.register("before-send.dynamodb.TransactWriteItems", time_out)
    try:
        response = chat.handle(
            api_event("chat_post", body={**CUSTOMER, "message": "조식을 추가하고 싶어요"}), None
        )
    finally:
        client.meta.events.unregister("before-send.dynamodb.TransactWriteItems", time_out)

    assert response["statusCode"] == 503
    assert body_of(response)["error"]["code"] == "SERVICE_UNAVAILABLE"
    assert stack.items("REQ#") == []


# --- when the message is not understood --------------------------------------------------------------


def test_an_unclear_message_gets_the_three_choices_and_only_its_text_is_kept(stack):
    body = {**CUSTOMER, "message": "안녕하세요 HTL-100101 010-2345-6789"}
    response = chat.handle(api_event("chat_post", body=body), None)

    assert response["statusCode"] == 422
    answered = body_of(response)
    assert answered["error"]["code"] == "INTENT_UNCLEAR"
    assert answered["choices"] == [
        {"intent": "ChangeReservation", "label": "예약변경"},
        {"intent": "ReportTrouble", "label": "트러블신고"},
        {"intent": "AddOnService", "label": "부가서비스"},
    ]
    assert stack.items("REQ#") == []
    (kept,) = stack.items("UNCLEAR#")
    assert kept["text"] == "안녕하세요 [예약번호] [전화번호]"
    assert set(kept) == {"PK", "SK", "entity", "messageId", "text", "at", "ttl"}  # no phone, no reservation
    at = datetime.fromisoformat(kept["at"])
    assert kept["PK"] == f"UNCLEAR#{at.astimezone(KST).date().isoformat()}"
    assert int(kept["ttl"]) == int((at + timedelta(days=14)).timestamp())


def test_the_customers_pick_creates_the_request_with_that_intent(stack):
    created = submit(message="안녕하세요", intent="ReportTrouble")
    item = stack.request_item(created["requestId"])
    assert item["intent"] == "ReportTrouble"
    assert item["intentSource"] == "customer"
    assert item["query"] == "안녕하세요"
    assert stack.items("UNCLEAR#") == []


def test_an_unknown_intent_is_a_korean_400(stack):
    body = {**CUSTOMER, "message": "안녕하세요", "intent": "FallbackIntent"}
    response = chat.handle(api_event("chat_post", body=body), None)
    assert response["statusCode"] == 400
    assert body_of(response)["error"]["field"] == "intent"
    assert stack.items("REQ#") == [] and stack.items("UNCLEAR#") == []


def test_a_table_refusing_the_unclear_message_still_answers_422(stack):
    with Stubber(bootstrap.client("dynamodb")) as dynamodb:
        dynamodb.add_response("get_item", {})  # the event's Idempotency-Key: no earlier submit
        dynamodb.add_client_error(
            "put_item", service_error_code="AccessDeniedException", http_status_code=400
        )
        response = chat.handle(api_event("chat_post", body={**CUSTOMER, "message": "ㅋㅋㅋ"}), None)
        dynamodb.assert_no_pending_responses()
    assert response["statusCode"] == 422
    assert body_of(response)["choices"]
    assert stack.items("UNCLEAR#") == []


def test_recent_unclear_messages_of_a_day_newest_first(stack):
    repository = bootstrap.repository()
    evening = datetime(2026, 11, 23, 14, 30, tzinfo=UTC)  # 23:30 in Korea
    for minutes, text in enumerate(["안녕", "음", "ㅎㅇ"]):
        repository.record_unclear(
            UnclearMessage(f"m{minutes}", text, evening + timedelta(minutes=minutes * 20))
        )

    korean_23rd = repository.recent_unclear(date(2026, 11, 23))
    korean_24th = repository.recent_unclear(date(2026, 11, 24))  # 23:50 and 00:10 KST cross midnight
    assert [m.text for m in korean_23rd] == ["음", "안녕"]
    assert [m.text for m in korean_24th] == ["ㅎㅇ"]
    assert korean_23rd[0] == UnclearMessage("m1", "음", evening + timedelta(minutes=20))
    assert [m.text for m in repository.recent_unclear(date(2026, 11, 23), limit=1)] == ["음"]
    assert repository.recent_unclear(date(2026, 11, 22)) == []
