"""Signed tokens: compact, HMAC-SHA256, scoped, with the id of the key that signed them, checked in
constant time.

A Korean SMS holds 140 bytes, so the whole link `{siteUrl}/r/{token}` must stay short. A token is
21 bytes, base64url without padding (28 characters):

    key id (4 bits) + scope (4 bits) | token id (8) | expires at, epoch seconds (4) | HMAC-SHA256[:8]

The token id is random; what it stands for is stored server-side under it (`TOKEN#{tokenId}` for a
partner's link, the request's `customerTokenId` for the customer's token), because a request id
alone would not fit. The scope says what the token is for (the partner's link, or the customer's
token, which lets the customer decide on a time the partner proposed) and is also part of what is
signed, so one kind of token never passes for the other. The key id names the secret that signed the
token, so the current and the previous secret both verify while a rotation goes on. Scope, key and
signature are checked, then the expiry, before anything is read, so a forged or expired token costs
no database read.
"""

from __future__ import annotations

import base64
import binascii
import enum
import hashlib
import hmac
import re
import secrets
import struct
from collections.abc import Callable

import attrs

from runtime.domain.errors import LinkExpired, LinkInvalid

# HMAC-SHA256 wants a key of at least its own output size; shorter secrets are refused everywhere.
MIN_SECRET_BYTES = 32
KEY_IDS = 16  # four bits


class Scope(enum.StrEnum):
    """What a token may be used for. The name is signed; the code is the token's low nibble."""

    CONFIRM = "confirm"  # the partner's SMS link
    CUSTOMER = "customer"  # the customer's token (POST /api/chat), for deciding on a proposed time


_SCOPE_CODES = {Scope.CONFIRM: 1, Scope.CUSTOMER: 2}
_SCOPES_BY_CODE = {code: scope for scope, code in _SCOPE_CODES.items()}
SCOPE = Scope.CONFIRM
_ID_BYTES = 8
_MAC_BYTES = 8
_LAYOUT = struct.Struct(f">B{_ID_BYTES}sI")
TOKEN_LENGTH = 28
_TOKEN_SHAPE = re.compile(rf"[A-Za-z0-9_-]{{{TOKEN_LENGTH}}}")


class WeakSecret(ValueError):
    """A signing secret shorter than MIN_SECRET_BYTES, or a key id that does not fit the token."""


def _strong(instance: object, attribute: attrs.Attribute[bytes], value: bytes) -> None:
    if len(value) < MIN_SECRET_BYTES:
        raise WeakSecret(f"a signing secret needs at least {MIN_SECRET_BYTES} bytes, got {len(value)}")


def _key_id(instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if not 0 <= value < KEY_IDS:
        raise WeakSecret(f"a key id is 0..{KEY_IDS - 1}, got {value}")


@attrs.frozen
class SigningKey:
    key_id: int = attrs.field(validator=_key_id)
    secret: bytes = attrs.field(validator=_strong, repr=False)


@attrs.frozen
class Keyring:
    """The secrets that verify: the current one (which also signs) and, during a rotation, the previous."""

    current: SigningKey
    previous: SigningKey | None = None

    def key(self, key_id: int) -> SigningKey | None:
        for candidate in (self.current, self.previous):
            if candidate is not None and candidate.key_id == key_id:
                return candidate
        return None


def new_secret() -> bytes:
    """A fresh signing secret: 48 random bytes as 64 URL-safe characters (stored as text)."""
    return secrets.token_urlsafe(48).encode("ascii")


def next_key(current: SigningKey | None, secret: bytes) -> SigningKey:
    """The key that replaces `current` in a rotation: the next key id, so the two never share one."""
    return SigningKey(key_id=0 if current is None else (current.key_id + 1) % KEY_IDS, secret=secret)


@attrs.frozen
class LinkClaims:
    token_id: str
    expires_at: int
    scope: Scope = Scope.CONFIRM


def new_token_id() -> str:
    return _encode(secrets.token_bytes(_ID_BYTES))


def sign_link(key: SigningKey, claims: LinkClaims) -> str:
    if claims.scope not in _SCOPE_CODES:
        raise ValueError(f"unsupported scope {claims.scope!r}")
    scope = Scope(claims.scope)
    body = _LAYOUT.pack(key.key_id << 4 | _SCOPE_CODES[scope], _decode(claims.token_id), claims.expires_at)
    return _encode(body + _mac(key.secret, scope, body))


def verify_link(
    keys: Callable[[int], SigningKey | None], token: str, *, now: int, scope: Scope = Scope.CONFIRM
) -> LinkClaims:
    """The claims of a genuine, unexpired token of `scope`; LinkInvalid or LinkExpired otherwise.

    `keys` finds the key a token names by its key id (None: no such key, the token is invalid)."""
    if not isinstance(token, str) or not _TOKEN_SHAPE.fullmatch(token):
        raise LinkInvalid()
    raw = _decode(token)
    body, mac = raw[: _LAYOUT.size], raw[_LAYOUT.size :]
    first, token_id, expires_at = _LAYOUT.unpack(body)
    if _SCOPES_BY_CODE.get(first & 0x0F) is not scope:
        raise LinkInvalid()
    key = keys(first >> 4)
    if key is None or not hmac.compare_digest(mac, _mac(key.secret, scope, body)):
        raise LinkInvalid()
    if now >= expires_at:
        raise LinkExpired()
    return LinkClaims(token_id=_encode(token_id), expires_at=expires_at, scope=scope)


def _mac(secret: bytes, scope: Scope, body: bytes) -> bytes:
    return hmac.new(secret, scope.value.encode() + body, hashlib.sha256).digest()[:_MAC_BYTES]


def _encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _decode(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as error:
        raise LinkInvalid() from error
