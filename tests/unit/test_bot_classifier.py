"""The classifier used without Lex: learns from bot/ko_KR.json, understands new phrasings, and says
FallbackIntent (intent None) for what is not a request, as Lex would.

The phrasings below are not in the bot's sample utterances: they are what customers of stays, rental
cars, tours, restaurants and home services would type.
"""

import json

import pytest

from bot import BOT_FILE
from bot.classifier import LocalIntentClassifier
from runtime.adapters.ports import Classification
from runtime.domain.model import FALLBACK_INTENT, Intent, IntentSource

HELD_OUT = {
    Intent.CHANGE_RESERVATION: [
        "숙소 체크인을 금요일로 바꿀 수 있을까요?",
        "호텔 예약 날짜 좀 변경해 주세요",
        "입실일을 하루 당겨도 될까요",
        "렌터카 대여 날짜를 하루 늦추고 싶어요",
        "렌트카 반납 시간을 저녁으로 바꿔주세요",
        "스노클링 투어 날짜를 내일로 옮기고 싶습니다",
        "투어 예약을 다음 주로 미룰 수 있나요",
        "식당 예약 시간을 6시로 변경하고 싶어요",
        "레스토랑 인원을 세 명으로 바꿔 주세요",
        "가사도우미 방문 날짜를 목요일로 변경해 주세요",
        "청소 예약 시간을 오전으로 바꿀게요",
        "예약 일정을 변경하고 싶어요",
    ],
    Intent.REPORT_TROUBLE: [
        "방에 온수가 안 나와요",
        "호텔 방 에어컨이 고장 났어요",
        "숙소에 도착했는데 체크인이 안 된대요",
        "방이 너무 더럽고 냄새가 나요",
        "렌터카 배터리가 방전됐어요",
        "렌트한 차에서 이상한 소리가 나요",
        "투어 가이드가 연락이 안 돼요",
        "투어 버스를 놓쳤는데 아무도 안 와요",
        "식당에서 예약이 없다고 해요",
        "음식에 머리카락이 들어 있었어요",
        "청소 기사님이 약속 시간에 안 오셨어요",
        "수리 기사님이 왔다 갔는데 아직도 물이 새요",
    ],
    Intent.ADD_ON_SERVICE: [
        "조식 포함으로 추가할 수 있나요",
        "엑스트라 베드 추가 요청합니다",
        "공항 샌딩 서비스 신청할게요",
        "렌터카에 카시트 하나 추가해 주세요",
        "차량에 블랙박스 옵션 추가 가능한가요",
        "투어에 사진 촬영 추가하고 싶어요",
        "투어에 점심 도시락 추가되나요",
        "레스토랑에 생일 케이크 준비 부탁드려요",
        "식당에 창가 자리 요청할 수 있을까요",
        "청소에 베란다 청소도 추가해 주세요",
        "에어컨 청소도 같이 신청 가능한가요",
        "반려견 동반 옵션 추가하고 싶어요",
    ],
}

NOT_A_REQUEST = {
    "greeting": ["안녕하세요", "안녕하세요!", "반갑습니다", "좋은 아침입니다", "hi"],
    "thanks": ["감사합니다", "고맙습니다", "수고하세요"],
    "chit-chat": ["오늘 날씨 좋네요", "점심 뭐 먹지", "뭐해?", "사랑해요"],
    "gibberish": ["ㅋㅋㅋ", "ㅎㅎ", "ㅁㄴㅇㄹ", "asdkjh", "qwer", "zzzz", "1234", "...", ""],
}


@pytest.fixture(scope="module")
def classifier() -> LocalIntentClassifier:
    return LocalIntentClassifier.from_bot_file(BOT_FILE)


def _cases(table):
    return [(key, text) for key, texts in table.items() for text in texts]


def test_the_request_phrasings_are_held_out_from_the_bot_definition():
    bot = json.loads(BOT_FILE.read_text(encoding="utf-8"))
    known = {u for intent in bot["intents"] for u in intent["sampleUtterances"]}
    assert {text for _, text in _cases(HELD_OUT)}.isdisjoint(known)


@pytest.mark.parametrize(("intent", "text"), _cases(HELD_OUT), ids=str)
def test_natural_requests_get_their_intent(classifier, intent, text):
    assert classifier.classify(text, "session-1") == Classification(intent=intent, source=IntentSource.LOCAL)


@pytest.mark.parametrize(("kind", "text"), _cases(NOT_A_REQUEST), ids=str)
def test_greetings_thanks_chit_chat_and_gibberish_are_the_fallback_intent(classifier, kind, text):
    assert classifier.best_intent(text) == FALLBACK_INTENT
    assert classifier.classify(text, "session-1") == Classification(intent=None, source=IntentSource.LOCAL)


@pytest.mark.parametrize("intent", list(Intent))
def test_a_request_with_a_reservation_number_still_gets_its_intent(classifier, intent):
    text = {
        Intent.CHANGE_RESERVATION: "HTL-100101 예약 날짜를 다음 주로 바꾸고 싶어요",
        Intent.REPORT_TROUBLE: "HTL-100101 객실 보일러가 고장 나서 너무 추워요",
        Intent.ADD_ON_SERVICE: "HTL-100101 예약에 조식 두 명 추가하고 싶어요",
    }[intent]
    assert classifier.classify(text, "s").intent is intent


def test_every_sample_utterance_of_the_bot_gets_its_own_intent(classifier):
    bot = json.loads(BOT_FILE.read_text(encoding="utf-8"))
    wrong = [
        (intent["name"], text)
        for intent in bot["intents"]
        for text in intent["sampleUtterances"]
        if classifier.best_intent(text) != intent["name"]
    ]
    assert wrong == []


def test_classification_ignores_case_punctuation_and_spacing(classifier):
    base = classifier.best_intent("조식을 추가하고 싶어요")
    assert classifier.best_intent("  조식을   추가하고 싶어요!!!  ") == base == Intent.ADD_ON_SERVICE


def test_a_classifier_built_from_examples_uses_only_those_examples():
    small = LocalIntentClassifier(
        {
            "ChangeReservation": ["날짜를 바꾸고 싶어요", "시간 변경 부탁드려요"],
            "ReportTrouble": ["에어컨이 고장 났어요", "물이 안 나와요"],
            FALLBACK_INTENT: ["안녕하세요", "감사합니다"],
        },
        unclear_below=0.1,
    )
    assert small.classify("날짜 변경하고 싶어요", "s").intent is Intent.CHANGE_RESERVATION
    assert small.classify("에어컨 고장", "s").intent is Intent.REPORT_TROUBLE
    assert small.classify("안녕하세요", "s").intent is None
    assert small.classify("조식 추가", "s").intent is None  # nothing like it among the examples


def test_the_threshold_decides_between_an_intent_and_unclear():
    examples = {"ChangeReservation": ["날짜를 바꾸고 싶어요"], FALLBACK_INTENT: ["안녕하세요"]}
    score = LocalIntentClassifier(examples, unclear_below=0.0).score("날짜 바꿔요").score
    assert 0 < score < 1
    assert (
        LocalIntentClassifier(examples, unclear_below=score).best_intent("날짜 바꿔요") == "ChangeReservation"
    )
    assert (
        LocalIntentClassifier(examples, unclear_below=score + 1e-9).best_intent("날짜 바꿔요")
        == FALLBACK_INTENT
    )


def test_the_bot_file_classifier_uses_the_stored_threshold(tmp_path):
    stored = json.loads((BOT_FILE.parent / "local_classifier.json").read_text(encoding="utf-8"))
    assert LocalIntentClassifier.from_bot_file(BOT_FILE).unclear_below == stored["unclearBelow"]
    elsewhere = tmp_path / "threshold.json"
    elsewhere.write_text('{"unclearBelow": 0.5}', encoding="utf-8")
    assert LocalIntentClassifier.from_bot_file(BOT_FILE, elsewhere).unclear_below == 0.5


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        # What customers were told to rephrase before: each now gets its intent.
        ("수건 몇 장 더 주세요", Intent.ADD_ON_SERVICE),
        ("엘리베이터 고장나서 짐을 못올려요", Intent.REPORT_TROUBLE),
        ("예약시간변경요청합니다", Intent.CHANGE_RESERVATION),
        ("픽업 차량이 안와요 공항에서 기다리는중", Intent.REPORT_TROUBLE),
        # Typos, chat endings, English words, full-width characters.
        ("날자 변경 가능한가여", Intent.CHANGE_RESERVATION),
        ("뱡에 벌래가 나왓어요 ㅠㅠ", Intent.REPORT_TROUBLE),
        ("late checkout 신청 ㄱㄴ?", Intent.ADD_ON_SERVICE),
        ("ＨＴＬ－１００１０１ 에어컨 고장이요", Intent.REPORT_TROUBLE),
    ],
)
def test_the_way_customers_type_on_phones_is_understood(classifier, text, intent):
    assert classifier.classify(text, "s").intent is intent


@pytest.mark.parametrize("text", ["ㅋㅋㅋㅋㅋㅋ", "👍👍", "?!", "HTL-100101", "010-1234-5678"])
def test_a_message_without_words_is_unclear_whatever_the_threshold(text):
    examples = {"ChangeReservation": ["날짜를 바꾸고 싶어요"], FALLBACK_INTENT: ["안녕하세요"]}
    assert LocalIntentClassifier(examples, unclear_below=0.0).best_intent(text) == FALLBACK_INTENT
