"""bot/ko_KR.json stays within what Lex V2 accepts for a ko_KR locale, and its reservation-number slot
accepts the forms the web form accepts.

Lex V2 build-time quotas (non-English locales): 1,500 sample utterances per intent, 500 characters per
utterance, 200,000 characters of sample utterances per locale, 100 custom slot types. A slot type's
regular expression: at most 300 characters, no `.` wildcard and no unbounded repeat (`*`, `+`, `{n,}`),
characters other than A-Z, a-z and 0-9 written as `\\uXXXX`, values up to 30 characters.
"""

import json
import re

import pytest

from bot.eval.dataset import BOT_FILE, surface
from runtime.domain.errors import InvalidInput
from runtime.domain.validation import normalize_reservation_number

MAX_UTTERANCES_PER_INTENT = 1500
MAX_UTTERANCE_CHARS = 500
MAX_LOCALE_UTTERANCE_CHARS = 200_000
MAX_SLOT_TYPES = 100
MAX_REGEX_CHARS = 300
MAX_REGEX_VALUE_CHARS = 30
# Hangul, ASCII letters and digits, spaces, and {Slot} references: nothing Lex could refuse.
PLAIN_UTTERANCE = re.compile(r"[가-힣A-Za-z0-9 ]*(\{[A-Za-z]+\}[가-힣A-Za-z0-9 ]*)*")


@pytest.fixture(scope="module")
def bot() -> dict:
    return json.loads(BOT_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def reservation_pattern(bot) -> str:
    slot_type = bot["slots"]["ReservationNumber"]["slotType"]
    return bot["slotTypes"][slot_type]["regexFilter"]


def test_each_intent_has_many_utterances_within_the_quota(bot):
    for intent in bot["intents"]:
        assert 150 <= len(intent["sampleUtterances"]) <= MAX_UTTERANCES_PER_INTENT, intent["name"]


def test_utterances_are_short_plain_and_within_the_locale_quota(bot):
    utterances = [u for intent in bot["intents"] for u in intent["sampleUtterances"]]
    assert max(len(u) for u in utterances) <= MAX_UTTERANCE_CHARS
    assert sum(len(u) for u in utterances) <= MAX_LOCALE_UTTERANCE_CHARS
    assert [u for u in utterances if not PLAIN_UTTERANCE.fullmatch(u) or u != u.strip()] == []


def test_no_utterance_appears_twice_even_spaced_differently(bot):
    typed = [surface(u) for intent in bot["intents"] for u in intent["sampleUtterances"]]
    assert [u for u in set(typed) if typed.count(u) > 1] == []


def test_slot_references_name_the_intents_own_slots(bot):
    for intent in bot["intents"]:
        for utterance in intent["sampleUtterances"]:
            assert set(re.findall(r"\{(\w+)\}", utterance)) <= set(intent["slots"])
        assert set(intent["slots"]) <= set(bot["slots"])


def test_custom_slot_types_extend_alphanumeric_with_a_pattern_lex_accepts(bot):
    assert len(bot["slotTypes"]) <= MAX_SLOT_TYPES
    for slot in bot["slots"].values():
        assert slot["slotType"] in bot["slotTypes"]
    for slot_type in bot["slotTypes"].values():
        pattern = slot_type["regexFilter"]
        assert slot_type["parentSlotTypeSignature"] == "AMAZON.AlphaNumeric"
        assert len(pattern) <= MAX_REGEX_CHARS
        assert not re.search(r"(?<!\\)[.*+]|\{\d+,\}", pattern), "no wildcard, no unbounded repeat"
        others = re.sub(r"\\u[0-9A-F]{4}", "", pattern)
        assert re.fullmatch(r"[A-Za-z0-9\[\]{},\-]*", others), f"write other characters as \\uXXXX: {others}"
        longest = [int(n) for n in re.findall(r"\{\d+,(\d+)\}", pattern)]
        assert sum(longest) <= MAX_REGEX_VALUE_CHARS


@pytest.mark.parametrize(
    "typed",
    [
        "HTL-100101",
        "htl100101",
        "HTL 100101",
        "HTL - 100101",
        "ＨＴＬ－１００１０１",
        "ｈｔｌ１００１０１",
        "RC-2000001",
    ],
)
def test_the_reservation_slot_takes_every_form_the_form_takes(reservation_pattern, typed):
    assert re.fullmatch(reservation_pattern, typed)
    assert normalize_reservation_number(typed) in ("HTL-100101", "RC-2000001")


@pytest.mark.parametrize(
    "typed", ["HTL", "100101", "H-100101", "HTLXX-100101", "HTL-1001", "HTL--100101", "호텔-100101"]
)
def test_the_reservation_slot_refuses_what_is_no_reservation_number(reservation_pattern, typed):
    assert not re.fullmatch(reservation_pattern, typed)


def test_whatever_the_slot_takes_the_form_takes_too(reservation_pattern):
    letters, separators, digits = (
        ["HTL", "ab", "ＡＢＣＤ"],
        ["", " ", "-", "－", " - ", "\u3000"],
        ["10010", "１２３４５６"],
    )
    for word in letters:
        for separator in separators:
            for number in digits:
                typed = f"{word}{separator}{number}"
                if re.fullmatch(reservation_pattern, typed):
                    try:
                        normalize_reservation_number(typed)
                    except InvalidInput:
                        pytest.fail(f"the slot takes {typed!r}, the form does not")
