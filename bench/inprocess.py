"""CPU per request in-process: this skill against the ASK SDK hello world, on the recorded request mix.

No server and no load client: each app answers the recorded mix (bench/conversations.py, as compare.py
sends it) through Flask's test client, and the figure is CPU time (time.process_time) per request, so
other work on a shared machine barely moves it, unlike wall-clock throughput under gunicorn. Each
measurement is a fresh interpreter holding one app only (as a gunicorn worker does: the skill's heap
and imports do not weigh on the hello world's figure); the apps alternate for several rounds and the
best round of each is kept. The skill runs as gunicorn serves it (app:app, verification off because
the requests are unsigned, a fresh SQLite store), at the log level compare.py gives both servers
(WARNING; --log-level info adds the access log, written to a null stream).
Run: .venv/bin/python bench/inprocess.py [--repeat 40] [--rounds 3] [--log-level info] [--profile 40]
"""
from __future__ import annotations

import argparse
import cProfile
import json
import logging
import os
import pstats
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

APPS = ("hello world", "this skill")


def load_app(name: str, folder: Path, level: str):
    """The hello world, or app:app as gunicorn imports it with its store in `folder`; logs go to a null stream."""
    if name == "hello world":
        from bench.servers import hello_app

        return hello_app()
    os.environ.update({"ASK_SDK_VERIFY_SIGNATURE": "false", "ASK_SDK_VERIFY_TIMESTAMP": "false",
                       "SKILL_DB_PATH": str(folder / "bench.sqlite3"), "LOG_LEVEL": level})
    logging.basicConfig(level=level, stream=open(os.devnull, "w"))  # noqa: SIM115  # the lines' cost, not a terminal's
    import app

    return app.app


def cpu_ms(client, bodies: list[bytes], repeat: int) -> float:
    """CPU milliseconds per request over `repeat` passes of the mix; every reply must be a 200."""
    started = time.process_time()
    for _ in range(repeat):
        for body in bodies:
            reply = client.post("/", data=body, content_type="application/json")
            if reply.status_code != 200:
                raise RuntimeError(f"{reply.status_code}: {reply.get_data(as_text=True)[:200]}")
    return (time.process_time() - started) / (repeat * len(bodies)) * 1000


def child(args: argparse.Namespace) -> None:
    """One app in this interpreter: warm up, measure (or profile), print the figure as JSON."""
    folder = Path(args.folder)
    bodies = [path.read_bytes() for path in sorted(folder.glob("*.json"))]
    client = load_app(args.child, folder, args.log_level).test_client()
    cpu_ms(client, bodies, 2)  # warm up: caches, the store's rows, lazy imports
    if args.profile:
        profile = cProfile.Profile()
        profile.enable()
        cpu_ms(client, bodies, args.profile)
        profile.disable()
        pstats.Stats(profile, stream=sys.stderr).sort_stats(args.sort).print_stats(args.lines)
        return
    print(json.dumps({"ms": cpu_ms(client, bodies, args.repeat)}))


def run_child(name: str, folder: str, args: argparse.Namespace, profile: int = 0) -> float | None:
    command = [sys.executable, __file__, "--child", name, "--folder", folder, "--repeat", str(args.repeat),
               "--log-level", args.log_level, "--profile", str(profile), "--sort", args.sort, "--lines", str(args.lines)]
    result = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT)
    if profile:
        print(result.stderr)
        return None
    return json.loads(result.stdout.strip().splitlines()[-1])["ms"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=40, help="passes over the mix per round")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds; the best of each app is kept")
    parser.add_argument("--log-level", default="WARNING", type=str.upper, choices=["WARNING", "INFO"])
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="only profile the skill over N passes and print the top of the profile")
    parser.add_argument("--sort", default="cumulative", help="the profile's order (cumulative, tottime)")
    parser.add_argument("--lines", type=int, default=50, help="lines of the profile shown")
    parser.add_argument("--child", choices=APPS, help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    from bench.compare import record

    with tempfile.TemporaryDirectory() as folder:
        bodies = record(Path(folder))
        if args.profile:
            run_child("this skill", folder, args, profile=args.profile)
            return
        runs: dict[str, list[float]] = {name: [] for name in APPS}
        for round_number in range(args.rounds):
            for name in (APPS if round_number % 2 == 0 else APPS[::-1]):
                runs[name].append(run_child(name, folder, args))  # type: ignore[arg-type]
    hello, skill = min(runs["hello world"]), min(runs["this skill"])
    print(f"{len(bodies)} recorded requests x {args.repeat} passes, each app in its own interpreter, best of "
          f"{args.rounds} alternating rounds; CPU per request, log level {args.log_level}")
    print(f"hello world {hello:.3f} ms   this skill {skill:.3f} ms   ratio {skill / hello:.2f}x")


if __name__ == "__main__":
    main()
