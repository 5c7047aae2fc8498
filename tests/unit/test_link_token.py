"""The partner's link token: compact, signed, scoped, expiring, naming its key, compared in constant time.

Layout (documented in the module): key id + scope (1) | token id (8) | expires at (4) | HMAC-SHA256[:8].
"""

import base64
import hashlib
import hmac
import re
import struct

import pytest

from runtime.domain import link_token
from runtime.domain.errors import LinkExpired, LinkInvalid
from runtime.domain.link_token import (
    SCOPE,
    TOKEN_LENGTH,
    Keyring,
    LinkClaims,
    SigningKey,
    WeakSecret,
    new_secret,
    new_token_id,
    next_key,
    sign_link,
    verify_link,
)

SECRET = b"link-secret-for-tests-0123456789"
OTHER_SECRET = b"link-secret-of-another-stack-0000"
KEY = SigningKey(key_id=0, secret=SECRET)
KEYS = Keyring(KEY).key
NOW = 1_795_413_600  # 2026-11-23T06:00:00Z
EXPIRES = NOW + 600
HOST_30 = "partner-confirm.examples-co.kr"

ID_BYTES = slice(1, 9)
EXPIRY_BYTES = slice(9, 13)
MAC_BYTES = slice(13, 21)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _raw(token: str) -> bytes:
    return base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))


def _token(expires_at: int = EXPIRES, secret: bytes = SECRET, key_id: int = 0) -> tuple[str, LinkClaims]:
    claims = LinkClaims(token_id=new_token_id(), expires_at=expires_at)
    return sign_link(SigningKey(key_id=key_id, secret=secret), claims), claims


def _flip_byte(token: str, index: int) -> str:
    raw = bytearray(_raw(token))
    raw[index] ^= 0x01
    return _b64(bytes(raw))


def test_a_signed_token_verifies_back_to_its_claims():
    token, claims = _token()
    assert verify_link(KEYS, token, now=NOW) == LinkClaims(
        token_id=claims.token_id, expires_at=EXPIRES, scope="confirm"
    )


def test_token_is_28_url_safe_characters_without_padding():
    token, _ = _token()
    assert len(token) == TOKEN_LENGTH == 28
    assert re.fullmatch(r"[A-Za-z0-9_-]{28}", token)


def test_the_whole_link_with_a_30_character_host_fits_in_70_characters():
    assert len(HOST_30) == 30
    token, _ = _token()
    link = f"https://{HOST_30}/r/{token}"
    assert len(link) == 8 + 30 + 3 + 28
    assert len(link) <= 70


def test_token_ids_are_random_and_distinct():
    ids = {new_token_id() for _ in range(200)}
    assert len(ids) == 200
    assert all(len(_raw(token_id)) == 8 for token_id in ids)


@pytest.mark.parametrize(
    ("region", "index"),
    [
        ("version", 0),
        ("token id, first byte", ID_BYTES.start),
        ("token id, last byte", ID_BYTES.stop - 1),
        ("expiry, first byte", EXPIRY_BYTES.start),
        ("expiry, last byte", EXPIRY_BYTES.stop - 1),
        ("mac, first byte", MAC_BYTES.start),
        ("mac, last byte", MAC_BYTES.stop - 1),
    ],
)
def test_a_token_tampered_in_any_byte_region_is_invalid(region, index):
    token, _ = _token()
    with pytest.raises(LinkInvalid):
        verify_link(KEYS, _flip_byte(token, index), now=NOW)


def test_extending_the_expiry_without_the_secret_is_invalid_not_expired():
    token, _ = _token(expires_at=NOW - 1)
    raw = bytearray(_raw(token))
    raw[EXPIRY_BYTES] = struct.pack(">I", NOW + 3600)
    with pytest.raises(LinkInvalid):
        verify_link(KEYS, _b64(bytes(raw)), now=NOW)


@pytest.mark.parametrize("position", [0, 13, 27])
def test_changing_any_single_character_invalidates_the_token(position):
    token, _ = _token()
    replacement = "A" if token[position] != "A" else "B"
    tampered = token[:position] + replacement + token[position + 1 :]
    with pytest.raises(LinkInvalid):
        verify_link(KEYS, tampered, now=NOW)


def test_a_token_signed_with_another_secret_is_invalid():
    token, _ = _token(secret=OTHER_SECRET)
    with pytest.raises(LinkInvalid):
        verify_link(KEYS, token, now=NOW)


def test_a_valid_mac_for_another_scope_code_is_still_invalid():
    """Only scope `confirm` (code 1) links exist; a correctly signed body of another code is refused."""
    body = struct.pack(">B8sI", 2, _raw(new_token_id()), EXPIRES)
    mac = hmac.new(SECRET, SCOPE.encode() + body, hashlib.sha256).digest()[:8]
    with pytest.raises(LinkInvalid):
        verify_link(KEYS, _b64(body + mac), now=NOW)


def test_the_scope_is_part_of_what_is_signed():
    body = struct.pack(">B8sI", 1, _raw(new_token_id()), EXPIRES)
    mac_for_other_scope = hmac.new(SECRET, b"admin" + body, hashlib.sha256).digest()[:8]
    with pytest.raises(LinkInvalid):
        verify_link(KEYS, _b64(body + mac_for_other_scope), now=NOW)
    genuine = hmac.new(SECRET, b"confirm" + body, hashlib.sha256).digest()[:8]
    assert verify_link(KEYS, _b64(body + genuine), now=NOW).expires_at == EXPIRES


def test_signing_another_scope_is_refused():
    with pytest.raises(ValueError, match="scope"):
        sign_link(KEY, LinkClaims(token_id=new_token_id(), expires_at=EXPIRES, scope="admin"))


@pytest.mark.parametrize(
    "malformed",
    [
        "",
        "short",
        "A" * 27,
        "A" * 29,
        "A" * 32,
        "ASi30INRsKgwawPYuJrELCmtFN1=",  # padding character
        "ASi30INRsKgwawPYuJrELCmtFN1+",  # standard, not url-safe, alphabet
        "ASi30INRsKgwawPYuJrELCmtFN1/",
        "ASi30INRsKgwawPYuJrELCmtFN1 ",
        "ASi30INRsKgwawPYuJrELCmtFN1가",
        "ASi30INRsKgwawPYuJrELCmtFN1E\n",
        None,
        12345,
    ],
)
def test_tokens_of_the_wrong_length_or_alphabet_are_invalid(malformed):
    with pytest.raises(LinkInvalid):
        verify_link(KEYS, malformed, now=NOW)


def test_a_token_is_valid_until_the_second_before_its_expiry():
    token, _ = _token()
    assert verify_link(KEYS, token, now=EXPIRES - 1).expires_at == EXPIRES


def test_a_token_is_expired_exactly_at_its_expiry():
    token, _ = _token()
    with pytest.raises(LinkExpired):
        verify_link(KEYS, token, now=EXPIRES)


def test_a_token_is_expired_after_its_expiry():
    token, _ = _token()
    with pytest.raises(LinkExpired):
        verify_link(KEYS, token, now=EXPIRES + 86_400)


def test_a_forged_expired_token_is_reported_invalid_not_expired():
    """The signature is checked first: an attacker learns nothing about expiry from a forgery."""
    token, _ = _token(expires_at=NOW - 10, secret=OTHER_SECRET)
    with pytest.raises(LinkInvalid):
        verify_link(KEYS, token, now=NOW)


def test_link_errors_speak_korean_to_the_partner():
    assert LinkInvalid().message == "올바르지 않은 링크입니다. 문자로 받은 링크를 다시 확인해 주세요."
    assert re.search("[가-힣]", LinkExpired().message)


def test_signatures_are_compared_in_constant_time(monkeypatch):
    compared = []
    real_compare = hmac.compare_digest

    def spy(a, b):
        compared.append((a, b))
        return real_compare(a, b)

    monkeypatch.setattr(link_token.hmac, "compare_digest", spy)
    token, _ = _token()
    verify_link(KEYS, token, now=NOW)
    with pytest.raises(LinkInvalid):
        verify_link(KEYS, _flip_byte(token, MAC_BYTES.stop - 1), now=NOW)
    assert len(compared) == 2
    assert all(len(a) == len(b) == 8 for a, b in compared)


# --- key ids: rotation without broken links ------------------------------------------------------

NEW_SECRET = b"the-next-link-secret-abcdefghijkl"


def test_the_key_id_is_the_high_nibble_and_the_scope_the_low_one():
    for key_id in (0, 1, 7, 15):
        token, _ = _token(key_id=key_id)
        assert _raw(token)[0] == key_id << 4 | 1
        assert len(token) == TOKEN_LENGTH


def test_a_link_signed_before_a_rotation_verifies_with_the_previous_key():
    old = SigningKey(key_id=4, secret=SECRET)
    token = sign_link(old, LinkClaims(token_id=new_token_id(), expires_at=EXPIRES))
    rotated = Keyring(next_key(old, NEW_SECRET), previous=old)

    assert rotated.current.key_id == 5
    assert verify_link(rotated.key, token, now=NOW).expires_at == EXPIRES


def test_a_link_stops_verifying_once_its_key_is_retired():
    old = SigningKey(key_id=4, secret=SECRET)
    token = sign_link(old, LinkClaims(token_id=new_token_id(), expires_at=EXPIRES))
    after_one = next_key(old, NEW_SECRET)
    after_two = Keyring(next_key(after_one, b"a-third-link-secret-abcdefghijklmn"), previous=after_one)

    with pytest.raises(LinkInvalid):
        verify_link(after_two.key, token, now=NOW)


def test_a_token_naming_the_right_key_id_but_signed_with_another_secret_is_invalid():
    token, _ = _token(secret=OTHER_SECRET, key_id=0)
    with pytest.raises(LinkInvalid):
        verify_link(KEYS, token, now=NOW)


def test_a_token_naming_an_unknown_key_is_invalid_and_asks_for_that_key_only():
    asked = []

    def keys(key_id):
        asked.append(key_id)

    token, _ = _token(key_id=9)
    with pytest.raises(LinkInvalid):
        verify_link(keys, token, now=NOW)
    assert asked == [9]


def test_a_token_of_another_scope_is_refused_before_any_key_is_looked_up():
    body = struct.pack(">B8sI", 0 << 4 | 2, _raw(new_token_id()), EXPIRES)
    token = _b64(body + hmac.new(SECRET, b"customer" + body, hashlib.sha256).digest()[:8])
    asked = []
    with pytest.raises(LinkInvalid):
        verify_link(asked.append, token, now=NOW)
    assert asked == []


def test_key_ids_cycle_through_four_bits():
    key = SigningKey(key_id=15, secret=SECRET)
    assert next_key(key, NEW_SECRET).key_id == 0
    assert next_key(None, NEW_SECRET).key_id == 0


@pytest.mark.parametrize("size", [0, 1, 16, 31])
def test_a_secret_shorter_than_32_bytes_is_refused(size):
    with pytest.raises(WeakSecret):
        SigningKey(key_id=0, secret=b"s" * size)


@pytest.mark.parametrize("key_id", [-1, 16, 255])
def test_a_key_id_that_does_not_fit_four_bits_is_refused(key_id):
    with pytest.raises(WeakSecret):
        SigningKey(key_id=key_id, secret=SECRET)


def test_generated_secrets_are_long_random_text():
    made = {new_secret() for _ in range(50)}
    assert len(made) == 50
    assert all(len(secret) >= 32 and secret.decode("ascii") for secret in made)


def test_the_secret_never_shows_in_a_keys_repr():
    assert SECRET.decode() not in repr(SigningKey(key_id=3, secret=SECRET))
