"""The workflow's last step with Bedrock (stubbed: moto has no Converse) in front of the templates."""

import json
from datetime import UTC, datetime

import pytest
from botocore.stub import ANY, Stubber

from runtime import bootstrap
from runtime.adapters.workflow_payloads import answered_result, request_payload
from runtime.contract import Env
from runtime.domain.link_token import new_token_id
from runtime.domain.messages import NOTIFICATION_MAX_CHARS
from runtime.domain.model import Answer, LinkRecord, PartnerResponse
from runtime.handlers import notification
from tests.builders import T0, assigned_request, request

PRIMARY = "global.anthropic.claude-sonnet-4-6"
FALLBACK = "global.anthropic.claude-haiku-4-5-20251001-v1:0"


@pytest.fixture
def bedrock(stack, monkeypatch):
    monkeypatch.setenv(Env.BEDROCK_MODEL_ID, PRIMARY)
    monkeypatch.setenv(Env.BEDROCK_FALLBACK_MODEL_ID, FALLBACK)
    bootstrap.reset()
    client = bootstrap.client("bedrock-runtime")
    prompts = []
    client.meta.events.register(
        "provide-client-params.bedrock-runtime.Converse",
        lambda params, **_: prompts.append(params["messages"][0]["content"][0]["text"]),
    )
    with Stubber(client) as stubber:
        yield stubber, prompts


def answered(answer=Answer.ACCEPT, alternative_time=None):
    """A request whose partner answered, written through the real repository; returns the
    notification step's payload, as the state machine builds it."""
    repository = bootstrap.repository()
    repository.create_request(request(), None)
    link = LinkRecord(
        new_token_id(),
        request=assigned_request(),
        task_token="task",
        expires_at=datetime(2030, 1, 1, tzinfo=UTC),
    )
    repository.issue_link(link, T0)
    response = PartnerResponse(answer, T0, alternative_time)
    repository.record_response(link, response)
    return {
        **request_payload(assigned_request()),
        "result": answered_result(link.request_id, response),
    }


def reply(text):
    return {
        "output": {"message": {"role": "assistant", "content": [{"text": text}]}},
        "stopReason": "end_turn",
        "usage": {"inputTokens": 10, "outputTokens": 10, "totalTokens": 20},
        "metrics": {"latencyMs": 100},
    }


def expect(model_id):
    return {"modelId": model_id, "messages": ANY, "inferenceConfig": ANY}


def notify(payload):
    notification.handle(payload, None)


def test_bedrock_writes_the_message_from_the_reference_prompt(stack, bedrock):
    stubber, prompts = bedrock
    payload = answered()
    request_id = payload["requestId"]
    stubber.add_response("converse", reply("고객님, 파트너가 예약 변경을 수락했어요."), expect(PRIMARY))

    notify(payload)

    stored = stack.request_item(request_id)["notification"]
    assert stored["message"] == "고객님, 파트너가 예약 변경을 수락했어요."
    assert stored["source"] == "bedrock"
    assert "고객 문의: 체크인 날짜를 하루 미루고 싶어요" in prompts[0]
    assert "예약번호: HTL-100101" in prompts[0]
    assert "파트너 응답: 수락" in prompts[0]
    assert stack.event_types(request_id)[-1] == "Notified"


def test_a_primary_model_error_falls_back_to_the_second_model(stack, bedrock):
    stubber, _ = bedrock
    payload = answered()
    request_id = payload["requestId"]
    stubber.add_client_error(
        "converse",
        service_error_code="ThrottlingException",
        http_status_code=429,
        expected_params=expect(PRIMARY),
    )
    stubber.add_response("converse", reply("두 번째 모델의 안내입니다."), expect(FALLBACK))

    notify(payload)

    assert stack.request_item(request_id)["notification"]["message"] == "두 번째 모델의 안내입니다."


def test_when_both_models_fail_the_template_is_stored_and_counted(stack, bedrock, capsys):
    stubber, _ = bedrock
    payload = answered(Answer.REJECT)
    request_id = payload["requestId"]
    stubber.add_client_error("converse", service_error_code="AccessDeniedException", http_status_code=403)
    stubber.add_client_error("converse", service_error_code="ModelTimeoutException", http_status_code=408)

    notify(payload)

    stored = stack.request_item(request_id)["notification"]
    assert stored["source"] == "template"
    assert "받아들이기 어렵다" in stored["message"]
    metrics = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    assert any(
        m.get("MessageFallbackUsed") == 1
        and m["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "PartnerConfirm"
        for m in metrics
    )


def test_invoked_twice_the_message_is_stored_once(stack, bedrock):
    stubber, _ = bedrock
    payload = answered()
    request_id = payload["requestId"]
    stubber.add_response("converse", reply("첫 번째 안내"), expect(PRIMARY))
    stubber.add_response("converse", reply("두 번째 안내"), expect(PRIMARY))  # a retried step asks again

    notify(payload)
    notify(payload)

    assert stack.request_item(request_id)["notification"]["message"] == "첫 번째 안내"
    assert stack.event_types(request_id).count("Notified") == 1


def test_a_long_model_answer_is_cut_to_500_characters(stack, bedrock):
    stubber, _ = bedrock
    payload = answered()
    request_id = payload["requestId"]
    stubber.add_response("converse", reply("파트너가 요청을 수락했습니다. " * 60), expect(PRIMARY))

    notify(payload)

    message = stack.request_item(request_id)["notification"]["message"]
    assert 0 < len(message) <= NOTIFICATION_MAX_CHARS
    assert message.endswith("다.")


def test_the_alternative_time_is_shown_in_korean_time(stack):
    payload = answered(Answer.ALTERNATIVE, alternative_time=datetime(2026, 12, 1, 6, 30, tzinfo=UTC))
    request_id = payload["requestId"]

    notify(payload)  # no model configured: the template writes

    message = stack.request_item(request_id)["notification"]["message"]
    assert "12월 1일(화) 오후 3시 30분" in message
