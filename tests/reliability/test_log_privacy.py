"""What the functions and the gateway log during whole flows: no phone number in full, no partner
link token and no Step Functions task token, in any line.

The JSON lines are captured as rendered, after every processor: masking is one of the processors,
so a capture that replaced them (structlog.testing.capture_logs) would show the values unmasked.
"""

import io
import json
import re

import pytest
import structlog

from local.client import token_of
from local.faults import Target
from reliability.product import new_tag
from runtime import bootstrap
from runtime.adapters.logs import configure_logging

FULL_PHONE = re.compile(r"(?:\+\s?82[-.\s]?0?10|010)[-.\s]?\d{4}[-.\s]?\d{4}")


@pytest.fixture
def logged():
    """Every log line written while the test runs, as the stack writes it (level DEBUG)."""
    saved = structlog.get_config()
    bootstrap.logging_configured()  # so that no handler configures logging again mid-test
    buffer = io.StringIO()
    configure_logging("DEBUG", stream=buffer)
    yield buffer
    structlog.configure(**saved)


def test_no_whole_phone_number_link_token_or_task_token_is_logged(product, logged):
    tag = new_tag("logs")
    secrets: list[str] = []
    request_ids = []
    customer = product.new_customer()
    for answer, fault in (("accept", None), ("reject", Target.SMS)):
        if fault:
            product.set_fault(fault, "transient", times=4)
        submitted = product.submit(tag, customer=customer)
        request_id = submitted.body["requestId"]
        token = token_of(product.wait_for_sms(request_id, timeout=60).link)
        product.clear_faults()
        product.open_link(token)
        product.open_link(token[:-2] + "xx")  # a forged link is logged too
        product.answer(token, answer)
        product.wait_told(request_id, timeout=60)
        task_token = (product.request_item(request_id) or {}).get("taskToken")
        secrets += [token, task_token]
        request_ids.append(request_id)

    lines = logged.getvalue().splitlines()
    assert all(secret and len(secret) >= 20 for secret in secrets)
    records = [json.loads(line) for line in lines]
    functions = {record.get("function") for record in records if record.get("requestId") in request_ids}
    assert {"chat", "orchestrator", "sms-sender", "partner-page", "notification"} <= functions
    assert any("****" in line for line in lines), "phone numbers are logged masked"
    leaks = [line for line in lines if FULL_PHONE.search(line) or any(s in line for s in secrets)]
    assert not leaks, "\n".join(leaks[:5])
    assert customer.phone not in logged.getvalue()
