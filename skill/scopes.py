"""Typed access to the SDK's per-request and per-session attribute dicts.

ask-sdk-core types request_attributes as Dict[str, object] and session_attributes as Optional[dict]:
these give the rest of the skill one precise type to work with (and one place that knows why).
"""
from __future__ import annotations

from typing import Any, cast

from ask_sdk_core.handler_input import HandlerInput


def request_scope(handler_input: HandlerInput) -> dict[str, Any]:
    """Attributes that live for this request only."""
    return cast(dict[str, Any], handler_input.attributes_manager.request_attributes)


def session_scope(handler_input: HandlerInput) -> dict[str, Any]:
    """The session attributes of a request that has a session (Alexa sends them back each turn)."""
    attributes = handler_input.attributes_manager.session_attributes
    if attributes is None:  # the SDK makes an empty dict for any request with a session; this is for mypy
        attributes = handler_input.attributes_manager.session_attributes = {}
    return cast(dict[str, Any], attributes)
