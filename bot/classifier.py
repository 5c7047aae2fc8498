"""IntentClassifier without AWS: nearest sample utterances of the bot definition. The local stack
and the tests put it where a function in AWS asks Lex (an override of `bootstrap.classifier`); no
function ships it.

Texts are compared as character and jamo n-grams of their canonical form (korean_text.py), weighted
by TF-IDF, by cosine similarity with every sample utterance. An intent scores the mean of its best
matches. The answer is "not understood" (FallbackIntent, as Lex says it) when the fallback examples
(greetings, thanks, chit-chat) match best, when the text has no words, or when the best score is
below `unclear_below`. That threshold is not set by hand: `python -m bot.eval --calibrate` computes it
from the evaluation set and stores it beside the bot definition (bot/local_classifier.json).
"""

from __future__ import annotations

import functools
import json
import math
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from bot import BOT_FILE
from bot.korean_text import features
from runtime.adapters.ports import Classification, IntentClassifier
from runtime.domain.model import FALLBACK_INTENT, Intent, IntentSource

CALIBRATION_FILE = "local_classifier.json"
# The shape of the model, chosen by 5-fold cross-validation on the sample utterances: an intent's
# score is the mean of its 3 best matches; a gram's weight grows with the square of how few intents
# use it; jamo grams count for 0.3 of a character gram (they tolerate typos and conjugations, but at
# full weight they would match 케이크 for 오케이).
_BEST_MATCHES = 3
_SPECIFICITY = 2.0
_JAMO_WEIGHT = 0.3


class BestMatch(NamedTuple):
    """The best-matching intent (FallbackIntent included) and its score, before the threshold."""

    intent: str
    score: float


class LocalIntentClassifier(IntentClassifier):
    def __init__(self, examples: Mapping[str, Sequence[str]], *, unclear_below: float) -> None:
        """`examples`: intent name (including FallbackIntent) -> sample utterances."""
        self.unclear_below = unclear_below
        documents: list[tuple[str, Counter[str]]] = []
        for name, texts in examples.items():
            documents += [(name, grams) for text in texts if (grams := Counter(features(text)))]
        frequency: Counter[str] = Counter()
        intents_using: dict[str, set[str]] = defaultdict(set)
        for name, grams in documents:
            frequency.update(grams.keys())
            for gram in grams:
                intents_using[gram].add(name)
        # Rare grams weigh more (IDF), and so do grams owned by one intent: a polite ending such as
        # 습니다 may be rare in the samples but says nothing about what the customer wants.
        rarity = {n: math.log((1 + len(documents)) / (1 + n)) + 1 for n in set(frequency.values())}
        owned = {n: math.log(1 + len(examples) / n) ** _SPECIFICITY for n in range(1, len(examples) + 1)}
        self._idf = {
            g: rarity[n] * owned[len(intents_using[g])] * (_JAMO_WEIGHT if g[0] == "~" else 1.0)
            for g, n in frequency.items()
        }
        self._names = [name for name, _ in documents]
        # gram -> (sample, weight): a query touches only the samples it shares a gram with.
        self._postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for sample, (_, grams) in enumerate(documents):
            for gram, weight in self._weights(grams).items():
                self._postings[gram].append((sample, weight))
        self._intents = tuple(dict.fromkeys(self._names))

    @classmethod
    def from_bot_file(cls, path: str | Path, calibration: str | Path | None = None) -> LocalIntentClassifier:
        """The bot's utterances, with the threshold stored beside them (or in `calibration`)."""
        bot_file = Path(path)
        threshold = json.loads(
            Path(calibration or bot_file.with_name(CALIBRATION_FILE)).read_text(encoding="utf-8")
        )
        examples = examples_of(json.loads(bot_file.read_text(encoding="utf-8")))
        return cls(examples, unclear_below=float(threshold["unclearBelow"]))

    def classify(self, text: str, session_id: str) -> Classification:
        name = self.best_intent(text)
        intent = Intent(name) if name in Intent._value2member_map_ else None
        return Classification(intent=intent, source=IntentSource.LOCAL)

    def best_intent(self, text: str) -> str:
        scored = self.score(text)
        return scored.intent if scored.score >= self.unclear_below else FALLBACK_INTENT

    def score(self, text: str) -> BestMatch:
        query = self._vector(features(text))
        similarities = [0.0] * len(self._names)
        for gram, weight in query.items():
            for sample, sample_weight in self._postings.get(gram, ()):
                similarities[sample] += weight * sample_weight
        by_intent: dict[str, list[float]] = {name: [] for name in self._intents}
        for name, similarity in zip(self._names, similarities, strict=True):
            by_intent[name].append(similarity)
        scores = {
            name: sum(sorted(values, reverse=True)[:_BEST_MATCHES]) / _BEST_MATCHES
            for name, values in by_intent.items()
        }
        best = max(scores, key=scores.__getitem__)
        if best == FALLBACK_INTENT or scores[best] <= 0:
            return BestMatch(FALLBACK_INTENT, 0.0)
        return BestMatch(best, scores[best])

    def _vector(self, grams: Sequence[str]) -> dict[str, float]:
        return self._weights(Counter(g for g in grams if g in self._idf))

    def _weights(self, counts: Mapping[str, int]) -> dict[str, float]:
        """Unit-length TF-IDF weights (sublinear counts) of known grams."""
        idf = self._idf
        weights = {g: (1 + math.log(n) if n > 1 else 1.0) * idf[g] for g, n in counts.items()}
        norm = math.sqrt(sum(w * w for w in weights.values()))
        return {g: w / norm for g, w in weights.items()} if norm else {}


def examples_of(bot: Mapping[str, Any]) -> dict[str, list[str]]:
    """Intent name -> sample utterances of a bot definition, the fallback's local examples included."""
    examples = {intent["name"]: list(intent["sampleUtterances"]) for intent in bot["intents"]}
    examples[FALLBACK_INTENT] = list(bot["fallbackIntent"]["localExamples"])
    return examples


@functools.cache
def bot_classifier() -> LocalIntentClassifier:
    """The classifier of this bot (`ko_KR.json`), built once per process: what the local stack and
    the tests use where a function in AWS asks Lex."""
    return LocalIntentClassifier.from_bot_file(BOT_FILE)
