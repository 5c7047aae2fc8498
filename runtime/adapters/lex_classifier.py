"""IntentClassifier on Amazon Lex V2 RecognizeText (ko_KR)."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from runtime.adapters.ports import Classification, IntentClassifier
from runtime.domain.errors import DependencyUnavailable
from runtime.domain.model import Intent, IntentSource


class LexIntentClassifier(IntentClassifier):
    def __init__(self, client: Any, *, bot_id: str, bot_alias_id: str, locale_id: str) -> None:
        self._client = client
        self._bot = {"botId": bot_id, "botAliasId": bot_alias_id, "localeId": locale_id}

    def classify(self, text: str, session_id: str) -> Classification:
        try:
            response = self._client.recognize_text(**self._bot, sessionId=session_id, text=text)
        except (ClientError, BotoCoreError) as error:
            raise DependencyUnavailable(f"lex recognize text: {error}") from error
        name = response.get("sessionState", {}).get("intent", {}).get("name", "")
        # FallbackIntent, or any intent this product does not handle, means "not understood".
        intent = Intent(name) if name in Intent._value2member_map_ else None
        return Classification(intent=intent, source=IntentSource.LEX)
