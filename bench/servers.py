"""Starts and measures servers for the benchmarks: gunicorn on loopback, start-up time, memory per worker.

Also holds the two reference apps the skill is compared with:
  bare_app  - a bare Flask route that parses the JSON and returns a fixed reply (the limit of this stack);
  hello_app - a minimal ASK SDK hello-world skill on the same Flask server (the floor of any ASK SDK skill).
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
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
    """A gunicorn master and its workers on a loopback port."""

    process: subprocess.Popen
    port: int
    startup_seconds: float

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
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()


def start(target: str, workers: int = 2, env: dict[str, str] | None = None) -> Server:
    """Start `gunicorn target` on loopback; start-up time is until /health answers."""
    port = free_port()
    environment = {**os.environ, "LOG_LEVEL": "WARNING", **(env or {})}
    began = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning", "--chdir", str(ROOT), target],
        env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    deadline = began + 60
    while time.perf_counter() < deadline:
        if process.poll() is not None:
            errors = process.stderr.read().decode() if process.stderr else ""
            raise RuntimeError(f"{target} exited: {errors[-2000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1):
                break
        except OSError:
            time.sleep(0.02)
    else:
        process.kill()
        raise RuntimeError(f"{target} did not start within 60 s")
    server = Server(process, port, time.perf_counter() - began)
    while len(server.worker_pids()) < workers:  # every worker up, not just the first
        time.sleep(0.02)
    return server


def skill_env(folder: str) -> dict[str, str]:
    """This skill's environment for benchmarking: unsigned requests, a fresh SQLite store."""
    return {"ASK_SDK_VERIFY_SIGNATURE": "false", "ASK_SDK_VERIFY_TIMESTAMP": "false",
            "SKILL_DB_PATH": str(Path(folder) / "bench.sqlite3")}
