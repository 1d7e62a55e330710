"""The catch-all exception handler: a calm apology, and the error in the log."""
from __future__ import annotations

import logging

from ask_sdk_core.dispatch_components import AbstractExceptionHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response

from skill.conversation.handlers.base import prompt, reply
from skill.logsafe import clean

log = logging.getLogger(__name__)


class CatchAllExceptionHandler(AbstractExceptionHandler):
    """Any exception raised while handling a request."""

    def can_handle(self, handler_input: HandlerInput, exception: Exception) -> bool:
        return True

    def handle(self, handler_input: HandlerInput, exception: Exception) -> Response:
        log.error("request failed: %s: %s", type(exception).__name__, clean(exception), exc_info=exception)
        return reply(handler_input, prompt(handler_input, "error"), prompt(handler_input, "error_reprompt"))
