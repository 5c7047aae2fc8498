"""Korean phone numbers: one canonical form (E.164) for every way people write them."""

from __future__ import annotations

import re
import unicodedata

from runtime.domain.errors import InvalidInput

_SEPARATORS = re.compile(r"[\s\-.()]")
# Mobile numbers: 010 (and the older 011, 016-019), 10 or 11 digits with the leading 0.
_DOMESTIC_MOBILE = re.compile(r"01[016789][0-9]{7,8}")
_PHONE_LIKE = re.compile(
    r"(?:\+?82[\s.-]?(?:\(0\)[\s.-]?)?|\(?0)1[016789]\)?[\s.-]?[0-9]{3,4}[\s.-]?[0-9]{4}"
)

INVALID_PHONE_MESSAGE = "휴대전화 번호 형식이 올바르지 않습니다. 예: 010-1234-5678"


def normalize_phone(raw: str) -> str:
    """Return the E.164 form: `010-1234-5678`, `01012345678` and `+82 10 1234 5678` -> `+821012345678`."""
    # NFKC: full-width digits typed on a Korean keyboard are the same ASCII digits.
    compact = _SEPARATORS.sub("", unicodedata.normalize("NFKC", raw or ""))
    if compact.startswith("+82"):
        compact = "0" + compact[3:].removeprefix("0")
    elif compact.startswith("82") and len(compact) in (11, 12):
        compact = "0" + compact[2:]
    if not _DOMESTIC_MOBILE.fullmatch(compact):
        raise InvalidInput(INVALID_PHONE_MESSAGE, field="customerPhone")
    return "+82" + compact[1:]


def same_phone(a: str, b: str) -> bool:
    try:
        return normalize_phone(a) == normalize_phone(b)
    except InvalidInput:
        return False


def mask_phone(e164: str) -> str:
    """`+821012345678` -> `+8210****5678`: enough to tell numbers apart in logs, not to call them."""
    if len(e164) < 8:
        return "****"
    return e164[:5] + "*" * (len(e164) - 9) + e164[-4:]


def mask_phones_in(text: str) -> str:
    """Mask every phone-like number inside free text (log lines, error messages)."""
    return _PHONE_LIKE.sub(_mask_match, unicodedata.normalize("NFKC", text))


def replace_phones_in(text: str, placeholder: str) -> str:
    """Every phone-like number inside free text replaced by `placeholder`."""
    return _PHONE_LIKE.sub(placeholder, unicodedata.normalize("NFKC", text))


def _mask_match(match: re.Match[str]) -> str:
    try:
        return mask_phone(normalize_phone(match.group(0)))
    except InvalidInput:
        return "****"
