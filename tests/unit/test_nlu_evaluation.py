"""The evaluation set and the figures it gives: held out from the utterances, and good enough to ship.

The local classifier is the one `make local` uses; the set replays against Lex with `python -m bot.eval
--stack dev`. These tests fail if the figures drop below the targets, if an evaluation message turns up
among the sample utterances, or if the stored threshold no longer follows from the files.
"""

from collections import Counter

import pytest

from bot.classifier import LocalIntentClassifier
from bot.eval import calibration
from bot.eval.calibration import Scored, answer, calibrate, cross_validated, fold_of
from bot.eval.dataset import (
    BOT_FILE,
    CALIBRATION,
    INTENTS,
    MAX_UNCLEAR,
    MESSAGES,
    MIN_ACCURACY,
    MIN_NON_REQUESTS_UNCLEAR,
    NONE,
    digest,
    load_cases,
    load_examples,
    surface,
)
from bot.eval.metrics import Report
from runtime.domain.model import FALLBACK_INTENT


@pytest.fixture(scope="module")
def cases():
    return load_cases()


@pytest.fixture(scope="module")
def scored(cases):
    return calibration.score_cases(LocalIntentClassifier(load_examples(), unclear_below=0.0), cases)


@pytest.fixture(scope="module")
def shipped(scored):
    threshold = LocalIntentClassifier.from_bot_file(BOT_FILE).unclear_below
    return Report.of((s.expected, answer(s, threshold)) for s in scored)


# --- the set ---------------------------------------------------------------------------------------


def test_the_set_has_at_least_300_messages_over_every_intent_and_non_requests(cases):
    counts = Counter(case.expected for case in cases)
    assert len(cases) >= 300
    assert all(counts[intent] >= 80 for intent in INTENTS), counts
    assert counts[NONE] >= 60, counts


def test_no_evaluation_message_is_a_sample_utterance_or_a_local_example(cases):
    trained = {surface(text) for texts in load_examples().values() for text in texts}
    seen = [case.text for case in cases if surface(case.text) and surface(case.text) in trained]
    assert seen == []


def test_no_message_is_in_the_set_twice(cases):
    typed = Counter(surface(case.text) for case in cases if surface(case.text))
    assert [text for text, n in typed.items() if n > 1] == []


def test_a_malformed_line_is_refused_with_its_number(tmp_path):
    broken = tmp_path / "messages.jsonl"
    broken.write_text(
        '{"text": "조식 추가", "expected": "AddOnService"}\n{"text": "x", "expected": "Cancel"}\n'
    )
    with pytest.raises(ValueError, match=r"messages.jsonl:2"):
        load_cases(broken)


# --- the figures -----------------------------------------------------------------------------------


def test_requests_get_their_intent_at_least_95_percent_of_the_time(shipped):
    assert shipped.accuracy >= MIN_ACCURACY


def test_at_most_3_percent_of_requests_are_answered_unclear(shipped):
    assert shipped.unclear_rate <= MAX_UNCLEAR


def test_at_least_95_percent_of_non_requests_are_answered_unclear(shipped):
    assert shipped.non_requests_unclear >= MIN_NON_REQUESTS_UNCLEAR


def test_the_stored_threshold_is_the_one_the_files_give(scored):
    stored = calibration.stored(CALIBRATION)
    assert stored["unclearBelow"] == calibrate(scored), "run: python -m bot.eval --calibrate"
    assert stored["sources"] == digest(BOT_FILE, MESSAGES), "run: python -m bot.eval --calibrate"


# --- the arithmetic --------------------------------------------------------------------------------


def test_the_report_counts_unclear_as_wrong_for_accuracy_and_right_for_non_requests():
    report = Report.of(
        [
            ("ChangeReservation", "ChangeReservation"),
            ("ChangeReservation", "ChangeReservation"),
            ("ChangeReservation", NONE),
            ("ReportTrouble", "ChangeReservation"),
            (NONE, NONE),
            (NONE, "ReportTrouble"),
        ]
    )
    assert (report.messages, report.requests, report.non_requests) == (6, 4, 2)
    assert report.accuracy == 2 / 4
    assert report.unclear_rate == 1 / 4
    assert report.non_requests_unclear == 1 / 2
    assert report.precision("ChangeReservation") == 2 / 3
    assert report.recall("ChangeReservation") == 2 / 3
    assert report.precision("ReportTrouble") == 0.0 and report.recall("ReportTrouble") == 0.0
    assert report.recall(NONE) == 1 / 2 and report.precision(NONE) == 1 / 2
    assert report.as_dict()["confusion"]["ReportTrouble"]["ChangeReservation"] == 1
    assert report.targets_met == {"accuracy": False, "unclear": False, "nonRequests": False}


def _scored(expected: str, score: float, intent: str = "ChangeReservation") -> Scored:
    return Scored(f"{expected}-{score}", expected, intent, score)


def test_calibration_keeps_the_middle_of_the_best_thresholds():
    scored = [
        _scored("ChangeReservation", 0.9),
        _scored("ChangeReservation", 0.6),
        _scored(NONE, 0.3),
        _scored(NONE, 0.2),
        _scored(NONE, 0.5, FALLBACK_INTENT),  # the fallback examples matched best: unclear anyway
    ]
    # Anything in (0.3, 0.6] separates them; the candidates there are 0.45 and 0.55 (midpoints).
    threshold = calibrate(scored)
    assert 0.3 < threshold <= 0.6
    assert [answer(s, threshold) for s in scored] == [
        "ChangeReservation",
        "ChangeReservation",
        NONE,
        NONE,
        NONE,
    ]


def test_calibration_weighs_requests_and_non_requests_equally_whatever_their_numbers():
    requests = [_scored("ChangeReservation", 0.4), _scored("ChangeReservation", 0.5)]
    others = [_scored(NONE, 0.45), _scored(NONE, 0.3)]
    # Counting messages, five times the requests would pull the threshold down to keep them all.
    assert calibrate(requests + others) == calibrate(requests * 5 + others) == 0.475
    with pytest.raises(ValueError):
        calibrate(requests)


def test_cross_validation_answers_each_message_once_with_a_threshold_calibrated_without_it(scored):
    pairs = cross_validated(scored)
    assert len(pairs) == len(scored)
    assert Counter(e for e, _ in pairs) == Counter(s.expected for s in scored)
    assert {fold_of(s.text) for s in scored} == set(range(calibration.FOLDS))
    assert fold_of("조식 추가할게요") == fold_of("조식 추가할게요")
