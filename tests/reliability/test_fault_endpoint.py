"""/_local/faults: GET shows the plan, POST sets faults, DELETE clears them; bad input gets a Korean 400.

Writes carry the local-stack header and a JSON content type, so no web page can forge them.
"""

import pytest
import requests

from local.gateway import FAULTS_PATH, LOCAL_STACK_HEADER, LOCAL_WRITE_HEADERS

WRITE = {"headers": LOCAL_WRITE_HEADERS, "timeout": 10}


@pytest.fixture
def faults_url(local_stack):
    url = f"{local_stack.url}{FAULTS_PATH}"
    yield url
    requests.delete(url, **WRITE)


def _is_korean(text: str) -> bool:
    return any("가" <= ch <= "힣" for ch in text)


def test_a_fault_set_is_shown_then_cleared(faults_url):
    fault = {"target": "sms", "mode": "transient", "times": 2, "function": "sms-sender"}
    set_reply = requests.post(faults_url, json=fault, **WRITE)
    shown = requests.get(faults_url, timeout=10).json()
    cleared = requests.delete(faults_url, **WRITE).json()

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
        **WRITE,
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
    reply = requests.post(faults_url, json=body, **WRITE)

    assert reply.status_code == 400
    error = reply.json()["error"]
    assert (error["code"], error["field"]) == ("INVALID_FAULT", field)
    assert _is_korean(error["message"])
    assert requests.get(faults_url, timeout=10).json()["faults"] == []


@pytest.mark.parametrize(
    "body",
    [
        b"{oops",
        b"[]",
        b'"sms"',
        b"",
        b"[" * 5000 + b"]" * 5000,
        b'{"target": "sms", "mode": "permanent", "times": ' + b"9" * 5000 + b"}",
        b'{"target": "sms", "mode": "permanent", "mode": "transient"}',
        b'{"target": "\\ud800", "mode": "permanent"}',
        b'{"target": NaN}',
        b"\xef\xbb\xbf{}",
    ],
    ids=[
        "broken",
        "empty-list",
        "string",
        "empty",
        "deep",
        "huge-number",
        "duplicate",
        "surrogate",
        "nan",
        "bom",
    ],
)
def test_a_body_that_is_no_fault_description_is_a_400(faults_url, body):
    reply = requests.post(faults_url, data=body, **WRITE)

    assert reply.status_code == 400
    assert reply.json()["error"]["code"] == "INVALID_FAULT"
    assert _is_korean(reply.json()["error"]["message"])
    assert requests.get(faults_url, timeout=10).json()["faults"] == []


@pytest.mark.parametrize("method", ["POST", "DELETE"])
@pytest.mark.parametrize(
    "headers",
    [
        {"Content-Type": "application/json"},
        {"Content-Type": "application/json", LOCAL_STACK_HEADER: "0"},
        {"Content-Type": "text/plain", "Origin": "https://elsewhere.example"},
    ],
    ids=["no-header", "header-not-1", "cross-site-form"],
)
def test_a_write_without_the_local_stack_header_is_forbidden_and_changes_nothing(faults_url, method, headers):
    requests.post(faults_url, json={"target": "lex", "mode": "permanent"}, **WRITE).raise_for_status()

    reply = requests.request(
        method, faults_url, data=b'{"target": "sms", "mode": "permanent"}', headers=headers, timeout=10
    )

    assert reply.status_code == 403
    assert reply.json()["error"]["code"] == "FORBIDDEN"
    assert LOCAL_STACK_HEADER in reply.json()["error"]["message"]
    assert _is_korean(reply.json()["error"]["message"])
    assert [fault["target"] for fault in requests.get(faults_url, timeout=10).json()["faults"]] == ["lex"]


@pytest.mark.parametrize("method", ["POST", "DELETE"])
@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded"])
def test_a_write_not_declared_as_json_is_415(faults_url, method, content_type):
    headers = {LOCAL_STACK_HEADER: "1"} | ({"Content-Type": content_type} if content_type else {})

    reply = requests.request(
        method, faults_url, data=b'{"target": "sms", "mode": "permanent"}', headers=headers, timeout=10
    )

    assert reply.status_code == 415
    assert reply.json()["error"]["code"] == "UNSUPPORTED_MEDIA_TYPE"
    assert _is_korean(reply.json()["error"]["message"])
    assert requests.get(faults_url, timeout=10).json()["faults"] == []


def test_other_methods_are_refused_in_the_error_shape(local_stack, faults_url):
    on_faults = requests.put(faults_url, json={}, **WRITE)
    on_api = requests.patch(f"{local_stack.url}/api/chat", json={}, timeout=10)

    assert (on_faults.status_code, on_faults.json()["error"]["code"]) == (405, "METHOD_NOT_ALLOWED")
    assert (on_api.status_code, on_api.json()["error"]["code"]) == (404, "NOT_FOUND")
