"""How long a reply takes while the store does not work: the same turns with the store fine and with each fault.

Runs a launch, a routine start and a step for each of N users through the Flask app in-process, first with the
store working, then while another connection holds the write lock, then while it holds every lock
(reads fail too), and prints each case's mean and slowest reply. Before issue 21 a held write lock cost
each saving request the 10-second busy timeout, past Alexa's 8-second limit; the store's waits are now
bounded (skill/storage/sqlite_store.py: READ_WAIT_SECONDS, WRITE_WAIT_SECONDS).
Run: .venv/bin/python bench/store_faults.py [users]
"""
from __future__ import annotations

import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import logging  # noqa: E402

logging.disable(logging.CRITICAL)

from skill import create_app  # noqa: E402
from tests.alexa import Alexa, UtteranceRouter  # noqa: E402

TURNS = [None, "guide me through breathing", "next"]


@contextmanager
def holding(path: Path, exclusive: bool) -> Iterator[None]:
    """Another connection holds the write lock, or (exclusive) every lock."""
    holder = sqlite3.connect(path, isolation_level=None)
    if exclusive:
        holder.execute("PRAGMA locking_mode=EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE" if exclusive else "BEGIN IMMEDIATE")
    holder.execute("UPDATE attributes SET updated_at = updated_at")
    if exclusive:
        holder.execute("COMMIT")  # the lock stays until the connection closes
    try:
        yield
    finally:
        holder.close()


def replies(path: Path, users: int, fault: AbstractContextManager[None] | None) -> list[float]:
    """Seconds per reply for every turn of every user, the app started (like a worker) while the fault holds."""
    router, timings = UtteranceRouter(), []
    with fault or nullcontext():
        app = create_app({"STORE": "sqlite", "STORE_PATH": str(path), "VERIFY_SIGNATURE": False, "VERIFY_TIMESTAMP": False})
        for user in range(users):
            alexa = Alexa(app.test_client(), router, user_id=f"amzn1.ask.account.bench{user}")
            for turn in TURNS:
                started = time.perf_counter()
                alexa.launch() if turn is None else alexa.say(turn)
                timings.append(time.perf_counter() - started)
    return timings


def main() -> None:
    users = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.sqlite3"
        cases = {"store working": lambda: None, "write lock held": lambda: holding(path, exclusive=False),
                 "every lock held": lambda: holding(path, exclusive=True)}
        replies(path, 2, None)  # the file, the table, warm imports
        import gc

        print(f"{len(TURNS)} turns for each of {users} users (the Alexa limit is 8 s a reply)")
        for name, fault in cases.items():
            gc.collect()  # the last case's app and its connections go, as a worker's would
            timings = replies(path, users, fault())
            print(f"{name:16}: mean {statistics.mean(timings) * 1000:7.1f} ms, slowest {max(timings) * 1000:7.1f} ms")


if __name__ == "__main__":
    main()
