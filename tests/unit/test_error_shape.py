"""The reliability tier's judge of error bodies: the error shape, and `choices` only for an unclear intent."""

import pytest

from local.client import Reply
from reliability.product import is_error_shape

JSON = "application/json; charset=utf-8"
CHOICES = [
    {"intent": "ChangeReservation", "label": "예약변경"},
    {"intent": "ReportTrouble", "label": "트러블신고"},
    {"intent": "AddOnService", "label": "부가서비스"},
]
UNCLEAR = {"code": "INTENT_UNCLEAR", "message": "문의 내용을 정확히 이해하지 못했습니다."}


def test_an_error_in_the_documented_shape_passes():
    assert is_error_shape(
        Reply(400, {"error": {"code": "INVALID_INPUT", "message": "입력값을 확인해 주세요."}}, JSON)
    )


def test_an_unclear_intent_passes_with_its_choices_beside_the_error():
    assert is_error_shape(Reply(422, {"error": UNCLEAR, "choices": CHOICES}, JSON))


@pytest.mark.parametrize(
    "answer",
    [
        Reply(422, {"error": UNCLEAR}, JSON),  # the choices are part of this answer
        Reply(
            400, {"error": {"code": "INVALID_INPUT", "message": "확인해 주세요."}, "choices": CHOICES}, JSON
        ),
        Reply(422, {"error": {"code": "OTHER", "message": "다른 오류"}, "choices": CHOICES}, JSON),
        Reply(422, {"error": UNCLEAR, "choices": CHOICES[:2]}, JSON),
        Reply(
            422, {"error": UNCLEAR, "choices": [{"intent": "Cancel", "label": "취소"}, *CHOICES[1:]]}, JSON
        ),
        Reply(422, {"error": UNCLEAR, "choices": [{**c, "label": "x"} for c in CHOICES]}, JSON),
        Reply(422, {"error": UNCLEAR, "choices": "예약변경"}, JSON),
        Reply(422, {"error": UNCLEAR, "choices": CHOICES, "extra": 1}, JSON),
        Reply(400, {"error": {"code": "INVALID_INPUT", "message": "not Korean"}}, JSON),
        Reply(400, {"error": {"code": "INVALID_INPUT", "message": "확인해 주세요."}}, "text/html"),
    ],
    ids=[
        "unclear-without-choices",
        "choices-on-another-status",
        "choices-with-another-code",
        "two-choices",
        "an-unknown-intent",
        "labels-not-korean",
        "choices-not-a-list",
        "more-beside-the-error",
        "message-not-korean",
        "not-json",
    ],
)
def test_anything_else_fails(answer):
    assert not is_error_shape(answer)
