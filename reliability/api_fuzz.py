"""Schemathesis against the OpenAPI document the local gateway serves (generated from the same
route objects API Gateway is built from): valid and invalid requests for every operation.

Expected: no 5xx, and every 4xx in the API's error shape with a Korean message.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from typing import Any

import attrs
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode

from definitions.routes import OPENAPI_PATH
from local.client import Reply
from reliability.product import HTTP_TIMEOUT, Product, is_error_shape
from reliability.report import Row


@attrs.frozen
class Call:
    operation: str
    mode: str
    request: str
    answer: Reply


def _answer(response: Any) -> Reply:
    content_type = (response.headers.get("content-type") or [""])[0]
    try:
        body = json.loads(response.content)
    except ValueError:
        body = response.content[:200]
    return Reply(response.status_code, body, content_type)


def _fuzz(product: Product, operation: Any, mode: GenerationMode, examples: int, calls: list[Call]) -> None:
    """Send `examples` generated requests for one operation; record every answer, raise on none."""

    @settings(
        max_examples=examples,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def call(case: Any) -> None:
        response = case.call(base_url=product.url, session=product.api.session, timeout=HTTP_TIMEOUT)
        request = f"{case.method} {case.formatted_path} body={str(case.body)[:80]}"
        calls.append(Call(operation.label, mode.value, request, _answer(response)))

    call()


def check_api_fuzz(product: Product, *, examples: int = 100) -> Row:
    """`examples` per operation and generation mode (valid, then invalid requests)."""
    started = time.perf_counter()
    schema = schemathesis.openapi.from_url(f"{product.url}{OPENAPI_PATH}", timeout=HTTP_TIMEOUT)
    calls: list[Call] = []
    for result in schema.get_all_operations():
        # An operation schemathesis cannot read (Err, no ok()) fails the check here, loudly.
        operation = result.ok()  # type: ignore[union-attr]
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _fuzz(product, operation, mode, examples, calls)

    statuses = Counter(c.answer.status for c in calls)
    server_errors = [c for c in calls if c.answer.status >= 500]
    unshaped = [c for c in calls if 400 <= c.answer.status < 500 and not is_error_shape(c.answer)]
    problems = [
        f"{c.operation} ({c.mode}) {c.request}: {c.answer.status} {str(c.answer.body)[:120]}"
        for c in server_errors + unshaped
    ]
    operations = len({c.operation for c in calls})
    spread = ", ".join(f"{n}×{status}" for status, n in sorted(statuses.items()))
    return Row(
        "API fuzz: schemathesis on /api/openapi.json",
        f"{len(calls)} calls on {operations} operations: {spread}; "
        f"{len(server_errors)} 5xx, {len(unshaped)} 4xx off-shape",
        passed=not problems and operations > 0,
        seconds=time.perf_counter() - started,
        problems=tuple(problems),
    )
