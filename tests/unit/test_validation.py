"""What customers and partners send: checked, made canonical, and refused in Korean with the field named."""

import hashlib
import re
import uuid
from datetime import UTC, datetime, timedelta, timezone

import attrs
import pytest

from runtime.domain.errors import InvalidInput
from runtime.domain.model import Answer, Intent
from runtime.domain.validation import (
    MESSAGE_MAX_CHARS,
    Submission,
    is_request_id,
    normalize_reservation_number,
    parse_idempotency_key,
    parse_partner_answer,
    parse_submission,
    require_link_token,
    without_personal_details,
)

HANGUL = re.compile("[가-힣]")
KST = timezone(timedelta(hours=9))
NOW = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)  # 15:00 KST


def _fields(**changes):
    fields = {
        "customerPhone": "010-0000-1001",
        "reservationNumber": "HTL-100101",
        "message": "체크인 날짜를 하루 미루고 싶어요",
    }
    fields.update(changes)
    return {k: v for k, v in fields.items() if v is not ...}


def _refused(call, *args, **kwargs) -> InvalidInput:
    with pytest.raises(InvalidInput) as raised:
        call(*args, **kwargs)
    assert HANGUL.search(raised.value.message), raised.value.message
    return raised.value


# --- the customer's submission ------------------------------------------------------------------


def test_a_valid_submission_comes_back_in_canonical_form():
    submission = parse_submission(
        _fields(customerPhone="+82 10 0000 1001", reservationNumber=" htl100101 ", message="  질문  ")
    )
    assert submission == Submission(
        customer_phone="+821000001001", reservation_number="HTL-100101", message="질문", customer_id=None
    )


def test_customer_id_is_optional_and_kept_when_given():
    assert parse_submission(_fields(customerId="CUST-0001")).customer_id == "CUST-0001"
    assert parse_submission(_fields(customerId="")).customer_id is None


@pytest.mark.parametrize(
    ("changes", "field", "phrase"),
    [
        ({"customerPhone": ...}, "customerPhone", "연락처를 입력해 주세요"),
        ({"customerPhone": "  "}, "customerPhone", "연락처를 입력해 주세요"),
        ({"customerPhone": "02-123-4567"}, "customerPhone", "휴대전화 번호 형식이 올바르지 않습니다"),
        ({"customerPhone": 1023456789}, "customerPhone", None),
        ({"reservationNumber": ...}, "reservationNumber", "예약번호를 입력해 주세요"),
        ({"reservationNumber": "12345"}, "reservationNumber", "예약번호 형식이 올바르지 않습니다"),
        ({"message": ...}, "message", "문의 내용을 입력해 주세요"),
        ({"message": ""}, "message", "문의 내용을 입력해 주세요"),
        ({"message": " \n\t "}, "message", "문의 내용을 입력해 주세요"),
        ({"message": ["체크인"]}, "message", None),
        ({"message": "가" * 1001}, "message", "1,000자 이내"),
        ({"customerId": "고객 1번"}, "customerId", None),
        ({"customerId": "x" * 65}, "customerId", None),
        ({"customerId": 7}, "customerId", None),
    ],
)
def test_each_missing_or_invalid_field_is_refused_in_korean_naming_the_field(changes, field, phrase):
    error = _refused(parse_submission, _fields(**changes))
    assert error.field == field
    if phrase:
        assert phrase in error.message


def test_a_message_of_exactly_1000_characters_is_accepted():
    assert MESSAGE_MAX_CHARS == 1000
    message = "가" * 1000
    assert parse_submission(_fields(message=message)).message == message


def test_a_message_of_1001_characters_is_refused():
    error = _refused(parse_submission, _fields(message="a" * 1001))
    assert error.message == "문의 내용은 1,000자 이내로 입력해 주세요."


def test_surrounding_whitespace_does_not_count_towards_the_message_limit():
    assert len(parse_submission(_fields(message=" " + "가" * 1000 + "\n")).message) == 1000


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("HTL-100101", "HTL-100101"),
        ("htl-100101", "HTL-100101"),
        ("HTL100101", "HTL-100101"),
        ("HTL 100101", "HTL-100101"),
        (" car-200202 ", "CAR-200202"),
        ("AB-12345", "AB-12345"),  # shortest: 2 letters, 5 digits
        ("ABCD-1234567890", "ABCD-1234567890"),  # longest: 4 letters, 10 digits
        ("abcd1234567890", "ABCD-1234567890"),
        ("HTL-１００１０１", "HTL-100101"),  # full-width digits of a Korean keyboard
    ],
)
def test_reservation_numbers_are_made_canonical(written, canonical):
    assert normalize_reservation_number(written) == canonical


@pytest.mark.parametrize(
    "written",
    [
        "100101",
        "H-100101",  # one letter
        "ABCDE-100101",  # five letters
        "HTL-1234",  # four digits
        "HTL-12345678901",  # eleven digits
        "HTL--100101",
        "HTL-100101-1",
        "호텔-100101",
        "",
    ],
)
def test_malformed_reservation_numbers_are_refused(written):
    error = _refused(normalize_reservation_number, written)
    assert error.field == "reservationNumber"
    assert "HTL-100101" in error.message  # shows an example


def test_fingerprint_is_the_same_for_the_same_content_however_it_was_written():
    a = parse_submission(_fields(customerPhone="010-0000-1001", reservationNumber="htl100101"))
    b = parse_submission(_fields(customerPhone="+82 10 0000 1001", reservationNumber="HTL-100101"))
    assert a.fingerprint == b.fingerprint
    assert re.fullmatch("[0-9a-f]{64}", a.fingerprint)


@pytest.mark.parametrize(
    "changes",
    [
        {"customer_phone": "+821099998888"},
        {"reservation_number": "HTL-100102"},
        {"message": "체크인 날짜를 이틀 미루고 싶어요"},
        {"customer_id": "CUST-0001"},
        {"intent": Intent.ADD_ON_SERVICE},
    ],
)
def test_fingerprint_changes_with_any_field(changes):
    base = Submission(customer_phone="+821000001001", reservation_number="HTL-100101", message="질문")
    assert base.fingerprint != attrs.evolve(base, **changes).fingerprint


def test_the_fingerprint_without_a_picked_intent_is_what_it_was_before_intents_could_be_picked():
    # A retry in flight across a deploy must still find its request.
    base = Submission(customer_phone="+821023456789", reservation_number="HTL-100101", message="질문")
    joined = "\x1f".join(("+821023456789", "HTL-100101", "질문", ""))
    assert base.fingerprint == hashlib.sha256(joined.encode()).hexdigest()


@pytest.mark.parametrize("intent", list(Intent))
def test_the_customer_may_pick_one_of_the_three_intents(intent):
    assert parse_submission(_fields(intent=str(intent))).intent is intent


@pytest.mark.parametrize("missing", [None, ""])
def test_without_a_picked_intent_the_classifier_decides(missing):
    assert parse_submission(_fields(intent=missing)).intent is None
    assert parse_submission(_fields()).intent is None


@pytest.mark.parametrize(
    "intent", ["FallbackIntent", "changereservation", "예약변경", 1, ["AddOnService"], {}]
)
def test_anything_else_as_intent_is_refused_in_korean(intent):
    error = _refused(parse_submission, _fields(intent=intent))
    assert error.field == "intent"
    assert error.message == "문의 유형은 예약변경, 트러블신고, 부가서비스 중에서 골라 주세요."


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("HTL-100101 체크인 변경", "[예약번호] 체크인 변경"),
        ("htl 100101 / ＨＴＬ－１００１０１", "[예약번호] / [예약번호]"),
        ("010-1234-5678 로 전화 주세요", "[전화번호] 로 전화 주세요"),
        ("+82 10 1234 5678", "[전화번호]"),
        ("2박 3일 12345원 3시", "2박 3일 12345원 3시"),
    ],
)
def test_personal_details_typed_into_a_message_can_be_taken_out(typed, kept):
    assert without_personal_details(typed) == kept


def test_fingerprint_fields_cannot_bleed_into_each_other():
    a = Submission(customer_phone="+821000001001", reservation_number="HTL-100101", message="ab")
    b = Submission(
        customer_phone="+821000001001", reservation_number="HTL-100101", message="a", customer_id="b"
    )
    assert a.fingerprint != b.fingerprint


# --- the partner's answer -----------------------------------------------------------------------


@pytest.mark.parametrize("answer", ["accept", "reject"])
def test_accept_and_reject_need_no_time(answer):
    parsed = parse_partner_answer({"token": "t", "response": answer}, now=NOW)
    assert parsed.answer is Answer(answer)
    assert parsed.alternative_time is None


@pytest.mark.parametrize("response", [None, "", "ACCEPT", "yes", "수락", 1, ["accept"]])
def test_an_unknown_response_is_refused(response):
    error = _refused(parse_partner_answer, {"response": response}, now=NOW)
    assert error.field == "response"


def test_a_missing_response_is_refused():
    assert _refused(parse_partner_answer, {}, now=NOW).field == "response"


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("2026-12-01T15:00:00+09:00", datetime(2026, 12, 1, 6, 0, tzinfo=UTC)),
        ("2026-12-01T06:00:00Z", datetime(2026, 12, 1, 6, 0, tzinfo=UTC)),
        ("2026-12-01T06:00:00+00:00", datetime(2026, 12, 1, 6, 0, tzinfo=UTC)),
        ("2026-12-01T15:00", datetime(2026, 12, 1, 6, 0, tzinfo=UTC)),  # naive: Korean time
        ("2026-12-01T15:00:00", datetime(2026, 12, 1, 6, 0, tzinfo=UTC)),
    ],
)
def test_an_alternative_time_is_read_with_its_offset_or_as_korean_time(written, expected):
    parsed = parse_partner_answer({"response": "alternative", "alternativeTime": written}, now=NOW)
    assert parsed.answer is Answer.ALTERNATIVE
    assert parsed.alternative_time == expected
    assert parsed.alternative_time.utcoffset() is not None


def test_a_naive_alternative_time_is_kst_not_utc():
    parsed = parse_partner_answer({"response": "alternative", "alternativeTime": "2026-11-23T16:00"}, now=NOW)
    assert parsed.alternative_time.utcoffset() == timedelta(hours=9)
    assert parsed.alternative_time - NOW == timedelta(hours=1)


@pytest.mark.parametrize(
    "missing", [{}, {"alternativeTime": None}, {"alternativeTime": ""}, {"alternativeTime": 5}]
)
def test_alternative_requires_a_time(missing):
    error = _refused(parse_partner_answer, {"response": "alternative", **missing}, now=NOW)
    assert error.field == "alternativeTime"
    assert error.message == "제안할 날짜와 시간을 입력해 주세요."


@pytest.mark.parametrize(
    "written", ["내일 오후 3시", "2026-13-01T10:00", "12/01/2026 15:00", "2026-12-01T25:00"]
)
def test_alternative_time_must_be_parsable(written):
    error = _refused(parse_partner_answer, {"response": "alternative", "alternativeTime": written}, now=NOW)
    assert error.field == "alternativeTime"
    assert "형식" in error.message


@pytest.mark.parametrize(
    "written",
    [
        "2026-11-23T15:00:00+09:00",  # exactly now
        "2026-11-23T14:59:00+09:00",  # a minute ago
        "2026-11-23T15:00",  # exactly now, naive KST
        "2025-12-01T15:00:00+09:00",
    ],
)
def test_alternative_time_must_be_in_the_future(written):
    error = _refused(parse_partner_answer, {"response": "alternative", "alternativeTime": written}, now=NOW)
    assert error.message == "제안 시간은 지금 이후여야 합니다."


def test_a_time_one_minute_ahead_is_accepted():
    written = (NOW + timedelta(minutes=1)).astimezone(KST).isoformat()
    parsed = parse_partner_answer({"response": "alternative", "alternativeTime": written}, now=NOW)
    assert parsed.alternative_time == NOW + timedelta(minutes=1)


def test_alternative_time_within_a_year_is_accepted():
    written = (NOW + timedelta(days=365)).isoformat()
    parsed = parse_partner_answer({"response": "alternative", "alternativeTime": written}, now=NOW)
    assert parsed.alternative_time == NOW + timedelta(days=365)


@pytest.mark.parametrize("ahead", [timedelta(days=367), timedelta(days=3650)])
def test_alternative_time_beyond_a_year_is_refused(ahead):
    written = (NOW + ahead).isoformat()
    error = _refused(parse_partner_answer, {"response": "alternative", "alternativeTime": written}, now=NOW)
    assert error.message == "제안 시간은 1년 이내로 입력해 주세요."


# --- small inputs -------------------------------------------------------------------------------


def test_the_link_token_is_required_and_trimmed():
    assert require_link_token({"token": " ASi30INRsKgwawPYuJrELCmtFN1E "}) == "ASi30INRsKgwawPYuJrELCmtFN1E"


@pytest.mark.parametrize("fields", [{}, {"token": ""}, {"token": "  "}, {"token": 42}, {"token": None}])
def test_a_missing_link_token_is_refused_in_korean(fields):
    assert _refused(require_link_token, fields).field == "token"


@pytest.mark.parametrize(
    "key",
    ["c4b1e2f0-5d6a-4e7b-8c9d-0a1b2c3d4e5f", "abcdefgh", "a" * 128, "chat:2026.11.23_01"],
)
def test_valid_idempotency_keys_are_kept_as_sent(key):
    assert parse_idempotency_key(key) == key


@pytest.mark.parametrize("key", [None, ""])
def test_no_idempotency_key_means_none(key):
    assert parse_idempotency_key(key) is None


@pytest.mark.parametrize("key", ["short", "a" * 129, "has space-1234", "키-12345678", "slash/1234567"])
def test_malformed_idempotency_keys_are_refused(key):
    assert _refused(parse_idempotency_key, key).field == "Idempotency-Key"


def test_request_ids_are_lowercase_uuid4():
    assert is_request_id(str(uuid.uuid4()))
    assert is_request_id("0b6f3c1e-2a4d-4c8e-9f10-1a2b3c4d5e6f")


@pytest.mark.parametrize(
    "raw",
    [
        "",
        None,
        "0B6F3C1E-2A4D-4C8E-9F10-1A2B3C4D5E6F",
        "0b6f3c1e2a4d4c8e9f101a2b3c4d5e6f",
        str(uuid.uuid1()),
        "0b6f3c1e-2a4d-4c8e-9f10-1a2b3c4d5e6f/../x",
        "REQ#0b6f3c1e-2a4d-4c8e-9f10-1a2b3c4d5e6f",
    ],
)
def test_anything_else_is_not_a_request_id(raw):
    assert not is_request_id(raw)


# --- the partner's note and the customer's decision ---------------------------------------------

from runtime.domain.validation import NOTE_MAX_CHARS, bearer_token, parse_decision, parse_note  # noqa: E402


@pytest.mark.parametrize(
    ("raw", "note"),
    [
        (None, None),
        ("", None),
        ("   \n\t ", None),
        ("  오후 2시 이후 가능해요  ", "오후 2시 이후 가능해요"),
        ("첫 줄\r\n둘째 줄", "첫 줄 둘째 줄"),
        ("벨\x07소리\x00", "벨소리"),
        ("\u202e역방향\u202c 과 \u2066격리\u2069 \u200e표시\u200f", "역방향 과 격리 표시"),
        ("<b>굵게</b> & 'quote'", "<b>굵게</b> & 'quote'"),  # kept as text: the page never reads it as HTML
    ],
)
def test_the_note_is_trimmed_and_loses_control_and_direction_characters(raw, note):
    assert parse_note(raw) == note


def test_a_note_is_at_most_200_characters_after_cleaning():
    assert parse_note("가" * NOTE_MAX_CHARS + "\u202e" * 50) == "가" * NOTE_MAX_CHARS
    with pytest.raises(InvalidInput) as refused:
        parse_note("가" * (NOTE_MAX_CHARS + 1))
    assert refused.value.field == "note"
    assert "200자" in refused.value.message


@pytest.mark.parametrize("raw", [12, ["메모"], {"text": "메모"}, True])
def test_a_note_that_is_not_text_is_refused(raw):
    with pytest.raises(InvalidInput):
        parse_note(raw)


def test_the_answer_carries_the_note_for_every_answer():
    now = datetime(2026, 11, 23, tzinfo=UTC)
    for answer in ("accept", "reject"):
        assert parse_partner_answer({"response": answer, "note": " 메모 "}, now=now).note == "메모"


@pytest.mark.parametrize(("raw", "decision"), [("accept", "accept"), ("decline", "decline")])
def test_a_decision_is_accept_or_decline(raw, decision):
    assert parse_decision({"decision": raw}) == decision


@pytest.mark.parametrize("raw", [None, "", "ACCEPT", "reject", 1, ["accept"]])
def test_any_other_decision_is_refused_in_korean(raw):
    with pytest.raises(InvalidInput) as refused:
        parse_decision({"decision": raw})
    assert refused.value.field == "decision"


@pytest.mark.parametrize(
    ("header", "token"),
    [
        ("Bearer abc", "abc"),
        ("bearer  abc ", "abc"),
        (None, None),
        ("", None),
        ("Basic abc", None),
        ("Bearer", None),
    ],
)
def test_the_bearer_token_of_an_authorization_header(header, token):
    assert bearer_token(header) == token
