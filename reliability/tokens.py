"""Partner links nobody was sent: forged, bit-flipped, truncated, extended, expired, wrong-scope,
naming another key, signed with another secret, naming no link, and links whose request has closed.

Each is tried on both partner routes (`GET /api/confirm/{token}`, `POST /api/respond`). Expected:
401 for every token that is not a genuine link, 409 for a genuine link whose request closed, 400
for a blank token on POST, 404 where an empty token or a `/` sent unescaped changes the path; never a 5xx,
and always the error shape. The genuine open link must still work afterwards.

Tokens come from three sources: hypothesis strategies, a mutation fuzzer over genuine tokens, and
tokens signed with the stack's own secret but wrong in one claim (what only a leaked secret or a
bug could produce).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import random
import string
import struct
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote

import attrs
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from local.client import Reply, token_of
from reliability.product import Product, is_error_shape, new_tag
from reliability.report import Row
from runtime.domain.link_token import (
    KEY_IDS,
    SCOPE,
    LinkClaims,
    SigningKey,
    new_token_id,
    sign_link,
    verify_link,
)

BASE64URL = string.ascii_letters + string.digits + "-_"
_LAYOUT = struct.Struct(">B8sI")  # key id+scope, token id, expiry: the layout link_token.py signs
_CONFIRM = 1  # the scope code of a partner's link


@attrs.frozen
class Attack:
    token: str
    kind: str
    closed: bool = False  # a genuine link of a closed request: 409, not 401


@attrs.frozen
class Outcome:
    attack: Attack
    route: str
    answer: Reply
    expected: frozenset[int]

    @property
    def ok(self) -> bool:
        return self.answer.status in self.expected and is_error_shape(self.answer)


def _encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _decode(token: str) -> bytes:
    return base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))


def _raw_token(key: SigningKey, *, code: int, token_id: str, expires_at: int, scope: str) -> str:
    """A token signed with `key`, its first byte `key id << 4 | code`, its MAC over `scope`."""
    body = _LAYOUT.pack(key.key_id << 4 | code, _decode(token_id), expires_at)
    mac = hmac.new(key.secret, scope.encode() + body, hashlib.sha256).digest()[:8]
    return _encode(body + mac)


def _flip_bit(token: str, bit: int) -> str:
    raw = bytearray(_decode(token))
    raw[bit // 8] ^= 1 << (bit % 8)
    return _encode(bytes(raw))


# --- hypothesis ------------------------------------------------------------------------------


def hypothesis_attacks(genuine: str, count: int) -> list[Attack]:
    bits = len(_decode(genuine)) * 8
    strategy = st.one_of(
        st.text(alphabet=BASE64URL, min_size=len(genuine), max_size=len(genuine)).map(
            lambda t: Attack(t, "forged")
        ),
        st.text(max_size=64).map(lambda t: Attack(t, "arbitrary text")),
        st.binary(max_size=40).map(lambda b: Attack(_encode(b), "forged bytes")),
        st.integers(0, bits - 1).map(lambda i: Attack(_flip_bit(genuine, i), "bit-flipped")),
        st.integers(0, len(genuine) - 1).map(lambda n: Attack(genuine[:n], "truncated")),
        st.text(alphabet=BASE64URL + "=.~%/", min_size=1, max_size=16).map(
            lambda s: Attack(genuine + s, "extended")
        ),
    )
    found: list[Attack] = []

    @settings(
        max_examples=count,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def collect(attack: Attack) -> None:
        found.append(attack)

    collect()
    return found


# --- mutation fuzzer -------------------------------------------------------------------------

_ODD_CHARACTERS = "/%?#.=+ 가\u00e9\u200b\t"


def _mutate(token: str, rng: random.Random) -> str:
    chars = list(token)
    for _ in range(rng.randint(1, 3)):
        position = rng.randrange(len(chars)) if chars else 0
        operation = rng.randrange(7)
        if operation == 0 and chars:
            chars[position] = rng.choice(BASE64URL)
        elif operation == 1 and chars:
            del chars[position]
        elif operation == 2:
            chars.insert(position, rng.choice(BASE64URL + _ODD_CHARACTERS))
        elif operation == 3 and len(chars) > 1:
            other = rng.randrange(len(chars))
            chars[position], chars[other] = chars[other], chars[position]
        elif operation == 4 and chars:
            chars[position] = chars[position].swapcase()
        elif operation == 5:
            start = rng.randrange(len(chars) + 1)
            chars[start:start] = chars[start : start + rng.randint(1, 6)]
        else:
            chars.insert(position, rng.choice(_ODD_CHARACTERS))
    return "".join(chars)


def mutation_attacks(genuine: list[str], count: int, *, seed: int) -> list[Attack]:
    rng = random.Random(seed)
    found: list[Attack] = []
    while len(found) < count:
        token = _mutate(rng.choice(genuine), rng)
        if token.strip() not in genuine:  # a genuine link with blanks around it is still that link
            found.append(Attack(token, "mutated"))
    return found


# --- signed with the stack's secret, wrong in one claim ----------------------------------------


def signed_attacks(key: SigningKey, *, open_id: str, closed_id: str, count: int, seed: int) -> list[Attack]:
    """`key`: the stack's current signing key."""
    rng = random.Random(seed)
    now = int(time.time())
    later = now + 3600
    other_key_ids = [k for k in range(KEY_IDS) if k not in (key.key_id, (key.key_id - 1) % KEY_IDS)]
    makers: list[Callable[[], Attack]] = [
        lambda: Attack(
            sign_link(key, LinkClaims(rng.choice((open_id, closed_id)), now - rng.randint(1, 10**6))),
            "expired",
        ),
        lambda: Attack(
            _raw_token(
                key,
                code=_CONFIRM,
                token_id=open_id,
                expires_at=later,
                scope=rng.choice(("respond", "customer", "", SCOPE.upper(), SCOPE + "x")),
            ),
            "wrong scope",
        ),
        lambda: Attack(
            _raw_token(
                key, code=rng.choice([0, *range(2, 16)]), token_id=open_id, expires_at=later, scope=SCOPE
            ),
            "wrong scope code",
        ),
        lambda: Attack(
            _raw_token(
                SigningKey(rng.choice(other_key_ids), key.secret),
                code=_CONFIRM,
                token_id=open_id,
                expires_at=later,
                scope=SCOPE,
            ),
            "another key id",
        ),
        lambda: Attack(
            sign_link(SigningKey(key.key_id, os.urandom(32).hex().encode()), LinkClaims(open_id, later)),
            "other secret",
        ),
        lambda: Attack(sign_link(key, LinkClaims(new_token_id(), later)), "no such link"),
        lambda: Attack(
            sign_link(key, LinkClaims(closed_id, later + rng.randint(1, 10**5))), "closed request", True
        ),
    ]
    return [rng.choice(makers)() for _ in range(count)]


# --- the check -------------------------------------------------------------------------------


def _try(product: Product, attack: Attack) -> list[Outcome]:
    token = attack.token
    closed = {409} if attack.closed else {401}
    raw_path = "/" in token and all(c.isascii() and c.isprintable() and c not in "?# %" for c in token)
    path_token = token if raw_path else quote(token, safe="-_")
    # `/api/confirm/`, `/api/confirm/a/b` and dot segments (which clients resolve) are other paths.
    new_path = raw_path or path_token in ("", ".", "..")
    opened = product.call("GET", f"/api/confirm/{path_token}")
    answered = product.call("POST", "/api/respond", json={"token": token, "response": "accept"})
    return [
        Outcome(attack, "GET", opened, frozenset(closed | ({404} if new_path else set()))),
        Outcome(attack, "POST", answered, frozenset({400} if not token.strip() else closed)),
    ]


def check_tokens(product: Product, *, count: int = 10_000, workers: int = 8, seed: int = 6) -> Row:
    started = time.perf_counter()
    tag = new_tag("tokens")
    open_request, open_token = _link_of_new_request(product, tag)
    closed_request, closed_token = _link_of_new_request(product, tag)
    if product.answer(closed_token, "reject").status != 200:
        raise AssertionError("the genuine link to close could not answer")
    keys = product.link_keys()
    open_id = verify_link(keys.key, open_token, now=0).token_id
    closed_id = verify_link(keys.key, closed_token, now=0).token_id

    signed = count // 5
    generated = (count - signed) // 2
    attacks = [
        Attack(closed_token, "closed request", closed=True),
        *hypothesis_attacks(open_token, generated),
        *mutation_attacks([open_token, closed_token], count - signed - generated - 1, seed=seed),
        *signed_attacks(keys.current, open_id=open_id, closed_id=closed_id, count=signed, seed=seed),
    ][:count]
    with ThreadPoolExecutor(workers) as pool:
        outcomes = [o for pair in pool.map(lambda a: _try(product, a), attacks) for o in pair]

    # None of this used up the genuine link; if its request is still open, it answers as before
    # (a long run outlasts the partner timeout, and then the link rightly answers 409).
    untouched = product.link_unused(open_id)
    answered = product.answer(open_token, "accept")
    still_works = answered.status == 200 or (answered.status, answered.error_code) == (409, "REQUEST_CLOSED")
    for request_id in (open_request, closed_request):
        product.wait_told(request_id, timeout=product.partner_timeout + 60)

    statuses = Counter(o.answer.status for o in outcomes)
    server_errors = sum(n for status, n in statuses.items() if status >= 500)
    wrong = [o for o in outcomes if not o.ok]
    problems = [
        f"{o.attack.kind} {o.attack.token!r} {o.route}: {o.answer.status} {str(o.answer.body)[:120]}"
        for o in wrong
    ]
    if not (untouched and still_works):
        problems.append(f"the genuine link was used up or broken: {answered.status} {answered.body}")
    spread = ", ".join(f"{n}×{status}" for status, n in sorted(statuses.items()))
    return Row(
        "tokens: forged, mutated, expired, wrong-scope, closed",
        f"{len(attacks)} tokens, {len(outcomes)} calls: {spread}; "
        f"{server_errors} 5xx, {len(wrong)} unexpected",
        passed=not problems and server_errors == 0 and len(attacks) == count,
        seconds=time.perf_counter() - started,
        problems=tuple(problems),
    )


def _link_of_new_request(product: Product, tag: str) -> tuple[str, str]:
    submitted = product.submit(tag)
    if submitted.status != 201:
        raise AssertionError(f"submit: {submitted.status} {submitted.body}")
    request_id = submitted.body["requestId"]
    return request_id, token_of(product.wait_for_sms(request_id, timeout=60).link)
