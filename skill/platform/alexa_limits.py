"""What Alexa's Timers API allows a skill, in one place: the content rules, the skill and the fake read these.

From Alexa's "Best Practices for Timers" (Observe timer constraints): a timer lasts at most two hours from its
creation; a user has at most ten timers, their own and skills' together; a timer's label must be unique. The
Timers REST API reference adds that creating a timer whose label is in use is answered with a 400, and the
ASK SDK's Timers client (generated from Amazon's API definition) lists 403 Forbidden for creating a timer
only: the answer when the user's timers are full.
"""
from __future__ import annotations

TIMER_MAX_MINUTES = 120
TIMERS_AT_ONCE = 10
