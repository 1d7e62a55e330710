"""Reads how long the spasm has been going on from Alexa's slot values, with care.

AMAZON.DURATION arrives as ISO-8601 (PT5H, P3D, P2W, P1DT6H, P2M); AMAZON.DATE as a calendar
date (2026-11-20), a week (2026-W47), a month (2026-11) or a year. Anything unparseable,
negative, in the future or implausibly long gives None, and the skill asks again.

Alexa resolves a date in the device's own time zone ("yesterday" at 10:45 PM in New York is New York's
yesterday), so a date is read against the clock in that zone. A date names a day, not a time, so:
  - today ("this morning", "today") counts from TODAY_FROM, 8 AM local: a spasm that began "this morning"
    is 14 hours old at 10 PM. Before 8 AM it counts from midnight.
  - an earlier day counts from the same clock time that day: "yesterday" is 24 hours, two days ago 48.
Without the time zone, a date within a day of today in UTC could be today or yesterday where the user is;
such a date gives None rather than a guess (see `needs_time_zone`).
"""
from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, tzinfo

HOURS_PER = {"Y": 365 * 24, "M_DATE": 30 * 24, "W": 7 * 24, "D": 24, "H": 1, "M_TIME": 1 / 60, "S": 1 / 3600}
MAX_HOURS = 50 * 365 * 24  # longer than fifty years is not a spasm's duration

_DURATION = re.compile(
    r"^P(?!$)(?:(?P<Y>\d+(?:\.\d+)?)Y)?(?:(?P<M_DATE>\d+(?:\.\d+)?)M)?(?:(?P<W>\d+(?:\.\d+)?)W)?(?:(?P<D>\d+(?:\.\d+)?)D)?"
    r"(?:T(?=\d)(?:(?P<H>\d+(?:\.\d+)?)H)?(?:(?P<M_TIME>\d+(?:\.\d+)?)M)?(?:(?P<S>\d+(?:\.\d+)?)S)?)?$"
)


def hours_from_duration(value: str | None) -> float | None:
    """Hours in an ISO-8601 duration, or None when it cannot be a spasm's duration."""
    if not value:
        return None
    match = _DURATION.match(value.strip().upper())
    if not match:
        return None
    hours = sum(float(amount) * HOURS_PER[unit] for unit, amount in match.groupdict().items() if amount)
    if hours > MAX_HOURS:
        return None
    return hours


TODAY_FROM = time(8)  # "this morning", "today": counted from 8 AM local (from midnight before 8 AM)


def start_date(value: str | None) -> date | None:
    """The first day of the date Alexa heard (a day, week, month or year), or None if it is none."""
    value = (value or "").strip().upper()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return date.fromisoformat(value)
        if re.fullmatch(r"\d{4}-W\d{2}", value):
            return date.fromisocalendar(int(value[:4]), int(value[6:8]), 1)
        if re.fullmatch(r"\d{4}-\d{2}", value):
            return date(int(value[:4]), int(value[5:7]), 1)
        if re.fullmatch(r"\d{4}", value):
            return date(int(value), 1, 1)
    except ValueError:
        return None
    return None


def needs_time_zone(value: str | None, now: datetime) -> bool:
    """Whether a date is within a day of today in UTC: today or yesterday, depending on where the user is."""
    start = start_date(value)
    return start is not None and abs((start - now.astimezone(UTC).date()).days) <= 1


def hours_since_date(value: str | None, now: datetime, zone: tzinfo | None) -> float | None:
    """Hours since the date Alexa heard began, read in the device's time zone (see the module docstring).

    None for no date, a future one, or, with no zone to read it in, one that could be today or yesterday.
    """
    start = start_date(value)
    if start is None or (zone is None and needs_time_zone(value, now)):
        return None
    local = now.astimezone(zone or UTC)
    today = local.date()
    if start > today:
        return None
    if start == today:
        anchor = datetime.combine(today, TODAY_FROM if local.time() >= TODAY_FROM else time(0), local.tzinfo)
        return max(0.0, (now - anchor).total_seconds() / 3600)
    hours = (today - start).days * 24.0
    return hours if hours <= MAX_HOURS else None


def started_at(now: datetime, hours: float) -> datetime:
    """The moment the spasm began, given how many hours ago."""
    return now - timedelta(hours=hours)
