"""`make bench`: how fast and how big, printed and written to build/bench.json.

Figures vary with the machine; compare runs on the same one. Nothing here fails a build.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import statistics
import sys
import time
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from infra.lambda_package import runtime_files
from local.client import ProductClient, token_of
from local.emulator import BOT_DEFINITION, SAMPLE_RESERVATIONS
from local.stack import LocalStack
from runtime.adapters.local_classifier import LocalIntentClassifier
from runtime.adapters.sample_data import read_reservations
from runtime.domain.link_token import LinkClaims, new_token_id, sign_link, verify_link
from runtime.domain.messages import sms_body, sms_bytes
from runtime.domain.model import Intent, IntentSource, Request, Status

ROOT = Path(__file__).resolve().parents[1]
REPORT = ROOT / "build" / "bench.json"
HOST_30 = "https://" + "d" * 15 + ".cloudfront.net"  # a 30-character host, as CloudFront gives
API_SAMPLES = 30
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


def per_second(operation: Callable[[], object], seconds: float = 0.5) -> float:
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        operation()
        count += 1
    return count / (time.perf_counter() - started)


def pure_code() -> dict[str, Any]:
    secret = b"bench-secret-0123456789abcdef0123456789"
    now = int(time.time())
    token = sign_link(secret, LinkClaims(new_token_id(), now + 600))
    classifier = LocalIntentClassifier.from_bot_file(BOT_DEFINITION)
    return {
        "link token sign+verify per s": round(
            per_second(
                lambda: verify_link(secret, sign_link(secret, LinkClaims(new_token_id(), now + 600)), now=now)
            )
        ),
        "link length with a 30-char host": len(f"{HOST_30}/r/{token}"),
        "local intent classifications per s": round(
            per_second(lambda: classifier.classify("체크인 날짜를 바꾸고 싶어요", "s"))
        ),
    }


def sms_sizes() -> dict[str, Any]:
    token = "A" * 28
    worst = 0
    for reservation in read_reservations(SAMPLE_RESERVATIONS):
        for intent in Intent:
            request = Request(
                request_id="r",
                customer_phone=reservation.customer_phone,
                reservation_number=reservation.reservation_number,
                query="q",
                intent=intent,
                intent_source=IntentSource.LOCAL,
                status=Status.CREATED,
                created_at=EPOCH,
                updated_at=EPOCH,
            )
            worst = max(worst, sms_bytes(sms_body(request, f"{HOST_30}/r/{token}", answer_within_minutes=5)))
    return {"largest SMS body, EUC-KR bytes (limit 130)": worst}


def package_sizes() -> dict[str, Any]:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, path in runtime_files(ROOT):
            archive.write(path, name)
    figures: dict[str, Any] = {"Lambda code archive, zipped bytes": buffer.tell()}
    layers = sorted((ROOT / "build" / "layer").glob("*/python"))
    if layers:
        figures["Lambda layer, unzipped bytes"] = sum(
            f.stat().st_size for f in layers[-1].rglob("*") if f.is_file()
        )
    return figures


def page_weights() -> dict[str, Any]:
    site = ROOT / "site"
    weights = {}
    for page in sorted(site.glob("*.html")):
        html = page.read_text(encoding="utf-8")
        assets = re.findall(r'(?:src|href)="/?((?:css|js)/[^"]+)"', html)
        weights[f"page {page.name}, bytes with its CSS and JS (limit 30720)"] = page.stat().st_size + sum(
            (site / asset).stat().st_size for asset in set(assets) if (site / asset).is_file()
        )
    return weights


def api_latencies() -> dict[str, Any]:
    timings: dict[str, list[float]] = {
        "POST /api/chat": [],
        "GET /api/requests/{id}": [],
        "GET /api/confirm/{token}": [],
        "POST /api/respond": [],
    }
    with contextlib.redirect_stdout(io.StringIO()), LocalStack(log_level="ERROR") as stack:
        client = ProductClient(stack.url)
        for _ in range(API_SAMPLES):
            sent = len(client.outbox())
            submitted = _timed(
                timings["POST /api/chat"],
                lambda: client.submit(
                    reservation_number="HTL-100101",
                    phone="010-2345-6789",
                    message="체크인 날짜를 바꾸고 싶어요",
                ),
            )
            token = token_of(client.wait_for_sms(after=sent)["link"])
            request_id = submitted.body["requestId"]
            _timed(timings["GET /api/requests/{id}"], lambda r=request_id: client.timeline(r))
            _timed(timings["GET /api/confirm/{token}"], lambda t=token: client.open_link(t))
            _timed(timings["POST /api/respond"], lambda t=token: client.answer(t, "accept"))
    return {
        f"{route} on the local stack, ms (median / p95)": (
            round(statistics.median(values), 1),
            round(statistics.quantiles(values, n=20)[-1], 1),
        )
        for route, values in timings.items()
    }


def _timed(into: list[float], call: Callable[[], Any]) -> Any:
    started = time.perf_counter()
    result = call()
    into.append((time.perf_counter() - started) * 1000)
    return result


def main() -> int:
    figures: dict[str, Any] = {}
    for section in (pure_code, sms_sizes, package_sizes, page_weights, api_latencies):
        figures.update(section())
    width = max(len(name) for name in figures)
    for name, value in figures.items():
        print(f"{name:<{width}}  {value}")
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(json.dumps(figures, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"\nWritten to {REPORT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
