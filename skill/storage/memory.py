"""What the skill remembers about a user, and nothing more: pure functions on the stored dict.

Stored per user (the persistent attributes):
  visits            how many times the skill was opened (returning users get a shorter welcome)
  disclaimer_heard  whether the one-line disclaimer has been heard
  pace              the routine pace last chosen with "slower" / "faster"
  routine           a routine in progress: id, step, pace, paused, and when it was last touched
  reminder_declined when the user last said no to the check-in reminder (or refused Alexa's reminders
                    permission): not offered again for DECLINE_QUIET, Alexa's reminder guidelines; then dropped

Nothing about the user's condition is stored: Alexa's policy rejects skills that keep health
information unless they are HIPAA-eligible. When the user says the spasm began is kept in the
session only (`remember_onset` and `hours_since_onset` work on the session attributes), and is
gone when the session ends.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, MutableMapping
from datetime import UTC, datetime, timedelta
from typing import Any

from skill.routine import DEFAULT_PACE, PACES, RoutineState, Shape, from_the_top_of_its_step

RESUME_WINDOW = timedelta(hours=3)  # an unfinished routine older than this is quietly dropped
DECLINE_QUIET = timedelta(days=7)  # a reminder the user said no to is not offered again for this long
DECLINED = "reminder_declined"  # profile key: when (a moment, nothing about the spasm)
ONSET = "spasm_started"  # session attribute key

Profile = MutableMapping[str, Any]


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


_MOMENT = re.compile(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)Z")  # as _iso writes it: read without strptime


def _parse(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = _MOMENT.fullmatch(value)
        if moment is not None:  # a fifth of strptime's time; strptime (which also takes "2026-1-5T...") for the rest
            year, month, day, hour, minute, second = map(int, moment.groups())
            return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
        return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        return None


def _whole(value: Any, below: int | None = None) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0 and (below is None or value < below)


# Each field the skill stores, and the shape it must have; anything else in a profile is dropped.
FIELDS: dict[str, Any] = {
    "visits": _whole,
    "disclaimer_heard": lambda value: isinstance(value, bool),
    "pace": lambda value: _whole(value, len(PACES)),
    "routine": lambda value: isinstance(value, dict) and _parse(value.get("touched")) is not None,
    DECLINED: lambda value: _parse(value) is not None,
}
# Health information earlier versions stored; dropped quietly the first time such a profile is read.
NO_LONGER_STORED = ("spasm_started", "spasm_told")


def tidy(profile: Profile, now: datetime) -> list[str]:
    """Heal and expire a profile as it is read: returns the names of fields of the wrong shape (dropped).

    A field of the wrong shape (a bug, an old version, a hand edit) is dropped and the rest kept, so
    one bad field can never break every launch for that user. Fields past their time are dropped too,
    whatever the request, so nothing outlives what the privacy text promises.
    """
    for key in NO_LONGER_STORED:
        profile.pop(key, None)
    malformed = [key for key, value in profile.items() if key not in FIELDS or not FIELDS[key](value)]
    for key in malformed:
        profile.pop(key)
    routine = profile.get("routine")
    touched = _parse(routine.get("touched")) if isinstance(routine, dict) else None
    if touched is not None and not timedelta(0) <= now - touched <= RESUME_WINDOW:
        forget_routine(profile)
    declined = _parse(profile.get(DECLINED))
    if declined is not None and not timedelta(0) <= now - declined < DECLINE_QUIET:
        profile.pop(DECLINED)
    return malformed


COUNTERS = ("visits",)  # fields two requests at once each add to: both additions are kept
_ABSENT = object()


def merge(stored: Mapping[str, Any], loaded: Mapping[str, Any], changed: Mapping[str, Any]) -> dict[str, Any]:
    """What to store when a request turned the profile `loaded` into `changed`, and `stored` is what the store holds now.

    Another request for the same user may have saved in between (two devices, a retry). Each field
    this request changed is applied to what is stored now, and a count adds what this request added,
    so neither request's update is lost; fields this request left alone keep what is stored now.
    """
    merged = dict(stored)
    for key in loaded.keys() | changed.keys():
        before, after = loaded.get(key, _ABSENT), changed.get(key, _ABSENT)
        if before == after:
            continue
        if after is _ABSENT:
            merged.pop(key, None)
        elif key in COUNTERS and _whole(after) and _whole(merged.get(key, 0)) and (before is _ABSENT or _whole(before)):
            merged[key] = max(0, merged.get(key, 0) + after - (0 if before is _ABSENT else before))
        else:
            merged[key] = after
    return merged


def unsaved_place(loaded: Mapping[str, Any], changed: Mapping[str, Any]) -> bool:
    """Whether `changed` holds a place in a routine that `loaded` does not: one the user would lose unsaved."""
    return changed.get("routine") is not None and changed.get("routine") != loaded.get("routine")


def note_visit(profile: Profile) -> None:
    """Count a visit (returning users get a shorter welcome)."""
    visits = profile.get("visits")
    profile["visits"] = (visits if isinstance(visits, int) and visits >= 0 else 0) + 1


def note_disclaimer(profile: Profile) -> bool:
    """The disclaimer is being said; True when this user has never heard it (so the full one is due)."""
    first = profile.get("disclaimer_heard") is not True
    profile["disclaimer_heard"] = True
    return first


def remember_routine(profile: Profile, state: RoutineState, now: datetime) -> None:
    """Keep the routine in progress, and its pace as the user's preference."""
    profile["routine"] = {**state.to_dict(), "touched": _iso(now)}
    profile["pace"] = state.pace


def forget_routine(profile: Profile) -> None:
    """The routine finished, stopped, or was declined."""
    profile.pop("routine", None)


def resumable_routine(profile: Profile, now: datetime, shapes: Mapping[str, Shape]) -> RoutineState | None:
    """The unfinished routine touched within the resume window, from the top of its step (the user
    may have moved since); an older or broken one is dropped."""
    stored = profile.get("routine")
    if stored is None:
        return None
    touched = _parse(stored.get("touched")) if isinstance(stored, dict) else None
    state = RoutineState.from_dict(stored, shapes)
    if state is None or touched is None or not timedelta(0) <= now - touched <= RESUME_WINDOW:
        forget_routine(profile)
        return None
    return from_the_top_of_its_step(state, shapes[state.routine])


def preferred_pace(profile: Profile) -> int:
    """The pace the user last chose, or the default."""
    pace = profile.get("pace")
    return pace if isinstance(pace, int) and not isinstance(pace, bool) and 0 <= pace < len(PACES) else DEFAULT_PACE


def note_reminder_declined(profile: Profile, now: datetime) -> None:
    """The user said no to a reminder: remember when, so none is offered for DECLINE_QUIET."""
    profile[DECLINED] = _iso(now)


def reminder_declined(profile: Profile, now: datetime) -> bool:
    """Whether the user said no to a reminder within DECLINE_QUIET (a later or broken record is dropped)."""
    declined = _parse(profile.get(DECLINED))
    if declined is None or not timedelta(0) <= now - declined < DECLINE_QUIET:
        profile.pop(DECLINED, None)
        return False
    return True


def remember_onset(session: MutableMapping[str, Any], started: datetime) -> None:
    """When the spasm began, as the user told it: in the session, never stored."""
    session[ONSET] = _iso(started)


def hours_since_onset(session: MutableMapping[str, Any], now: datetime) -> float | None:
    """Hours since the start the user told earlier in this session (a broken or future one is dropped)."""
    started = _parse(session.get(ONSET))
    if started is None or started > now:
        session.pop(ONSET, None)
        return None
    return (now - started).total_seconds() / 3600


def valid_moment(value: Any) -> bool:
    """A moment as this module writes it (for checking session attributes)."""
    return _parse(value) is not None
