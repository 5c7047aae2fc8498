"""AWS End User Messaging SMS on this machine: a small HTTP endpoint that answers SendTextMessage.

moto has no `pinpoint-sms-voice-v2`, so the local stack stands in for it, in its own main process and
independent of the AWS emulator's server. It speaks the service's protocol (JSON 1.0, `X-Amz-Target:
PinpointSMSVoiceV2.<Operation>`, SigV4 for `sms-voice`), checks each request against botocore's own
model of the service (required members, types, lengths, patterns, enums), refuses what the service
would refuse with the service's error shapes, and answers as it does (`MessageId`). Every message it
accepts is handed to the SMS outbox. The runtime's real adapter reaches it through botocore's
service-specific endpoint variable, AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2.

Like the service, it reports what became of each message sent through a configuration set that has
an event destination: a moment after accepting it, it publishes the message's final event (the
service's JSON: `eventType`, `messageId`, `context`...) to that destination's SNS topic. Every phone
receives its SMS (TEXT_DELIVERED), except the numbers in `undeliverable_phones`, which the carrier
cannot reach (TEXT_UNREACHABLE): UNDELIVERABLE_PHONE by default, the partner phone of the sample
reservation HTL-100111, so a person or a test can play a partner who never gets the link.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import botocore.session
import structlog
from botocore.exceptions import ParamValidationError
from botocore.model import Shape
from botocore.validate import validate_parameters

SERVICE = "pinpoint-sms-voice-v2"
ENDPOINT_VARIABLE = "AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2"
CONTENT_TYPE = "application/x-amz-json-1.0"
_MODEL = botocore.session.get_session().get_service_model(SERVICE)
_TARGET_PREFIX = f"{_MODEL.metadata['targetPrefix']}."
_CREDENTIAL_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/[a-z0-9-]+/" + re.escape(_MODEL.signing_name) + "/")

Record = Callable[[str, str], None]
# (topic ARN, message): how the stand-in publishes an event to its destination's topic.
Publish = Callable[[str, str], None]
log = structlog.get_logger("local.sms_service")
# A phone the carrier can never reach (010-0000-2999): its SMS are reported TEXT_UNREACHABLE.
UNDELIVERABLE_PHONE = "+821000002999"
DELIVERED_EVENT = "TEXT_DELIVERED"
UNREACHABLE_EVENT = "TEXT_UNREACHABLE"
# Seconds between accepting a message and reporting its outcome (a carrier's receipt comes later).
REPORT_AFTER_SECONDS = 0.3


class ServiceError(Exception):
    """An answer in the service's error shape: `{"__type": code, "Message": ..., **fields}`."""

    def __init__(self, status: int, code: str, message: str, **fields: Any) -> None:
        super().__init__(message)
        self.status = status
        self.body = {"__type": code, "Message": message, **fields}


class SmsService:
    """Start, read `endpoint`, stop. `configuration_sets` are the ones the local account has."""

    def __init__(
        self,
        record: Record,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        publish: Publish | None = None,
        report_after_seconds: float = REPORT_AFTER_SECONDS,
    ) -> None:
        self.configuration_sets: set[str] = set()
        # Configuration set -> the SNS topic its event destination sends delivery events to.
        self.event_destinations: dict[str, str] = {}
        self.undeliverable_phones: set[str] = {UNDELIVERABLE_PHONE}
        self.report_after_seconds = report_after_seconds
        self._publish = publish
        self._reports: list[threading.Timer] = []
        self._reports_lock = threading.Lock()
        self._record = record
        self._server = ThreadingHTTPServer((host, port), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="sms-service", daemon=True)

    @property
    def endpoint(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> SmsService:
        self._thread.start()
        return self

    @property
    def reports_pending(self) -> int:
        """Outcomes not yet published (a wait for idleness waits for them too)."""
        with self._reports_lock:
            self._reports = [timer for timer in self._reports if timer.is_alive()]
            return len(self._reports)

    def forget(self) -> None:
        """A reset account: no configuration sets, no destinations, no outcome left to report."""
        with self._reports_lock:
            reports, self._reports = self._reports, []
        for timer in reports:
            timer.cancel()
            # One already publishing finishes first: nothing reaches the emulator while it resets.
            timer.join(timeout=10)
        self.configuration_sets.clear()
        self.event_destinations.clear()
        self.undeliverable_phones = {UNDELIVERABLE_PHONE}

    def stop(self) -> None:
        self.forget()
        if self._thread.is_alive():  # shutdown() waits for a serving loop, which must have started
            self._server.shutdown()
        self._server.server_close()

    def call(self, target: str, authorization: str, body: bytes) -> dict[str, Any]:
        """One request as the service receives it; returns the answer's body or raises ServiceError."""
        if not _CREDENTIAL_SCOPE.search(authorization):
            raise ServiceError(403, "AccessDeniedException", "Requests must be signed (SigV4) for sms-voice.")
        operation = target.removeprefix(_TARGET_PREFIX)
        if not target.startswith(_TARGET_PREFIX) or operation not in _MODEL.operation_names:
            raise ServiceError(400, "UnknownOperationException", f"Unknown operation {target!r}.")
        if operation != "SendTextMessage":
            raise ServiceError(400, "UnknownOperationException", f"{operation} is not offered locally.")
        try:
            params = json.loads(body or b"{}")
        except ValueError as error:
            raise ServiceError(400, "SerializationException", f"Body is not JSON: {error}") from error
        return self._send_text_message(_valid(params, _MODEL.operation_model(operation).input_shape))

    def _send_text_message(self, params: dict[str, Any]) -> dict[str, Any]:
        configuration_set = params.get("ConfigurationSetName")
        if configuration_set and configuration_set not in self.configuration_sets:
            raise ServiceError(
                404,
                "ResourceNotFoundException",
                f"Configuration set {configuration_set} does not exist.",
                ResourceType="configuration-set",
                ResourceId=configuration_set,
            )
        self._record(params["DestinationPhoneNumber"], params["MessageBody"])
        message_id = str(uuid.uuid4())
        topic = self.event_destinations.get(configuration_set or "")
        if topic and self._publish is not None:
            timer = threading.Timer(self.report_after_seconds, self._report, (topic, message_id, params))
            timer.daemon = True
            with self._reports_lock:
                self._reports.append(timer)
            timer.start()
        return {"MessageId": message_id}

    def _report(self, topic: str, message_id: str, params: dict[str, Any]) -> None:
        assert self._publish is not None
        event = outcome_event(
            message_id, params, delivered=params["DestinationPhoneNumber"] not in self.undeliverable_phones
        )
        try:
            self._publish(topic, json.dumps(event))
        except Exception as error:  # noqa: BLE001 - the emulator stopping: the outcome is lost, as it may be in AWS
            log.warning("sms_event_not_published", error=str(error))


def outcome_event(message_id: str, params: dict[str, Any], *, delivered: bool) -> dict[str, Any]:
    """The service's SMS event for a message's final outcome, with its documented fields."""
    now = int(time.time() * 1000)
    return {
        "eventType": DELIVERED_EVENT if delivered else UNREACHABLE_EVENT,
        "eventVersion": "1.0",
        "eventTimestamp": now,
        "isFinal": True,
        "originationPhoneNumber": params.get("OriginationIdentity") or "",
        "destinationPhoneNumber": params["DestinationPhoneNumber"],
        "isInternationalSend": False,
        "mcc": "450",
        "mnc": "05",
        "messageId": message_id,
        "messageRequestTimestamp": now,
        "messageEncoding": "UCS2",
        "messageType": params.get("MessageType", "TRANSACTIONAL"),
        "messageStatus": "DELIVERED" if delivered else "UNREACHABLE",
        "messageStatusDescription": (
            "Message has been accepted by phone" if delivered else "The destination phone is unreachable"
        ),
        "context": dict(params.get("Context") or {}),
        "totalMessageParts": 1,
        "totalMessagePrice": 0.0,
        "totalCarrierFee": 0.0,
    }


def _valid(params: Any, shape: Shape) -> dict[str, Any]:
    """What botocore's validator checks (members, types, lengths), then patterns and enums, which it
    leaves to the service."""
    if not isinstance(params, dict):
        raise ServiceError(400, "SerializationException", "The request body must be a JSON object.")
    try:
        validate_parameters(params, shape)
    except ParamValidationError as error:
        raise _validation_error("FIELD_VALIDATION_FAILED", str(error)) from error
    for path, value, member in _strings(params, shape, ""):
        if member.enum and value not in member.enum:
            raise _validation_error("INVALID_PARAMETER", f"{path} must be one of {', '.join(member.enum)}.")
        pattern = member.metadata.get("pattern")
        if pattern and not re.fullmatch(pattern, value):
            raise _validation_error("INVALID_PARAMETER", f"{path} does not match {pattern}.")
    return params


def _strings(value: Any, shape: Shape, path: str) -> Iterator[tuple[str, str, Shape]]:
    if shape.type_name == "string" and isinstance(value, str):
        yield path, value, shape
    elif shape.type_name == "structure" and isinstance(value, dict):
        for name, member in shape.members.items():
            if name in value:
                yield from _strings(value[name], member, f"{path}.{name}".lstrip("."))
    elif shape.type_name == "map" and isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key, shape.key, f"{path} key")
            yield from _strings(item, shape.value, f"{path}.{key}")
    elif shape.type_name == "list" and isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, shape.member, f"{path}[{index}]")


def _validation_error(reason: str, message: str) -> ServiceError:
    return ServiceError(400, "ValidationException", message, Reason=reason)


def _handler_for(service: SmsService) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            super().setup()
            # Headers and body leave in two writes: without this, Nagle's algorithm holds the body
            # until the client's delayed ACK (some 40 ms per call on Linux).
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            try:
                status, answer = (
                    200,
                    service.call(
                        self.headers.get("X-Amz-Target", ""), self.headers.get("Authorization", ""), body
                    ),
                )
            except ServiceError as error:
                status, answer = error.status, error.body
            payload = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", CONTENT_TYPE)
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the functions log what they send."""

    return Handler
