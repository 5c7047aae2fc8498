"""Intent understanding: the local classifier on the evaluation set (bot/eval/messages.jsonl)."""

from __future__ import annotations

from bench.figures import Figure, Section
from bot.classifier import LocalIntentClassifier
from bot.eval import calibration
from bot.eval.dataset import (
    CALIBRATION,
    MAX_UNCLEAR,
    MIN_ACCURACY,
    MIN_NON_REQUESTS_UNCLEAR,
    load_cases,
    load_examples,
)
from bot.eval.metrics import Report
from bot.eval.render import confusion, markdown_table, per_intent


def measure() -> Section:
    cases = load_cases()
    scored = calibration.score_cases(LocalIntentClassifier(load_examples(), unclear_below=0.0), cases)
    threshold = float(calibration.stored(CALIBRATION)["unclearBelow"])
    report = Report.of((s.expected, calibration.answer(s, threshold)) for s in scored)
    validated = Report.of(calibration.cross_validated(scored))
    figures = (
        Figure(
            "nlu.accuracy", "accuracy on the three intents", report.accuracy, "%", MIN_ACCURACY, at_least=True
        ),
        Figure("nlu.unclear", "requests answered unclear", report.unclear_rate, "%", MAX_UNCLEAR),
        Figure(
            "nlu.non_requests",
            "non-requests answered unclear",
            report.non_requests_unclear,
            "%",
            MIN_NON_REQUESTS_UNCLEAR,
            at_least=True,
        ),
        Figure("nlu.cv.accuracy", "accuracy, threshold cross-validated", validated.accuracy, "%"),
        Figure("nlu.cv.unclear", "requests unclear, threshold cross-validated", validated.unclear_rate, "%"),
        Figure(
            "nlu.cv.non_requests",
            "non-requests unclear, threshold cross-validated",
            validated.non_requests_unclear,
            "%",
        ),
    )
    details = (
        f"The local classifier (`bot/classifier.py`, what `make local` uses without Lex) "
        f"on `bot/eval/messages.jsonl`: {report.messages} messages as customers type them on phones, "
        f"{report.requests} requests over the three intents and {report.non_requests} non-requests "
        "(greetings, thanks, noise, chit-chat). None of them is a sample utterance of `bot/ko_KR.json`. "
        f'The "unclear" threshold ({threshold}) is the one number tuned on this set '
        "(`python -m bot.eval --calibrate`); the cross-validated rows answer each message with a threshold "
        f"calibrated on the other {calibration.FOLDS - 1}/{calibration.FOLDS} of the set. `make nlu` "
        "prints the same; `python -m bot.eval --stack dev` replays the set against a deployed Lex alias. "
        "*Before*: the classifier and utterances of the baseline's commit, on this same set (one request "
        'in six was answered "unclear").',
        "",
        *markdown_table(per_intent(report)),
        "",
        "Confusion matrix (rows: expected, columns: answered):",
        "",
        *markdown_table(confusion(report)),
    )
    return Section("Intent understanding", figures, details)
