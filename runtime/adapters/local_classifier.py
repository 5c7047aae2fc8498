"""IntentClassifier without AWS: nearest sample utterances of the bot definition.

Korean is agglutinative (바꾸고/바꿔/바꿀), so texts are compared as character 2- and 3-grams,
weighted by TF-IDF, and scored by cosine similarity against every sample utterance. An intent wins
with the mean of its best matches; too weak a match, or a match with the fallback examples
(greetings, chit-chat, gibberish), gives the fallback intent, as Lex would.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path

from runtime.adapters.ports import Classification, IntentClassifier
from runtime.domain.model import FALLBACK_INTENT, Intent, IntentSource

_SLOT_REFERENCE = re.compile(r"\{[^}]*\}")
_NOT_WORD = re.compile(r"[^0-9a-z가-힣]+")
_BEST_MATCHES = 3
MIN_SCORE = 0.18


class LocalIntentClassifier(IntentClassifier):
    def __init__(self, examples: Mapping[str, Sequence[str]]) -> None:
        """`examples`: intent name (including FallbackIntent) -> sample utterances."""
        documents = [(name, _grams(text)) for name, texts in examples.items() for text in texts]
        frequency = Counter(gram for _, grams in documents for gram in set(grams))
        intents_using: dict[str, set[str]] = {}
        for name, grams in documents:
            for gram in grams:
                intents_using.setdefault(gram, set()).add(name)
        # Rare grams weigh more (IDF), and so do grams owned by one intent: a polite ending such as
        # 습니다 is rare in the samples but says nothing about what the customer wants.
        self._idf = {
            g: (math.log((1 + len(documents)) / (1 + n)) + 1)
            * math.log(1 + len(examples) / len(intents_using[g]))
            for g, n in frequency.items()
        }
        self._samples = [(name, self._vector(grams)) for name, grams in documents]

    @classmethod
    def from_bot_file(cls, path: str | Path) -> LocalIntentClassifier:
        bot = json.loads(Path(path).read_text(encoding="utf-8"))
        examples = {intent["name"]: intent["sampleUtterances"] for intent in bot["intents"]}
        examples[FALLBACK_INTENT] = bot["fallbackIntent"]["localExamples"]
        return cls(examples)

    def classify(self, text: str, session_id: str) -> Classification:
        name = self.best_intent(text)
        intent = Intent(name) if name in Intent._value2member_map_ else None
        return Classification(intent=intent, source=IntentSource.LOCAL)

    def best_intent(self, text: str) -> str:
        query = self._vector(_grams(text))
        if not query:
            return FALLBACK_INTENT
        similarities: dict[str, list[float]] = {}
        for name, sample in self._samples:
            similarities.setdefault(name, []).append(_cosine(query, sample))
        scores = {
            name: sum(sorted(values, reverse=True)[:_BEST_MATCHES]) / _BEST_MATCHES
            for name, values in similarities.items()
        }
        best = max(scores, key=scores.__getitem__)
        return best if scores[best] >= MIN_SCORE else FALLBACK_INTENT

    def _vector(self, grams: Sequence[str]) -> dict[str, float]:
        counts = Counter(g for g in grams if g in self._idf)
        weights = {g: (1 + math.log(n)) * self._idf[g] for g, n in counts.items()}
        norm = math.sqrt(sum(w * w for w in weights.values()))
        return {g: w / norm for g, w in weights.items()} if norm else {}


def _grams(text: str) -> list[str]:
    words = _NOT_WORD.sub(" ", _SLOT_REFERENCE.sub(" ", text.lower())).split()
    grams: list[str] = []
    for word in words:
        padded = f" {word} "
        for size in (2, 3):
            grams += [padded[i : i + size] for i in range(len(padded) - size + 1)]
    return grams


def _cosine(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(weight * b.get(gram, 0.0) for gram, weight in a.items())
