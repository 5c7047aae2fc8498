"""Lambda's event source mappings for a DynamoDB stream, on this machine: poll the emulator's stream
(DescribeStream, GetShardIterator, GetRecords, as Lambda does), filter, batch, invoke the function,
and retry failing batches as the mapping says, ending in the dead-letter queue. One reader
(`StreamReader`) reads the stream for all the mappings (`StreamEventSource`) on it.

Faithful where the product depends on it:
- filters are the mapping's own filter criteria (runtime.deployment), evaluated as Lambda does;
- records are spread over `parallelization_factor` lanes by partition key, so one request's records
  keep their order while other requests go on;
- a partial batch response retries from the first reported failure; a function error retries the
  whole batch; with `bisect_on_error` a failing batch is split in halves;
- after `maximum_retry_attempts` the batch's description goes to the dead-letter queue (SQS), as
  Lambda's on-failure destination for streams sends it, and the records are skipped.
moto calls a mapped function synchronously inside the write, so no mapping is created in moto.
"""

from __future__ import annotations

import collections
import json
import threading
import time
import zlib
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import attrs
import structlog

from local.event_filters import matches_any
from local.lambdas import LambdaDispatcher
from runtime.deployment import StreamSubscription

log = structlog.get_logger("local.streams")
# Seconds before each retry of a failing batch (the last one repeats).
RETRY_BACKOFF = (0.5, 1.0, 2.0, 4.0, 8.0)


@attrs.frozen
class Batch:
    records: tuple[dict[str, Any], ...]
    attempts: int = 0


class StreamReader:
    """The table's stream, read once for every mapping on it: DescribeStream, GetShardIterator, then
    GetRecords in a loop, each record offered to every mapping, which keeps what its filters match.

    Lambda reads a shard once per mapping; here one reader serves them all, so the emulator, which
    shares two cores with everything else, serializes each record once rather than once per
    consumer. What each consumer receives, in which order and with which retries, is unchanged.
    """

    def __init__(self, *, streams: Any, stream_arn: str, poll_interval: float = 0.1) -> None:
        self._streams = streams
        self.stream_arn = stream_arn
        self._poll_interval = poll_interval
        self._sources: list[StreamEventSource] = []
        self._stopped = threading.Event()
        # Reads that found nothing new; a wait for idleness counts them (see `wait_idle`).
        self._empty_reads = 0
        self._thread = threading.Thread(target=self._poll, name="stream-reader", daemon=True)
        # The shard being read (the emulator's stream has one), named in dead-letter messages.
        self.shard_id = ""

    def subscribe(self, source: StreamEventSource) -> None:
        self._sources.append(source)

    def start(self) -> StreamReader:
        for source in self._sources:
            source.start()
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=10)
        for source in self._sources:
            source.stop()

    def wait_idle(self, timeout: float) -> bool:
        """Until everything written before this call has been read and delivered (or dead-lettered):
        two reads that found nothing, the second begun after this call, and no batch waiting or running."""
        deadline = time.monotonic() + timeout
        start = self._empty_reads
        while time.monotonic() < deadline:
            if self._empty_reads >= start + 2 and all(source.is_idle() for source in self._sources):
                return True
            time.sleep(self._poll_interval / 2)
        return False

    def _poll(self) -> None:
        iterator = None
        while not self._stopped.is_set():
            try:
                if iterator is None:
                    iterator = self._first_iterator()
                found = self._streams.get_records(ShardIterator=iterator, Limit=1000)
            except Exception as error:  # noqa: BLE001 - the emulator restarting or busy: poll again
                log.warning("stream_read_failed", error=str(error))
                iterator = None
                self._stopped.wait(1.0)
                continue
            iterator = found.get("NextShardIterator")
            records = found.get("Records", [])
            for record in records:
                for source in self._sources:
                    source.offer(record)
            if not records:
                self._empty_reads += 1
                self._stopped.wait(self._poll_interval)

    def _first_iterator(self) -> str:
        shards = self._streams.describe_stream(StreamArn=self.stream_arn)["StreamDescription"]["Shards"]
        self.shard_id = shards[0]["ShardId"]
        return self._streams.get_shard_iterator(
            StreamArn=self.stream_arn, ShardId=self.shard_id, ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]


class StreamEventSource:
    """One event source mapping: the table's stream (through `reader`) -> `function_name`."""

    def __init__(
        self,
        *,
        reader: StreamReader,
        sqs: Any,
        function_name: str,
        subscription: StreamSubscription,
        dispatcher: LambdaDispatcher,
        dead_letter_queue_url: str,
        retry_backoff: tuple[float, ...] = RETRY_BACKOFF,
    ) -> None:
        self.function_name = function_name
        self._reader = reader
        self._sqs = sqs
        self._subscription = subscription
        self._dispatcher = dispatcher
        self._dead_letters = dead_letter_queue_url
        self._retry_backoff = retry_backoff
        self._stopped = threading.Event()
        self._lanes = [_Lane(self, number) for number in range(subscription.parallelization_factor)]
        self.delivered = 0
        self.dead_lettered = 0
        reader.subscribe(self)

    def start(self) -> None:
        for lane in self._lanes:
            lane.start()

    def stop(self) -> None:
        self._stopped.set()
        for lane in self._lanes:
            lane.stop()

    def is_idle(self) -> bool:
        return all(lane.is_idle() for lane in self._lanes)

    def offer(self, record: dict[str, Any]) -> None:
        """A record read from the stream: queued for delivery if the mapping's filters match it."""
        if matches_any(self._subscription.filters, record):
            self._lane_of(record).put(record)

    def _lane_of(self, record: Mapping[str, Any]) -> _Lane:
        key = json.dumps(record.get("dynamodb", {}).get("Keys", {}), sort_keys=True).encode()
        return self._lanes[zlib.crc32(key) % len(self._lanes)]

    # --- delivering ------------------------------------------------------------------------

    def deliver(self, batch: Batch) -> list[Batch]:
        """Invoke the function with `batch`; return what is left to retry (empty when done)."""
        invocation = self._dispatcher.invoke(self.function_name, {"Records": list(batch.records)})
        failed_from = _first_failure(batch.records, invocation.payload, invocation.failed)
        if failed_from is None:
            self.delivered += len(batch.records)
            return []
        self.delivered += failed_from
        failing = batch.records[failed_from:]
        attempts = batch.attempts + 1
        log.warning(
            "stream_batch_failed",
            function=self.function_name,
            records=len(failing),
            attempt=attempts,
            error=invocation.payload.get("errorType") if invocation.failed else "partial batch",
        )
        if attempts > self._subscription.maximum_retry_attempts:
            self._dead_letter(failing, attempts)
            return []
        self._stopped.wait(self._retry_backoff[min(attempts, len(self._retry_backoff)) - 1])
        if self._subscription.bisect_on_error and len(failing) > 1:
            half = len(failing) // 2
            return [Batch(failing[:half], attempts), Batch(failing[half:], attempts)]
        return [Batch(failing, attempts)]

    def _dead_letter(self, records: tuple[dict[str, Any], ...], attempts: int) -> None:
        """What Lambda's on-failure destination receives for a stream: where the records are, not them."""
        sequences = [record["dynamodb"]["SequenceNumber"] for record in records]
        message = {
            "requestContext": {
                "requestId": records[0].get("eventID"),
                "functionArn": self.function_name,
                "condition": "RetryAttemptsExhausted",
                "approximateInvokeCount": attempts,
            },
            "responseContext": {
                "statusCode": 200,
                "executedVersion": "$LATEST",
                "functionError": "Unhandled",
            },
            "version": "1.0",
            "timestamp": datetime.now(UTC).isoformat(),
            "DDBStreamBatchInfo": {
                "shardId": self._reader.shard_id,
                "startSequenceNumber": sequences[0],
                "endSequenceNumber": sequences[-1],
                "approximateArrivalOfFirstRecord": _arrival(records[0]),
                "approximateArrivalOfLastRecord": _arrival(records[-1]),
                "batchSize": len(records),
                "streamArn": self._reader.stream_arn,
            },
        }
        self._sqs.send_message(QueueUrl=self._dead_letters, MessageBody=json.dumps(message))
        self.dead_lettered += len(records)
        log.error("stream_records_dead_lettered", function=self.function_name, records=len(records))


def _arrival(record: Mapping[str, Any]) -> str:
    """When the record reached the stream, as the dead-letter message writes it."""
    created = record.get("dynamodb", {}).get("ApproximateCreationDateTime")
    return created.astimezone(UTC).isoformat() if isinstance(created, datetime) else str(created or "")


def _first_failure(records: tuple[dict[str, Any], ...], payload: Any, function_failed: bool) -> int | None:
    """Index of the first record to retry, or None when the whole batch succeeded."""
    if function_failed:
        return 0
    failures = payload.get("batchItemFailures") if isinstance(payload, Mapping) else None
    if not failures:
        return None
    failed = {str(failure.get("itemIdentifier")) for failure in failures}
    sequences = [str(record["dynamodb"]["SequenceNumber"]) for record in records]
    positions = [index for index, sequence in enumerate(sequences) if sequence in failed]
    # An identifier that names no record of the batch fails the whole batch, as Lambda does.
    return min(positions) if positions else 0


class _Lane:
    """Batches for one slice of partition keys, delivered one at a time, in order."""

    def __init__(self, source: StreamEventSource, number: int) -> None:
        self._source = source
        self._queue: collections.deque[dict[str, Any]] = collections.deque()
        self._ready = threading.Condition()
        self._busy = False
        self._stopped = False
        self._thread = threading.Thread(
            target=self._run, name=f"stream-{source.function_name}-{number}", daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        with self._ready:
            self._stopped = True
            self._ready.notify_all()
        self._thread.join(timeout=10)

    def put(self, record: dict[str, Any]) -> None:
        with self._ready:
            self._queue.append(record)
            self._ready.notify()

    def is_idle(self) -> bool:
        with self._ready:
            return not self._queue and not self._busy

    def _run(self) -> None:
        size = self._source._subscription.batch_size
        while True:
            with self._ready:
                while not self._queue and not self._stopped:
                    self._ready.wait()
                if self._stopped:
                    return
                records = tuple(self._queue.popleft() for _ in range(min(size, len(self._queue))))
                self._busy = True
            try:
                pending = collections.deque([Batch(records)])
                while pending and not self._stopped:
                    retry = self._source.deliver(pending.popleft())
                    pending.extendleft(reversed(retry))
            finally:
                with self._ready:
                    self._busy = False
