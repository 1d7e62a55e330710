"""What remembering users costs per request: the same conversations with the store off and on.

Runs whole conversations (launch, a question, a routine with three steps, stop) through the
Flask app in-process, once with SKILL_STORE=none and once with the SQLite store, and prints the
mean time per request (best of three alternating rounds) and the difference; then the raw
adapter read and write times.
Run: .venv/bin/python bench/persistence.py [conversations]
"""
from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import logging  # noqa: E402

logging.disable(logging.WARNING)

from skill import create_app  # noqa: E402
from skill.storage.sqlite_store import SQLiteAdapter  # noqa: E402
from tests.alexa import Alexa, UtteranceRouter, envelope, intent_request  # noqa: E402

TURNS = ["heat or ice", "guide me through breathing", "next", "slower", "next", "stop"]


def run(store: str, path: str, conversations: int) -> list[float]:
    app = create_app({"STORE": store, "STORE_PATH": path, "VERIFY_SIGNATURE": False, "VERIFY_TIMESTAMP": False})
    router, timings = UtteranceRouter(), []
    for user in range(conversations):
        alexa = Alexa(app.test_client(), router, user_id=f"amzn1.ask.account.bench{user}")
        for turn in [None, *TURNS]:
            start = time.perf_counter()
            alexa.launch() if turn is None else alexa.say(turn)
            timings.append(time.perf_counter() - start)
    return timings


def main() -> None:
    conversations = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    with tempfile.TemporaryDirectory() as folder:
        path = str(Path(folder) / "bench.sqlite3")
        run("none", path, 10)  # warm up imports and caches
        off_runs: list[list[float]] = []
        on_runs: list[list[float]] = []
        for round_ in range(3):  # alternate, so drift in the machine's speed hits both alike
            off_runs.append(run("none", path, conversations))
            on_runs.append(run("sqlite", str(Path(folder) / f"bench{round_}.sqlite3"), conversations))
        off = min(off_runs, key=statistics.mean)  # the quietest round of each
        on = min(on_runs, key=statistics.mean)
        adapter = SQLiteAdapter(path)
        request = envelope(intent_request("AMAZON.HelpIntent"), user_id="amzn1.ask.account.raw")
        import json

        from ask_sdk_core.serialize import DefaultSerializer
        from ask_sdk_model import RequestEnvelope

        parsed = DefaultSerializer().deserialize(json.dumps(request), RequestEnvelope)
        profile = {"visits": 3, "disclaimer_heard": True, "pace": 2,
                   "routine": {"routine": "breathing", "step": 2, "pace": 2, "paused": False, "touched": "2026-11-23T10:00:00Z"}}
        reads, writes = [], []
        for _ in range(2000):
            started = time.perf_counter()
            adapter.save_attributes(parsed, profile)
            writes.append(time.perf_counter() - started)
            started = time.perf_counter()
            adapter.get_attributes(parsed)
            reads.append(time.perf_counter() - started)
    ms = lambda values: statistics.mean(values) * 1000  # noqa: E731
    p95 = lambda values: sorted(values)[int(len(values) * 0.95)] * 1000  # noqa: E731
    print(f"requests: {len(on)} per mode ({conversations} conversations of {len(TURNS) + 1} turns)")
    print(f"store off : mean {ms(off):.3f} ms, p95 {p95(off):.3f} ms per request")
    print(f"sqlite on : mean {ms(on):.3f} ms, p95 {p95(on):.3f} ms per request")
    print(f"cost      : {ms(on) - ms(off):+.3f} ms per request ({(ms(on) / ms(off) - 1) * 100:+.1f}%)")
    print(f"adapter   : read {ms(reads) * 1000:.0f} us, write (commit) {ms(writes) * 1000:.0f} us mean")


if __name__ == "__main__":
    main()
