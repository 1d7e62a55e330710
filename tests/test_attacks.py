"""Attacks on the running service, from outside: each found by an attack on loopback (issue 14), each a test.

Verification runs with the SDK's real verifiers and a locally made PKI; nothing reaches the network
except the loopback servers these tests start themselves.
"""
from __future__ import annotations

import json
import logging
import os
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skill import create_app
from skill.server import verification
from skill.storage.sqlite_store import SQLiteAdapter
from skill.words import content as content_module

from .alexa import Alexa, UtteranceRouter, envelope, intent_request
from .pki import Pki, make_pki
from .test_verification import CERT_URL, Server, rejected, signed_post

CONTENT = content_module.load()
ROOT = Path(__file__).resolve().parent.parent
USER = "amzn1.ask.account.TESTUSER"


@pytest.fixture(scope="module")
def pki() -> Pki:
    return make_pki()


@pytest.fixture
def server(pki) -> Server:
    return Server({CERT_URL: pki.chain})


def verifying_app(pki, server, **extra):
    return create_app({"VERIFY_SIGNATURE": True, "VERIFY_TIMESTAMP": True, "STORE": "none", "SKILL_ID": None,
                       "ALLOW_ANY_SKILL_ID": True, "CERT_FETCH": server, "CERT_TRUST_ROOTS": pki.trust_roots, **extra})


def nested(depth: int) -> bytes:
    """A small body that is JSON nested `depth` deep inside an otherwise plausible envelope."""
    inner = "[" * depth + "]" * depth
    return ('{"version":"1.0","session":{"attributes":{"x":' + inner + '}},"request":{"type":"LaunchRequest"}}').encode()


# --- 1. Any body that is not a valid envelope is a 400, whatever its shape --------------------


@pytest.mark.parametrize("depth", [100, 1000, 5000])
@pytest.mark.parametrize("verify", [False, True])
def test_deeply_nested_json_is_a_400_not_a_500(pki, server, caplog, depth, verify):
    app = verifying_app(pki, server) if verify else create_app(
        {"VERIFY_SIGNATURE": False, "VERIFY_TIMESTAMP": False, "STORE": "none"})
    body = nested(depth)
    reply = (signed_post(app.test_client(), pki.leaf_key, raw=body) if verify
             else app.test_client().post("/", data=body, content_type="application/json"))
    assert reply.status_code == 400, reply.get_data(as_text=True)[:200]
    assert not [r for r in caplog.records if r.exc_info], "a traceback was logged"


@pytest.mark.parametrize("text, deeper", [
    ("[" * 32 + "]" * 32, False), ("[" * 33 + "]" * 33, True), ("{" + '"a":' * 0 + "}", False),
    ('{"a":"' + "[" * 40 + '"}', False),  # brackets inside a string do not nest
    ('{"a":"\\"' + "[" * 40 + '"}', False),  # nor after an escaped quote
    ("[{" * 17 + "}]" * 17, True), ("[" * 40, True),  # unbalanced is not JSON either
])
def test_nesting_is_measured_without_parsing(text, deeper):
    from skill.server.web import MAX_JSON_DEPTH, nests_deeper_than

    assert MAX_JSON_DEPTH == 32 and nests_deeper_than(text, MAX_JSON_DEPTH) is deeper


def test_an_unsigned_body_is_refused_before_it_is_parsed(pki, server, monkeypatch):
    import skill.server.web

    parsed = []
    real = skill.server.web.parse_envelope
    def counting(text: str):
        parsed.append(1)
        return real(text)

    monkeypatch.setattr(skill.server.web, "parse_envelope", counting)
    client = verifying_app(pki, server).test_client()
    body = json.dumps(envelope({"type": "LaunchRequest"})).encode() + b" " * 100_000
    rejected(client.post("/", data=body, content_type="application/json"), "Missing Signature")
    rejected(client.post("/", data=body, content_type="application/json",
                         headers={"SignatureCertChainUrl": CERT_URL, "Signature-256": "AAAA"}), "not valid")
    assert parsed == []


# --- 2. The certificate cache: normalised keys, no query strings, bounded, failures remembered ----


@pytest.mark.parametrize("url", [
    CERT_URL + "?n=1", CERT_URL + "#frag", "https://user:pw@s3.amazonaws.com/echo.api/echo-api-cert-12.pem",
    "https://user@s3.amazonaws.com/echo.api/echo-api-cert-12.pem", CERT_URL + ";params",
])
def test_cert_urls_with_a_query_fragment_or_user_info_are_refused_without_fetching(pki, server, url):
    rejected(signed_post(verifying_app(pki, server).test_client(), pki.leaf_key, url=url), "certificate url")
    assert server.fetches == []


def test_spellings_of_one_url_share_one_cache_entry_and_one_fetch(pki, server):
    client = verifying_app(pki, server).test_client()
    for url in (CERT_URL, "https://S3.AMAZONAWS.COM/echo.api/echo-api-cert-12.pem",
                "https://s3.amazonaws.com:443/echo.api/echo-api-cert-12.pem",
                "https://s3.amazonaws.com/echo.api/../echo.api/echo-api-cert-12.pem",
                "https://s3.amazonaws.com/echo.api/%65cho-api-cert-12.pem"):
        assert signed_post(client, pki.leaf_key, url=url).status_code == 200
    assert [url for url, _ in server.fetches] == [CERT_URL]


def test_the_cache_holds_a_few_chains_at_most(pki, server):
    clock = [1_000_000.0]
    verifier = verification.AlexaSignatureVerifier(fetch=server, trust_roots=pki.trust_roots, clock=lambda: clock[0])
    for number in range(50):
        url = f"https://s3.amazonaws.com/echo.api/cert-{number}.pem"
        server.chains[url] = pki.chain
        verifier._retrieve_and_validate_certificate_chain(url)
    assert len(verifier._chains) <= verification.MAX_CACHED_CHAINS


def test_a_failed_fetch_is_remembered_so_one_bad_url_is_one_fetch(pki, server):
    client = verifying_app(pki, server).test_client()
    bad = "https://s3.amazonaws.com/echo.api/missing.pem"
    for _ in range(20):
        rejected(signed_post(client, pki.leaf_key, url=bad), "certificate")
    assert [url for url, _ in server.fetches] == [bad]


def test_a_flood_of_junk_certificate_urls_never_locks_out_a_real_request(pki, server):
    """Issue 21: 60 unsigned requests, each naming a new /echo.api/ URL, used up a fetch budget on a cold
    cache, and Alexa's own requests then got 400 "too many fetches" for a minute or more."""
    client = verifying_app(pki, server).test_client()  # cold: no chain fetched yet
    for number in range(200):
        rejected(signed_post(client, pki.other_key, url=f"https://s3.amazonaws.com/echo.api/junk-{number}.pem"),
                 "certificate")
    started = time.monotonic()
    reply = signed_post(client, pki.leaf_key)
    assert reply.status_code == 200, reply.get_json()
    assert time.monotonic() - started < 2  # at once: nothing to wait for
    assert signed_post(client, pki.other_key).status_code == 400  # the real URL signs nothing else


def test_a_junk_url_is_fetched_once_however_often_it_is_sent(pki, server):
    client = verifying_app(pki, server).test_client()
    urls = [f"https://s3.amazonaws.com/echo.api/missing-{number}.pem" for number in range(50)]
    for url in urls * 3:
        signed_post(client, pki.other_key, url=url)
    assert sorted(url for url, _ in server.fetches) == sorted(urls)  # one fetch per request at most, and per URL


class HeldServer(Server):
    """Holds every fetch of a URL containing `hold` until released, counting those in progress."""

    def __init__(self, chains: dict[str, bytes], hold: str):
        super().__init__(chains)
        self.hold, self.release, self.waiting = hold, threading.Event(), threading.Semaphore(0)

    def __call__(self, url: str, timeout: float) -> bytes:
        if self.hold in url:
            self.waiting.release()
            assert self.release.wait(10), "never released"
        return super().__call__(url, timeout)


def in_threads(*calls) -> list[threading.Thread]:
    threads = [threading.Thread(target=call, daemon=True) for call in calls]
    for thread in threads:
        thread.start()
    return threads


def attempt(verifier, url: str, outcomes: list):
    def run():
        try:
            outcomes.append(verifier._retrieve_and_validate_certificate_chain(url))
        except verification.VerificationException as error:
            outcomes.append(error)
    return run


def test_new_urls_are_fetched_a_few_at_a_time_and_a_url_that_succeeded_before_is_never_held_back(pki):
    server = HeldServer({CERT_URL: pki.chain}, hold="junk")
    clock = [time.time()]
    verifier = verification.AlexaSignatureVerifier(fetch=server, trust_roots=pki.trust_roots, clock=lambda: clock[0])
    verifier._retrieve_and_validate_certificate_chain(CERT_URL)  # Alexa's URL: it succeeded once
    clock[0] += verification.CHAIN_MAX_AGE_SECONDS + 1  # its cache entry is due for a fresh fetch
    outcomes: list = []
    held = in_threads(*(attempt(verifier, f"https://s3.amazonaws.com/echo.api/junk-{n}.pem", outcomes)
                        for n in range(verification.MAX_NEW_FETCHES_AT_ONCE)))
    for _ in held:
        assert server.waiting.acquire(timeout=10)  # every slot for new URLs is taken
    with pytest.raises(verification.VerificationException, match="busy"):
        verifier._retrieve_and_validate_certificate_chain("https://s3.amazonaws.com/echo.api/junk-more.pem")
    assert verifier._retrieve_and_validate_certificate_chain(CERT_URL) is not None  # not held back by junk
    server.release.set()
    for thread in held:
        thread.join(10)
    assert len(outcomes) == verification.MAX_NEW_FETCHES_AT_ONCE
    assert all(isinstance(outcome, verification.VerificationException) for outcome in outcomes)


def test_a_url_that_validated_before_is_not_shut_out_by_one_failed_fetch(pki, server):
    clock = [time.time()]
    verifier = verification.AlexaSignatureVerifier(fetch=server, trust_roots=pki.trust_roots, clock=lambda: clock[0])
    verifier._retrieve_and_validate_certificate_chain(CERT_URL)
    clock[0] += verification.CHAIN_MAX_AGE_SECONDS + 1
    chain = server.chains.pop(CERT_URL)  # a network blip as the cache entry is renewed
    with pytest.raises(verification.VerificationException):
        verifier._retrieve_and_validate_certificate_chain(CERT_URL)
    server.chains[CERT_URL] = chain
    assert verifier._retrieve_and_validate_certificate_chain(CERT_URL) is not None  # not "failed recently"


def test_requests_naming_a_url_being_fetched_share_that_fetch(pki):
    server = HeldServer({CERT_URL: pki.chain}, hold="echo-api-cert")
    verifier = verification.AlexaSignatureVerifier(fetch=server, trust_roots=pki.trust_roots)
    outcomes: list = []
    threads = in_threads(*(attempt(verifier, CERT_URL, outcomes) for _ in range(6)))
    assert server.waiting.acquire(timeout=10)
    time.sleep(0.2)  # the other five arrive while the first fetch is held
    server.release.set()
    for thread in threads:
        thread.join(10)
    assert len(outcomes) == 6 and all(not isinstance(o, Exception) for o in outcomes), outcomes
    assert [url for url, _ in server.fetches] == [CERT_URL]


# --- 3. The whole certificate fetch has a deadline ------------------------------------------------


@contextmanager
def trickling_server(byte_every: float, total: int):
    """An HTTP server on loopback that answers one byte at a time."""
    class Slow(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Length", str(total))
            self.end_headers()
            try:
                for _ in range(total):
                    self.wfile.write(b"x")
                    self.wfile.flush()
                    time.sleep(byte_every)
            except OSError:
                pass

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/echo.api/cert.pem"
    finally:
        httpd.shutdown()


def test_a_trickling_certificate_server_is_cut_off_at_the_deadline():
    with trickling_server(byte_every=0.2, total=100) as url:  # would take 20 s; each byte well inside a read timeout
        started = time.monotonic()
        with pytest.raises(TimeoutError, match="deadline"):
            verification.fetch_url(url, deadline=1.0)
        assert time.monotonic() - started < 10  # the whole answer would take 20 s


# --- 4. Slow clients do not starve real requests under the shipped gunicorn configuration -----


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
        for number in range(8):
            sock = socket.create_connection(("127.0.0.1", port))
            if number % 2:
                sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\n")
            else:
                sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n{")
            slow.append(sock)
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


# --- 5. Logs: no injected lines, no huge lines, identifiers only once verified -----------------


def test_a_newline_in_a_request_id_or_intent_cannot_forge_a_log_line(client, caplog):
    body = envelope(intent_request("Heat\nINFO fake: admin logged in" + "x" * 120_000))
    body["request"]["requestId"] = "id\nWARNING forged line"
    with caplog.at_level(logging.INFO):
        client.post("/", data=json.dumps(body), content_type="application/json")
    for record in caplog.records:
        message = record.getMessage()
        assert "\n" not in message and "\r" not in message, message[:200]
        assert len(message) < 2000


def test_an_unverified_request_logs_no_identifiers_from_its_body(pki, server, caplog):
    client = verifying_app(pki, server).test_client()
    body = envelope({"type": "LaunchRequest"})
    body["request"]["requestId"] = "amzn1.echo-api.request.attacker-chosen"
    with caplog.at_level(logging.INFO):
        client.post("/", data=json.dumps(body), content_type="application/json")
    assert not any("attacker-chosen" in record.getMessage() for record in caplog.records)


# --- 6. Privacy: deletion is real, expired fields go, the purge runs on a schedule -----------


def store_files(path: Path) -> list[Path]:
    return [p for p in path.parent.iterdir() if p.name.startswith(path.name)]


def test_after_forget_me_nothing_of_the_user_is_left_in_any_file_the_store_writes(alexa, store_path):
    alexa.launch()
    alexa.say("guide me through positions")
    alexa.intent("HowLongHasItBeenIntent", {"duration": "P3D"})
    alexa.say("forget me")
    alexa.say("yes")
    for path in store_files(store_path):
        data = path.read_bytes()
        for trace in (USER.encode(), b"spasm_started", b"positions", b"visits"):
            assert trace not in data, f"{trace!r} still in {path.name}"


def test_an_expired_routine_is_dropped_from_the_store_whenever_the_profile_is_read(alexa, store_path):
    alexa.say("guide me through positions")
    alexa.end_session()
    alexa.timestamp = (datetime.now(UTC) + timedelta(hours=4)).strftime("%Y-%m-%dT%H:%M:%SZ")
    alexa.launch()  # reads the profile: the routine, four hours old, is dropped and the row saved without it
    with sqlite3.connect(store_path) as connection:
        (data,) = connection.execute("SELECT data FROM attributes WHERE user_id = ?", (USER,)).fetchone()
    assert "routine" not in json.loads(data)


def test_tidy_drops_what_has_expired_and_what_is_malformed():
    from skill.storage import memory

    now = datetime(2026, 11, 24, 12, tzinfo=UTC)
    profile = {"visits": 2, "routine": {"routine": "breathing", "step": 0, "pace": 1, "touched": "2026-11-24T08:00:00Z"},
               "pace": "x"}
    assert memory.tidy(profile, now) == ["pace"]
    assert profile == {"visits": 2}  # the routine, four hours old, expired


def test_the_retention_purge_also_runs_on_a_schedule_not_only_at_start_up(store_path):
    clock = [1_000_000_000.0]
    adapter = SQLiteAdapter(store_path, clock=lambda: clock[0])
    old = envelope({"type": "LaunchRequest"}, user_id="amzn1.ask.account.old")
    from skill.platform.serialization import EnvelopeSerializer
    serializer = EnvelopeSerializer()
    adapter.save_attributes(serializer.envelope(old), {"visits": 1})
    clock[0] += 91 * 86400  # ninety-one days later, the same process still running
    adapter.save_attributes(serializer.envelope(envelope({"type": "LaunchRequest"}, user_id="amzn1.ask.account.new")),
                            {"visits": 1})
    with sqlite3.connect(store_path) as connection:
        users = {user for (user,) in connection.execute("SELECT user_id FROM attributes")}
    assert users == {"amzn1.ask.account.new"}


# --- 7. Session attributes are checked, never trusted ---------------------------------------


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
        assert spoken(result) == f"<speak>{CONTENT.prompt('nothing_to_repeat')}</speak>"


WRONG: list[object] = [None, 7, -1, 1.5, True, "x", "", [], [1, 2], {}, {"yes": "forget"}, {"routine": "yoga"}, "\u202e", {"a": {"b": []}}]
KEYS = ["pending", "last_topic", "routine", "last_reply", "previous_turn"]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(attributes=st.dictionaries(st.sampled_from(KEYS), st.sampled_from(WRONG), max_size=5),
       intent=st.sampled_from(["AMAZON.RepeatIntent", "AMAZON.YesIntent", "AMAZON.NoIntent", "AMAZON.NextIntent",
                               "MoreIntent", "AMAZON.FallbackIntent", "AMAZON.HelpIntent", "AMAZON.PauseIntent"]))
def test_forged_session_shapes_get_a_normal_answer_never_an_error(client, attributes, intent):
    result = forged(client, attributes, intent_request(intent))
    assert CONTENT.prompt("error") not in spoken(result)


# --- 8. A stored profile of the wrong shape heals ------------------------------------------


def test_a_stored_profile_of_the_wrong_shape_is_healed_keeping_what_is_good(alexa, store_path, caplog):
    alexa.launch()
    alexa.end_session()
    bad = {"visits": 3, "disclaimer_heard": True, "pace": "fast", "routine": [1, 2], "spasm_started": 7,
           "spasm_told": {"x": 1}, "unknown_field": "x" * 10}
    with sqlite3.connect(store_path) as connection:
        connection.execute("UPDATE attributes SET data = ? WHERE user_id = ?", (json.dumps(bad), USER))
    with caplog.at_level(logging.WARNING):
        reply = alexa.launch()
    assert reply.speech.startswith(CONTENT.prompt("welcome_back"))  # the good fields were kept
    with sqlite3.connect(store_path) as connection:
        (data,) = connection.execute("SELECT data FROM attributes WHERE user_id = ?", (USER,)).fetchone()
    healed = json.loads(data)
    assert healed["visits"] == 4 and healed["disclaimer_heard"] is True
    assert not {"pace", "routine", "spasm_started", "spasm_told", "unknown_field"} & set(healed)
    assert len([r for r in caplog.records if "healed" in r.getMessage()]) == 1
    assert alexa.launch().speech.startswith(CONTENT.prompt("welcome_back"))


# --- 9. The smaller ones --------------------------------------------------------------------


def test_a_chunked_body_over_the_limit_is_413(client):
    import io

    body = io.BytesIO(b"x" * (200 * 1024))  # no Content-Length: as a server hands on a de-chunked body
    reply = client.post("/", input_stream=body, content_type="application/json", headers={"Transfer-Encoding": "chunked"})
    assert reply.status_code == 413


@pytest.mark.parametrize("missing", [1, 500])
def test_a_body_shorter_than_its_content_length_is_refused(client, missing):
    import io

    body = json.dumps(envelope({"type": "LaunchRequest"})).encode()
    reply = client.post("/", input_stream=io.BytesIO(body), content_type="application/json",
                        environ_overrides={"CONTENT_LENGTH": str(len(body) + missing)})  # the client stopped sending
    assert reply.status_code == 400
    assert reply.get_json() == {"error": "body shorter than its Content-Length"}


def test_only_the_declared_length_is_read(client):
    import io

    body = json.dumps(envelope({"type": "LaunchRequest"})).encode()
    reply = client.post("/", input_stream=io.BytesIO(body + b"} trailing bytes of the next request"),
                        content_type="application/json", environ_overrides={"CONTENT_LENGTH": str(len(body))})
    assert reply.status_code == 200
    assert reply.get_json()["response"]["outputSpeech"]["ssml"].startswith("<speak>")


def test_options_is_not_allowed(client):
    assert client.open("/", method="OPTIONS").status_code == 405


def test_verification_on_without_a_skill_id_refuses_to_start(pki, server):
    from skill.config import ConfigError

    with pytest.raises(ConfigError, match="SKILL_ID"):
        create_app({"VERIFY_SIGNATURE": True, "VERIFY_TIMESTAMP": True, "STORE": "none", "SKILL_ID": None,
                    "CERT_FETCH": server, "CERT_TRUST_ROOTS": pki.trust_roots})
