"""Figures of a classifier's answers on the evaluation set: accuracy, precision and recall per intent,
the confusion matrix, and how often it answered "unclear". Pure arithmetic on (expected, answered) pairs."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

import attrs

from bot.eval.dataset import INTENTS, LABELS, MAX_UNCLEAR, MIN_ACCURACY, MIN_NON_REQUESTS_UNCLEAR, NONE


@attrs.frozen
class Report:
    confusion: Counter[tuple[str, str]]  # (expected, answered) -> messages

    @classmethod
    def of(cls, pairs: Iterable[tuple[str, str]]) -> Report:
        return cls(Counter(pairs))

    def count(self, expected: str | None = None, answered: str | None = None) -> int:
        return sum(
            n
            for (e, a), n in self.confusion.items()
            if (expected is None or e == expected) and (answered is None or a == answered)
        )

    @property
    def messages(self) -> int:
        return self.count()

    @property
    def requests(self) -> int:
        return self.messages - self.count(expected=NONE)

    @property
    def non_requests(self) -> int:
        return self.count(expected=NONE)

    @property
    def accuracy(self) -> float:
        """Requests answered with their own intent, of all requests ("unclear" counts as wrong)."""
        return _share(sum(self.confusion[(i, i)] for i in INTENTS), self.requests)

    @property
    def unclear_rate(self) -> float:
        """Requests answered "unclear": customers who asked clearly and were asked to pick."""
        return _share(self.requests - sum(self.count(i, a) for i in INTENTS for a in INTENTS), self.requests)

    @property
    def non_requests_unclear(self) -> float:
        """Greetings, thanks and noise answered "unclear", as they should be."""
        return _share(self.confusion[(NONE, NONE)], self.non_requests)

    def precision(self, label: str) -> float:
        return _share(self.confusion[(label, label)], self.count(answered=label))

    def recall(self, label: str) -> float:
        return _share(self.confusion[(label, label)], self.count(expected=label))

    @property
    def targets_met(self) -> dict[str, bool]:
        return {
            "accuracy": self.accuracy >= MIN_ACCURACY,
            "unclear": self.unclear_rate <= MAX_UNCLEAR,
            "nonRequests": self.non_requests_unclear >= MIN_NON_REQUESTS_UNCLEAR,
        }

    def as_dict(self) -> dict[str, object]:
        return {
            "messages": self.messages,
            "requests": self.requests,
            "nonRequests": self.non_requests,
            "accuracy": self.accuracy,
            "unclearRate": self.unclear_rate,
            "nonRequestsUnclear": self.non_requests_unclear,
            "perIntent": {
                label: {"precision": self.precision(label), "recall": self.recall(label)} for label in LABELS
            },
            "confusion": {e: {a: self.confusion[(e, a)] for a in LABELS} for e in LABELS},
            "targetsMet": self.targets_met,
        }


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0
