"""What every store keeps to: its error, the atomic-update protocol, and how a user is named and referred to.

sqlite_store.py and persistence.py build on this; store.py chooses a store. Nothing here imports a store.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol, runtime_checkable

from ask_sdk_model import RequestEnvelope

from skill.platform.envelope import system_of

RETENTION_DAYS = 90  # a user's record unused this long is deleted (SQLite: a purge; DynamoDB: a time-to-live)


class StoreError(RuntimeError):
    """A store setting is wrong, so the store can never work; the message names the setting, and the fix."""


Change = Callable[[dict[str, Any]], dict[str, Any]]  # the user's attributes as stored now -> what to store
REMOVED = object()  # in a request's writes to the profile (field -> value): the field was removed


def apply(attributes: dict[str, Any], writes: Mapping[str, Any]) -> dict[str, Any]:
    """`attributes` (changed in place) with the fields in `writes` set, or removed where given as REMOVED.

    What is stored when a request wrote to the profile without reading it; and a read profile once loaded.
    """
    for key, value in writes.items():
        if value is REMOVED:
            attributes.pop(key, None)
        else:
            attributes[key] = value
    return attributes


@runtime_checkable
class UpdatingAdapter(Protocol):
    """An adapter that can apply a change to what is stored now, atomically (read, change, write in one go)."""

    def update_attributes(self, request_envelope: RequestEnvelope, change: Change) -> None:
        """Store change(attributes as stored now) for the request's user."""

    def write_fields(self, request_envelope: RequestEnvelope, writes: Mapping[str, Any]) -> None:
        """Set the fields in `writes` (remove those given as REMOVED) on what is stored now, with no read before."""


def user_id_of(envelope: RequestEnvelope) -> str | None:
    """The Alexa user id, as Alexa sends it."""
    system = system_of(envelope)
    if system is not None and system.user is not None and system.user.user_id:
        return system.user.user_id
    if envelope.session is not None and envelope.session.user is not None:
        return envelope.session.user.user_id or None
    return None


def user_ref(user_id: str | None) -> str:
    """A short, stable, non-reversible reference to a user for the logs."""
    import hashlib  # only when something is logged about a user

    return hashlib.sha256((user_id or "").encode()).hexdigest()[:12]
