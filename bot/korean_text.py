"""Korean chat text in one canonical form, and the character n-grams the local classifier compares.

Customers type on phones: spacing is optional (예약시간변경), endings drift (주세여, 안되요), chat
abbreviations and emoji come and go (날짜변경ㄱㄴ? ㅠㅠ), some words are typed in English (checkin,
wifi) and some keyboards send full-width characters (ＨＴＬ－１００１０１). `canonical` removes those
differences; `features` then describes the text as character n-grams of the text without spaces, and
as n-grams of its jamo (바꿔, 바꾸고 and 바꿀 share ㅂㅏㄲ; 날자 and 날짜 share ㄴㅏㄹ), so a
conjugation or a typo costs a few grams instead of the whole word. Standard library only.
"""

from __future__ import annotations

import re
import unicodedata

# Reservation and phone numbers say nothing about the intent (validation.py knows their forms).
_RESERVATION_NUMBER = re.compile(r"[a-z]{2,4}[\s\-]?[0-9]{5,10}")
_PHONE_NUMBER = re.compile(r"\+?[0-9][0-9 .\-()]{6,}[0-9]")
_SLOT_REFERENCE = re.compile(r"\{[^}]*\}")

# Chat abbreviations, typed as compatibility jamo, that carry meaning (the rest is emotion or noise).
_ABBREVIATIONS = {"ㄱㄴ": "가능", "ㅇㅋ": "오케이", "ㄴㄴ": "아니", "ㅇㅇ": "응", "ㅎㅇ": "하이"}

# English words customers mix in, as the Korean words the utterances use. Longest first.
_ENGLISH = {
    "check in": "체크인",
    "check-in": "체크인",
    "checkin": "체크인",
    "check out": "체크아웃",
    "check-out": "체크아웃",
    "checkout": "체크아웃",
    "late": "레이트",
    "early": "얼리",
    "wifi": "와이파이",
    "wi-fi": "와이파이",
    "pick up": "픽업",
    "pickup": "픽업",
    "airport": "공항",
    "breakfast": "조식",
    "extra bed": "엑스트라베드",
    "extra": "엑스트라",
    "bed": "베드",
    "room": "방",
    "booking": "예약",
    "reservation": "예약",
    "reschedule": "일정변경",
    "date": "날짜",
    "time": "시간",
    "change": "변경",
    "cancel": "취소",
    "dirty": "더러워요",
    "broken": "고장",
    "tv": "티비",
}
_ENGLISH_WORDS = re.compile(
    r"(?<![a-z])(" + "|".join(re.escape(w) for w in sorted(_ENGLISH, key=len, reverse=True)) + r")(?![a-z])"
)

# One spelling for words customers spell several ways.
_VARIANTS = {
    "렌트카": "렌터카",
    "랜트카": "렌터카",
    "네비": "내비",
    "엘베": "엘리베이터",
    "비번": "비밀번호",
    "에어콘": "에어컨",
    "바베큐": "바비큐",
    "뜨신": "뜨거운",
    "티브이": "티비",
    "돼": "되",
    "됬": "됐",
    "않되": "안되",
    "않돼": "안되",
}
_VARIANT_WORDS = re.compile("|".join(re.escape(w) for w in sorted(_VARIANTS, key=len, reverse=True)))
# 내일 said short, as a word of its own.
_TOMORROW = re.compile(r"(?<![가-힣])낼(?![가-힣])")
# Chat spelling of the polite ending: 주세여, 할까여, 되나여, 바꿀게여 -> ...요 (대여 stays a rental).
_CHAT_ENDING = re.compile(r"(?<=[세까나게해줘데래])여(?![가-힣])")

_DIGITS = re.compile(r"[0-9]+")
_KEEP = re.compile(r"[^0-9a-z가-힣]+")

SYLLABLE_GRAMS = (2, 3)
JAMO_GRAMS = (3,)


def canonical(text: str) -> str:
    """The words of `text` without spaces: Hangul syllables, ASCII letters, and `0` for any number."""
    lowered = _SLOT_REFERENCE.sub(" ", text).lower()
    for abbreviation, word in _ABBREVIATIONS.items():
        lowered = lowered.replace(abbreviation, f" {word} ")
    lowered = unicodedata.normalize("NFKC", lowered).lower()
    lowered = _PHONE_NUMBER.sub(" ", _RESERVATION_NUMBER.sub(" ", lowered))
    lowered = _ENGLISH_WORDS.sub(lambda m: f" {_ENGLISH[m[1]]} ", lowered)
    lowered = _VARIANT_WORDS.sub(lambda m: _VARIANTS[m[0]], lowered)
    lowered = _TOMORROW.sub("내일", lowered)
    lowered = _CHAT_ENDING.sub("요", lowered)
    return _KEEP.sub("", _DIGITS.sub("0", lowered))


def jamo(text: str) -> str:
    """Each Hangul syllable as its two or three letters (각 -> ᄀ ᅡ ᆨ, conjoining jamo); the rest as is."""
    return unicodedata.normalize("NFD", text)


def features(text: str) -> list[str]:
    """Character n-grams of the canonical text, then jamo n-grams (prefixed `~`); empty if no words."""
    compact = canonical(text)
    if not compact:
        return []
    grams = _ngrams(f"^{compact}$", SYLLABLE_GRAMS)
    grams += [f"~{gram}" for gram in _ngrams(jamo(compact), JAMO_GRAMS)]
    return grams


def _ngrams(text: str, sizes: tuple[int, ...]) -> list[str]:
    grams = [text[i : i + size] for size in sizes for i in range(len(text) - size + 1)]
    return grams or [text]
