"""Request verification with the SDK's real verifiers, a locally made PKI, and no network."""
from __future__ import annotations

import json
import socket
from datetime import UTC, datetime, timedelta

import pytest

from skill import create_app
from skill.dev.fake_alexa_api import FakeAlexaApi, FakeApiClient
from skill.server import verification

from .alexa import SKILL_ID, envelope, intent_request
from .pki import ALEXA_DOMAIN, Pki, certificate, make_pki, pem, sign

CERT_URL = "https://s3.amazonaws.com/echo.api/echo-api-cert-12.pem"


@pytest.fixture(scope="module")
def pki() -> Pki:
    return make_pki()


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Any attempt to open a connection fails the test, loudly."""
    attempts: list = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise AssertionError(f"network access attempted: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    yield
    assert not attempts, f"the verifier tried to reach the network: {attempts}"


class Server:
    """Serves certificate chains by URL, as S3 would, and counts fetches."""

    def __init__(self, chains: dict[str, bytes]):
        self.chains = chains
        self.fetches: list[tuple[str, float]] = []

    def __call__(self, url: str, timeout: float) -> bytes:
        self.fetches.append((url, timeout))
        if url not in self.chains:
            raise OSError(f"404 for {url}")
        return self.chains[url]


@pytest.fixture
def server(pki) -> Server:
    return Server({CERT_URL: pki.chain})


@pytest.fixture
def client(pki, server, tmp_path):
    app = create_app({
        "VERIFY_SIGNATURE": True, "VERIFY_TIMESTAMP": True, "STORE": "none", "SKILL_ID": SKILL_ID,
        "CERT_FETCH": server, "CERT_TRUST_ROOTS": pki.trust_roots,
    })
    return app.test_client()


def signed_post(client, key, body: dict | None = None, url: str = CERT_URL, raw: bytes | None = None, headers=None):
    data = raw if raw is not None else json.dumps(body or envelope({"type": "LaunchRequest"})).encode()
    sent = {"SignatureCertChainUrl": url, "Signature-256": sign(data, key)}
    sent.update(headers or {})
    sent = {k: v for k, v in sent.items() if v is not None}
    return client.post("/", data=data, content_type="application/json", headers=sent)


def rejected(reply, reason: str) -> None:
    assert reply.status_code == 400, reply.get_data(as_text=True)
    assert reason.lower() in reply.get_json()["error"].lower()


def test_a_correctly_signed_fresh_request_is_answered(client, pki, server):
    reply = signed_post(client, pki.leaf_key)
    assert reply.status_code == 200
    assert reply.get_json()["response"]["outputSpeech"]["ssml"].startswith("<speak>Welcome")
    assert server.fetches == [(CERT_URL, verification.FETCH_TIMEOUT_SECONDS)]


def test_a_tampered_body_is_rejected(client, pki):
    body = json.dumps(envelope({"type": "LaunchRequest"})).encode()
    headers = {"SignatureCertChainUrl": CERT_URL, "Signature-256": sign(body, pki.leaf_key)}
    tampered = body.replace(b"LaunchRequest", b"SessionEndedRequest")
    reply = client.post("/", data=tampered, content_type="application/json", headers=headers)
    rejected(reply, "Request body is not valid")


def test_a_body_signed_with_another_key_is_rejected(client, pki):
    rejected(signed_post(client, pki.other_key), "Request body is not valid")


@pytest.mark.parametrize("missing", ["SignatureCertChainUrl", "Signature-256"])
def test_missing_headers_are_rejected(client, pki, missing):
    rejected(signed_post(client, pki.leaf_key, headers={missing: None}), "Missing Signature")


@pytest.mark.parametrize(
    "url, reason",
    [
        ("http://s3.amazonaws.com/echo.api/echo-api-cert-12.pem", "invalid protocol"),
        ("https://s3.amazonaws.com.evil.example/echo.api/echo-api-cert-12.pem", "invalid hostname"),
        ("https://evil.example/echo.api/echo-api-cert-12.pem", "invalid hostname"),
        ("https://s3.amazonaws.com/EcHo.aPi/echo-api-cert-12.pem", "invalid path"),
        ("https://s3.amazonaws.com/invalid.path/echo-api-cert-12.pem", "invalid path"),
        ("https://s3.amazonaws.com/echo.api/../invalid.path/echo-api-cert-12.pem", "invalid path"),
        ("https://s3.amazonaws.com/echo.api/%2e%2e/invalid.path/cert.pem", "invalid path"),
        # Encoded twice: one decoding leaves "%2e%2e", which S3 or a proxy could decode again.
        ("https://s3.amazonaws.com/echo.api/%252e%252e/invalid.path/cert.pem", "invalid path"),
        ("https://s3.amazonaws.com/echo.api/%252e%252e%252finvalid.path/cert.pem", "invalid path"),
        ("https://s3.amazonaws.com/echo.api/..%5c..%5cinvalid.path/cert.pem", "invalid path"),
        ("https://s3.amazonaws.com/echo.api/cert%00.pem", "invalid path"),
        ("https://s3.amazonaws.com:563/echo.api/echo-api-cert-12.pem", "invalid port"),
        ("not a url", "invalid protocol"),
    ],
)
def test_cert_urls_that_break_alexas_rules_are_rejected_without_fetching(client, pki, server, url, reason):
    rejected(signed_post(client, pki.leaf_key, url=url), reason)
    assert server.fetches == []


@pytest.mark.parametrize(
    "url",
    ["https://s3.amazonaws.com:443/echo.api/echo-api-cert-12.pem", "https://S3.AMAZONAWS.COM/echo.api/echo-api-cert-12.pem",
     "https://s3.amazonaws.com/echo.api/../echo.api/echo-api-cert-12.pem"],
)
def test_cert_urls_that_keep_the_rules_are_accepted(client, pki, server, url):
    server.chains[url] = pki.chain
    assert signed_post(client, pki.leaf_key, url=url).status_code == 200


def serve(server: Server, chain: bytes) -> None:
    server.chains[CERT_URL] = chain


def test_a_chain_from_an_untrusted_root_is_rejected(client, pki, server):
    stranger = certificate("Alexa signing", pki.leaf_key, "Untrusted Root", pki.untrusted_root_key, ca=False, san=[ALEXA_DOMAIN])
    serve(server, pem(stranger, pki.untrusted_root))
    rejected(signed_post(client, pki.leaf_key), "Certificate chain is not valid")


def test_an_expired_certificate_is_rejected(client, pki, server):
    past = datetime.now(UTC) - timedelta(days=10)
    serve(server, pem(pki.leaf_with(not_before=past - timedelta(days=10), not_after=past), pki.intermediate))
    rejected(signed_post(client, pki.leaf_key), "not valid")


def test_a_certificate_without_a_san_is_400_not_500(client, pki, server):
    serve(server, pem(pki.leaf_with(san=None), pki.intermediate))
    rejected(signed_post(client, pki.leaf_key), "no subject alternative names")


@pytest.mark.parametrize("name", ["ECHO-API.AMAZON.COM", "Echo-Api.Amazon.Com"])
def test_the_san_is_compared_without_regard_to_case(client, pki, server, name):
    serve(server, pem(pki.leaf_with(san=[name]), pki.intermediate))  # DNS names are case-insensitive
    assert signed_post(client, pki.leaf_key).status_code == 200


def test_a_certificate_for_another_domain_is_rejected(client, pki, server):
    serve(server, pem(pki.leaf_with(san=["example.com"]), pki.intermediate))
    rejected(signed_post(client, pki.leaf_key), "domain missing")


def test_a_missing_intermediate_is_rejected(client, pki, server):
    serve(server, pem(pki.leaf))
    rejected(signed_post(client, pki.leaf_key), "Certificate chain is not valid")


@pytest.mark.parametrize("chain", [b"", b"not a certificate", b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"])
def test_garbage_chains_are_rejected(client, pki, server, chain):
    serve(server, chain)
    assert signed_post(client, pki.leaf_key).status_code == 400


@pytest.mark.parametrize("signature", ["%%%not base64%%%", "abc", ""])
def test_an_undecodable_signature_is_400_not_500(client, pki, signature):
    reply = signed_post(client, pki.leaf_key, headers={"Signature-256": signature})
    assert reply.status_code == 400


def test_a_chain_that_cannot_be_fetched_is_400(client, pki, server):
    server.chains.clear()
    rejected(signed_post(client, pki.leaf_key), "Unable to load certificate")


# 152 s, not 151: the timestamp is written in whole seconds, and truncation can take up to a second off.
@pytest.mark.parametrize("skew", [timedelta(seconds=152), timedelta(seconds=-152), timedelta(hours=2)])
def test_a_timestamp_more_than_150_seconds_off_is_rejected(client, pki, skew):
    body = envelope({"type": "LaunchRequest"})
    body["request"]["timestamp"] = (datetime.now(UTC) + skew).strftime("%Y-%m-%dT%H:%M:%SZ")
    rejected(signed_post(client, pki.leaf_key, body), "Timestamp verification failed")


def test_a_timestamp_within_150_seconds_is_accepted(client, pki):
    body = envelope({"type": "LaunchRequest"})
    body["request"]["timestamp"] = (datetime.now(UTC) - timedelta(seconds=120)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert signed_post(client, pki.leaf_key, body).status_code == 200


def test_the_chain_is_cached_then_fetched_again_after_it_expires(pki, server):
    clock = [1_000_000.0]
    verifier = verification.AlexaSignatureVerifier(fetch=server, trust_roots=pki.trust_roots, clock=lambda: clock[0])
    verifier._retrieve_and_validate_certificate_chain(CERT_URL)
    verifier._retrieve_and_validate_certificate_chain(CERT_URL)
    assert len(server.fetches) == 1
    clock[0] += verification.CHAIN_MAX_AGE_SECONDS + 1
    verifier._retrieve_and_validate_certificate_chain(CERT_URL)
    assert len(server.fetches) == 2


def test_the_cache_never_outlives_the_certificate(pki, server):
    soon = datetime.now(UTC) + timedelta(minutes=30)
    serve(server, pem(pki.leaf_with(not_after=soon), pki.intermediate))
    clock = [datetime.now(UTC).timestamp()]
    verifier = verification.AlexaSignatureVerifier(fetch=server, trust_roots=pki.trust_roots, clock=lambda: clock[0])
    verifier._retrieve_and_validate_certificate_chain(CERT_URL)
    verifier._retrieve_and_validate_certificate_chain(CERT_URL)
    assert len(server.fetches) == 1
    clock[0] += 31 * 60  # past the certificate's expiry, well inside the max age
    verifier._retrieve_and_validate_certificate_chain(CERT_URL)
    assert len(server.fetches) == 2  # not served from the cache once the certificate has expired


def test_the_default_fetch_has_one_deadline_for_the_whole_fetch(monkeypatch):
    seen = {}

    def fake_fetch(url, deadline):
        seen["url"], seen["deadline"] = url, deadline
        raise TimeoutError("certificate fetch passed its deadline")

    monkeypatch.setattr(verification, "fetch_url", fake_fetch)
    verifier = verification.AlexaSignatureVerifier(fetch=verification.fetch_url)
    with pytest.raises(verification.VerificationException, match="Unable to load certificate"):
        verifier._load_cert_chain(CERT_URL)
    assert seen == {"url": CERT_URL, "deadline": verification.FETCH_TIMEOUT_SECONDS}
    defaults = verification.AlexaSignatureVerifier.__init__.__defaults__ or ()
    assert defaults[0].__name__ == "fetch_url"


def test_another_skill_id_is_400_even_when_signed(pki, server):
    app = create_app({"VERIFY_SIGNATURE": True, "VERIFY_TIMESTAMP": True, "STORE": "none", "SKILL_ID": "amzn1.ask.skill.mine",
                      "CERT_FETCH": server, "CERT_TRUST_ROOTS": pki.trust_roots})
    rejected(signed_post(app.test_client(), pki.leaf_key), "another skill")


def test_another_skill_id_in_the_session_is_400_even_when_the_context_names_this_skill(client, pki):
    body = envelope({"type": "LaunchRequest"})
    body["session"]["application"]["applicationId"] = "amzn1.ask.skill.someone-else"
    rejected(signed_post(client, pki.leaf_key, body), "another skill")


def test_a_request_naming_no_skill_is_400_when_a_skill_id_is_set(client, pki):
    body = envelope({"type": "LaunchRequest"})
    del body["context"]["System"]["application"]
    del body["session"]["application"]
    rejected(signed_post(client, pki.leaf_key, body), "another skill")


def test_a_signed_intent_request_reaches_the_skill(client, pki):
    reply = signed_post(client, pki.leaf_key, envelope(intent_request("HeatOrIceIntent")))
    assert "towel" in reply.get_json()["response"]["outputSpeech"]["ssml"]


# --- Replays: a signed request is good for 150 s, but it is handled once -----------------------


def test_a_signed_request_sent_twice_is_handled_once(client, pki):
    raw = json.dumps(envelope({"type": "LaunchRequest"})).encode()
    assert signed_post(client, pki.leaf_key, raw=raw).status_code == 200
    rejected(signed_post(client, pki.leaf_key, raw=raw), "already handled")


def test_one_signed_permission_answer_sent_five_times_makes_one_timer(pki, server):
    """Issue 21: the same Connections.Response, replayed within 150 s, made a timer each time."""
    fake = FakeAlexaApi()
    app = create_app({"VERIFY_SIGNATURE": True, "VERIFY_TIMESTAMP": True, "STORE": "none", "SKILL_ID": SKILL_ID,
                      "CERT_FETCH": server, "CERT_TRUST_ROOTS": pki.trust_roots, "API_CLIENT": FakeApiClient(fake)})
    answer = envelope({"type": "Connections.Response", "name": "AskFor", "status": {"code": "200", "message": "OK"},
                       "token": "timer|", "payload": {"status": "ACCEPTED"}})
    raw = json.dumps(answer).encode()
    client = app.test_client()
    statuses = [signed_post(client, pki.leaf_key, raw=raw).status_code for _ in range(5)]
    assert statuses == [200, 400, 400, 400, 400]
    assert len(fake.created) == 1


@pytest.mark.parametrize("request_id", [None, ""])
def test_a_signed_request_without_a_request_id_is_400_saying_so(client, pki, request_id):
    body = envelope({"type": "LaunchRequest"})
    body["request"]["requestId"] = request_id
    rejected(signed_post(client, pki.leaf_key, body), "no requestId")


def test_only_a_verified_request_uses_up_its_id(client, pki):
    body = envelope({"type": "LaunchRequest"})
    rejected(signed_post(client, pki.other_key, body), "not valid")  # someone else sends Alexa's next id first
    assert signed_post(client, pki.leaf_key, body).status_code == 200


def test_request_ids_are_remembered_while_a_replay_could_pass_and_no_longer(pki):
    clock = [1_000_000.0]
    seen = verification.SeenRequests(clock=lambda: clock[0], max_ids=3)
    launch = parsed({"type": "LaunchRequest", "requestId": "r1"})
    assert seen.first_time(launch) and not seen.first_time(launch)
    clock[0] += 2 * verification.REQUEST_TOLERANCE_SECONDS + 1  # any replay now fails the timestamp check
    assert seen.first_time(launch)
    for number in range(10):
        seen.first_time(parsed({"type": "LaunchRequest", "requestId": f"n{number}"}))
    assert len(seen) <= 3


def parsed(request: dict):
    from skill.platform.envelope import read

    return read(envelope(request))
