"""The HTTPS client that carries calls to Alexa's APIs: one deadline for the whole call, a cap on the answer.

The SDK's DefaultApiClient (through `requests`) has a timeout per read, not per call: an API that answered a
byte a second held a thread 19 s, and a 50 MB answer was read whole (6.8 s, 589 MB of worker memory). Here a
call has `timeout` seconds of wall clock from the TCP connect to the answer's last byte, at most `max_bytes`
of answer body are read, no redirect is followed, and only HTTPS is spoken. It fails as the SDK's client
does, with ApiClientException, which the SDK's service clients turn into a ServiceException.

The standard library only: `requests` costs a Lambda cold start about 70 ms (bench/coldstart.py), and
alexa_api imports this module at the first call, not with the skill.
"""
from __future__ import annotations

import functools
import http.client
import json
import socket
import ssl
import time
from typing import Any
from urllib.parse import urlsplit

from ask_sdk_core.exceptions import ApiClientException
from ask_sdk_model.services import ApiClient, ApiClientRequest, ApiClientResponse


class _DeadlineSocket(ssl.SSLSocket):
    """A TLS socket whose every read and write waits only until the call's deadline, not a fresh timeout each.

    The connect and the handshake are bounded before `deadline` is set (CPython's handshake treats the
    socket's timeout as a deadline for the whole handshake).
    """

    deadline: float | None = None  # time.monotonic() at which the call gives up

    def _wait_at_most_until_the_deadline(self) -> None:
        if self.deadline is not None:
            self.settimeout(_left(self.deadline))

    def read(self, *args: Any) -> Any:
        self._wait_at_most_until_the_deadline()
        return super().read(*args)

    def send(self, *args: Any) -> int:
        self._wait_at_most_until_the_deadline()
        return super().send(*args)


class _Connection(http.client.HTTPSConnection):
    """An HTTPS connection whose connect, handshake, request and answer all end by one deadline."""

    def __init__(self, host: str, port: int, tls: ssl.SSLContext, deadline: float):
        super().__init__(host, port, timeout=_left(deadline), context=tls)
        self.tls, self.deadline = tls, deadline

    def connect(self) -> None:
        self.sock = socket.create_connection((self.host, self.port), _left(self.deadline))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.settimeout(_left(self.deadline))  # the handshake: what is left after the connect
        tls_socket = self.tls.wrap_socket(self.sock, server_hostname=self.host)
        assert isinstance(tls_socket, _DeadlineSocket)
        tls_socket.deadline = self.deadline  # every read and write from here on
        self.sock = tls_socket


class AnswerTooLarge(ApiClientException):
    """The answer is larger than the client reads."""


def _left(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError("no whole answer before the deadline")
    return left


@functools.cache
def _tls(cafile: str | None) -> ssl.SSLContext:
    """Certificate checks as `requests` made them (certifi's roots, unless a file is named); made once."""
    if cafile is None:
        import certifi

        cafile = certifi.where()
    context = ssl.create_default_context(cafile=cafile)
    context.sslsocket_class = _DeadlineSocket
    return context


class HttpsApiClient(ApiClient):
    """The SDK's ApiClient contract over HTTPS, with one deadline for the whole call and a cap on the answer."""

    def __init__(self, timeout: float, max_bytes: int, cafile: str | None = None):
        self.timeout, self.max_bytes, self.cafile = timeout, max_bytes, cafile

    def invoke(self, request: ApiClientRequest) -> ApiClientResponse:
        deadline = time.monotonic() + self.timeout
        try:
            return self._exchange(request, deadline)
        except (OSError, http.client.HTTPException, ValueError) as error:  # timeouts, TLS, not HTTP, bad lengths
            raise ApiClientException(f"Error executing the request: {type(error).__name__}: {error}") from error

    def _exchange(self, request: ApiClientRequest, deadline: float) -> ApiClientResponse:
        url = urlsplit(request.url or "")
        if url.scheme != "https" or not url.hostname:
            raise ApiClientException("Requests against non-HTTPS endpoints are not allowed.")
        headers: dict[str, str] = {}
        for name, value in request.headers or []:  # repeated names joined, as the SDK's client does
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
        body: Any = None
        if request.body:  # the service clients pass the serialized model (a dict), sent as JSON when they say so
            json_body = "json" in next((value for name, value in headers.items() if name.lower() == "content-type"), "")
            body = json.dumps(request.body) if json_body else request.body
            body = body.encode("utf-8") if isinstance(body, str) else body
        connection = _Connection(url.hostname, url.port or 443, _tls(self.cafile), deadline)
        try:
            connection.request(request.method or "GET", url.path + (f"?{url.query}" if url.query else ""),
                               body=body, headers=headers)
            answer = connection.getresponse()
            if answer.length is not None and answer.length > self.max_bytes:
                raise AnswerTooLarge(f"the answer is larger than the cap ({answer.length} > {self.max_bytes} bytes)")
            data = answer.read(self.max_bytes + 1)
            if len(data) > self.max_bytes:
                raise AnswerTooLarge(f"the answer is larger than the cap ({self.max_bytes} bytes)")
            return ApiClientResponse(headers=answer.getheaders(), status_code=answer.status,
                                     body=data.decode("utf-8", "replace"))
        finally:
            connection.close()
