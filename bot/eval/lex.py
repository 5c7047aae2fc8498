"""The evaluation set replayed against a deployed Lex bot alias, through the runtime's own adapter.

Where the bot is: `pulumi stack output --json --stack <stack>` (outputs `botId`, `botAliasId`), or a
file holding that JSON. The region is the stack file's `aws:region` unless given. Each message gets a
session of its own, so no message is read in the context of another.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bot.eval.dataset import NONE, ROOT, Case
from runtime.adapters.lex_classifier import LexIntentClassifier
from runtime.contract import LEX_LOCALE
from runtime.domain.errors import DependencyUnavailable

ATTEMPTS = 4
_REGION = re.compile(r"^\s*aws:region:\s*(\S+)\s*$", re.MULTILINE)


class BotNotFound(Exception):
    """The stack outputs do not say where the bot is."""


Runner = Callable[..., subprocess.CompletedProcess[str]]


def stack_outputs(stack: str, *, run: Runner = subprocess.run) -> dict[str, Any]:
    try:
        done = run(
            ["pulumi", "stack", "output", "--json", "--stack", stack],
            capture_output=True,
            text=True,
            check=False,
            cwd=ROOT,
        )
    except FileNotFoundError as error:
        raise BotNotFound("the Pulumi CLI is not installed; pass --outputs FILE instead") from error
    if done.returncode != 0:
        raise BotNotFound(f"pulumi stack output --stack {stack} failed: {done.stderr.strip()}")
    return _outputs(done.stdout, f"stack {stack}")


def file_outputs(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise BotNotFound(f"cannot read {path}: {error.strerror}") from error
    return _outputs(text, str(path))


def bot_of(outputs: dict[str, Any], where: str) -> tuple[str, str]:
    bot_id, alias_id = outputs.get("botId"), outputs.get("botAliasId")
    if not (isinstance(bot_id, str) and bot_id and isinstance(alias_id, str) and alias_id):
        raise BotNotFound(f"{where} has no botId and botAliasId outputs (was the stack deployed?)")
    return bot_id, alias_id


def stack_region(stack: str) -> str | None:
    """`aws:region` of Pulumi.<stack>.yaml, if the file names one."""
    stack_file = ROOT / f"Pulumi.{stack}.yaml"
    if not stack_file.is_file():
        return None
    found = _REGION.search(stack_file.read_text(encoding="utf-8"))
    return found[1] if found else None


def classifier_for(client: Any, bot_id: str, alias_id: str) -> LexIntentClassifier:
    return LexIntentClassifier(client, bot_id=bot_id, bot_alias_id=alias_id, locale_id=LEX_LOCALE)


def replay(
    classifier: LexIntentClassifier,
    cases: Sequence[Case],
    *,
    sleep: Callable[[float], None] | None = None,
) -> tuple[list[tuple[str, str]], list[str]]:
    """(expected, answered) per message, and the messages Lex could not answer after a few tries."""
    pause = sleep or time.sleep
    pairs: list[tuple[str, str]] = []
    failures: list[str] = []
    for case in cases:
        for attempt in range(ATTEMPTS):
            try:
                classification = classifier.classify(case.text, f"eval-{uuid.uuid4().hex}")
            except DependencyUnavailable as error:
                if attempt == ATTEMPTS - 1:
                    failures.append(f"{case.text}: {error}")
                else:
                    pause(2**attempt * 0.5)
                continue
            answered = str(classification.intent) if classification.intent else NONE
            pairs.append((case.expected, answered))
            break
    return pairs, failures


def _outputs(text: str, where: str) -> dict[str, Any]:
    try:
        outputs = json.loads(text)
    except json.JSONDecodeError as error:
        raise BotNotFound(f"{where}: not the JSON of pulumi stack output --json ({error.msg})") from error
    if not isinstance(outputs, dict):
        raise BotNotFound(f"{where}: expected a JSON object of outputs")
    return outputs
