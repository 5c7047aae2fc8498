"""The evaluation set and the bot's utterances, read from the repository's files."""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from pathlib import Path

import attrs

from bot import BOT_FILE
from bot.classifier import CALIBRATION_FILE, examples_of
from runtime.domain.model import Intent

ROOT = Path(__file__).resolve().parents[2]
MESSAGES = ROOT / "bot" / "eval" / "messages.jsonl"
CALIBRATION = ROOT / "bot" / CALIBRATION_FILE

NONE = "none"  # expected, or answered: not one of the three intents (the API's 422)
INTENTS = tuple(str(intent) for intent in Intent)
LABELS = (*INTENTS, NONE)

# What an answer must reach on the set (the "done when"; bench and the tests read these).
MIN_ACCURACY = 0.95  # requests answered with their own intent
MAX_UNCLEAR = 0.03  # requests answered "unclear"
MIN_NON_REQUESTS_UNCLEAR = 0.95  # non-requests answered "unclear"

_NOT_LETTERS = re.compile(r"[\W_]+")


@attrs.frozen
class Case:
    text: str
    expected: str


def load_cases(path: Path = MESSAGES) -> list[Case]:
    cases = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        entry = json.loads(line)
        text, expected = entry.get("text"), entry.get("expected")
        if not isinstance(text, str) or not text.strip() or expected not in LABELS:
            raise ValueError(f"{path.name}:{number}: need a text and expected in {LABELS}: {line}")
        cases.append(Case(text, expected))
    return cases


def load_examples(bot_file: Path = BOT_FILE) -> dict[str, list[str]]:
    """Intent name -> sample utterances (FallbackIntent: its local examples), as the classifier learns."""
    return examples_of(json.loads(bot_file.read_text(encoding="utf-8")))


def surface(text: str) -> str:
    """A message as typed, less case, width, spacing and punctuation: two texts equal here are one message."""
    return _NOT_LETTERS.sub("", unicodedata.normalize("NFKC", re.sub(r"\{[^}]*\}", "", text)).lower())


def digest(*paths: Path) -> str:
    """A short hash of the files' contents, to tell whether a stored calibration is still current."""
    sha = hashlib.sha256()
    for path in paths:
        sha.update(path.read_bytes())
    return sha.hexdigest()[:16]
