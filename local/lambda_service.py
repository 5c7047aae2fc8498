"""Lambda's Invoke API on this machine, for the emulator's Step Functions: its Lambda tasks call
`POST /2015-03-31/functions/{FunctionName}/invocations` here, and the handler runs in this process.

Only synchronous invokes (RequestResponse), which is what a Step Functions task makes.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote

from local.lambdas import FunctionNotFound, LambdaDispatcher, encode

_INVOKE_PATH = "/2015-03-31/functions/"


class LambdaService:
    def __init__(self, dispatcher: LambdaDispatcher, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self._server = _Server((host, port), _handler_class(dispatcher))
        self._thread = threading.Thread(target=self._server.serve_forever, name="lambda-service", daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def start(self) -> LambdaService:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256


def _handler_class(dispatcher: LambdaDispatcher) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            return

        def do_POST(self) -> None:
            path = self.path.split("?", 1)[0]
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if not (path.startswith(_INVOKE_PATH) and path.endswith("/invocations")):
                return self._error(404, "UnknownOperationException", f"no such operation: {path}")
            function = unquote(path.removeprefix(_INVOKE_PATH).removesuffix("/invocations"))
            try:
                event = json.loads(body or b"{}")
                invocation = dispatcher.invoke(function, event)
            except FunctionNotFound as missing:
                return self._error(404, "ResourceNotFoundException", f"Function not found: {missing}")
            except json.JSONDecodeError:
                return self._error(400, "InvalidRequestContentException", "Could not parse request body")
            headers = {"X-Amz-Executed-Version": "$LATEST"}
            if invocation.function_error:
                headers["X-Amz-Function-Error"] = invocation.function_error
            return self._send(200, encode(invocation), headers)

        def _error(self, status: int, code: str, message: str) -> None:
            body = json.dumps({"Type": "User", "message": message}).encode()
            self._send(status, body, {"x-amzn-ErrorType": code})

        def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

    return Handler
