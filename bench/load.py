"""Load: many concurrent simulated users holding whole conversations with the skill under gunicorn.

Starts `gunicorn app:app` on loopback (verification off, a fresh SQLite store), then USERS
threads each run CONVERSATIONS conversations (Q&A, routines with their controls, a question
mid-routine, triage, a red flag), carrying session attributes turn to turn. Prints throughput,
p50/p95/p99 latency and errors (any non-200 or non-Alexa reply). Errors must be zero.
Run: .venv/bin/python bench/load.py [users] [conversations-per-user] [workers]
"""
from __future__ import annotations

import http.client
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.conversations import SCRIPTS, converse  # noqa: E402
from bench.servers import skill_env, start  # noqa: E402


def main() -> None:
    users = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    conversations = int(sys.argv[2]) if len(sys.argv) > 2 else 8
    workers = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    with tempfile.TemporaryDirectory() as folder:
        server = start("app:app", workers=workers, env=skill_env(folder))

        def send(body: dict) -> dict:
            started = time.perf_counter()
            connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
            try:
                connection.request("POST", "/", body=json.dumps(body), headers={"Content-Type": "application/json"})
                response = connection.getresponse()
                data = response.read()
            finally:
                connection.close()
            with lock:
                latencies.append(time.perf_counter() - started)
            if response.status != 200:
                raise RuntimeError(f"HTTP {response.status}: {data[:200]!r}")
            return json.loads(data)

        def user(number: int) -> None:
            for conversation in range(conversations):
                script = SCRIPTS[(number + conversation) % len(SCRIPTS)]
                try:
                    converse(send, script, f"amzn1.ask.account.load{number}")
                except Exception as error:  # counted, and the user goes on
                    with lock:
                        errors.append(f"{type(error).__name__}: {error}")

        began = time.perf_counter()
        threads = [threading.Thread(target=user, args=(n,)) for n in range(users)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - began
        rss = server.worker_rss_mib()
        server.stop()
    ordered = sorted(latencies)
    pct = lambda p: ordered[min(len(ordered) - 1, int(len(ordered) * p))] * 1000  # noqa: E731
    print(f"users {users} x {conversations} conversations, {workers} gunicorn workers, loopback")
    print(f"requests {len(latencies)} in {elapsed:.1f} s: {len(latencies) / elapsed:.0f} requests/s")
    print(f"latency ms: p50 {pct(0.50):.1f}  p95 {pct(0.95):.1f}  p99 {pct(0.99):.1f}  "
          f"max {ordered[-1] * 1000:.1f}  mean {statistics.mean(ordered) * 1000:.1f}")
    print(f"worker memory MiB: {', '.join(f'{m:.0f}' for m in rss)}")
    print(f"errors {len(errors)}")
    for error in errors[:10]:
        print("  ", error)
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
