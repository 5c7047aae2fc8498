"""/_local/faults: GET shows the plan, POST sets faults, DELETE clears them; bad input gets a Korean 400."""

import pytest
import requests


@pytest.fixture
def faults_url(local_stack):
    url = f"{local_stack.url}/_local/faults"
    yield url
    requests.delete(url, timeout=10)


def test_a_fault_set_is_shown_then_cleared(faults_url):
    fault = {"target": "sms", "mode": "transient", "times": 2, "function": "sms-sender"}
    set_reply = requests.post(faults_url, json=fault, timeout=10)
    shown = requests.get(faults_url, timeout=10).json()
    cleared = requests.delete(faults_url, timeout=10).json()

    assert set_reply.status_code == 200
    assert shown["faults"] == [
        {
            "target": "sms",
            "mode": "transient",
            "times": 2,
            "remaining": 2,
            "injected": 0,
            "function": "sms-sender",
        }
    ]
    targets = {"lex", "bedrock", "sms", "dynamodb", "send_task_success"}
    assert set(shown["calls"]) == set(shown["attempts"]) == targets
    assert cleared["faults"] == []


def test_several_faults_can_be_set_at_once(faults_url):
    reply = requests.post(
        faults_url,
        json=[{"target": "lex", "mode": "permanent"}, {"target": "bedrock", "mode": "transient", "times": 1}],
        timeout=10,
    )

    assert reply.status_code == 200
    assert {fault["target"] for fault in reply.json()["faults"]} == {"lex", "bedrock"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"target": "kafka", "mode": "permanent"}, "target"),
        ({"target": "sms", "mode": "sometimes"}, "mode"),
        ({"target": "sms", "mode": "transient"}, "times"),
        ({"target": "sms", "mode": "transient", "times": 0}, "times"),
        ({"target": "sms", "mode": "transient", "times": True}, "times"),
        ({"target": "sms", "mode": "permanent", "times": 3}, "times"),
        ({"target": "sms", "mode": "permanent", "function": "nobody"}, "function"),
        ({"target": "sms", "mode": "permanent", "colour": "red"}, "colour"),
    ],
)
def test_a_bad_fault_is_refused_in_korean_and_sets_nothing(faults_url, body, field):
    reply = requests.post(faults_url, json=body, timeout=10)

    assert reply.status_code == 400
    error = reply.json()["error"]
    assert (error["code"], error["field"]) == ("INVALID_FAULT", field)
    assert any("가" <= ch <= "힣" for ch in error["message"])
    assert requests.get(faults_url, timeout=10).json()["faults"] == []


@pytest.mark.parametrize("body", [b"{oops", b"[]", b'"sms"'])
def test_a_body_that_is_no_fault_description_is_a_400(faults_url, body):
    reply = requests.post(faults_url, data=body, headers={"content-type": "application/json"}, timeout=10)

    assert reply.status_code == 400
    assert reply.json()["error"]["code"] == "INVALID_FAULT"


def test_other_methods_are_refused_in_the_error_shape(local_stack, faults_url):
    on_faults = requests.put(faults_url, json={}, timeout=10)
    on_api = requests.patch(f"{local_stack.url}/api/chat", json={}, timeout=10)

    assert (on_faults.status_code, on_faults.json()["error"]["code"]) == (405, "METHOD_NOT_ALLOWED")
    assert (on_api.status_code, on_api.json()["error"]["code"]) == (404, "NOT_FOUND")
