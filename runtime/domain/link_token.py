"""Signed partner links: compact, HMAC-SHA256, single scope, checked in constant time.

A Korean SMS holds 140 bytes, so the whole link `{siteUrl}/r/{token}` must stay short. The token is
21 bytes, base64url without padding (28 characters):

    version+scope (1) | token id (8) | expires at, epoch seconds (4) | HMAC-SHA256 truncated (8)

The token id is random; the request and partner it stands for are stored server-side under it
(`TOKEN#{tokenId}`), because a request id alone would not fit. The signature and expiry are checked
before anything is read, so a forged or expired link costs no database read.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
import struct

import attrs

from runtime.domain.errors import LinkExpired, LinkInvalid

SCOPE = "confirm"
_VERSION_CONFIRM = 1
_ID_BYTES = 8
_MAC_BYTES = 8
_LAYOUT = struct.Struct(f">B{_ID_BYTES}sI")
TOKEN_LENGTH = 28
_TOKEN_SHAPE = re.compile(rf"[A-Za-z0-9_-]{{{TOKEN_LENGTH}}}")


@attrs.frozen
class LinkClaims:
    token_id: str
    expires_at: int
    scope: str = SCOPE


def new_token_id() -> str:
    return _encode(secrets.token_bytes(_ID_BYTES))


def sign_link(secret: bytes, claims: LinkClaims) -> str:
    if claims.scope != SCOPE:
        raise ValueError(f"unsupported scope {claims.scope!r}")
    body = _LAYOUT.pack(_VERSION_CONFIRM, _decode(claims.token_id), claims.expires_at)
    return _encode(body + _mac(secret, body))


def verify_link(secret: bytes, token: str, *, now: int) -> LinkClaims:
    """Return the claims of a genuine, unexpired token; raise LinkInvalid or LinkExpired otherwise."""
    if not isinstance(token, str) or not _TOKEN_SHAPE.fullmatch(token):
        raise LinkInvalid()
    raw = _decode(token)
    body, mac = raw[: _LAYOUT.size], raw[_LAYOUT.size :]
    if not hmac.compare_digest(mac, _mac(secret, body)):
        raise LinkInvalid()
    version, token_id, expires_at = _LAYOUT.unpack(body)
    if version != _VERSION_CONFIRM:
        raise LinkInvalid()
    if now >= expires_at:
        raise LinkExpired()
    return LinkClaims(token_id=_encode(token_id), expires_at=expires_at)


def _mac(secret: bytes, body: bytes) -> bytes:
    return hmac.new(secret, SCOPE.encode() + body, hashlib.sha256).digest()[:_MAC_BYTES]


def _encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _decode(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as error:
        raise LinkInvalid() from error
