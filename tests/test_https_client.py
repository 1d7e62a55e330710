"""Outbound HTTPS (Alexa's APIs, and the certificate fetch): one deadline for the whole call, a cap on the answer.

Before, a call had a timeout per read: an answer that trickled in a byte a second held the thread for as long
as it trickled, and a 50 MB answer was read whole into memory. Each test serves the fake of Alexa's APIs over
HTTPS on loopback (tests/fake_api_server.py) and calls it as the skill does, through TimedApiClient.
"""
from __future__ import annotations

import socket
import threading
import time
import tracemalloc
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, cast

import pytest
from ask_sdk_core.exceptions import ApiClientException
from ask_sdk_model.services import ApiClientRequest

from skill import create_app
from skill.dev.fake_alexa_api import HUGE_BYTES, TIMER_PATH, Answer
from skill.platform.alexa_api import API_TIMEOUT_SECONDS, MAX_ANSWER_BYTES, TIMERS, TimedApiClient
from skill.server import verification
from skill.words import content as content_module

from . import fake_api_server
from .alexa import Alexa, UtteranceRouter
from .fake_api_server import ca_file

BOUND_SECONDS = 6.0  # generous: the deadline is API_TIMEOUT_SECONDS, and the machine may be busy


def client(timeout: float = API_TIMEOUT_SECONDS) -> TimedApiClient:
    return TimedApiClient(timeout=timeout, cafile=str(ca_file()))


def post_timer(url: str, timeout: float = API_TIMEOUT_SECONDS):
    request = ApiClientRequest(url=f"{url}{TIMER_PATH}", method="POST",
                               headers=[("Authorization", "Bearer api-token-abc"), ("Content-type", "application/json")],
                               body=cast(Any, {"duration": "PT15M"}))  # the SDK passes the serialized model
    return client(timeout).invoke(request)


def timed(call) -> tuple[object, float]:
    started = time.monotonic()
    try:
        outcome: object = call()
    except ApiClientException as error:
        outcome = error
    return outcome, time.monotonic() - started


# --- The deadline is for the whole call -----------------------------------------------------------------


@pytest.mark.parametrize("delivery", ["trickle", "slow body"])
def test_an_answer_trickling_a_byte_a_second_ends_at_the_deadline_with_the_calm_line(app_config, served, fake,
                                                                                     monkeypatch, delivery):

    monkeypatch.setattr(fake_api_server, "TRICKLE_SECONDS", 1.0)  # as measured in issue 21: 1 byte/s
    fake.fail("timers", Answer(200, b'{"id": "5f0c", "status": "ON"}', delivery=delivery))
    app = create_app({**app_config, "API_CLIENT": client(), "ALEXA_API_TEST_ENDPOINT": served})  # the shipped deadline
    system = {"apiEndpoint": served, "apiAccessToken": fake.token,
              "user": {"permissions": {"scopes": {TIMERS: {"status": "GRANTED"}}}}}
    alexa = Alexa(app.test_client(), UtteranceRouter(), user_id="amzn1.ask.account.TRICKLE", system=system)
    reply, seconds = timed(lambda: alexa.say("set the timer"))
    failed = content_module.load().alerts["timer"].lines["failed"]
    assert reply.speech.startswith(failed.split("{")[0].split(".")[0])  # type: ignore[attr-defined]
    assert API_TIMEOUT_SECONDS - 0.1 <= seconds < BOUND_SECONDS
    assert fake.calls[0].sent > 0  # the answer had begun arriving: no read ever waited long


def test_each_read_does_not_get_a_fresh_timeout(served, fake):
    fake.fail("timers", "trickle")  # a byte every 0.1 s: every read is quick, the whole answer is not
    outcome, seconds = timed(lambda: post_timer(served, timeout=0.5))
    assert isinstance(outcome, ApiClientException) and seconds < 0.5 + 1.0


def test_a_tls_handshake_that_trickles_ends_at_the_deadline():
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def trickle_handshake() -> None:  # a TLS record header promising 16 KB, then a byte every 0.1 s
        connection, _ = listener.accept()
        with connection:
            connection.sendall(b"\x16\x03\x03\x40\x00")
            while not stop.wait(0.1):
                try:
                    connection.sendall(b"\x00")
                except OSError:
                    return

    threading.Thread(target=trickle_handshake, daemon=True).start()
    try:
        url = f"https://127.0.0.1:{listener.getsockname()[1]}"
        outcome, seconds = timed(lambda: post_timer(url, timeout=0.5))
    finally:
        stop.set()
        listener.close()
    assert isinstance(outcome, ApiClientException) and seconds < 0.5 + 1.0


# --- The answer is read up to the cap, never whole -----------------------------------------------------


@pytest.mark.parametrize("delivery", ["endless", "huge"])  # no length declared; 50 MB declared
def test_a_50_mb_answer_is_refused_at_the_cap_without_reading_it(served, fake, delivery):
    fake.fail("timers", Answer(200, delivery=delivery))
    tracemalloc.start()
    try:
        outcome, seconds = timed(lambda: post_timer(served))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert isinstance(outcome, ApiClientException) and "larger than the cap" in str(outcome)
    assert seconds < BOUND_SECONDS
    assert peak < 4 * MAX_ANSWER_BYTES  # the read stopped at the cap: 64 KB and change, not 50 MB
    time.sleep(0.2)  # the server notices the client has gone
    assert fake.calls[0].sent < HUGE_BYTES / 2  # the client hung up: most of it was never even sent


def test_an_answer_up_to_the_cap_is_read_and_one_byte_more_is_refused(served, fake):
    fake.fail("timers", Answer(200, b'"' + b"x" * (MAX_ANSWER_BYTES - 2) + b'"'))
    assert len(post_timer(served).body) == MAX_ANSWER_BYTES
    fake.fail("timers", Answer(200, b'"' + b"x" * (MAX_ANSWER_BYTES - 1) + b'"'))
    with pytest.raises(ApiClientException, match="larger than the cap"):
        post_timer(served)


# --- What the client does not do -------------------------------------------------------------------------


def test_a_redirect_is_not_followed(served, fake):
    fake.fail("timers", "302, elsewhere")
    assert post_timer(served).status_code == 302 and [call.path for call in fake.calls] == [TIMER_PATH]


def test_only_https_is_spoken(fake):
    with pytest.raises(ApiClientException, match="non-HTTPS"):
        post_timer("http://127.0.0.1:9")


def test_a_certificate_the_client_does_not_trust_is_refused(served, fake):
    request = ApiClientRequest(url=f"{served}{TIMER_PATH}", method="POST", headers=[])
    with pytest.raises(ApiClientException, match="CERTIFICATE_VERIFY_FAILED"):
        TimedApiClient(timeout=1.0).invoke(request)  # certifi's roots: the fake's throwaway CA is not among them
    assert fake.calls == []


def test_the_request_goes_out_as_the_sdks_client_sends_it(served, fake):
    answer = post_timer(served)
    [call] = fake.calls
    assert (call.method, call.path, call.body) == ("POST", TIMER_PATH, {"duration": "PT15M"})
    assert call.headers["authorization"] == "Bearer api-token-abc" and call.headers["content-type"] == "application/json"
    assert answer.status_code == 400 and "duration" not in answer.body  # the fake refuses this half a timer


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
