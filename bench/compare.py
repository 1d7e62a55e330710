"""Benchmark: this skill against the limits of its stack, on the same machine and request mix.

  (a) a bare Flask route that parses the JSON and returns a fixed reply  (bench.servers:bare_app())
  (b) a minimal ASK SDK hello-world skill on the same server             (bench.servers:hello_app())
  (c) this skill (app:app; verification off, SQLite store on)

Each runs under gunicorn with the same workers on loopback; wrk (apt-get install wrk) posts the
same recorded conversation mix. The three are measured in turn, ROUNDS times interleaved (so a
slow spell of the machine hits all three alike), and the median of each figure is reported:
throughput, p50/p95/p99, the workers' CPU time per request (from /proc: the steadiest figure on
a shared machine), start-up time and memory per worker, and the ratios c/b and c/a.
Target: c within 1.2x of b.
Run: .venv/bin/python bench/compare.py [seconds] [connections] [workers] [rounds]
"""
from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.conversations import recorded_mix  # noqa: E402
from bench.servers import skill_env, start  # noqa: E402

HERE = Path(__file__).resolve().parent
TARGETS = [
    ("a bare Flask", "bench.servers:bare_app()"),
    ("b ASK hello world", "bench.servers:hello_app()"),
    ("c this skill", "app:app"),
]


def record(folder: Path) -> list[Path]:
    """Record the mix from the skill itself, so session attributes are real; one file per request."""
    from skill import create_app

    client = create_app({"VERIFY_SIGNATURE": False, "VERIFY_TIMESTAMP": False, "STORE": "none"}).test_client()
    bodies = recorded_mix(lambda body: client.post("/", data=json.dumps(body), content_type="application/json").get_json())
    paths = []
    for number, body in enumerate(bodies):
        body["request"]["timestamp"] = "2026-01-01T00:00:00Z"  # verification is off; keep the mix byte-identical
        path = folder / f"{number:03}.json"
        path.write_text(json.dumps(body))
        paths.append(path)
    return paths


def wrk(url: str, seconds: int, connections: int, bodies: list[Path]) -> dict:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", str(HERE / "mix.lua"), url, "--", *map(str, bodies)]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = next(line for line in output.splitlines() if line.startswith("RESULT "))
    result = json.loads(line[len("RESULT "):])
    result["rps"] = result["requests"] / result["seconds"]
    return result


def main() -> None:
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install wrk")
    seconds = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    connections = int(sys.argv[2]) if len(sys.argv) > 2 else 8
    workers = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    rounds = int(sys.argv[4]) if len(sys.argv) > 4 else 3
    runs: dict[str, list[dict]] = {name: [] for name, _ in TARGETS}
    with tempfile.TemporaryDirectory() as folder:
        bodies = record(Path(folder))
        for _ in range(rounds):
            for name, target in TARGETS:
                server = start(target, workers=workers, env=skill_env(folder))
                try:
                    wrk(server.url, 3, connections, bodies)  # warm up
                    cpu_before = server.cpu_seconds()
                    result = wrk(server.url, seconds, connections, bodies)
                    result["cpu_ms"] = (server.cpu_seconds() - cpu_before) / result["requests"] * 1000
                    result["startup"] = server.startup_seconds
                    result["rss"] = max(server.worker_rss_mib())
                finally:
                    server.stop()
                runs[name].append(result)
    results = {name: {key: statistics.median(run[key] for run in found) for key in found[0]} for name, found in runs.items()}
    print(f"{len(bodies)} recorded requests in the mix; {workers} gunicorn workers; wrk 1 thread, {connections} connections, "
          f"{seconds} s a run; median of {rounds} interleaved rounds")
    print(f"{'server':20} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'CPU ms/req':>11} {'errors':>7} {'start s':>8} {'MiB/worker':>11}")
    for name, r in results.items():
        errors = sum(run["socket_errors"] + run["non_2xx"] for run in runs[name])
        print(f"{name:20} {r['rps']:8.0f} {r['p50']:8.2f} {r['p95']:8.2f} {r['p99']:8.2f} {r['cpu_ms']:11.3f} "
              f"{errors:7d} {r['startup']:8.2f} {r['rss']:11.1f}")
    a, b, c = (results[name] for name, _ in TARGETS)
    for label, base in (("c/b", b), ("c/a", a)):
        print(f"{label}: throughput {c['rps'] / base['rps']:.2f}x, p50 {c['p50'] / base['p50']:.2f}x, p99 {c['p99'] / base['p99']:.2f}x, "
              f"CPU/request {c['cpu_ms'] / base['cpu_ms']:.2f}x, start-up {c['startup'] / base['startup']:.2f}x, memory {c['rss'] / base['rss']:.2f}x")
    for label, ratio in (("throughput", b["rps"] / c["rps"]), ("p50", c["p50"] / b["p50"]), ("p99", c["p99"] / b["p99"]),
                         ("CPU/request", c["cpu_ms"] / b["cpu_ms"])):
        print(f"target c within 1.2x of b, {label}: {'met' if ratio <= 1.2 else 'NOT met'} ({ratio:.2f}x)")


if __name__ == "__main__":
    main()
