"""The HTTP endpoint: bad input gets a 4xx with a short reason, never a 500 or a stack trace."""
from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from skill import create_app

from .alexa import SKILL_ID, Alexa, envelope, intent_request

EXAMPLES = Path(__file__).parent / "requests"


def post(client, body, content_type="application/json"):
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return client.post("/", data=data, content_type=content_type)


def test_health(client):
    reply = client.get("/health")
    assert reply.status_code == 200 and reply.get_json() == {"status": "ok"}


@pytest.mark.parametrize("example", sorted(p.name for p in EXAMPLES.glob("*.json")))
def test_the_example_request_files_get_spoken_answers(client, example):
    reply = post(client, (EXAMPLES / example).read_text())
    assert reply.status_code == 200
    assert reply.get_json()["response"]["outputSpeech"]["ssml"].startswith("<speak>")


@pytest.mark.parametrize(
    "body, content_type, reason",
    [
        ("not json at all", "application/json", "not valid JSON"),
        (b"\xff\xfe\x00", "application/json", "not valid JSON"),
        ("[1, 2, 3]", "application/json", "no request object"),
        ({"version": "1.0"}, "application/json", "no request object"),
        ({"version": "1.0", "request": {"requestId": "x"}}, "application/json", "no request type"),
        ({"version": "1.0", "request": {"type": 42}}, "application/json", "no request type"),
        ({"request": {"type": "LaunchRequest"}}, "text/plain", "Content-Type"),
        (
            {"version": "1.0", "request": {"type": "IntentRequest", "timestamp": "not a time"}},
            "application/json",
            "malformed",
        ),
    ],
)
def test_malformed_requests_get_400_with_a_short_reason(client, body, content_type, reason):
    reply = post(client, body, content_type)
    assert reply.status_code == 400
    assert reason in reply.get_json()["error"]
    assert "Traceback" not in reply.get_data(as_text=True)


def test_get_on_the_skill_endpoint_is_405(client):
    assert client.get("/").status_code == 405


def test_a_huge_body_is_413(client):
    reply = post(client, "x" * (200 * 1024))
    assert reply.status_code == 413


def test_a_request_with_no_session_still_gets_an_answer(client):
    body = envelope(intent_request("HeatOrIceIntent"))
    del body["session"]
    reply = post(client, body)
    assert reply.status_code == 200
    assert "towel" in reply.get_json()["response"]["outputSpeech"]["ssml"]


@pytest.mark.parametrize("slots", [{"query": ""}, {"nonsense": "x" * 5000}, {}])
def test_missing_or_unexpected_slots_are_a_spoken_answer(client, slots):
    reply = post(client, envelope(intent_request("PainReliefIntent", slots)))
    assert reply.status_code == 200
    assert "ibuprofen" in reply.get_json()["response"]["outputSpeech"]["ssml"]


@pytest.mark.parametrize("request_type", ["Messaging.MessageReceived", "AlexaSkillEvent.SkillEnabled"])
def test_requests_that_are_not_spoken_turns_get_a_quiet_empty_response(client, request_type):
    reply = post(client, envelope({"type": request_type}))
    assert reply.status_code == 200
    assert "outputSpeech" not in reply.get_json()["response"]


def test_a_request_type_alexa_does_not_define_is_400(client):
    reply = post(client, envelope({"type": "Totally.Unknown"}))
    assert reply.status_code == 400


class TestSkillId:
    @pytest.fixture
    def app_config(self):
        return {"VERIFY_SIGNATURE": False, "VERIFY_TIMESTAMP": False, "SKILL_ID": SKILL_ID}

    def test_requests_for_this_skill_are_answered(self, client):
        assert post(client, envelope({"type": "LaunchRequest"})).status_code == 200

    def test_requests_for_another_skill_are_400(self, client):
        reply = post(client, envelope({"type": "LaunchRequest"}, skill_id="amzn1.ask.skill.someone-else"))
        assert reply.status_code == 400
        assert "another skill" in reply.get_json()["error"]


def test_verification_is_on_by_default(monkeypatch):
    for name in ("ASK_SDK_VERIFY_SIGNATURE", "ASK_SDK_VERIFY_TIMESTAMP", "ALLOW_ANY_SKILL_ID"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SKILL_ID", SKILL_ID)
    client = create_app({"STORE": "none"}).test_client()
    reply = post(client, envelope({"type": "LaunchRequest"}))
    assert reply.status_code == 400
    assert "Signature" in reply.get_json()["error"]
    assert "ASK_SDK_VERIFY_SIGNATURE=false" in reply.get_json()["error"]  # how to try it locally


def test_verification_can_be_turned_off_by_environment_with_a_warning(monkeypatch, caplog):
    monkeypatch.setenv("ASK_SDK_VERIFY_SIGNATURE", "false")
    monkeypatch.setenv("ASK_SDK_VERIFY_TIMESTAMP", "false")
    with caplog.at_level("WARNING"):
        client = create_app().test_client()
    assert post(client, envelope({"type": "LaunchRequest"})).status_code == 200
    assert any("verification is OFF" in record.getMessage() for record in caplog.records)


def test_an_old_timestamp_is_rejected_when_only_timestamp_checks_are_on():
    client = create_app({"VERIFY_SIGNATURE": False, "VERIFY_TIMESTAMP": True}).test_client()
    body = envelope({"type": "LaunchRequest"})
    body["request"]["timestamp"] = "2020-01-01T00:00:00Z"
    reply = post(client, body)
    assert reply.status_code == 400
    assert "Timestamp" in reply.get_json()["error"]


def test_each_request_is_logged_with_ids_type_intent_status_and_latency(alexa, caplog):
    alexa.user_id = "amzn1.ask.account.SECRET-USER-ID-12345"
    with caplog.at_level("INFO"):
        alexa.launch()
        alexa.intent("QuestionIntent", {"query": "my very private worry about walruses"})
        alexa.say("guide me through breathing")
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("request id=")]
    assert len(lines) == 3
    assert "type=IntentRequest intent=QuestionIntent status=200 latency_ms=" in lines[1]
    assert all("id=amzn1.echo-api.request." in line for line in lines)
    everything = "\n".join(r.getMessage() for r in caplog.records)
    assert "SECRET-USER-ID" not in everything
    assert "walruses" not in everything and "private worry" not in everything


def test_at_info_each_turn_writes_one_line_its_own(client, router, caplog):
    # docs/privacy.md: one line a request. What a turn was about (the routine started, the topic a question matched,
    # the warning sign asked about) is DEBUG: it would say something of the user's condition, and costs a line each.
    from bench.conversations import SCRIPTS

    for number, script in enumerate(SCRIPTS):
        alexa = Alexa(client, router, user_id=f"amzn1.ask.account.lines{number}")
        for utterance in script:
            caplog.clear()
            with caplog.at_level("INFO"):
                reply = alexa.launch() if utterance is None else alexa.say(utterance)
            lines = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
            assert len(lines) == 1 and lines[0].startswith("request id="), (utterance, lines)
            if reply.ended:
                break


def test_rejected_requests_are_logged_with_their_status(client, caplog):
    with caplog.at_level("INFO"):
        post(client, "nope")
    assert any("status=400" in r.getMessage() and "not valid JSON" in r.getMessage() for r in caplog.records)
