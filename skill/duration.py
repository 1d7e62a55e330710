"""Reads how long the spasm has been going on from Alexa's slot values, with care.

AMAZON.DURATION arrives as ISO-8601 (PT5H, P3D, P2W, P1DT6H, P2M); AMAZON.DATE as a calendar
date (2026-11-20), a week (2026-W47), a month (2026-11) or a year. Anything unparseable,
negative, in the future or implausibly long gives None, and the skill asks again.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta

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


def hours_since_date(value: str | None, now: datetime) -> float | None:
    """Hours since the start of the date Alexa heard (a day, week, month or year), or None."""
    if not value:
        return None
    value = value.strip().upper()
    today = now.date()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            start = date.fromisoformat(value)
        elif re.fullmatch(r"\d{4}-W\d{2}", value):
            start = date.fromisocalendar(int(value[:4]), int(value[6:8]), 1)
        elif re.fullmatch(r"\d{4}-\d{2}", value):
            start = date(int(value[:4]), int(value[5:7]), 1)
        elif re.fullmatch(r"\d{4}", value):
            start = date(int(value), 1, 1)
        else:
            return None
    except ValueError:
        return None
    if start > today:
        return None
    if start == today:
        # "It started today": the hour is unknown; count it as just begun, and the answer
        # for the early hours still says when to call a doctor.
        return 0.0
    hours = (today - start).days * 24.0
    return hours if hours <= MAX_HOURS else None


def started_at(now: datetime, hours: float) -> datetime:
    """The moment the spasm began, given how many hours ago."""
    return now - timedelta(hours=hours)
