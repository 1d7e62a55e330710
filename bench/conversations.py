"""The request mix the benchmarks send: whole conversations recorded as Alexa would send them."""
from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.alexa import UtteranceRouter, envelope, intent_request  # noqa: E402

# Q&A, a routine with its controls, a question mid-routine, triage, a red flag, help and repeat, an ice or heat
# session, a sign asked about and one denied, something the skill cannot help with, stop: 47 requests in all.
SCRIPTS: list[list[str | None]] = [
    [None, "heat or ice", "yes", "what can I take", "when should I see a doctor", "stop"],
    [None, "guide me through breathing", "next", "slower", "next", "stop"],
    [None, "guide me through positions", "next", "what about a hot bath", "continue", "next", "stop"],
    [None, "it's been about three days", "how long does it last", "my leg is numb", "stop"],
    [None, "what position helps", "more", "help", "repeat", "how do I sleep with it", "stop"],
    [None, "start ice or heat", "next", "next", "next", "stop"],
    [None, "should I stay in bed", "is it serious", "what about stretching", "thank you"],
    [None, "is tingling a bad sign", "no numbness", "what's the weather", "cancel"],
]
ON_A_SCREEN = {4, 6}  # these conversations are had with an Echo Show (APL screens in the responses)
SCREEN = {"device": {"deviceId": "amzn1.ask.device.SHOW",
                     "supportedInterfaces": {"Alexa.Presentation.APL": {"runtime": {"maxVersion": "2023.3"}}}}}
DURATIONS = {"it's been about three days": "P3D"}
_ROUTER = UtteranceRouter()


def request_for(utterance: str | None) -> dict[str, Any]:
    """The Alexa request object for one thing the user says (None: opening the skill)."""
    if utterance is None:
        return {"type": "LaunchRequest"}
    name, slots, resolved = _ROUTER.route_resolved(utterance)
    if utterance in DURATIONS:
        slots = {"duration": DURATIONS[utterance]}
    return intent_request(name, slots, resolved=resolved)


def converse(send: Callable[[dict], dict], script: list[str | None], user_id: str, screen: bool = False) -> int:
    """Run one conversation through `send` (body -> response JSON), carrying session attributes; returns turns."""
    attributes: dict[str, Any] = {}
    session_id = f"amzn1.echo-api.session.{user_id}"
    for turn, utterance in enumerate(script):
        body = envelope(request_for(utterance), user_id=user_id, attributes=attributes, new=turn == 0, session_id=session_id,
                        system=SCREEN if screen else None)
        reply = send(body)
        if "response" not in reply:
            raise RuntimeError(f"not an Alexa response: {json.dumps(reply)[:200]}")
        attributes = reply.get("sessionAttributes") or {}
        if reply["response"].get("shouldEndSession"):
            break
    return len(script)


def recorded_mix(send: Callable[[dict], dict]) -> list[dict]:
    """Every request body of every script, recorded with the session attributes the skill returned."""
    bodies: list[dict] = []

    def recording(body: dict) -> dict:
        bodies.append(body)
        return send(body)

    for number, script in enumerate(SCRIPTS):
        converse(recording, script, f"amzn1.ask.account.mix{number}", screen=number in ON_A_SCREEN)
    return bodies
