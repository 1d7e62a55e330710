"""The endpoint's serializer gives exactly what the SDK's stock serializer gives, reading requests and writing responses."""
from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path

import pytest
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model import RequestEnvelope
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import skill.server.web
from skill.platform.alexa_api import REMINDERS, TIMERS
from skill.platform.serialization import EnvelopeSerializer

from .alexa import Alexa, UtteranceRouter, envelope, intent_request
from .test_hostile import json_values, mutated_envelopes

EXAMPLES = sorted((Path(__file__).parent / "requests").glob("*.json"))
STOCK, FAST = DefaultSerializer(), EnvelopeSerializer()


def bodies():
    for path in EXAMPLES:
        yield path.name, path.read_text()
    for stamp in ["2026-11-23T10:00:00Z", "2026-11-23T10:00:00.123Z", "2026-11-23T10:00:00+02:00", "2026-11-23T10:00:00",
                  "2026-11-23 10:00:00Z", "Nov 23 2026 10:00"]:
        body = envelope(intent_request("HowLongHasItBeenIntent", {"duration": "P3D"}, dialog_state="IN_PROGRESS"),
                        attributes={"routine": {"routine": "breathing", "step": 1, "pace": 2, "paused": False}})
        body["request"]["timestamp"] = stamp
        yield stamp, json.dumps(body)


@pytest.mark.parametrize("name, text", list(bodies()))
def test_same_envelope_as_the_stock_serializer(name, text):
    stock = STOCK.deserialize(text, RequestEnvelope)
    fast = FAST.envelope(json.loads(text))
    assert fast == stock
    assert fast.request is not None and stock.request is not None
    assert fast.request.timestamp == stock.request.timestamp
    assert fast.request.timestamp is not None and stock.request.timestamp is not None
    assert fast.request.timestamp.utcoffset() == stock.request.timestamp.utcoffset()


def test_iso_timestamps_skip_dateutil(monkeypatch):
    import dateutil.parser

    def refuse(*args, **kwargs):
        raise AssertionError("dateutil was used")

    monkeypatch.setattr(dateutil.parser, "parse", refuse)
    parsed = FAST.envelope(json.loads(EXAMPLES[0].read_text()))
    assert parsed.request is not None and parsed.request.timestamp is not None
    assert parsed.request.timestamp.year == 2026


def _read(serializer_call):
    try:
        return serializer_call()
    except Exception as error:  # the same failure, or the same envelope
        return type(error).__name__


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(mutated_envelopes(), st.dictionaries(st.sampled_from(["version", "session", "context", "request"]),
                                                      json_values, max_size=4)))
def test_any_body_reads_as_the_stock_serializer_reads_it(body):
    stock = _read(lambda: STOCK.deserialize(json.dumps(body), RequestEnvelope))
    assert _read(lambda: FAST.envelope(copy.deepcopy(body))) == stock


# Declared types of every kind the SDK's reader tells apart: primitives, lists, dicts, dates, enums, models with and
# without a discriminator, object, and a class name that does not exist.
DECLARED = ["str", "int", "float", "bool", "object", "datetime", "date", "list[str]", "list[int]", "dict(str, str)",
            "dict(str, ask_sdk_model.slot.Slot)", "list[ask_sdk_model.slu.entityresolution.resolution.Resolution]",
            "ask_sdk_model.dialog_state.DialogState", "ask_sdk_model.request.Request", "ask_sdk_model.intent.Intent",
            "ask_sdk_model.no.such.Model", RequestEnvelope]


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(DECLARED), json_values | st.sampled_from(["2026-11-23T10:00:00Z", "Nov 23 2026", "STARTED", "12"])
       | st.fixed_dictionaries({"type": st.sampled_from(["IntentRequest", "LaunchRequest", "Nope"]), "intent": json_values}))
def test_any_value_of_any_declared_type_reads_as_the_stock_serializer_reads_it(declared, value):
    text = json.dumps(value)
    assert _read(lambda: FAST.deserialize(text, declared)) == _read(lambda: STOCK.deserialize(text, declared))


class CheckedSerializer(EnvelopeSerializer):
    """The endpoint's serializer, checking every response it writes against the stock serializer's, key order too."""

    def __init__(self) -> None:
        self.directives: list[str] = []

    def serialize(self, obj):
        if obj.__class__.__name__ != "ResponseEnvelope":
            return super().serialize(obj)
        ours = super().serialize(obj)
        assert json.dumps(ours) == json.dumps(STOCK.serialize(obj))
        self.directives += [directive["type"] for directive in ours["response"].get("directives", [])] or ["none"]
        return ours


SCREEN = {"device": {"deviceId": "amzn1.ask.device.SHOW", "supportedInterfaces": {
    "Alexa.Presentation.APL": {"runtime": {"maxVersion": "2023.3"}}}}}
GRANTED = {"user": {"permissions": {"scopes": {TIMERS: {"status": "GRANTED"}, REMINDERS: {"status": "GRANTED"}}}}}


@pytest.mark.parametrize("system", [{}, SCREEN, GRANTED], ids=["voice", "screen", "granted"])
@pytest.mark.parametrize("locale", ["en-US", "en-GB"])
def test_every_response_is_written_as_the_stock_serializer_writes_it(client, monkeypatch, system, locale):
    from bench.conversations import SCRIPTS

    checked = CheckedSerializer()
    monkeypatch.setattr(skill.server.web, "SERIALIZER", checked)
    alexa = Alexa(client, UtteranceRouter(), system=system, locale=locale)
    for script in [*SCRIPTS, [None, "start ice or heat", "next", "next", "next", "next", "next", "yes"],
                   [None, "it's been three hours", "yes"], [None, "set the timer"], [None, "what's the weather"]]:
        for utterance in script:
            reply = alexa.launch() if utterance is None else alexa.say(utterance)
            if reply.ended:
                break
        alexa.end_session()
    assert len(checked.directives) > 30
    assert "Alexa.Presentation.APL.RenderDocument" in checked.directives if system is SCREEN else True
    assert "Connections.SendRequest" in checked.directives if system == {} else True


def _containers(value) -> list[int]:
    if isinstance(value, dict):
        return [id(value), *(i for item in value.values() for i in _containers(item))]
    if isinstance(value, list):
        return [id(value), *(i for item in value for i in _containers(item))]
    return []


@settings(deadline=None)
@given(st.dictionaries(st.text(max_size=8), json_values, max_size=5))
def test_the_session_attributes_the_sdk_copies_are_a_whole_copy(attributes):
    from ask_sdk_core.attributes_manager import AttributesManager

    from skill.platform import envelope as envelopes

    read = envelopes.read(json.loads(json.dumps(envelope(intent_request("AMAZON.HelpIntent"), attributes=attributes))))
    assert read.session is not None
    copied = AttributesManager(request_envelope=read).session_attributes  # what the SDK gives the handlers
    assert copied == attributes == read.session.attributes and type(copied) is dict
    assert not set(_containers(copied)) & set(_containers(read.session.attributes))  # nothing shared


@settings(deadline=None)
@given(st.dictionaries(st.text(max_size=8), json_values, max_size=5))
def test_plain_json_is_written_as_it_is_and_as_the_stock_serializer_writes_it(value):
    from skill.platform.serialization import PlainJson

    plain = PlainJson(value)
    assert FAST.serialize(plain) is plain
    assert json.dumps(FAST.serialize(plain)) == json.dumps(STOCK.serialize(plain)) == json.dumps(value)


@pytest.mark.parametrize("value", [{"a": (1, 2)}, {"a": [{"b": object()}]}, {"when": date(2026, 1, 1)}])
def test_only_plain_json_passes_as_it_is(value):
    from skill.platform.serialization import PlainJson

    with pytest.raises(ValueError):
        PlainJson(value)
