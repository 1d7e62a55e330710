"""What is remembered about the user: loaded on first read in a request, saved after, only if changed.

The ASK SDK never saves persistent attributes by itself. Loading is lazy, like the SDK's own
persistent_attributes, and lazier: a request whose handlers never look at the profile (most
questions) costs no store read, and one that only writes to it (a routine's next step keeping the
user's place) costs none either: what it set or removed is applied to what the store holds when
it is saved. A save writes only what this request changed, applied to what the store holds by then
(memory.merge, or base.apply for fields only written, atomically where the store can: SQLite), so two requests
for the same user at once lose nothing.

A store failure never costs the user their answer: a failed load gives an empty profile for this
request and no save (so what they had saved is not overwritten); a failed save is logged. Where it
matters, the user hears it once a session: a place in a routine that could not be kept.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator, MutableMapping
from datetime import UTC, datetime
from typing import Any

from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter
from ask_sdk_core.dispatch_components import AbstractResponseInterceptor
from ask_sdk_core.exceptions import AttributesManagerException
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response
from ask_sdk_model.ui import SsmlOutputSpeech

from skill.logsafe import clean
from skill.platform.scopes import NOT_SAVED_TOLD, request_scope, session_scope
from skill.storage import memory
from skill.storage.base import REMOVED, UpdatingAdapter, apply, user_id_of, user_ref

log = logging.getLogger(__name__)
PROFILE_KEY = "profile"  # request attribute: the user's remembered attributes (see skill/storage/memory.py)
SNAPSHOT_KEY = "profile_snapshot"  # request attribute: the profile as loaded, to detect changes
DELETED_KEY = "profile_deleted"  # request attribute: the user asked to be forgotten
LOAD_FAILED_KEY = "profile_load_failed"  # request attribute: the store could not be read this request


_FREEZE = json.JSONEncoder(sort_keys=True, default=str).encode  # json.dumps with these makes an encoder each call


def _frozen(data: Any) -> str:
    return _FREEZE(data)


class Profile(MutableMapping[str, Any]):
    """The user's remembered attributes in one request: read from the store when first read, not when only written.

    Setting a field, or removing one with `pop`, is noted in `writes` without a read: a routine's step
    keeps the user's place at no cost of a store read. Any read (`[]`, `get`, `in`, iterating) loads
    the stored attributes and lays the writes so far over them. On a profile not yet read, `pop` cannot
    know the stored value: it notes the removal and returns the default (memory.py only pops to remove).
    """

    def __init__(self, load: Callable[[], dict[str, Any]] | None):
        self._load = load
        self._data: dict[str, Any] | None = None if load is not None else {}
        self.writes: dict[str, Any] = {}  # field -> value, or REMOVED

    @property
    def loaded(self) -> bool:
        return self._data is not None

    def data(self) -> dict[str, Any]:
        """The attributes, read from the store now if they have not been, with this request's writes on them."""
        if self._data is None:
            assert self._load is not None  # a profile without a loader starts loaded
            self._data = apply(self._load(), self.writes)
        return self._data

    def __getitem__(self, key: str) -> Any:
        return self.data()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.data())

    def __len__(self) -> int:
        return len(self.data())

    def __setitem__(self, key: str, value: Any) -> None:
        self.writes[key] = value
        if self._data is not None:
            self._data[key] = value

    def __delitem__(self, key: str) -> None:
        if self._data is not None:
            del self._data[key]
        self.writes[key] = REMOVED

    def pop(self, key: str, default: Any = None) -> Any:  # type: ignore[override]  # see the class docstring
        self.writes[key] = REMOVED
        return self._data.pop(key, default) if self._data is not None else default


def profile(handler_input: HandlerInput) -> Profile:
    """The user's remembered attributes, read from the store the first time a request reads them."""
    attributes = request_scope(handler_input)
    found = attributes.get(PROFILE_KEY)
    if found is None:
        known = user_id_of(handler_input.request_envelope) is not None
        found = attributes[PROFILE_KEY] = Profile((lambda: _load(handler_input)) if known else None)
    return found


def _load(handler_input: HandlerInput) -> dict[str, Any]:
    """The stored attributes, tidied; {} (and nothing saved this request) when the store cannot be read."""
    attributes = request_scope(handler_input)
    try:
        loaded = handler_input.attributes_manager.persistent_attributes
    except AttributesManagerException:  # no store configured (SKILL_STORE=none)
        return {}
    except Exception as error:  # any store failure: answer anyway, save nothing
        log.error("store: load failed for user %s: %s", user_ref(user_id_of(handler_input.request_envelope)), error)
        attributes[LOAD_FAILED_KEY] = True
        return {}
    if not isinstance(loaded, dict):
        loaded = {}
        handler_input.attributes_manager.persistent_attributes = loaded
    attributes[SNAPSHOT_KEY] = _frozen(loaded)  # before tidying: a healed or expired profile is saved back
    malformed = memory.tidy(loaded, request_time(handler_input))
    if malformed:
        log.warning("store: healed the profile of user %s: dropped malformed fields %s",
                    user_ref(user_id_of(handler_input.request_envelope)), sorted(clean(key, 40) for key in malformed))
    return loaded


def request_time(handler_input: HandlerInput) -> datetime:
    """The request's own timestamp (so answers are reproducible), else the clock."""
    stamp = getattr(handler_input.request_envelope.request, "timestamp", None)
    if isinstance(stamp, datetime):
        return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)
    return datetime.now(UTC)


class SaveProfileInterceptor(AbstractResponseInterceptor):
    """Writes what the handler changed in the user's attributes; says so once a session if a place was lost.

    `not_saved` leads a reply's speech with the words for that (the conversation's: this layer holds no words).
    """

    def __init__(self, store: AbstractPersistenceAdapter, not_saved: Callable[[HandlerInput, SsmlOutputSpeech], None]):
        self.store = store
        self.not_saved = not_saved
        self.updating = isinstance(store, UpdatingAdapter)  # once: a Protocol isinstance takes 4 us

    def process(self, handler_input: HandlerInput, response: Response) -> None:
        attributes = request_scope(handler_input)
        found: Profile | None = attributes.get(PROFILE_KEY)
        if found is None or attributes.get(DELETED_KEY):
            return
        if not found.loaded:
            if not found.writes:
                return
            if self.updating:  # only written to: the writes go onto what is stored, with no read before
                self._save(handler_input, response, {}, apply({}, found.writes),
                           lambda: self.store.write_fields(handler_input.request_envelope, found.writes))  # type: ignore[attr-defined]
                return
            found.data()  # DynamoDB: the SDK's adapter writes the whole record, so it is read first
        changed = found.data()
        snapshot = attributes.get(SNAPSHOT_KEY)
        if snapshot is None:  # no user id, or the store could not be read (so nothing may be written)
            if attributes.get(LOAD_FAILED_KEY) and memory.unsaved_place({}, changed):
                self._tell(handler_input, response)
            return
        if _frozen(changed) == snapshot:
            return
        loaded = json.loads(snapshot)
        if self.updating:
            self._save(handler_input, response, loaded, changed, lambda: self.store.update_attributes(  # type: ignore[attr-defined]
                handler_input.request_envelope, lambda stored: memory.merge(stored, loaded, changed)))
        else:  # DynamoDB: the SDK's adapter writes the whole record (the last write wins)
            self._save(handler_input, response, loaded, changed,
                       handler_input.attributes_manager.save_persistent_attributes)

    def _save(self, handler_input: HandlerInput, response: Response, loaded: dict[str, Any], changed: dict[str, Any],
              store: Callable[[], None]) -> None:
        """Store the change; a failure is logged, and told once a session when it cost the user their place."""
        try:
            store()
        except Exception as error:
            log.error("store: save failed for user %s: %s", user_ref(user_id_of(handler_input.request_envelope)), error)
            if memory.unsaved_place(loaded, changed):
                self._tell(handler_input, response)

    def _tell(self, handler_input: HandlerInput, response: Response | None) -> None:
        """Lead the reply with the words that the user's place was not saved, once a session."""
        speech = response.output_speech if response is not None else None
        if handler_input.request_envelope.session is None or not isinstance(speech, SsmlOutputSpeech) or not speech.ssml:
            return
        session = session_scope(handler_input)
        if session.get(NOT_SAVED_TOLD):
            return
        self.not_saved(handler_input, speech)
        session[NOT_SAVED_TOLD] = True


def forget_user(handler_input: HandlerInput) -> bool:
    """Delete everything stored for this user; False if the store could not do it."""
    profile(handler_input).data()  # read first: a store that cannot be read cannot be trusted to delete
    attributes = request_scope(handler_input)
    if SNAPSHOT_KEY not in attributes:
        return False
    try:
        handler_input.attributes_manager.delete_persistent_attributes()
    except Exception as error:
        log.error("store: delete failed for user %s: %s", user_ref(user_id_of(handler_input.request_envelope)), error)
        return False
    attributes[DELETED_KEY] = True
    attributes[PROFILE_KEY] = Profile(None)
    return True
