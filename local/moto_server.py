"""The AWS emulator's own process: moto's server, with the fixes the product needs, on its own core.

Started by `local.emulator.AwsEmulator` as `python -m local.moto_server`; it prints
`{"port": N}` on stdout once it listens and exits when its parent closes its stdin (or dies).

Fixes applied to moto here, in this process only:
- DynamoDB requests are serialized: DynamoDB applies each request atomically; moto does not under
  concurrent threads.
- Transactions check every condition, then write, without copying whole tables
  (`local.dynamodb_transactions`).
- A query reads its partition's items only, not a sorted copy of the whole table
  (`local.dynamodb_queries`).
- GetRecords answers in the stream's JSON directly, not through moto's generic serializer
  (`local.stream_records`).
- Which service a request is for is worked out once per host name, not by listing moto's package
  folders and matching every service's address patterns on each request, under one lock.
- A transaction retried with its ClientRequestToken is answered as already done, as DynamoDB does
  for 10 minutes (botocore retries a timed-out transaction with the same token).
- A stream's shard iterators are forgotten once read (moto keeps every one ever issued).

Step Functions' Lambda tasks call `http://localhost:$MOTO_PORT`: the parent sets MOTO_PORT to its
own Lambda endpoint (`local.lambda_service`), where the product's handlers run.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
import time
from typing import Any

from moto import backends
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.responses import DynamoHandler
from moto.dynamodbstreams.models import DynamoDBStreamsBackend
from moto.moto_server.werkzeug_app import DomainDispatcherApplication
from moto.server import ThreadedMotoServer

from local import dynamodb_queries, stream_records
from local.dynamodb_transactions import transact_write_items

IDEMPOTENCY_WINDOW_SECONDS = 600
_dynamodb_lock = threading.RLock()
# ClientRequestToken -> (when it succeeded, the response), for transactions.
_applied_transactions: dict[str, tuple[float, Any]] = {}


def install_fixes() -> None:
    original_call_action = DynamoHandler.call_action

    def serialized_call_action(self: DynamoHandler) -> Any:
        with _dynamodb_lock:
            token = _client_request_token(self)
            if token and token in _applied_transactions:
                return _applied_transactions[token][1]
            response = original_call_action(self)
            if token and isinstance(response, tuple) and response[0] == 200:
                _remember_transaction(token, response)
            return response

    # Replacing moto's methods is the point here; mypy refuses assignments to methods.
    DynamoHandler.call_action = serialized_call_action  # type: ignore[method-assign]
    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign,assignment]  # as above
    dynamodb_queries.install()

    original_get_records = DynamoDBStreamsBackend.get_records

    def get_records_once(self: DynamoDBStreamsBackend, iterator_arn: str, limit: int) -> dict[str, Any]:
        # Under the same lock as the writes: a record is read only once it is complete.
        with _dynamodb_lock:
            found = original_get_records(self, iterator_arn, limit)
            self.shard_iterators.pop(iterator_arn, None)
            return found

    DynamoDBStreamsBackend.get_records = get_records_once  # type: ignore[method-assign]  # as above
    stream_records.install()
    _remember_backends()


def _remember_backends() -> None:
    """The answers depend only on the host name and moto's installed packages, which do not change."""
    modules = tuple(backends.list_of_moto_modules())
    backends.list_of_moto_modules = lambda: modules
    original_backend_for_host = DomainDispatcherApplication.get_backend_for_host
    known: dict[str | None, Any] = {}

    def backend_for_host(self: DomainDispatcherApplication, host: str | None) -> Any:
        if host not in known:
            known[host] = original_backend_for_host(self, host)
        return known[host]

    DomainDispatcherApplication.get_backend_for_host = backend_for_host  # type: ignore[method-assign]  # as above


def _client_request_token(handler: DynamoHandler) -> str | None:
    if handler._get_action() != "TransactWriteItems":
        return None
    return getattr(handler, "params", {}).get("ClientRequestToken")


def _remember_transaction(token: str, response: Any) -> None:
    now = time.monotonic()
    while _applied_transactions:  # oldest first: a dict keeps insertion order
        oldest = next(iter(_applied_transactions))
        if now - _applied_transactions[oldest][0] <= IDEMPOTENCY_WINDOW_SECONDS:
            break
        del _applied_transactions[oldest]
    _applied_transactions[token] = (now, response)


def main() -> int:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    install_fixes()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    _, port = server.get_host_and_port()
    print(json.dumps({"port": port}), flush=True)
    sys.stdin.read()  # until the parent closes the pipe or goes away
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
