"""The HTTP endpoint: bad input (malformed, deep, huge, chunked, wrong method) gets a 4xx with a short reason, never
a 500 or a stack trace; one log line a request that cannot be forged; slow clients cannot starve it under gunicorn."""
from __future__ import annotations

import io
import json
import logging
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from flask import request

from bench.slow_clients import hold_slow_clients

from .alexa import SKILL_ID, Alexa, envelope, intent_request

EXAMPLES = Path(__file__).parent / "requests"

ROOT = Path(__file__).resolve().parent.parent


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


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]

def test_slow_clients_do_not_starve_real_requests_under_the_shipped_gunicorn_config(tmp_path):
    port = free_port()
    env = {**os.environ, "SKILL_DB_PATH": str(tmp_path / "s.sqlite3"), "ASK_SDK_VERIFY_SIGNATURE": "false",
           "ASK_SDK_VERIFY_TIMESTAMP": "false", "LOG_LEVEL": "warning", "GUNICORN_BIND": f"127.0.0.1:{port}"}
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "app:app"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    slow: list[socket.socket] = []
    try:
        deadline = time.monotonic() + 30
        while True:  # wait for gunicorn to answer, however busy the machine is
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1)
                break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None, "gunicorn did not start"
                time.sleep(0.1)
        # Eight slow clients: four stop mid-headers, four send headers and only part of the body.
        slow += hold_slow_clients(port, 8)
        time.sleep(0.5)
        for _ in range(6):
            body = json.dumps(envelope({"type": "LaunchRequest"})).encode()
            request = urllib.request.Request(f"http://127.0.0.1:{port}/", data=body,
                                             headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(request, timeout=15) as response:
                assert response.status == 200
    finally:
        for sock in slow:
            sock.close()
        server.terminate()
        server.wait(timeout=10)

def test_a_newline_in_a_request_id_or_intent_cannot_forge_a_log_line(client, caplog):
    body = envelope(intent_request("Heat\nINFO fake: admin logged in" + "x" * 120_000))
    body["request"]["requestId"] = "id\nWARNING forged line"
    with caplog.at_level(logging.INFO):
        client.post("/", data=json.dumps(body), content_type="application/json")
    for record in caplog.records:
        message = record.getMessage()
        assert "\n" not in message and "\r" not in message, message[:200]
        assert len(message) < 2000

def test_a_chunked_body_over_the_limit_is_413(client):

    body = io.BytesIO(b"x" * (200 * 1024))  # no Content-Length: as a server hands on a de-chunked body
    reply = client.post("/", input_stream=body, content_type="application/json", headers={"Transfer-Encoding": "chunked"})
    assert reply.status_code == 413

def test_options_is_not_allowed(client):
    assert client.open("/", method="OPTIONS").status_code == 405


@pytest.mark.parametrize("missing", [1, 500])
def test_a_body_shorter_than_its_content_length_is_refused(client, missing):

    body = json.dumps(envelope({"type": "LaunchRequest"})).encode()
    reply = client.post("/", input_stream=io.BytesIO(body), content_type="application/json",
                        environ_overrides={"CONTENT_LENGTH": str(len(body) + missing)})  # the client stopped sending
    assert reply.status_code == 400
    assert reply.get_json() == {"error": "body shorter than its Content-Length"}


def test_only_the_declared_length_is_read(client):

    body = json.dumps(envelope({"type": "LaunchRequest"})).encode()
    reply = client.post("/", input_stream=io.BytesIO(body + b"} trailing bytes of the next request"),
                        content_type="application/json", environ_overrides={"CONTENT_LENGTH": str(len(body))})
    assert reply.status_code == 200
    assert reply.get_json()["response"]["outputSpeech"]["ssml"].startswith("<speak>")


def test_the_app_serves_the_skill_and_its_health_check_and_nothing_else(app, client):
    assert sorted(rule.rule for rule in app.url_map.iter_rules()) == ["/", "/health"]
    assert client.get("/static/app.py").status_code == 404  # no files served, not even by Flask's default route


def test_an_error_while_answering_is_a_500_with_a_short_reason_and_one_logged_traceback(app, client, caplog, monkeypatch):
    endpoint = app.view_functions["skill"].__self__

    def broken(environ):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(endpoint, "answer", broken)
    with pytest.raises(RuntimeError):  # under test (or Flask's debugger) the error is raised, as Flask raises a view's
        post(client, envelope({"type": "LaunchRequest"}))
    app.testing = False  # as served
    with caplog.at_level(logging.ERROR):
        reply = post(client, envelope({"type": "LaunchRequest"}))
    assert reply.status_code == 500 and reply.get_json() == {"error": "internal error"}
    assert "disk on fire" not in reply.get_data(as_text=True)
    assert [record.exc_info[0] for record in caplog.records if record.exc_info] == [RuntimeError]


def test_post_to_the_skill_is_answered_before_flask_and_the_flask_route_gives_the_same_answer(app, client, router):
    # POST / is answered by the endpoint in front of Flask (web.SkillFirst): Flask's request hooks never run for it,
    # while they still do for the health check; the Flask view, reached directly, answers the same.
    seen = []
    app.before_request(lambda: seen.append(request.path))
    bodies = [json.dumps(envelope({"type": "LaunchRequest"}, user_id=f"amzn1.ask.account.{who}")) for who in ("a", "b")]
    fast = client.post("/", data=bodies[0], content_type="application/json")
    assert fast.status_code == 200 and seen == []
    assert client.get("/health").status_code == 200 and seen == ["/health"]
    with app.test_request_context("/", method="POST", data=bodies[1], content_type="application/json"):
        slow = app.view_functions["skill"]()
    assert slow.status_code == 200
    assert json.loads(fast.get_data())["response"] == json.loads(slow.get_data())["response"]  # two first visits


def test_an_error_in_a_flask_route_is_the_same_short_500(app, client, monkeypatch):
    app.testing = False  # as served: Flask answers the error instead of raising it into the test
    monkeypatch.setitem(app.view_functions, "health", lambda: 1 / 0)
    reply = client.get("/health")
    assert reply.status_code == 500 and reply.get_json() == {"error": "internal error"}


class _BrokenChunks(io.BytesIO):
    """A request body whose de-chunking fails mid-way, as gunicorn's or werkzeug's does on a malformed chunk."""

    def read(self, size: int | None = -1) -> bytes:
        raise OSError("Invalid chunk header")


def test_a_body_the_server_cannot_read_is_400_not_a_500(client, caplog):
    with caplog.at_level(logging.ERROR):
        reply = client.post("/", input_stream=_BrokenChunks(b"5\r\nzz"), content_type="application/json",
                            environ_overrides={"wsgi.input_terminated": True})
    assert reply.status_code == 400 and reply.get_json() == {"error": "body could not be read"}
    assert not [record for record in caplog.records if record.exc_info]
