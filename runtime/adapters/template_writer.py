"""MessageWriter from the Korean templates: the last resort that always answers."""

from __future__ import annotations

from runtime.adapters.ports import MessageWriter
from runtime.domain.messages import template_message
from runtime.domain.model import MessageSource, Outcome, Request


class TemplateMessageWriter(MessageWriter):
    source = MessageSource.TEMPLATE

    def write(self, request: Request, outcome: Outcome) -> str:
        return template_message(request, outcome)
