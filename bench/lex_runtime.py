"""Amazon Lex V2's runtime for the cold-start probes: RecognizeText over HTTP, answered by the bot's
own utterances (the local classifier, built once in the bench's process).

In AWS, chat asks Lex; on the local stack it builds a classifier from `bot/ko_KR.json` on its first
call instead, which no function does in AWS. The probes of chat and of its Powertools peer reach this
endpoint through botocore's service-specific endpoint variable, so their cold start holds what it
holds in AWS: creating the Lex client and one signed RecognizeText call.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from bot.classifier import LocalIntentClassifier
from runtime.contract import LEX_LOCALE, Env

ENDPOINT_VARIABLE = "AWS_ENDPOINT_URL_LEX_RUNTIME_V2"
BOT_ID, BOT_ALIAS_ID = "BENCHBOT01", "BENCHALIAS"
_RECOGNIZE_TEXT = re.compile(
    r"^/bots/(?P<bot>[^/]+)/botAliases/(?P<alias>[^/]+)/botLocales/(?P<locale>[^/]+)"
    r"/sessions/(?P<session>[^/]+)/text$"
)


def recognize_text_answer(classifier: LocalIntentClassifier, text: str, session_id: str) -> dict[str, Any]:
    """RecognizeText's answer as Lex gives it: the intent it matched, or FallbackIntent."""
    name = classifier.best_intent(text)
    return {
        "sessionId": session_id,
        "sessionState": {"intent": {"name": name, "state": "ReadyForFulfillment"}},
        "interpretations": [{"intent": {"name": name}, "nluConfidence": {"score": 1.0}}],
    }


@contextmanager
def lex_runtime(bot_definition: Path) -> Iterator[dict[str, str]]:
    """Serve RecognizeText while inside; yields the environment a function needs to ask it."""
    classifier = LocalIntentClassifier.from_bot_file(bot_definition)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            found = _RECOGNIZE_TEXT.match(self.path.split("?", 1)[0])
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            if found is None or (found["bot"], found["alias"]) != (BOT_ID, BOT_ALIAS_ID):
                self._answer(404, {"message": "Bot not found"}, error="ResourceNotFoundException")
                return
            try:
                text = json.loads(body)["text"]
            except (ValueError, KeyError, TypeError):
                self._answer(400, {"message": "text is required"}, error="ValidationException")
                return
            self._answer(200, recognize_text_answer(classifier, text, unquote(found["session"])))

        def _answer(self, status: int, document: dict[str, Any], error: str | None = None) -> None:
            payload = json.dumps(document, ensure_ascii=False).encode("utf-8")
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(payload)))
            if error:
                self.send_header("x-amzn-errortype", error)
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    serving = threading.Thread(target=server.serve_forever, name="lex-runtime", daemon=True)
    serving.start()
    try:
        yield {
            ENDPOINT_VARIABLE: f"http://127.0.0.1:{server.server_address[1]}",
            Env.LEX_BOT_ID: BOT_ID,
            Env.LEX_BOT_ALIAS_ID: BOT_ALIAS_ID,
            Env.LEX_LOCALE_ID: LEX_LOCALE,
        }
    finally:
        server.shutdown()
        server.server_close()
