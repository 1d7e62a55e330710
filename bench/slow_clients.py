"""Slow clients: do real requests still get answers while clients that stop mid-request hold connections?

For each way of serving (the shipped gunicorn.conf.py, the same with other --threads, sync workers, and
sync workers behind nginx buffering whole requests), each with this skill: open N slow clients (half stop
in the middle of their headers, half send headers and one byte of a 5000-byte body), then send real Alexa
requests one after another, each on a new connection with a 10 s limit, and count the answers.
A way of serving resists N slow clients when every real request is answered, and quickly.
Run: .venv/bin/python bench/slow_clients.py [N ...] [--ways 0,1,2]   (default 4 8 32 128; nginx: apt-get install nginx-light)
"""
from __future__ import annotations

import argparse
import http.client
import json
import shutil
import socket
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.servers import CONFIG, WAYS, skill_env, start  # noqa: E402
from tests.alexa import envelope  # noqa: E402

REAL_REQUESTS = 6
LIMIT_SECONDS = 10.0


def hold_slow_clients(port: int, count: int) -> list[socket.socket]:
    """Connections that begin a request and never finish it."""
    held = []
    for number in range(count):
        sock = socket.create_connection(("127.0.0.1", port))
        if number % 2:
            sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\n")
        else:
            sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n{")
        held.append(sock)
    return held


def real_request(port: int) -> float | None:
    """Seconds to answer one real LaunchRequest on a new connection; None if not answered within the limit."""
    body = json.dumps(envelope({"type": "LaunchRequest"})).encode()
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=LIMIT_SECONDS)
    try:
        connection.request("POST", "/", body=body, headers={"Content-Type": "application/json"})
        answer = connection.getresponse()
        answer.read()
        return time.perf_counter() - started if answer.status == 200 else None
    except OSError:
        return None
    finally:
        connection.close()


def trial(options: list[str], proxied: bool, slow: int, folder: str) -> tuple[int, float]:
    """(real requests answered, the slowest answer in seconds) with `slow` slow clients held."""
    server = start("app:app", workers=2, env=skill_env(folder), options=options, proxied=proxied)
    held: list[socket.socket] = []
    try:
        held = hold_slow_clients(server.port, slow)
        time.sleep(0.5)
        times = [real_request(server.port) for _ in range(REAL_REQUESTS)]
    finally:
        for sock in held:
            sock.close()
        server.stop()
    answered = [t for t in times if t is not None]
    return len(answered), max(answered, default=float("nan"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("counts", nargs="*", type=int, default=[4, 8, 32, 128], help="slow clients held, one trial each")
    parser.add_argument("--ways", default="", help="comma-separated numbers of the ways to run (default: all)")
    args = parser.parse_args()
    counts = args.counts
    ways = [WAYS[int(n)] for n in args.ways.split(",")] if args.ways else WAYS
    ways = [way for way in ways if not way[2] or shutil.which("nginx") or Path("/usr/sbin/nginx").exists()]
    print(f"gunicorn -c {CONFIG.name} with the flags shown, 2 workers; {REAL_REQUESTS} real requests after N slow "
          f"clients; answered / slowest answer")
    print(f"{'served as':34}" + "".join(f"{f'N={count}':>18}" for count in counts))
    with tempfile.TemporaryDirectory() as folder:
        for name, options, proxied in ways:
            cells = []
            for count in counts:
                answered, slowest = trial(options, proxied, count, folder)
                cells.append(f"{answered}/{REAL_REQUESTS} {slowest:6.2f} s")
            print(f"{name:34}" + "".join(f"{cell:>18}" for cell in cells), flush=True)


if __name__ == "__main__":
    main()
