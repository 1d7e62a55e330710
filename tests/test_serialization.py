"""The endpoint's envelope serializer gives exactly what the SDK's stock serializer gives."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model import RequestEnvelope

from skill.serialization import EnvelopeSerializer

from .alexa import envelope, intent_request

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
