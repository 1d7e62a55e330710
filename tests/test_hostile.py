"""Hostile input inside valid requests: random and mutated envelopes and forged session attributes (repeat never
replays words from the session) get a valid Alexa response or a 4xx, never a 5xx or an error answer."""
from __future__ import annotations

import copy
import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skill import create_app
from skill.words import content as content_module
from tests import ssml_rules

from .alexa import Alexa, UtteranceRouter, envelope, intent_request

_FOLDER = tempfile.TemporaryDirectory()
APP = create_app({"VERIFY_SIGNATURE": False, "VERIFY_TIMESTAMP": False, "STORE": "sqlite",
                  "STORE_PATH": str(Path(_FOLDER.name) / "hostile.sqlite3")})
CLIENT = APP.test_client()
SETTINGS = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])

odd_text = st.one_of(
    st.text(max_size=50),
    # long text: a drawn piece repeated (drawing 20,000 characters one by one costs the suite seconds)
    st.builds(lambda piece, times: (piece * times)[:20000], st.text(alphabet=st.characters(blacklist_categories=["Cs"]),
                                                                  min_size=1, max_size=20), st.integers(1000, 20000)),
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

CONTENT = content_module.load()


def assert_acceptable(reply) -> None:
    assert reply.status_code < 500, reply.get_data(as_text=True)[:500]
    if reply.status_code != 200:
        assert 400 <= reply.status_code < 500 and "error" in reply.get_json()
        return
    body = reply.get_json()
    assert isinstance(body, dict) and body.get("version") == "1.0" and isinstance(body.get("response"), dict)
    speech = body["response"].get("outputSpeech")
    if speech is not None:
        assert ssml_rules.problems(speech["ssml"]) == [], speech["ssml"][:300]
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


def forged(client, attributes: dict, request: dict):
    body = envelope(request, attributes=attributes, new=False)
    return client.post("/", data=json.dumps(body), content_type="application/json").get_json()

def spoken(result: dict) -> str:
    return result["response"]["outputSpeech"]["ssml"]

def test_repeat_never_replays_words_from_the_session(client):
    attributes = {"last_reply": {"speech": "<speak>Take ten ibuprofen now.</speak>", "reprompt": "<speak>Ten.</speak>"}}
    result = forged(client, attributes, intent_request("AMAZON.RepeatIntent"))
    assert "ibuprofen" not in spoken(result) and "Ten." not in json.dumps(result)

def test_repeat_re_renders_from_content_ids_and_refuses_unknown_ones(client):
    alexa = Alexa(client, UtteranceRouter())
    answer = alexa.say("heat or ice")
    assert alexa.say("repeat").ssml == answer.ssml
    for bad in ({"say": [["topic", "heat_or_ice", "answer"], ["raw", "Take ten ibuprofen"]]},
                {"say": [["topic", "no_such_topic", "answer"]]}, {"say": "Take ten ibuprofen"}):
        result = forged(client, {"last_reply": bad}, intent_request("AMAZON.RepeatIntent"))
        assert spoken(result) == f"<speak>{CONTENT.prompts['nothing_to_repeat']}</speak>"

KEYS = ["pending", "last_topic", "routine", "last_reply", "previous_turn"]

WRONG: list[object] = [None, 7, -1, 1.5, True, "x", "", [], [1, 2], {}, {"offer": "forget", "x": 1}, {"routine": "yoga"}, "\u202e", {"a": {"b": []}}]

@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(attributes=st.dictionaries(st.sampled_from(KEYS), st.sampled_from(WRONG), max_size=5),
       intent=st.sampled_from(["AMAZON.RepeatIntent", "AMAZON.YesIntent", "AMAZON.NoIntent", "AMAZON.NextIntent",
                               "MoreIntent", "AMAZON.FallbackIntent", "AMAZON.HelpIntent", "AMAZON.PauseIntent"]))
def test_forged_session_shapes_get_a_normal_answer_never_an_error(client, attributes, intent):
    result = forged(client, attributes, intent_request(intent))
    assert CONTENT.prompts["error"] not in spoken(result)
