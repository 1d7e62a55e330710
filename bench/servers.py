"""Starts and measures servers for the benchmarks: gunicorn on loopback, start-up time, memory per worker.

Every server is started with an explicit gunicorn configuration file (`-c`, the shipped gunicorn.conf.py
unless told otherwise) and the same command-line overrides, so two servers compared in one run are served
alike. Without `-c`, gunicorn reads ./gunicorn.conf.py from whatever folder it starts in: a skill started
from the project folder and a peer started elsewhere would be running two different configurations.
`proxied=True` puts nginx in front (apt-get install nginx-light), buffering each whole request and
response, as README's deployment does with its TLS proxy, and tells the configuration so (GUNICORN_BEHIND_PROXY).

Also holds the two reference apps the skill is compared with:
  bare_app  - a bare Flask route that parses the JSON and returns a fixed reply (the limit of this stack);
  hello_app - a minimal ASK SDK hello-world skill on the same Flask server (the floor of any ASK SDK skill).
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "gunicorn.conf.py"  # what the benchmarks serve everything under, unless told otherwise
# The ways of serving the benchmarks compare (bench/configs.py for latency, bench/slow_clients.py for slow clients):
# (name, gunicorn flags over the configuration file, nginx in front buffering whole requests).
WAYS: list[tuple[str, list[str], bool]] = [
    ("gthread 16 threads (shipped, alone)", [], False),
    ("gthread 4 threads", ["--threads", "4"], False),
    ("gthread 2 threads", ["--threads", "2"], False),
    ("sync", ["--worker-class", "sync", "--threads", "1"], False),  # gunicorn runs gthread if threads > 1
    ("sync behind nginx (shipped, proxied)", [], True),  # the file's choice with GUNICORN_BEHIND_PROXY=true
    ("gthread 4 threads behind nginx", ["--worker-class", "gthread", "--threads", "4"], True),
]
FIXED_REPLY = {"version": "1.0", "response": {"outputSpeech": {"type": "SSML", "ssml": "<speak>Hello.</speak>"}, "shouldEndSession": True}}


def bare_app():
    """(a) Flask only: parse the JSON body, return a fixed reply."""
    from flask import Flask, jsonify, request

    app = Flask("bare")

    @app.post("/")
    def skill():
        request.get_json(force=True)
        return jsonify(FIXED_REPLY)

    app.add_url_rule("/health", "health", lambda: {"status": "ok"})
    return app


def hello_app():
    """(b) the ASK SDK's hello world on the same server: deserialize, dispatch to one handler, serialize."""
    from ask_sdk_core.dispatch_components import AbstractRequestHandler
    from ask_sdk_core.skill_builder import SkillBuilder
    from ask_sdk_model import RequestEnvelope
    from flask import Flask, jsonify, request

    class HelloHandler(AbstractRequestHandler):
        def can_handle(self, handler_input):
            return True

        def handle(self, handler_input):
            return handler_input.response_builder.speak("Hello.").set_should_end_session(True).response

    builder = SkillBuilder()
    builder.add_request_handler(HelloHandler())
    skill = builder.create()
    app = Flask("hello")

    @app.post("/")
    def dispatch():
        envelope = skill.serializer.deserialize(payload=request.get_data(as_text=True), obj_type=RequestEnvelope)
        return jsonify(skill.serializer.serialize(skill.invoke(request_envelope=envelope, context=None)))

    app.add_url_rule("/health", "health", lambda: {"status": "ok"})
    return app


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    """A gunicorn master and its workers on a loopback port (`proxy`: nginx in front, on `port`)."""

    process: subprocess.Popen
    port: int
    startup_seconds: float
    proxy: subprocess.Popen | None = None
    folder: str | None = None  # nginx's files
    described: str = field(default="")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()] if children.exists() else []

    def worker_rss_mib(self) -> list[float]:
        """Resident memory of each worker, in MiB."""
        sizes = []
        for pid in self.worker_pids():
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    sizes.append(int(line.split()[1]) / 1024)
        return sizes

    def cpu_seconds(self) -> float:
        """User plus system CPU time used so far by the workers (from /proc)."""
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0.0
        for pid in self.worker_pids():
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
        return total

    def stop(self) -> None:
        for process in (self.proxy, self.process):
            if process is None:
                continue
            process.send_signal(signal.SIGTERM if process is self.process else signal.SIGQUIT)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        if self.folder:
            shutil.rmtree(self.folder, ignore_errors=True)


def start(target: str, workers: int = 2, env: dict[str, str] | None = None, config: Path = CONFIG,
          options: Sequence[str] = (), proxied: bool = False) -> Server:
    """Start `gunicorn -c config [options] target` on loopback; start-up time is until /health answers.

    `options` are gunicorn flags that override the file (`--threads 4`, `--worker-class sync`).
    """
    port = free_port()
    environment = {**os.environ, "LOG_LEVEL": "WARNING", **(env or {})}
    if proxied:  # the configuration file serves as its deployment behind a buffering proxy says (gunicorn.conf.py)
        environment["GUNICORN_BEHIND_PROXY"] = "true"
    began = time.perf_counter()
    # The workers' log lines go to a file: a pipe no one reads fills up (64 KiB) and then stalls every worker that
    # logs (a red flag is a WARNING line), which under load is a matter of seconds.
    errors = tempfile.TemporaryFile()  # noqa: SIM115  # closed with the process
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(config), "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning", "--chdir", str(ROOT), *options, target],
        env=environment, stdout=subprocess.DEVNULL, stderr=errors,
    )
    process.stderr = errors  # type: ignore[assignment]  # read back only if it exits
    _wait_for_health(port, process, target)
    server = Server(process, port, time.perf_counter() - began, described=_describe(config, options))
    while len(server.worker_pids()) < workers:  # every worker up, not just the first
        time.sleep(0.02)
    if proxied:
        server.folder = tempfile.mkdtemp(prefix="bench-nginx-")
        server.port, server.proxy = _nginx(server.folder, port)
        _wait_for_health(server.port, server.proxy, "nginx")
        server.described += " behind nginx"
    return server


def _wait_for_health(port: int, process: subprocess.Popen, what: str) -> None:
    deadline = time.perf_counter() + 60
    while time.perf_counter() < deadline:
        if process.poll() is not None:
            errors = ""
            if process.stderr:
                process.stderr.seek(0)
                errors = process.stderr.read().decode(errors="replace")
            raise RuntimeError(f"{what} exited: {errors[-2000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1):
                return
        except OSError:
            time.sleep(0.02)
    process.kill()
    raise RuntimeError(f"{what} did not start within 60 s")


def _describe(config: Path, options: Sequence[str]) -> str:
    try:
        shown = config.relative_to(ROOT)
    except ValueError:
        shown = config
    return " ".join([f"-c {shown}", *options])


NGINX_CONF = """
worker_processes 1;
error_log {folder}/error.log crit;
pid {folder}/nginx.pid;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    client_header_timeout 10s;
    client_body_timeout 10s;
    client_max_body_size 128k;
    client_body_buffer_size 128k;
    upstream skill {{ server 127.0.0.1:{upstream}; keepalive 16; }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://skill;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_request_buffering on;
            proxy_buffering on;
        }}
    }}
}}
"""


def _nginx(folder: str, upstream: int) -> tuple[int, subprocess.Popen]:
    """nginx on a new loopback port, buffering whole requests and responses for gunicorn on `upstream`."""
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    port = free_port()
    conf = Path(folder) / "nginx.conf"
    conf.write_text(NGINX_CONF.format(folder=folder, upstream=upstream, port=port))
    errors = tempfile.TemporaryFile()  # noqa: SIM115  # closed with the process
    process = subprocess.Popen([nginx, "-p", folder, "-c", str(conf), "-g", "daemon off;"],
                               stdout=subprocess.DEVNULL, stderr=errors)
    process.stderr = errors  # type: ignore[assignment]  # read back only if it exits
    return port, process


def skill_env(folder: str) -> dict[str, str]:
    """This skill's environment for benchmarking: unsigned requests, a fresh SQLite store."""
    return {"ASK_SDK_VERIFY_SIGNATURE": "false", "ASK_SDK_VERIFY_TIMESTAMP": "false",
            "SKILL_DB_PATH": str(Path(folder) / "bench.sqlite3")}
