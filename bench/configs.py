"""Ways of serving, compared: p99 and throughput of the hello world and this skill under each, in one run.

Each way (bench/servers.py: WAYS) is the shipped gunicorn.conf.py with gunicorn flags over it (threads per
worker, sync workers), with or without nginx in front buffering whole requests. Both apps are measured under
each way, ROUNDS times, every (way, app) once per round in turn, so a slow spell of the shared machine hits
them all alike; the figures are medians. bench/slow_clients.py measures the other side of the choice: which
of these ways keep answering while slow clients hold connections.
Run: .venv/bin/python bench/configs.py [--seconds 6] [--rounds 5] [--ways 0,3,4]   (nginx: apt-get install nginx-light)
"""
from __future__ import annotations

import argparse
import shlex
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.compare import TARGETS, measure, record  # noqa: E402
from bench.servers import CONFIG, WAYS  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=6)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--ways", default="", help="comma-separated numbers of the ways to run (default: all)")
    args = parser.parse_args()
    chosen = [WAYS[int(n)] for n in args.ways.split(",")] if args.ways else WAYS
    if not (shutil.which("nginx") or Path("/usr/sbin/nginx").exists()):
        chosen = [way for way in chosen if not way[2]]
    apps = {"hello": TARGETS["b ASK hello world"], "skill": TARGETS["c this skill"]}
    runs: dict[tuple[str, str], list[dict]] = {(way[0], app): [] for way in chosen for app in apps}
    with tempfile.TemporaryDirectory() as folder:
        bodies = record(Path(folder))
        for round_number in range(args.rounds):
            order = chosen if round_number % 2 == 0 else chosen[::-1]
            for name, options, proxied in order:
                for app in (apps if round_number % 2 == 0 else dict(reversed(apps.items()))):
                    settings = argparse.Namespace(workers=args.workers, config=CONFIG, options=shlex.join(options),
                                                  proxied=proxied, connections=args.connections, seconds=args.seconds)
                    runs[(name, app)].append(measure(apps[app], settings, bodies, folder))
    print(f"{len(bodies)} recorded requests; {args.workers} workers; wrk {args.connections} connections, {args.seconds} s "
          f"a run; median of {args.rounds} interleaved rounds")
    print(f"{'served as':32} {'hello p99':>10} {'skill p99':>10} {'hello req/s':>12} {'skill req/s':>12} "
          f"{'p99 c/b':>8} {'req/s c/b':>10}")
    for name, *_ in chosen:
        hello, skill = runs[(name, "hello")], runs[(name, "skill")]
        p99 = [s["p99"] / h["p99"] for h, s in zip(hello, skill, strict=True)]
        rps = [s["rps"] / h["rps"] for h, s in zip(hello, skill, strict=True)]
        print(f"{name:32} {statistics.median(r['p99'] for r in hello):10.2f} {statistics.median(r['p99'] for r in skill):10.2f} "
              f"{statistics.median(r['rps'] for r in hello):12.0f} {statistics.median(r['rps'] for r in skill):12.0f} "
              f"{statistics.median(p99):7.2f}x {statistics.median(rps):9.2f}x")


if __name__ == "__main__":
    main()
