"""The workflow's last step with Bedrock (stubbed: moto has no Converse) in front of the templates."""

import json
from datetime import UTC, datetime

import pytest
from botocore.stub import ANY, Stubber

from runtime import bootstrap
from runtime.contract import Env
from runtime.domain.link_token import new_token_id
from runtime.domain.messages import NOTIFICATION_MAX_CHARS
from runtime.domain.model import Answer, LinkToken, PartnerResponse
from runtime.handlers import notification
from tests.builders import T0, request, reservation

PRIMARY = "apac.anthropic.claude-3-5-sonnet-20241022-v2:0"
FALLBACK = "apac.anthropic.claude-3-haiku-20240307-v1:0"


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
    """A request whose partner answered, written through the real repository."""
    repository = bootstrap.repository()
    created = request()
    repository.create_request(created, None)
    repository.assign_partner(created.request_id, reservation(), T0)
    repository.store_task_token(created.request_id, "task", T0)
    link = LinkToken(new_token_id(), created.request_id, "PTN-HOTEL-SEOUL", datetime(2030, 1, 1, tzinfo=UTC))
    repository.save_link(link)
    repository.record_response(link, PartnerResponse(answer, T0, alternative_time))
    return created.request_id


def reply(text):
    return {
        "output": {"message": {"role": "assistant", "content": [{"text": text}]}},
        "stopReason": "end_turn",
        "usage": {"inputTokens": 10, "outputTokens": 10, "totalTokens": 20},
        "metrics": {"latencyMs": 100},
    }


def expect(model_id):
    return {"modelId": model_id, "messages": ANY, "inferenceConfig": ANY}


def notify(request_id, outcome="responded"):
    notification.handle({"requestId": request_id, "outcome": outcome}, None)


def test_bedrock_writes_the_message_from_the_reference_prompt(stack, bedrock):
    stubber, prompts = bedrock
    request_id = answered()
    stubber.add_response("converse", reply("고객님, 파트너가 예약 변경을 수락했어요."), expect(PRIMARY))

    notify(request_id)

    stored = stack.request_item(request_id)["notification"]
    assert stored["message"] == "고객님, 파트너가 예약 변경을 수락했어요."
    assert stored["source"] == "bedrock"
    assert "고객 문의: 체크인 날짜를 하루 미루고 싶어요" in prompts[0]
    assert "예약번호: HTL-100101" in prompts[0]
    assert "파트너 응답: 수락" in prompts[0]
    assert stack.event_types(request_id)[-1] == "Notified"


def test_a_primary_model_error_falls_back_to_the_second_model(stack, bedrock):
    stubber, _ = bedrock
    request_id = answered()
    stubber.add_client_error(
        "converse",
        service_error_code="ThrottlingException",
        http_status_code=429,
        expected_params=expect(PRIMARY),
    )
    stubber.add_response("converse", reply("두 번째 모델의 안내입니다."), expect(FALLBACK))

    notify(request_id)

    assert stack.request_item(request_id)["notification"]["message"] == "두 번째 모델의 안내입니다."


def test_when_both_models_fail_the_template_is_stored_and_counted(stack, bedrock, capsys):
    stubber, _ = bedrock
    request_id = answered(Answer.REJECT)
    stubber.add_client_error("converse", service_error_code="AccessDeniedException", http_status_code=403)
    stubber.add_client_error("converse", service_error_code="ModelTimeoutException", http_status_code=408)

    notify(request_id)

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
    request_id = answered()
    stubber.add_response("converse", reply("첫 번째 안내"), expect(PRIMARY))

    notify(request_id)
    notify(request_id)

    assert stack.request_item(request_id)["notification"]["message"] == "첫 번째 안내"
    assert stack.event_types(request_id).count("Notified") == 1


def test_a_long_model_answer_is_cut_to_500_characters(stack, bedrock):
    stubber, _ = bedrock
    request_id = answered()
    stubber.add_response("converse", reply("파트너가 요청을 수락했습니다. " * 60), expect(PRIMARY))

    notify(request_id)

    message = stack.request_item(request_id)["notification"]["message"]
    assert 0 < len(message) <= NOTIFICATION_MAX_CHARS
    assert message.endswith("다.")


def test_the_alternative_time_is_shown_in_korean_time(stack):
    request_id = answered(Answer.ALTERNATIVE, alternative_time=datetime(2026, 12, 1, 6, 30, tzinfo=UTC))

    notify(request_id)  # no model configured: the template writes

    message = stack.request_item(request_id)["notification"]["message"]
    assert "12월 1일(화) 오후 3시 30분" in message
