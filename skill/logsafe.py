"""Values from outside, made safe to log: one line, printable, short."""
from __future__ import annotations

MAX_LOGGED_CHARS = 120


def clean(value: object, limit: int = MAX_LOGGED_CHARS) -> str:
    """The value as printable ASCII on one line (control and other characters escaped), cut to `limit`."""
    text = str(value).encode("unicode_escape").decode("ascii")
    return text if len(text) <= limit else text[: limit - 3] + "..."
