"""Every question a response can leave open for the next turn, in one place: its kind and what it carries.

A response that asks "Want to hear more?" or "Shall I set a timer?" stores a Pending offer in the session; the
next turn's handlers read it back (and only the next turn: see scopes.TURN_SCOPED). Stored as a small dict,
{"offer": <kind>, <field>: <value>, ...}; anything else found in a session (forged, stale, from an older
version) reads back as no offer at all.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from skill.words.content import Content


class Offer(StrEnum):
    MORE = "more"  # "Want to hear more?" after a topic's answer: yes says its `more`
    ROUTINE = "routine"  # "Shall I guide you through it now?": yes starts the routine
    RESUME = "resume"  # "Pick up where you left off?": yes resumes the saved routine
    FORGET = "forget"  # "Forget what I keep about you?": yes deletes it
    TRIAGE = "triage"  # "How long has it been?": an answer with a time
    TRIAGE_RANGES = "triage_ranges"  # the same, as ranges: "less than a day, a few days, or more than a week?"
    STEP_QUESTION = "step_question"  # a routine step's own question ("Has the worst passed?")
    ALERT = "alert"  # "Shall I set a timer?" / "Shall I remind you?": yes makes it


# Offers that still stand after "hang on" (the skill answers "take your time, tell me when you're ready"): a
# yes then hears more, or starts or resumes a routine. None that deletes or sets anything waits for a yes.
STANDS_AFTER_A_WAIT = frozenset({Offer.MORE, Offer.ROUTINE, Offer.RESUME})

# What each kind carries, and the content collection each field's value must name.
FIELDS: dict[Offer, tuple[str, ...]] = {Offer.MORE: ("topic",), Offer.ROUTINE: ("routine",), Offer.ALERT: ("alert", "due")}
_NAMED_IN = {"topic": "topics", "routine": "routines", "alert": "alerts"}


@dataclass(frozen=True)
class Pending:
    """An offer left open: its kind and, for some kinds, the topic, routine or alert it is about."""

    offer: Offer
    topic: str = ""
    routine: str = ""
    alert: str = ""
    due: str = ""  # an alert's time, as epoch seconds in digits, or "" for "from now"

    def stored(self) -> dict[str, str]:
        """The session's form."""
        return {"offer": self.offer.value, **{name: getattr(self, name) for name in FIELDS.get(self.offer, ())}}

    @classmethod
    def read(cls, value: Any, content: Content) -> Pending | None:
        """The offer a session holds, if it is one this content can take up; None for anything else."""
        if not isinstance(value, dict) or value.get("offer") not in Offer._value2member_map_:
            return None
        offer = Offer(value["offer"])
        fields = FIELDS.get(offer, ())
        if set(value) != {"offer", *fields} or not all(isinstance(value[name], str) for name in fields):
            return None
        for name in fields:
            if name in _NAMED_IN and value[name] not in getattr(content, _NAMED_IN[name]):
                return None
        if offer is Offer.ALERT and (len(value["due"]) > 12 or not (value["due"] == "" or (value["due"].isascii() and value["due"].isdigit()))):
            return None
        return cls(offer, **{name: value[name] for name in fields})
