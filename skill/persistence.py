"""Loads what is remembered about the user before a request, saves it after, only when it changed.

The ASK SDK never saves persistent attributes by itself. A store failure never costs the user
their answer: a failed load gives an empty profile for this request and no save (so what they
had saved is not overwritten); a failed save is logged.
"""
from __future__ import annotations

import json
import logging

from ask_sdk_core.dispatch_components import AbstractRequestInterceptor, AbstractResponseInterceptor
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response

from .handlers.base import PROFILE_KEY
from .store import user_id_of, user_ref

log = logging.getLogger(__name__)
SNAPSHOT_KEY = "profile_snapshot"  # request attribute: the profile as loaded, to detect changes
DELETED_KEY = "profile_deleted"  # request attribute: the user asked to be forgotten


def _frozen(data: dict) -> str:
    return json.dumps(data, sort_keys=True, default=str)


class LoadProfileInterceptor(AbstractRequestInterceptor):
    """Reads the user's attributes once per request."""

    def process(self, handler_input: HandlerInput) -> None:
        attributes = handler_input.attributes_manager.request_attributes
        attributes[PROFILE_KEY] = {}
        if user_id_of(handler_input.request_envelope) is None:
            return
        try:
            loaded = handler_input.attributes_manager.persistent_attributes
        except Exception as error:  # any store failure: answer anyway, save nothing
            log.error("store: load failed for user %s: %s", user_ref(user_id_of(handler_input.request_envelope)), error)
            return
        if not isinstance(loaded, dict):
            loaded = {}
            handler_input.attributes_manager.persistent_attributes = loaded
        attributes[PROFILE_KEY] = loaded
        attributes[SNAPSHOT_KEY] = _frozen(loaded)


class SaveProfileInterceptor(AbstractResponseInterceptor):
    """Writes the user's attributes after the handler, if they changed."""

    def process(self, handler_input: HandlerInput, response: Response) -> None:
        attributes = handler_input.attributes_manager.request_attributes
        snapshot = attributes.get(SNAPSHOT_KEY)
        if snapshot is None or attributes.get(DELETED_KEY):
            return
        if _frozen(attributes[PROFILE_KEY]) == snapshot:
            return
        try:
            handler_input.attributes_manager.save_persistent_attributes()
        except Exception as error:
            log.error("store: save failed for user %s: %s", user_ref(user_id_of(handler_input.request_envelope)), error)


def forget_user(handler_input: HandlerInput) -> bool:
    """Delete everything stored for this user; False if the store could not do it."""
    attributes = handler_input.attributes_manager.request_attributes
    if SNAPSHOT_KEY not in attributes:
        return False
    try:
        handler_input.attributes_manager.delete_persistent_attributes()
    except Exception as error:
        log.error("store: delete failed for user %s: %s", user_ref(user_id_of(handler_input.request_envelope)), error)
        return False
    attributes[DELETED_KEY] = True
    attributes[PROFILE_KEY] = {}
    return True
