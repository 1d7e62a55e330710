"""Random and mutated Alexa envelopes: never a 5xx; always a valid Alexa response or a 4xx."""
from __future__ import annotations

import copy
import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skill import create_app
from skill.words import ssml

from .alexa import envelope, intent_request

_FOLDER = tempfile.TemporaryDirectory()
APP = create_app({"VERIFY_SIGNATURE": False, "VERIFY_TIMESTAMP": False, "STORE": "sqlite",
                  "STORE_PATH": str(Path(_FOLDER.name) / "hostile.sqlite3")})
CLIENT = APP.test_client()
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

odd_text = st.one_of(
    st.text(max_size=50),
    st.text(alphabet=st.characters(blacklist_categories=["Cs"]), min_size=1000, max_size=20000),
    st.sampled_from(["", " ", "<speak>", "&amp;", "]]>", "\x00", "💥" * 50, "I wet myself", "P?D", "PT5H", "2999-01-01"]),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | odd_text,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
INTENTS = ["HeatOrIceIntent", "QuestionIntent", "HowLongHasItBeenIntent", "StartRoutineIntent", "AMAZON.NextIntent",
           "AMAZON.YesIntent", "ForgetMeIntent", "EmergencyRedFlagIntent", "NoSuchIntent", "AMAZON.ResumeIntent"]
REQUEST_TYPES = ["LaunchRequest", "IntentRequest", "SessionEndedRequest", "CanFulfillIntentRequest", "Made.Up", "System.ExceptionEncountered"]


def assert_acceptable(reply) -> None:
    assert reply.status_code < 500, reply.get_data(as_text=True)[:500]
    if reply.status_code != 200:
        assert 400 <= reply.status_code < 500 and "error" in reply.get_json()
        return
    body = reply.get_json()
    assert isinstance(body, dict) and body.get("version") == "1.0" and isinstance(body.get("response"), dict)
    speech = body["response"].get("outputSpeech")
    if speech is not None:
        assert ssml.problems(speech["ssml"]) == [], speech["ssml"][:300]
        if body["response"].get("shouldEndSession") is False:
            assert body["response"].get("reprompt")


def post(data) -> None:
    raw = data if isinstance(data, (bytes, str)) else json.dumps(data)
    assert_acceptable(CLIENT.post("/", data=raw, content_type="application/json"))


@SETTINGS
@given(json_values)
def test_random_json_bodies(value):
    post(value)


@SETTINGS
@given(st.binary(max_size=2000))
def test_random_bytes(raw):
    post(raw)


def _paths(node, prefix=()):
    if isinstance(node, dict):
        for key, value in node.items():
            yield prefix + (key,)
            yield from _paths(value, prefix + (key,))


@st.composite
def mutated_envelopes(draw):
    request = draw(st.one_of(
        st.just({"type": "LaunchRequest"}),
        st.builds(lambda name, slots: intent_request(name, slots), st.sampled_from(INTENTS),
                  st.dictionaries(st.sampled_from(["query", "duration", "started", "routine", "other"]), odd_text, max_size=3)),
        st.builds(lambda kind: {"type": kind}, st.sampled_from(REQUEST_TYPES)),
    ))
    body = envelope(request, attributes=draw(st.one_of(
        st.just({}),
        st.dictionaries(st.sampled_from(["routine", "pending", "last_reply", "last_topic", "x"]), json_values, max_size=3),
        st.just({"routine": {"routine": "breathing", "step": 1, "pace": 1, "paused": False}}),
    )), new=draw(st.booleans()))
    for _ in range(draw(st.integers(0, 3))):
        paths = list(_paths(body))
        path = draw(st.sampled_from(paths))
        parent = body
        for key in path[:-1]:
            parent = parent[key]
        if draw(st.booleans()):
            parent.pop(path[-1], None)
        else:
            parent[path[-1]] = draw(json_values)
    return copy.deepcopy(body)


@SETTINGS
@given(mutated_envelopes())
def test_mutated_envelopes(body):
    post(body)


@SETTINGS
@given(
    st.sampled_from(INTENTS),
    st.dictionaries(st.text(max_size=20), odd_text, max_size=4),
    st.sampled_from(["STARTED", "IN_PROGRESS", "COMPLETED", "NONSENSE", None]),
)
def test_intents_with_odd_slots_and_dialog_states(name, slots, dialog_state):
    post(envelope(intent_request(name, slots, dialog_state)))
