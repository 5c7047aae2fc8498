"""The partner's SMS: the link's length and the body's size in EUC-KR, over every sample reservation."""

from __future__ import annotations

import math
import os
from datetime import UTC, datetime
from pathlib import Path

from bench.figures import Figure, Section
from runtime.adapters.sample_data import read_reservations
from runtime.bootstrap import DEFAULT_PARTNER_TIMEOUT_SECONDS
from runtime.contract import PARTNER_LINK_PREFIX
from runtime.domain.link_token import KEY_IDS, LinkClaims, SigningKey, new_token_id, sign_link
from runtime.domain.messages import SMS_BODY_MAX_BYTES, sms_body, sms_bytes
from runtime.domain.model import Intent, IntentSource, Request, Status

# The budget assumes a 30-character host; a CloudFront domain (d + 13 characters + .cloudfront.net) is 29.
HOST = "d1a2b3c4d5e6f7a.cloudfront.net"
SITE_URL = f"https://{HOST}"
LINK_BUDGET = 70
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


def longest_link(samples: int = 100) -> str:
    """Links signed by the real signer with every key id; tokens are fixed-length, the longest is kept."""
    keys = [SigningKey(key_id=key_id, secret=os.urandom(32)) for key_id in range(KEY_IDS)]
    far = int(datetime(2100, 1, 1, tzinfo=UTC).timestamp())
    links = (
        f"{SITE_URL}{PARTNER_LINK_PREFIX}{sign_link(keys[n % KEY_IDS], LinkClaims(new_token_id(), far))}"
        for n in range(samples)
    )
    return max(links, key=len)


def measure(sample_file: Path) -> Section:
    assert len(HOST) == 30
    link = longest_link()
    minutes = math.ceil(DEFAULT_PARTNER_TIMEOUT_SECONDS / 60)
    bodies: list[tuple[str, str]] = []
    for reservation in read_reservations(sample_file):
        for intent in Intent:
            request = Request(
                request_id="bench",
                customer_phone=reservation.customer_phone,
                reservation_number=reservation.reservation_number,
                query="-",
                intent=intent,
                intent_source=IntentSource.LOCAL,
                status=Status.CREATED,
                created_at=EPOCH,
                updated_at=EPOCH,
            )
            body = sms_body(request, link, answer_within_minutes=minutes)
            bodies.append((reservation.reservation_number, body))
    largest = max((body for _, body in bodies), key=sms_bytes)
    # sms_body drops the reservation number, then more words, until the body fits.
    full = sum(1 for number, body in bodies if number in body)
    figures = (
        Figure("sms.link", "partner link, 30-character host", len(link), "chars", LINK_BUDGET),
        Figure("sms.bytes", "largest SMS body, EUC-KR", sms_bytes(largest), "bytes", SMS_BODY_MAX_BYTES),
    )
    details = (
        f"Host `{HOST}` (30 characters), so the link is `https://` + host + `{PARTNER_LINK_PREFIX}` + a "
        f"token signed by the real signer: `{link}` ({len(link)} characters).",
        "",
        f"Bodies for all {len(bodies)} sample reservations × intents (`infra/sample_reservations.json`, "
        f"answer within {minutes} minutes); {full} of them fit the full wording (with the reservation "
        "number); the others fall back to a shorter one. The largest, "
        f"{sms_bytes(largest)} bytes in EUC-KR (budget {SMS_BODY_MAX_BYTES}: 140 less the carrier's "
        f"prefix): `{largest}`",
    )
    return Section("SMS", figures, details)
