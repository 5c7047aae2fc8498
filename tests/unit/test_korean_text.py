"""Korean chat text in one canonical form: what customers type differently reads the same."""

import pytest

from bot.korean_text import canonical, features, jamo


@pytest.mark.parametrize(
    ("typed", "same_as"),
    [
        ("예약시간변경요청합니다", "예약 시간 변경 요청합니다"),  # words run together
        ("ＨＴＬ－１００１０１ 체크인 날짜", "체크인 날짜"),  # full-width, and the reservation number dropped
        ("htl 100101 체크인 날짜", "HTL-100101 체크인 날짜"),
        ("010-1234-5678 로 연락 주세요", "로 연락 주세요"),  # phone numbers say nothing of the intent
        ("날짜 바꿔주세여", "날짜 바꿔주세요"),  # the chat spelling of the polite ending
        ("유모차 대여", "유모차 대여"),  # ...but a rental stays a rental
        ("날짜변경ㄱㄴ?", "날짜변경 가능"),  # chat abbreviation
        ("에어컨 안돼요", "에어컨 안되요"),  # the common misspelling, both ways
        ("렌트카 네비", "렌터카 내비"),
        ("낼 예약", "내일 예약"),
        ("checkin date 변경", "체크인 날짜 변경"),  # English words customers mix in
        ("late check-out", "레이트 체크아웃"),
        ("WiFi 안 터져요!!! ㅠㅠ 😭", "와이파이 안 터져요"),  # case, punctuation, emotion, emoji
        ("2시에서 4시로", "3시에서 5시로"),  # any number is a number
    ],
)
def test_two_ways_of_typing_one_message_have_one_canonical_form(typed, same_as):
    assert canonical(typed) == canonical(same_as)
    assert canonical(typed)


@pytest.mark.parametrize(
    "noise", ["ㅋㅋㅋㅋ", "ㅠㅠ", "👍😀", "...", "?!", "   ", "HTL-100101", "+82 10 2345 6789"]
)
def test_a_message_without_words_has_no_features(noise):
    assert canonical(noise) == ""
    assert features(noise) == []


def test_syllables_come_apart_into_jamo_so_conjugations_share_grams():
    assert jamo("각") == "\u1100\u1161\u11a8"
    assert len(jamo("바꿔")) == 4 and jamo("바꿔")[:3] == jamo("바꾸")[:3] == jamo("바꿀")[:3]
    assert jamo("abc") == "abc"


def test_features_are_character_grams_then_jamo_grams_of_the_text_without_spaces():
    grams = features("날짜 변경")
    assert "날짜" in grams and "짜변" in grams and "^날" in grams and "경$" in grams
    assert {g for g in grams if g.startswith("~")}  # jamo grams, marked
    assert features("날짜변경") == grams
