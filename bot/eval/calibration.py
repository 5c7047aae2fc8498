"""The local classifier's "unclear" threshold, computed from the evaluation set instead of set by hand.

Each message is scored once (its best intent and how close it came to that intent's utterances).
A threshold t answers "unclear" below t. The chosen t maximizes the balanced share of right answers:
half the requests answered with their intent, half the non-requests answered "unclear", so neither
group wins by being larger. Where several thresholds do equally well, the middle one is kept.

This tunes one number on the set; the utterances never see it. To show what that tuning is worth,
`cross_validated` answers every message with a threshold calibrated on the other folds only.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import attrs

from bot.classifier import LocalIntentClassifier
from bot.eval.dataset import BOT_FILE, MESSAGES, NONE, ROOT, Case, digest
from runtime.domain.model import FALLBACK_INTENT

FOLDS = 5


@attrs.frozen
class Scored:
    text: str
    expected: str
    intent: str  # the best intent, FallbackIntent when the fallback examples matched best
    score: float


def score_cases(classifier: LocalIntentClassifier, cases: Sequence[Case]) -> list[Scored]:
    scored = []
    for case in cases:
        best = classifier.score(case.text)
        scored.append(Scored(case.text, case.expected, best.intent, best.score))
    return scored


def answer(scored: Scored, threshold: float) -> str:
    """What the classifier answers with this threshold: an intent, or NONE (the API's 422)."""
    return NONE if scored.intent == FALLBACK_INTENT or scored.score < threshold else scored.intent


def calibrate(scored: Sequence[Scored]) -> float:
    requests = [s for s in scored if s.expected != NONE]
    others = [s for s in scored if s.expected == NONE]
    if not requests or not others:
        raise ValueError("calibrating needs requests and non-requests")
    scores = sorted({round(s.score, 6) for s in scored if s.intent != FALLBACK_INTENT})
    candidates = [0.0, *((a + b) / 2 for a, b in itertools.pairwise(scores))]
    if scores:
        candidates.append(scores[-1] + 1e-6)

    def balanced(threshold: float) -> float:
        right = sum(answer(s, threshold) == s.expected for s in requests) / len(requests)
        refused = sum(answer(s, threshold) == NONE for s in others) / len(others)
        return (right + refused) / 2

    values = [(balanced(t), t) for t in candidates]
    best = max(value for value, _ in values)
    tied = [t for value, t in values if value >= best - 1e-12]
    return round(tied[len(tied) // 2], 6)


def fold_of(text: str, folds: int = FOLDS) -> int:
    """A message's fold, fixed by its text (not by its line), so adding messages moves no other."""
    return int(hashlib.sha256(text.encode("utf-8")).hexdigest(), 16) % folds


def cross_validated(scored: Sequence[Scored], folds: int = FOLDS) -> list[tuple[str, str]]:
    """(expected, answered) for every message, its threshold calibrated without its fold."""
    pairs = []
    for fold in range(folds):
        held_out = [s for s in scored if fold_of(s.text, folds) == fold]
        threshold = calibrate([s for s in scored if fold_of(s.text, folds) != fold])
        pairs += [(s.expected, answer(s, threshold)) for s in held_out]
    return pairs


def stored(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def calibration_document(threshold: float, messages: int) -> dict[str, Any]:
    return {
        "unclearBelow": threshold,
        "calibratedOn": MESSAGES.relative_to(ROOT).as_posix(),
        "messages": messages,
        "method": "balanced accuracy of requests and non-requests; python -m bot.eval --calibrate",
        "sources": digest(BOT_FILE, MESSAGES),
    }


def store(path: Path, threshold: float, messages: int) -> None:
    document = calibration_document(threshold, messages)
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
