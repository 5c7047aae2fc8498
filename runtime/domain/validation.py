"""What customers and partners send, checked and put in canonical form, with Korean messages."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Mapping
from datetime import datetime, timedelta

import attrs

from runtime.domain.errors import InvalidInput
from runtime.domain.kst import KST
from runtime.domain.model import Answer, Decision, Intent
from runtime.domain.phone import normalize_phone, replace_phones_in

MESSAGE_MAX_CHARS = 1000
_RESERVATION_NUMBER = re.compile(r"([A-Z]{2,4})-?([0-9]{5,10})")
_RESERVATION_NUMBER_IN_TEXT = re.compile(r"(?<![A-Za-z])[A-Za-z]{2,4}\s?-?\s?[0-9]{5,10}(?![0-9])")
_CUSTOMER_ID = re.compile(r"[A-Za-z0-9_.:-]{1,64}")
_IDEMPOTENCY_KEY = re.compile(r"[A-Za-z0-9_.:-]{8,128}")
_REQUEST_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
ALTERNATIVE_HORIZON = timedelta(days=366)
NOTE_MAX_CHARS = 200
# Characters that would let a note reorder or hide the page's own text around it: bidirectional
# embeddings, overrides and isolates, and the direction marks.
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f]")
_BEARER = re.compile(r"Bearer +(\S+)", re.IGNORECASE)


@attrs.frozen
class Submission:
    customer_phone: str
    reservation_number: str
    message: str
    customer_id: str | None = None
    intent: Intent | None = None  # picked by the customer: no classification

    @property
    def fingerprint(self) -> str:
        """Identifies the content, so a reused Idempotency-Key with other content is detected."""
        parts: tuple[str, ...] = (
            self.customer_phone,
            self.reservation_number,
            self.message,
            self.customer_id or "",
        )
        if self.intent is not None:  # without one, the fingerprint of earlier submits stays the same
            parts += (str(self.intent),)
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


@attrs.frozen
class PartnerAnswer:
    answer: Answer
    alternative_time: datetime | None = None
    note: str | None = None


def parse_submission(fields: Mapping[str, object]) -> Submission:
    return Submission(
        customer_phone=normalize_phone(_required_text(fields, "customerPhone", "연락처를 입력해 주세요.")),
        reservation_number=normalize_reservation_number(
            _required_text(fields, "reservationNumber", "예약번호를 입력해 주세요.")
        ),
        message=_message(fields),
        customer_id=_customer_id(fields),
        intent=_intent(fields),
    )


def normalize_reservation_number(raw: str) -> str:
    """`htl100101`, `HTL 100101` and `HTL-100101` are one reservation: `HTL-100101`."""
    match = _RESERVATION_NUMBER.fullmatch(re.sub(r"\s", "", unicodedata.normalize("NFKC", raw)).upper())
    if not match:
        raise InvalidInput("예약번호 형식이 올바르지 않습니다. 예: HTL-100101", field="reservationNumber")
    return f"{match[1]}-{match[2]}"


def without_personal_details(text: str) -> str:
    """A customer's message with the phone and reservation numbers typed into it replaced by words."""
    return _RESERVATION_NUMBER_IN_TEXT.sub("[예약번호]", replace_phones_in(text, "[전화번호]"))


def parse_partner_answer(fields: Mapping[str, object], *, now: datetime) -> PartnerAnswer:
    raw_answer = fields.get("response")
    try:
        answer = Answer(raw_answer if isinstance(raw_answer, str) else "")
    except ValueError:
        raise InvalidInput("응답을 선택해 주세요: 수락, 거절 또는 다른 시간 제안", field="response") from None
    note = parse_note(fields.get("note"))
    if answer is not Answer.ALTERNATIVE:
        return PartnerAnswer(answer=answer, note=note)
    return PartnerAnswer(answer=answer, alternative_time=_alternative_time(fields, now), note=note)


def parse_note(raw: object) -> str | None:
    """The partner's note for the customer: line breaks and tabs become spaces, other control
    characters and bidirectional controls are dropped, spaces are collapsed; at most NOTE_MAX_CHARS
    characters after that. Empty: no note."""
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise InvalidInput("메모는 글자로 입력해 주세요.", field="note")
    spaced = re.sub(r"[\t\n\r\v\f\u2028\u2029\x85]", " ", raw)
    visible = "".join(c for c in _BIDI_CONTROLS.sub("", spaced) if unicodedata.category(c) != "Cc")
    note = " ".join(visible.split())
    if len(note) > NOTE_MAX_CHARS:
        raise InvalidInput(f"메모는 {NOTE_MAX_CHARS}자 이내로 입력해 주세요.", field="note")
    return note or None


def parse_decision(fields: Mapping[str, object]) -> Decision:
    value = fields.get("decision")
    if not isinstance(value, str) or value not in Decision._value2member_map_:
        raise InvalidInput("결정을 선택해 주세요: 수락(accept) 또는 거절(decline)", field="decision")
    return Decision(value)


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header; None when there is none."""
    match = _BEARER.fullmatch((authorization or "").strip())
    return match[1] if match else None


def require_link_token(fields: Mapping[str, object]) -> str:
    token = fields.get("token")
    if not isinstance(token, str) or not token.strip():
        raise InvalidInput("링크 정보가 없습니다. 문자로 받은 링크로 다시 열어 주세요.", field="token")
    return token.strip()


def parse_idempotency_key(raw: str | None) -> str | None:
    if raw is None or raw == "":
        return None
    if not _IDEMPOTENCY_KEY.fullmatch(raw):
        raise InvalidInput(
            "Idempotency-Key 헤더는 8~128자의 영문, 숫자, -, _, ., : 만 쓸 수 있습니다.",
            field="Idempotency-Key",
        )
    return raw


def is_request_id(raw: str) -> bool:
    return bool(_REQUEST_ID.fullmatch(raw or ""))


def _required_text(fields: Mapping[str, object], name: str, missing: str) -> str:
    value = fields.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise InvalidInput(missing, field=name)
    if not isinstance(value, str):
        raise InvalidInput(missing, field=name)
    return value.strip()


def _message(fields: Mapping[str, object]) -> str:
    message = _required_text(fields, "message", "문의 내용을 입력해 주세요.")
    if len(message) > MESSAGE_MAX_CHARS:
        raise InvalidInput(f"문의 내용은 {MESSAGE_MAX_CHARS:,}자 이내로 입력해 주세요.", field="message")
    return message


def _customer_id(fields: Mapping[str, object]) -> str | None:
    value = fields.get("customerId")
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not _CUSTOMER_ID.fullmatch(value):
        raise InvalidInput("고객 번호 형식이 올바르지 않습니다.", field="customerId")
    return value


def _intent(fields: Mapping[str, object]) -> Intent | None:
    value = fields.get("intent")
    if value is None or value == "":
        return None
    if not isinstance(value, str) or value not in Intent._value2member_map_:
        labels = ", ".join(intent.label for intent in Intent)
        raise InvalidInput(f"문의 유형은 {labels} 중에서 골라 주세요.", field="intent")
    return Intent(value)


def _alternative_time(fields: Mapping[str, object], now: datetime) -> datetime:
    raw = fields.get("alternativeTime")
    if not isinstance(raw, str) or not raw.strip():
        raise InvalidInput("제안할 날짜와 시간을 입력해 주세요.", field="alternativeTime")
    try:
        parsed = datetime.fromisoformat(raw.strip())
    except ValueError:
        raise InvalidInput(
            "제안 시간 형식이 올바르지 않습니다. 예: 2026-12-01T15:00+09:00", field="alternativeTime"
        ) from None
    if parsed.tzinfo is None:  # a time picked on a Korean page without an offset is Korean time
        parsed = parsed.replace(tzinfo=KST)
    if parsed <= now:
        raise InvalidInput("제안 시간은 지금 이후여야 합니다.", field="alternativeTime")
    if parsed > now + ALTERNATIVE_HORIZON:
        raise InvalidInput("제안 시간은 1년 이내로 입력해 주세요.", field="alternativeTime")
    return parsed
