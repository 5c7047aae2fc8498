"""JSON from strangers: a request body parsed without trusting anything about it.

`json.loads` alone recurses once per nesting level, turns 5,000 digits into a ValueError, accepts
NaN and Infinity, keeps the last of two equal keys and lets lone surrogates (`"\\ud800"`) through,
which only fail later when the text is encoded again. Every one of those must be the client's 400,
never the server's 500, so each is refused here, before any handler sees the value.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from runtime.domain.errors import InvalidInput

JSON_MEDIA_TYPE = "application/json"
# No payload of this API nests deeper than 2 (a list of objects); 20 leaves room and keeps the
# parser's recursion far from Python's limit.
MAX_NESTING = 20
# The API's payloads hold no numbers at all; 32 characters fit any int64 or double.
MAX_NUMBER_CHARS = 32

NOT_JSON = "요청 본문이 올바른 JSON 형식이 아닙니다."
_TOO_DEEP = f"요청 본문의 중첩이 너무 깊습니다 ({MAX_NESTING}단계까지)."
_BAD_NUMBER = "요청 본문의 숫자가 너무 크거나 올바르지 않습니다."
_NOT_A_NUMBER = "요청 본문에 JSON 에 없는 값(NaN, Infinity)이 있습니다."
_DUPLICATE_KEY = "요청 본문에 같은 항목이 두 번 있습니다."
_SURROGATE_TEXT = "요청 본문에 쓸 수 없는 문자(짝이 없는 서로게이트)가 있습니다."

_SURROGATE = re.compile("[\ud800-\udfff]")
# Only a key that looks like a field name is echoed back as `field`: keys are the client's text.
_FIELD_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}")


def is_json_media_type(content_type: str | None) -> bool:
    """`application/json`, optionally with `charset=utf-8`: what a JSON body must be declared as."""
    if content_type is None:
        return False
    media_type, _, parameters = content_type.partition(";")
    if media_type.strip().lower() != JSON_MEDIA_TYPE:
        return False
    for parameter in parameters.split(";"):
        if not parameter.strip():
            continue
        name, _, value = parameter.partition("=")
        if name.strip().lower() != "charset" or value.strip().strip('"').lower() != "utf-8":
            return False
    return True


def read_json(data: bytes) -> Any:
    """The JSON value in `data` (UTF-8, no BOM), or InvalidInput with a Korean message."""
    try:
        text = data.decode("utf-8")  # strict: invalid bytes and encoded surrogates are refused
    except UnicodeDecodeError:
        raise InvalidInput(NOT_JSON) from None
    if not _nesting_within(text, MAX_NESTING):
        raise InvalidInput(_TOO_DEEP)
    try:
        value = json.loads(
            text,
            parse_constant=_refuse_constant,
            parse_int=_bounded_int,
            parse_float=_bounded_float,
            object_pairs_hook=_unique_keys,
        )
    except json.JSONDecodeError:  # also a leading BOM: "Unexpected UTF-8 BOM"
        raise InvalidInput(NOT_JSON) from None
    if _has_surrogate(value):
        raise InvalidInput(_SURROGATE_TEXT)
    return value


def _nesting_within(text: str, limit: int) -> bool:
    """True unless arrays/objects nest deeper than `limit`: one pass, no recursion, strings skipped."""
    if text.count("[") + text.count("{") <= limit:
        return True
    depth, in_string, escaped = 0, False, False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return False
        elif char in "]}":
            depth -= 1
    return True


def _refuse_constant(name: str) -> Any:
    raise InvalidInput(_NOT_A_NUMBER)


def _bounded_int(literal: str) -> int:
    if len(literal) > MAX_NUMBER_CHARS:
        raise InvalidInput(_BAD_NUMBER)
    return int(literal)


def _bounded_float(literal: str) -> float:
    if len(literal) > MAX_NUMBER_CHARS:
        raise InvalidInput(_BAD_NUMBER)
    value = float(literal)
    if not math.isfinite(value):  # 1e999 overflows to inf
        raise InvalidInput(_BAD_NUMBER)
    return value


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise InvalidInput(_DUPLICATE_KEY, field=key if _FIELD_NAME.fullmatch(key) else None)
        found[key] = value
    return found


def _has_surrogate(value: Any) -> bool:
    """Any string (key or value) holding a lone surrogate, which no UTF-8 encoder accepts."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                return True
        elif isinstance(item, dict):
            pending.extend(item)
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False
