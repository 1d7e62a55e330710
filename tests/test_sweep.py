"""Every state the skill can be in, met with every intent of the model (and SessionEndedRequest).

For each cell the conversation helper already checks: HTTP 200, valid SSML, a reprompt whenever the
session stays open. On top, each cell asserts:
  - red flags first: a red-flag intent escalates and ends whatever was under way;
  - the routine is kept, with the way back said, or ended on purpose (stop, home, a red flag, the end);
  - no stale offer: a "yes" after the cell never accepts a question the cell did not ask again;
  - no doubled words in anything said, and no sentence or run of five words said twice in one response (a routine's
    repeated beats aside: repeating them is the exercise);
  - a session left open ends with a question or says what to say;
  - stop and cancel ("never mind") end the session from every state, mid-routine included.
"""
from __future__ import annotations

import copy
import json
import re
import sqlite3
from collections.abc import Callable

import pytest

from skill.words import content as content_module

from .alexa import MODEL_PATH, Alexa, intent_request, said_twice

CONTENT = content_module.load()
MODEL = json.loads(MODEL_PATH.read_text())["interactionModel"]["languageModel"]
COME_BACK = CONTENT.routine_prompts["come_back"]
DOUBLED = re.compile(r"\b(\w+)\s+\1\b", re.IGNORECASE)

# One request per intent of the model, with slots as Alexa would fill them.
SLOTS = {
    "QuestionIntent": {"query": "what about a hot bath"},
    "StartRoutineIntent": {"routine": "breathing"},
    "HowLongHasItBeenIntent": {"duration": "P3D"},
}
REQUESTS: list[tuple[str, dict]] = [
    (intent["name"], intent_request(intent["name"], SLOTS.get(intent["name"]))) for intent in MODEL["intents"]
] + [
    ("SomeIntentFromANewerModel", intent_request("SomeIntentFromANewerModel")),
    ("HowLongHasItBeenIntent, no time said", intent_request("HowLongHasItBeenIntent")),
    ("SessionEndedRequest", {"type": "SessionEndedRequest", "reason": "EXCEEDED_MAX_REPROMPTS"}),
]
RED_FLAGS = {flag.intent: flag for flag in CONTENT.red_flags.values()}
ENDS_ROUTINE = {"AMAZON.StopIntent", "AMAZON.CancelIntent", "AMAZON.NavigateHomeIntent", "SessionEndedRequest",
                *(intent for intent, flag in RED_FLAGS.items() if flag.ends_routine)}


REPEATED_BEATS = sorted({beat.say for routine in CONTENT.routines.values() for step in routine.steps for beat in step.each
                         if "{" not in beat.say}, key=len, reverse=True)
INVITES = re.compile(r"\?|\b(say|tell me|ask|ready|for example)\b", re.IGNORECASE)


def repeated_in(reply) -> list[str]:
    """What one response says twice, a routine step's repeated beats left out."""
    speech = reply.speech
    if (reply.attributes.get("last_reply") or {}).get("routine_step"):
        for beat in REPEATED_BEATS:
            speech = speech.replace(beat, " ")
    return said_twice(speech)


def last_sentence(speech: str) -> str:
    sentences = [s for s in re.split(r"(?<=[.?!])\s+", speech.strip()) if s]
    return sentences[-1] if sentences else ""


def routine_in(alexa_or_reply) -> dict | None:
    attributes = alexa_or_reply.attributes
    return attributes.get("routine") if isinstance(attributes, dict) else None


# --- States: each a short conversation that leaves the skill in it ---------------------------

def s_new_session(alexa: Alexa) -> None:
    """Nothing said yet: a one-shot request opens the session."""


def s_launched(alexa: Alexa) -> None:
    alexa.launch()


def s_resume_offer(alexa: Alexa) -> None:
    alexa.say("guide me through positions")
    alexa.say("skip")
    alexa.end_session("EXCEEDED_MAX_REPROMPTS")
    alexa.launch()


def s_more_offered(alexa: Alexa) -> None:
    alexa.say("heat or ice")


def s_more_told(alexa: Alexa) -> None:
    alexa.say("heat or ice")
    alexa.say("yes")


def s_forget_asked(alexa: Alexa) -> None:
    alexa.launch()
    alexa.say("forget me")


def s_triage_asked(alexa: Alexa) -> None:
    alexa.say("how long has it been")


def s_triage_advised(alexa: Alexa) -> None:
    alexa.intent("HowLongHasItBeenIntent", {"duration": "PT5H"})


def s_help(alexa: Alexa) -> None:
    alexa.say("help")


def s_fallback(alexa: Alexa) -> None:
    alexa.say("sing me a song")


def s_routines_listed(alexa: Alexa) -> None:
    alexa.say("what routines are there")


def in_routine(routine: str, *then: str) -> Callable[[Alexa], None]:
    def setup(alexa: Alexa) -> None:
        alexa.say(f"guide me through {routine}")
        for utterance in then:
            alexa.say(utterance)
    return setup


STATES: dict[str, Callable[[Alexa], None]] = {
    "new session": s_new_session,
    "launched": s_launched,
    "resume offered": s_resume_offer,
    "more offered": s_more_offered,
    "more told": s_more_told,
    "forget-me asked": s_forget_asked,
    "how-long asked": s_triage_asked,
    "triage advised": s_triage_advised,
    "help": s_help,
    "fallback": s_fallback,
    "routines listed": s_routines_listed,
    "breathing, first step": in_routine("breathing"),
    "breathing, paused": in_routine("breathing", "pause"),
    "breathing, slowest": in_routine("breathing", "slower", "slower"),
    "positions, moving into place": in_routine("positions", "next"),
    "positions, holding": in_routine("positions", "next", "ready"),
    "positions, last step": in_routine("positions", "skip", "skip", "skip", "skip"),
    "exercises, asked whether the worst has passed": in_routine("stretches"),
    "exercises, answer mid-routine": in_routine("stretches", "next", "heat or ice"),
    "exercises, help mid-routine": in_routine("stretches", "help"),
    "exercises, waiting after no": in_routine("stretches", "no"),
    "ice or heat, placing the pack": in_routine("ice or heat", "next"),
}

# The questions a "yes" can accept, and the requests that legitimately ask them again: "repeat" says the
# same question once more, "forget me" asks it anew, and a question about heat or ice offers its more again.
# Judged from the request, never from the session, which is exactly what a stale offer would corrupt.
RENEWED_BY = {
    "forget": {"ForgetMeIntent", "AMAZON.RepeatIntent", "PardonIntent"},
    "more": {"HeatOrIceIntent", "QuestionIntent", "AMAZON.RepeatIntent", "PardonIntent",  # the state's topic is heat or ice
             "AMAZON.PauseIntent"},  # "hang on": take your time, and the offer stands (tests/test_offers.py)
    "resume": {"AMAZON.RepeatIntent", "PardonIntent"},
}


def stored_users(path) -> set[str]:
    with sqlite3.connect(path) as connection:
        return {user for (user,) in connection.execute("SELECT user_id FROM attributes")}


def in_state(base: Alexa, store_path, user_id: str) -> Alexa:
    """A user of their own in the state `base` was set up in: the same stored profile (a copy of base's row: the
    store keeps nothing else of a user) and the same conversation so far, as if the setup had been said again."""
    connection = sqlite3.connect(store_path)
    with connection:
        connection.execute("DELETE FROM attributes WHERE user_id = ?", (user_id,))
        connection.execute("INSERT INTO attributes (user_id, data, updated_at) SELECT ?, data, updated_at FROM attributes "
                           "WHERE user_id = ?", (user_id, base.user_id))
    connection.close()
    alexa = copy.copy(base)
    alexa.attributes, alexa.user_id = copy.deepcopy(base.attributes), user_id
    return alexa


@pytest.mark.parametrize("state_name", list(STATES))
def test_every_state_meets_every_intent(client, router, store_path, state_name):
    problems: list[str] = []
    base = Alexa(client, router, user_id="amzn1.ask.account.sweep-state")
    STATES[state_name](base)  # set up once; each intent meets it as a user of its own (in_state)
    for number, (name, request) in enumerate(REQUESTS):
        alexa = in_state(base, store_path, f"amzn1.ask.account.sweep{number}")
        before = routine_in(alexa)
        offer = (alexa.attributes.get("pending") or {}).get("offer") if alexa.session_id else None
        reply = alexa.post(json.loads(json.dumps(request)))  # 200, valid SSML, reprompt when open
        cell = f"{state_name} + {name}"
        said = f"{reply.speech} {reply.reprompt}"
        if DOUBLED.search(said):
            problems.append(f"{cell}: doubled word in {said!r}")
        if repeated_in(reply):
            problems.append(f"{cell}: said twice in one response: {repeated_in(reply)} in {reply.speech!r}")
        if not reply.ended and name != "SessionEndedRequest" and reply.speech and not INVITES.search(last_sentence(reply.speech)):
            problems.append(f"{cell}: the session stays open, but the last words ask nothing: {reply.speech!r}")

        if name in ("AMAZON.StopIntent", "AMAZON.CancelIntent") and not reply.ended:
            problems.append(f"{cell}: stop or cancel left the session open")  # certification: from every state

        flag = RED_FLAGS.get(name)
        if flag is not None:
            if not reply.speech.startswith(re.sub(r"\{\w+\}.*", "", flag.answer).strip()):
                problems.append(f"{cell}: red flag not first: {reply.speech!r}")
            if flag.ends_routine and routine_in(reply):
                problems.append(f"{cell}: a red flag that sends to a doctor today left the routine going")
            if flag.ends_routine or not before:
                continue

        # A hand-over (Connections.SendRequest: Alexa asks for a permission) has no reprompt by Alexa's rules; the
        # answer comes back to the skill, and a routine under way is remembered meanwhile.
        hands_over = any(directive.get("type") == "Connections.SendRequest" for directive in reply.directives)
        open_session = not reply.ended and name != "SessionEndedRequest" and not hands_over
        after = routine_in(reply) if open_session else None
        asks = bool(reply.attributes.get("pending")) if open_session else False  # its answer will lead back
        if before and open_session and name not in ENDS_ROUTINE:
            routine = CONTENT.routines[before["routine"]]
            endings = [routine.outro, *(step.if_no for step in routine.steps if step.if_no)]  # ended on purpose
            if after is None and not any(ending in reply.speech for ending in endings):
                problems.append(f"{cell}: routine dropped without being ended: {reply.speech!r}")
        if after and COME_BACK not in reply.reprompt:
            problems.append(f"{cell}: in a routine, the reprompt does not say how to come back")
        if after and not asks and not re.search(r"\b(next|ready|resume|continue)\b", said, re.IGNORECASE):
            problems.append(f"{cell}: in a routine, nothing says the way on: {said!r}")

        # A "yes" now must not accept the state's question unless this cell asked it again.
        if offer in RENEWED_BY and name not in RENEWED_BY[offer]:
            users_before = stored_users(store_path)
            routine_before_yes = routine_in(alexa) if alexa.session_id else None
            yes = alexa.say("yes")
            if offer == "forget" and alexa.user_id in users_before and alexa.user_id not in stored_users(store_path):
                problems.append(f"{cell} + yes: a stale forget-me deleted the user's data")
            if offer == "more" and (CONTENT.topics["heat_or_ice"].more or "") in yes.speech:
                problems.append(f"{cell} + yes: a stale offer of more was played")
            if offer == "resume" and routine_before_yes is None and routine_in(yes):
                problems.append(f"{cell} + yes: a stale resume offer was taken")
    assert not problems, "\n".join(problems)


def test_the_sweep_covers_every_intent_of_the_model():
    assert {name for name, _ in REQUESTS} >= {intent["name"] for intent in MODEL["intents"]}
    assert len(STATES) >= 20
