"""Benchmark: this skill against the ASK SDK hello world, served alike, on the same recorded request mix.

  (b) a minimal ASK SDK hello-world skill on the same Flask server   (bench.servers:hello_app())
  (c) this skill (app:app; verification off, SQLite store on)
  (a) with --bare: a bare Flask route that parses the JSON and returns a fixed reply

All of them run under gunicorn with the SAME configuration file, named with -c (default: the shipped
gunicorn.conf.py) and the same overrides (--options), on loopback; wrk (apt-get install wrk) posts the
same recorded mix of real requests (bench/conversations.py) over 8 connections. They are measured in
pairs, b then c, then c then b, and so on (so a slow spell of the shared machine hits both alike); each
pair gives a ratio c/b, and the median of the pairs' ratios is the result:
throughput (target >= 0.95x) and p99 latency (target <= 1.2x), with p50 and CPU per request beside them.
Run: .venv/bin/python bench/compare.py [--seconds 10] [--pairs 3] [--options="--threads 4"] [--proxied]
"""
from __future__ import annotations

import argparse
import json
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.conversations import recorded_mix  # noqa: E402
from bench.servers import CONFIG, skill_env, start  # noqa: E402

HERE = Path(__file__).resolve().parent
TARGETS = {"a bare Flask": "bench.servers:bare_app()", "b ASK hello world": "bench.servers:hello_app()",
           "c this skill": "app:app"}
THROUGHPUT_TARGET, P99_TARGET = 0.95, 1.2


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
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", str(HERE / "mix.lua"), url, "--",
               *map(str, bodies)]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = next(line for line in output.splitlines() if line.startswith("RESULT "))
    result = json.loads(line[len("RESULT "):])
    result["rps"] = result["requests"] / result["seconds"]
    return result


def measure(target: str, args: argparse.Namespace, bodies: list[Path], folder: str) -> dict:
    """One run of one server: warm up, then wrk; throughput, latency, the workers' CPU per request, memory."""
    server = start(target, workers=args.workers, env=skill_env(folder), config=args.config,
                   options=shlex.split(args.options), proxied=args.proxied)
    try:
        wrk(server.url, 3, args.connections, bodies)  # warm up: every worker thread and connection made
        cpu_before = server.cpu_seconds()
        result = wrk(server.url, args.seconds, args.connections, bodies)
        result["cpu_ms"] = (server.cpu_seconds() - cpu_before) / result["requests"] * 1000
        result["startup"] = server.startup_seconds
        result["rss"] = max(server.worker_rss_mib())
        result["served"] = server.described
    finally:
        server.stop()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10, help="measured seconds per run (after 3 s of warm-up)")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--pairs", type=int, default=3, help="interleaved hello-world/skill pairs")
    parser.add_argument("--config", type=Path, default=CONFIG, help="the gunicorn configuration file served under")
    parser.add_argument("--options", default="", help='gunicorn flags for every server, e.g. "--threads 4"')
    parser.add_argument("--proxied", action="store_true", help="nginx in front, buffering, GUNICORN_BEHIND_PROXY=true "
                        "(apt-get install nginx-light)")
    parser.add_argument("--bare", action="store_true", help="also measure a bare Flask route in each round")
    args = parser.parse_args()
    args.config = args.config.resolve()
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install wrk")
    names = [name for name in TARGETS if args.bare or not name.startswith("a ")]
    runs: dict[str, list[dict]] = {name: [] for name in names}
    with tempfile.TemporaryDirectory() as folder:
        bodies = record(Path(folder))
        for pair in range(args.pairs):
            for name in (names if pair % 2 == 0 else names[::-1]):
                runs[name].append(measure(TARGETS[name], args, bodies, folder))
    report(runs, args, len(bodies))


def report(runs: dict[str, list[dict]], args: argparse.Namespace, requests: int) -> None:
    served = runs["c this skill"][0]["served"]
    print(f"{requests} recorded requests in the mix; gunicorn {served}, {args.workers} workers; wrk 1 thread, "
          f"{args.connections} connections, {args.seconds} s a run; {args.pairs} interleaved pairs; medians")
    print(f"{'server':20} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'CPU ms/req':>11} {'errors':>7} "
          f"{'start s':>8} {'MiB/worker':>11}")
    for name, found in runs.items():
        r = {key: statistics.median(run[key] for run in found) for key in ("rps", "p50", "p99", "max", "cpu_ms", "startup", "rss")}
        errors = sum(run["socket_errors"] + run["non_2xx"] for run in found)
        print(f"{name:20} {r['rps']:8.0f} {r['p50']:8.2f} {r['p99']:8.2f} {r['max']:8.2f} {r['cpu_ms']:11.3f} {errors:7d} "
              f"{r['startup']:8.2f} {r['rss']:11.1f}")
    pairs = list(zip(runs["b ASK hello world"], runs["c this skill"], strict=True))
    ratios = {key: [c[key] / b[key] for b, c in pairs] for key in ("rps", "p50", "p99", "cpu_ms")}
    for key, label in (("rps", "throughput"), ("p50", "p50"), ("p99", "p99"), ("cpu_ms", "CPU/request")):
        print(f"c/b {label:12} pairs {' '.join(f'{value:.2f}x' for value in ratios[key])}  median {statistics.median(ratios[key]):.2f}x")
    throughput, p99 = statistics.median(ratios["rps"]), statistics.median(ratios["p99"])
    print(f"target throughput >= {THROUGHPUT_TARGET}x the hello world: {'met' if throughput >= THROUGHPUT_TARGET else 'NOT met'} "
          f"({throughput:.2f}x); p99 <= {P99_TARGET}x: {'met' if p99 <= P99_TARGET else 'NOT met'} ({p99:.2f}x)")


if __name__ == "__main__":
    main()
