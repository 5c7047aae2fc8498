"""An SNS topic delivering to a Lambda function, on this machine, as AWS does it: SNS invokes the
function asynchronously with one record per message, Lambda retries a failed invocation (as many
times as the subscription says, with a pause between), then sends the event to the dead-letter queue
(its on-failure destination). Delivery is at least once, so a message can reach the function twice.

moto's SNS would invoke a Lambda subscriber through its own Lambda backend; here the topic delivers
to an SQS queue of its own (moto does that faithfully, with SNS's envelope) and a poller takes each
message from it and runs the function through the dispatcher. A message stays in the queue until it
was handled or dead-lettered, so nothing is lost while the poller is busy or stopped.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import structlog

from local.lambdas import LambdaDispatcher
from runtime.deployment import TopicSubscription

log = structlog.get_logger("local.topics")
# Seconds before each retry of a failed invocation (Lambda waits a minute, then two; shorter here).
RETRY_BACKOFF = (1, 2)
_WAIT_SECONDS = 1


class TopicEventSource:
    """`topic_arn` -> `function_name`, through a queue subscribed to the topic."""

    def __init__(
        self,
        *,
        sns: Any,
        sqs: Any,
        topic_arn: str,
        function_name: str,
        subscription: TopicSubscription,
        dispatcher: LambdaDispatcher,
        dead_letter_queue_url: str,
        retry_backoff: tuple[int, ...] = RETRY_BACKOFF,
    ) -> None:
        self.function_name = function_name
        self._sns = sns
        self._sqs = sqs
        self._topic_arn = topic_arn
        self._subscription = subscription
        self._dispatcher = dispatcher
        self._dead_letters = dead_letter_queue_url
        self._retry_backoff = retry_backoff
        self._stopped = threading.Event()
        self._busy = False
        self._queue_url = ""
        self._subscription_arn = ""
        self._thread = threading.Thread(target=self._poll, name=f"topic-{function_name}", daemon=True)
        self.delivered = 0
        self.dead_lettered = 0

    def start(self) -> TopicEventSource:
        name = f"{self.function_name}-topic-deliveries"
        self._queue_url = self._sqs.create_queue(QueueName=name)["QueueUrl"]
        queue_arn = self._sqs.get_queue_attributes(QueueUrl=self._queue_url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        self._subscription_arn = self._sns.subscribe(
            TopicArn=self._topic_arn, Protocol="sqs", Endpoint=queue_arn, ReturnSubscriptionArn=True
        )["SubscriptionArn"]
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=10)

    def wait_idle(self, timeout: float) -> bool:
        """Until every message published so far was handled or dead-lettered."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self._busy and self._messages_left() == 0:
                return True
            time.sleep(0.1)
        return False

    def _messages_left(self) -> int:
        names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        found = self._sqs.get_queue_attributes(QueueUrl=self._queue_url, AttributeNames=names)["Attributes"]
        return sum(int(found.get(name, 0)) for name in names)

    def _poll(self) -> None:
        while not self._stopped.is_set():
            try:
                found = self._sqs.receive_message(
                    QueueUrl=self._queue_url,
                    MaxNumberOfMessages=10,
                    WaitTimeSeconds=_WAIT_SECONDS,
                    AttributeNames=["ApproximateReceiveCount"],
                )
            except Exception as error:  # noqa: BLE001 - the emulator restarting or busy: poll again
                log.warning("topic_read_failed", function=self.function_name, error=str(error))
                self._stopped.wait(1.0)
                continue
            for message in found.get("Messages", []):
                self._busy = True
                try:
                    self._deliver(message)
                finally:
                    self._busy = False

    def _deliver(self, message: Mapping[str, Any]) -> None:
        envelope = json.loads(message["Body"])
        event = {"Records": [self._record(envelope)]}
        invocation = self._dispatcher.invoke(self.function_name, event)
        attempts = int(message.get("Attributes", {}).get("ApproximateReceiveCount", 1))
        if not invocation.failed:
            self.delivered += 1
            self._sqs.delete_message(QueueUrl=self._queue_url, ReceiptHandle=message["ReceiptHandle"])
            return
        log.warning(
            "topic_delivery_failed",
            function=self.function_name,
            attempt=attempts,
            error=invocation.payload.get("errorType") if isinstance(invocation.payload, Mapping) else None,
        )
        if attempts > self._subscription.maximum_retry_attempts:
            self._dead_letter(event, invocation.payload, attempts)
            self._sqs.delete_message(QueueUrl=self._queue_url, ReceiptHandle=message["ReceiptHandle"])
            return
        # Left in the queue: it comes back after the pause, as Lambda's next attempt.
        pause = self._retry_backoff[min(attempts, len(self._retry_backoff)) - 1]
        self._sqs.change_message_visibility(
            QueueUrl=self._queue_url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=pause
        )

    def _record(self, envelope: Mapping[str, Any]) -> dict[str, Any]:
        """One record of Lambda's SNS event, from the envelope SNS delivered to the queue."""
        return {
            "EventSource": "aws:sns",
            "EventVersion": "1.0",
            "EventSubscriptionArn": self._subscription_arn,
            "Sns": {
                "Type": envelope.get("Type", "Notification"),
                "MessageId": envelope.get("MessageId", str(uuid.uuid4())),
                "TopicArn": envelope.get("TopicArn", self._topic_arn),
                "Subject": envelope.get("Subject"),
                "Message": envelope.get("Message", ""),
                "Timestamp": envelope.get("Timestamp", datetime.now(UTC).isoformat()),
                "SignatureVersion": envelope.get("SignatureVersion", "1"),
                "Signature": envelope.get("Signature", ""),
                "SigningCertUrl": envelope.get("SigningCertURL", ""),
                "UnsubscribeUrl": envelope.get("UnsubscribeURL", ""),
                "MessageAttributes": envelope.get("MessageAttributes", {}),
            },
        }

    def _dead_letter(self, event: Mapping[str, Any], response: Any, attempts: int) -> None:
        """What Lambda's on-failure destination receives for an asynchronous invocation: the event
        itself, with why it gave up."""
        message = {
            "version": "1.0",
            "timestamp": datetime.now(UTC).isoformat(),
            "requestContext": {
                "requestId": str(uuid.uuid4()),
                "functionArn": self.function_name,
                "condition": "RetriesExhausted",
                "approximateInvokeCount": attempts,
            },
            "requestPayload": event,
            "responseContext": {
                "statusCode": 200,
                "executedVersion": "$LATEST",
                "functionError": "Unhandled",
            },
            "responsePayload": response,
        }
        self._sqs.send_message(QueueUrl=self._dead_letters, MessageBody=json.dumps(message))
        self.dead_lettered += 1
        log.error("topic_event_dead_lettered", function=self.function_name, attempts=attempts)
