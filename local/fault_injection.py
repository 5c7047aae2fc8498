"""How the faults of a `FaultPlan` reach the product, so that its real adapters meet real failures.

- SMS SendTextMessage, DynamoDB and SendTaskSuccess: a botocore `before-send` hook on the runtime's
  shared session answers instead of the local endpoint with the error response AWS would send (End
  User Messaging SMS 500 InternalServerException, DynamoDB ProvisionedThroughputExceededException,
  Step Functions ThrottlingException). botocore parses it, its retries see it, and the adapter
  receives the `ClientError` it would receive in AWS. Each HTTP attempt counts as one failure.
- Crashes: an `after-call` hook on every operation kills the invocation (raises `InvocationKilled`,
  which no handler can catch) right after the chosen successful call. The local Lambda reports it
  as Lambda reports a dead runtime; the gateway answers as API Gateway does for a failed function.
- Lost answers: a `before-send` hook sends the request to the emulator itself, then raises the read
  timeout botocore would see, so botocore retries the call as it would in AWS.
- Lex and Bedrock: the local stack has neither (intents come from the bot's samples, messages from
  the templates), so the classifier is wrapped, and while a Bedrock fault is set a stand-in model
  is put in front of the template writer. Both raise what `LexIntentClassifier` and
  `BedrockMessageWriter` raise when their client fails: `DependencyUnavailable` from a `ClientError`.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import structlog
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError, ReadTimeoutError
from botocore.httpsession import URLLib3Session

from local.faults import FaultPlan, Target
from local.lambdas import InvocationKilled
from runtime import bootstrap
from runtime.adapters.ports import Classification, IntentClassifier, MessageWriter
from runtime.domain.errors import DependencyUnavailable
from runtime.domain.messages import template_message
from runtime.domain.model import MessageSource, Outcome, Request

LOCAL_MODEL_ID = "local-model"
# Bedrock's call as the crash faults name it (botocore's event name for Converse).
CONVERSE = "bedrock-runtime.Converse"

# botocore event -> (target, HTTP status, content type, body): what AWS answers when it is in trouble.
_JSON = "application/x-amz-json-1.0"
_AWS_FAULTS: dict[str, tuple[Target, int, str, bytes]] = {
    "before-send.pinpoint-sms-voice-v2.SendTextMessage": (
        Target.SMS,
        500,
        _JSON,
        json.dumps(
            {"__type": "InternalServerException", "Message": "Injected fault: the SMS service is unavailable"}
        ).encode(),
    ),
    "before-send.dynamodb": (
        Target.DYNAMODB,
        400,
        _JSON,
        json.dumps(
            {
                "__type": "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
                "message": "Injected fault: the request rate is too high",
            }
        ).encode(),
    ),
    "before-send.sfn.SendTaskSuccess": (
        Target.SEND_TASK_SUCCESS,
        400,
        _JSON,
        json.dumps({"__type": "ThrottlingException", "message": "Injected fault: rate exceeded"}).encode(),
    ),
}

_holder: dict[str, FaultPlan] = {}


def install_fault_injection(plan: FaultPlan) -> None:
    """Point the runtime at `plan`. Call after `bootstrap.reset()`, before any client is created
    (clients copy the session's hooks when they are made)."""
    _holder["plan"] = plan
    events = bootstrap.events()
    for event, (target, status, content_type, body) in _AWS_FAULTS.items():
        events.register(event, _failing_send(target, status, content_type, body))
        events.register(event.replace("before-send", "before-call"), _counting_call(target))
    events.register("after-call", _crash_after_call)
    events.register("before-send", _lose_the_answer)
    _wrap_bootstrap()


def _plan() -> FaultPlan:
    return _holder["plan"]


def _calling_function() -> str | None:
    """The Lambda function on this thread, as `runtime.entrypoint` binds it for logging."""
    return structlog.contextvars.get_contextvars().get("function")


def _calling_invocation() -> str | None:
    return structlog.contextvars.get_contextvars().get("awsRequestId")


def _operation(event_name: str) -> str:
    """`after-call.dynamodb.TransactWriteItems` -> `dynamodb.TransactWriteItems`."""
    return event_name.split(".", 1)[1]


def _crash_after_call(http_response: Any, event_name: str, **_: Any) -> None:
    if http_response is None or http_response.status_code >= 300:
        return
    operation = _operation(event_name)
    if _plan().should_crash(operation, _calling_function(), _calling_invocation()):
        raise InvocationKilled(f"killed after {operation}")


_sender = URLLib3Session()


def _lose_the_answer(request: Any, event_name: str, **_: Any) -> None:
    if not _plan().should_lose_response(_operation(event_name), _calling_function()):
        return
    _sender.send(request)  # the service receives it and acts on it; its answer goes nowhere
    raise ReadTimeoutError(endpoint_url=request.url)


class _Body:
    def __init__(self, content: bytes) -> None:
        self._content = content

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._content


def _failing_send(
    target: Target, status: int, content_type: str, body: bytes
) -> Callable[..., AWSResponse | None]:
    def before_send(request: Any, **_: Any) -> AWSResponse | None:
        if not _plan().should_fail(target, _calling_function()):
            return None  # botocore sends the request to the emulator
        headers = {"Content-Type": content_type, "x-amzn-RequestId": str(uuid.uuid4())}
        return AWSResponse(request.url, status, headers, _Body(body))

    return before_send


def _counting_call(target: Target) -> Callable[..., None]:
    def before_call(**_: Any) -> None:
        _plan().record_call(target)

    return before_call


def _client_error(operation: str) -> ClientError:
    return ClientError(
        {
            "Error": {"Code": "ThrottlingException", "Message": "Injected fault: rate exceeded"},
            "ResponseMetadata": {"HTTPStatusCode": 400},
        },
        operation,
    )


class FaultyClassifier(IntentClassifier):
    """The classifier, failing as Lex RecognizeText fails while the plan says so."""

    def __init__(self, inner: IntentClassifier) -> None:
        self._inner = inner

    def classify(self, text: str, session_id: str) -> Classification:
        _plan().record_call(Target.LEX)
        if _plan().should_fail(Target.LEX, _calling_function()):
            raise DependencyUnavailable(f"lex recognize text: {_client_error('RecognizeText')}")
        return self._inner.classify(text, session_id)


class LocalModelWriter(MessageWriter):
    """Bedrock's place in the chain while a Bedrock fault is set: fails as Converse fails, and once
    the fault is spent answers as a model would (with the template's words)."""

    source = MessageSource.BEDROCK
    model_id = LOCAL_MODEL_ID

    def write(self, request: Request, outcome: Outcome) -> str:
        _plan().record_call(Target.BEDROCK)
        if _plan().should_fail(Target.BEDROCK, _calling_function()):
            raise DependencyUnavailable(f"bedrock {self.model_id}: {_client_error('Converse')}")
        if _plan().should_crash(CONVERSE, _calling_function(), _calling_invocation()):
            raise InvocationKilled(f"killed after {CONVERSE}")
        return template_message(request, outcome)


def _wrap_bootstrap() -> None:
    """Wrap bootstrap's classifier and message writers (its overrides: `bootstrap.reset()` keeps them)."""

    def classifier(real: Callable[[], IntentClassifier]) -> IntentClassifier:
        return FaultyClassifier(real())

    def message_writers(real: Callable[[], tuple[MessageWriter, ...]]) -> tuple[MessageWriter, ...]:
        writers = real()
        modelled = _plan().is_set(Target.BEDROCK) or _plan().is_set_for(Target.CRASH, CONVERSE)
        return (LocalModelWriter(), *writers) if modelled else writers

    bootstrap.override(bootstrap.classifier, classifier)
    bootstrap.override(bootstrap.message_writers, message_writers)
