"""`python -m ops --local` on the running local stack, as an operator runs it: a request that timed
out is listed and shown with its timeline; redriven, its partner gets a second SMS and the customer's
page shows the new round."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PARTNER_TIMEOUT_SECONDS

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def operator(local_stack, tmp_path):
    """Runs `python -m ops --local ...` in a folder where the stack is described as `make local`
    describes it (build/local/stack.json), so a developer's own running stack is never touched."""
    local_stack.write_outputs(tmp_path / "build/local/stack.json")
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "ops", "--local", *args],
            cwd=tmp_path,
            env=environment,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    return run


def timed_out(product) -> str:
    """A request whose partner stayed silent, once its customer was told."""
    request_id = product.submit()
    product.wait_for(
        lambda: (found := product.timeline(request_id))["status"] == "Timeout" and found["notification"],
        timeout=PARTNER_TIMEOUT_SECONDS + 20,
        what="the silent partner's request told as timed out",
    )
    workflows_ended(product, request_id)
    return request_id


def workflows_ended(product, request_id: str) -> None:
    """Until no workflow of the request runs (its last step has stored the message, its execution
    ends a moment later): a redrive waits for that, as the command line refuses otherwise."""
    deployment = product.stack.deployment
    stepfunctions = product.stack.aws.client("stepfunctions")
    product.wait_for(
        lambda: (
            not [
                execution
                for execution in stepfunctions.list_executions(
                    stateMachineArn=deployment.state_machine_arn, statusFilter="RUNNING"
                )["executions"]
                if execution["name"].startswith(request_id)
            ]
        ),
        what=f"the workflows of {request_id} to end",
    )


def test_a_request_that_timed_out_is_listed_and_shown_with_its_timeline(product, operator):
    request_id = timed_out(product)

    listed = operator("requests", "--status", "Timeout", "--json")
    assert listed.returncode == 0, listed.stderr
    found = {line["requestId"]: line for line in map(json.loads, listed.stdout.splitlines())}
    assert found[request_id]["status"] == "Timeout"
    assert found[request_id]["partnerPhone"].count("*") == 4

    shown = operator("show", request_id, "--json")
    assert shown.returncode == 0, shown.stderr
    detail = json.loads(shown.stdout)
    silent_round = ["SMSSent", "Reminded", "Timeout", "Notified"]  # the silent partner is reminded once
    # Without the carrier's reports on the SMS, which come on their own time.
    flow = [
        event["type"] for event in detail["events"] if event["type"] not in ("Delivered", "Undeliverable")
    ]
    assert flow == ["Created", *silent_round]
    assert detail["notification"]["message"] == product.timeline(request_id)["notification"]["message"]
    assert "*" in detail["customerPhone"] and "*" in detail["partnerPhone"]

    missing = operator("show", "0b6f3c1e-2a4d-4c8e-9f10-1a2b3c4d5e6f")
    assert missing.returncode == 1 and missing.stdout == ""
    assert missing.stderr.startswith("ops: request 0b6f3c1e-2a4d-4c8e-9f10-1a2b3c4d5e6f not found")


def test_a_redriven_request_texts_the_partner_again_and_the_customer_sees_the_new_round(
    product, operator, browser
):
    request_id = timed_out(product)
    first_link = product.partner_link(request_id)
    first_message = product.timeline(request_id)["notification"]["message"]

    redriven = operator("redrive", request_id, "--reason", "파트너가 전화로 다시 보내 달라고 함")

    assert redriven.returncode == 0, redriven.stderr
    assert f"Request {request_id} redriven: attempt 2" in redriven.stdout
    second_link = product.wait_for(
        lambda: (link := product.partner_link(request_id)) != first_link and link, what="a second SMS"
    )
    assert second_link != first_link
    page = browser.new_page("customer")
    page.goto(f"/?request={request_id}")
    expect(page.locator("#status-text")).to_contain_text("파트너에게 다시 요청했어요.")
    expect(page.locator('[data-step="Created"] .step-label')).to_have_text("다시 요청함")
    expect(page.locator("#result")).to_be_hidden()

    # The second attempt ends as the first did: the page shows the latest message.
    expect(page.locator("#result")).to_be_visible(timeout=(PARTNER_TIMEOUT_SECONDS + 20) * 1000)
    expect(page.locator("#status-text")).to_have_text(re.compile("제한 시간 안에 응답하지 않았어요"))
    events = [
        event["type"]
        for event in product.timeline(request_id)["events"]
        if event["type"] not in ("Delivered", "Undeliverable")
    ]
    silent_round = ["SMSSent", "Reminded", "Timeout", "Notified"]  # the silent partner is reminded once
    assert events == ["Created", *silent_round, "Redriven", *silent_round]
    assert (
        page.locator("#result-message").text_content()
        == product.timeline(request_id)["notification"]["message"]
    )
    assert first_message
    browser.screenshot(page, "redriven")

    workflows_ended(product, request_id)
    again = operator("redrive", request_id, "--reason", "한 번 더")
    assert again.returncode == 0, again.stderr
    refused = operator("redrive", request_id, "--reason", "또")
    assert refused.returncode == 1
    assert "still open" in refused.stderr and len(refused.stderr.splitlines()) == 1
