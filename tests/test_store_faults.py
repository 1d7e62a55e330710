"""The store failing never stops the skill (issue 21): faults at start-up and mid-run, recovery, atomic saves.

Each fault is made for real on the test's own SQLite file: another connection holding the write lock
(or every lock), a read-only file, a scribbled header, a folder that cannot be created, a file
deleted under the running skill, writes refused by the file system. Users still hear their answer,
their place is said to be unsaved once, what they saved before is kept, and the same process saves
again once the fault clears. The last test does it under gunicorn, killing workers mid-fault.
"""
from __future__ import annotations

import gc
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, closing, contextmanager
from pathlib import Path

import pytest

from skill import create_app
from skill.storage import sqlite_store
from skill.words import content as content_module

from .alexa import Alexa, UtteranceRouter, envelope, intent_request
from .launch import run_file

CONTENT = content_module.load()
ROOT = Path(__file__).resolve().parent.parent
USER = "amzn1.ask.account.TESTUSER"
ROUTER = UtteranceRouter()


def not_saved() -> str:
    """What the skill says, once per session, when it could not keep the user's place."""
    return CONTENT.prompts["place_not_saved"]


def rows(path: Path, wait: float = 5.0) -> dict[str, dict]:
    """What the store holds, read by a connection of the test's own, closed at once (SQLite shares some of a
    file's state between the connections of one process: one left open here would change what the skill sees)."""
    with closing(sqlite3.connect(path, timeout=wait)) as connection:
        return {user: json.loads(data) for user, data in connection.execute("SELECT user_id, data FROM attributes")}


def talk(app, user: str = USER) -> Alexa:
    return Alexa(app.test_client(), ROUTER, user_id=user)


def visited_twice(config: dict) -> None:
    """A user who has been here twice: what they saved must outlive any fault."""
    gc.freeze()  # what the test run made before is left out of the collection below, which finds these apps alone
    try:
        for _ in range(2):
            talk(create_app(config)).launch()
        gc.collect()  # those apps' connections close with them, as when a process ends
    finally:
        gc.unfreeze()


# --- The faults, each made for real and then cleared ------------------------------------------


@contextmanager
def write_locked(path: Path) -> Iterator[None]:
    """Another process holds the write lock (a long transaction, a backup tool); reads still work."""
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("UPDATE attributes SET updated_at = updated_at")
    try:
        yield
    finally:
        holder.execute("ROLLBACK")
        holder.close()


@contextmanager
def fully_locked(path: Path) -> Iterator[None]:
    """Another process holds every lock (exclusive locking mode): reads fail too."""
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("PRAGMA locking_mode=EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("UPDATE attributes SET updated_at = updated_at")
    holder.execute("COMMIT")  # the exclusive lock stays until the connection closes
    try:
        yield
    finally:
        holder.close()


@contextmanager
def unwritable(target: Path) -> Iterator[None]:
    """A file or folder nobody may change: chmod, or for root (whom chmod does not stop) chattr +i."""
    if os.geteuid() != 0:
        mode = target.stat().st_mode
        target.chmod(0o555 if target.is_dir() else 0o444)
        try:
            yield
        finally:
            target.chmod(mode)
        return
    if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(target)], capture_output=True).returncode:
        pytest.skip("running as root without a working chattr: a read-only file cannot be made")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(target)], check=True)


@contextmanager
def read_only(path: Path) -> Iterator[None]:
    """The database file is read-only. Put right as an operator would: every store file writable again (SQLite
    gives the -wal and -shm files it makes the database file's mode, so those made meanwhile are read-only too)."""
    with unwritable(path):
        yield
    for name in (f"{path.name}-wal", f"{path.name}-shm"):
        if os.geteuid() != 0 and (path.parent / name).exists():
            (path.parent / name).chmod(0o644)


@contextmanager
def corrupt(path: Path) -> Iterator[None]:
    """The file's header is scribbled over (a bad copy, a disk fault); put back afterwards."""
    with path.open("r+b") as file:
        header = file.read(100)
        file.seek(0)
        file.write(b"this is not a database" + b"\0" * 78)
    try:
        yield
    finally:
        with path.open("r+b") as file:
            file.write(header)


@contextmanager
def folder_missing(path: Path) -> Iterator[None]:
    """The store's folder is gone and cannot be made (its parent is read-only): the store is moved aside."""
    aside = path.parent.parent / "moved-aside"
    path.parent.rename(aside)
    try:
        with unwritable(path.parent.parent):
            yield
    finally:
        aside.rename(path.parent)


FAULTS: dict[str, Callable[[Path], AbstractContextManager[None]]] = {
    "write lock held": write_locked, "every lock held": fully_locked, "read-only file": read_only,
    "corrupt header": corrupt, "folder missing": folder_missing,
}


@pytest.fixture
def deep_store(tmp_path) -> Path:
    """A store one folder down, so that folder can go missing."""
    return tmp_path / "data" / "store.sqlite3"


@pytest.fixture
def config(deep_store) -> dict:
    return {"VERIFY_SIGNATURE": False, "VERIFY_TIMESTAMP": False, "STORE": "sqlite", "STORE_PATH": str(deep_store)}


# --- 1-3. Faults at start-up and mid-run: the skill answers, then saves again on its own ------------


@pytest.mark.parametrize("fault", FAULTS)
def test_the_skill_starts_on_a_store_that_does_not_work_and_saves_once_it_does(config, deep_store, fault, caplog):
    visited_twice(config)
    with FAULTS[fault](deep_store):
        with caplog.at_level("WARNING"):
            app = create_app(config)  # a worker booting mid-fault: no exception
        lines = [r.getMessage() for r in caplog.records if r.name == "skill.storage.sqlite_store"]
        assert len(lines) <= 1 and all(str(deep_store) in line for line in lines)  # one line at most, naming the store
        reply = talk(app).say("guide me through breathing")
        assert "Step 1 of" in reply.speech and CONTENT.prompts["error"] not in reply.speech
        assert reply.speech.startswith(not_saved())  # their place will not be kept: said once, first
        assert rows_if_readable(deep_store).get(USER, {}).get("visits", 2) == 2
    talk(app).launch()  # the fault is gone: the same process, no restart
    assert rows(deep_store)[USER]["visits"] == 3  # what was saved before is kept, and this visit counted


def rows_if_readable(path: Path) -> dict[str, dict]:
    """The rows, where the fault lets this test read them (a fully locked or corrupt file does not)."""
    try:
        return rows(path, wait=0)
    except sqlite3.Error:
        return {}


@pytest.mark.parametrize("fault", ["write lock held", "read-only file", "corrupt header"])
def test_a_fault_while_running_costs_no_answer_and_clears_on_its_own(config, deep_store, fault):
    app = create_app(config)
    talk(app).launch()
    with FAULTS[fault](deep_store):
        for utterance in ("guide me through breathing", "next", "heat or ice"):
            reply = talk(app).say(utterance)
            assert CONTENT.prompts["error"] not in reply.speech
    talk(app).launch()
    assert rows(deep_store)[USER]["visits"] == 2


@pytest.mark.parametrize("gone", ["file", "folder"])
def test_a_store_deleted_under_the_running_skill_is_made_again_at_its_path(config, deep_store, gone):
    app = create_app(config)
    talk(app).launch()
    if gone == "folder":
        shutil.rmtree(deep_store.parent)
    else:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{deep_store}{suffix}").unlink(missing_ok=True)
    talk(app, "amzn1.ask.account.after").launch()
    assert rows(deep_store)["amzn1.ask.account.after"]["visits"] == 1  # written where the operator can see it


FULL_DISK = """
import json, resource, signal, sys
from skill import create_app
from tests.alexa import Alexa, UtteranceRouter
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a refused write is an error to handle, not a signal to die of
app = create_app({"VERIFY_SIGNATURE": False, "VERIFY_TIMESTAMP": False, "STORE": "sqlite", "STORE_PATH": sys.argv[1]})
talk = lambda: Alexa(app.test_client(), UtteranceRouter())
talk().launch()
soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
resource.setrlimit(resource.RLIMIT_FSIZE, (0, hard))  # from here no file may be written: as on a full disk
during = talk().say("guide me through breathing").speech
resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
talk().launch()
print(json.dumps({"during": during}))
"""


def test_a_disk_that_refuses_writes_costs_no_answer_and_saving_resumes(deep_store, tmp_path):
    deep_store.parent.mkdir()
    script = tmp_path / "full_disk.py"
    script.write_text(FULL_DISK)
    # In a process of its own, as the limit on file sizes is the whole process's: a fork of this one (tests/launch.py)
    result = run_file(script, [str(script), str(deep_store)], dict(os.environ), ROOT, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    during = json.loads(result.stdout.strip().splitlines()[-1])["during"]
    assert during.startswith(not_saved()) and "Step 1 of" in during
    assert rows(deep_store)[USER]["visits"] == 2


def test_a_store_from_a_newer_version_is_never_written_and_costs_no_answer(config, deep_store, caplog):
    visited_twice(config)
    with closing(sqlite3.connect(deep_store)) as connection:
        connection.execute(f"PRAGMA user_version = {sqlite_store.SCHEMA_VERSION + 1}")
    with caplog.at_level("ERROR"):
        app = create_app(config)
    assert any("schema version" in r.getMessage() for r in caplog.records)
    assert "Step 1 of" in talk(app).say("guide me through breathing").speech
    assert rows(deep_store)[USER]["visits"] == 2 and "routine" not in rows(deep_store)[USER]


def test_a_request_waits_for_the_store_well_inside_alexas_eight_seconds():
    assert sqlite_store.READ_WAIT_SECONDS + sqlite_store.WRITE_WAIT_SECONDS <= 1.0  # a request reads once and writes once at most


# --- 2. Saying it: once per session, only where it matters, never losing what was saved --------


def test_an_unsaved_place_is_said_once_per_session_then_saving_resumes(config, deep_store):
    app = create_app(config)
    alexa = talk(app)
    alexa.launch()
    with write_locked(deep_store):
        first = alexa.say("guide me through breathing")
        second = alexa.say("next")
        again = alexa.say("repeat")
    assert first.speech.startswith(not_saved()) and "Step 1 of" in first.speech
    assert not_saved() not in second.speech and not_saved() not in again.speech
    assert rows(deep_store)[USER].get("routine") is None  # nothing was written while it was locked
    alexa.say("next")
    assert rows(deep_store)[USER]["routine"]["step"] == 2  # the same session saves again
    alexa.end_session()
    with write_locked(deep_store):
        assert talk(app).say("guide me through stretches").speech.startswith(not_saved())  # a new session: once again


def test_nothing_is_said_when_what_went_unsaved_is_not_a_place(config, deep_store):
    app = create_app(config)
    talk(app).launch()
    with write_locked(deep_store):
        for reply in (talk(app).launch(), talk(app).say("heat or ice")):
            assert not_saved() not in reply.speech


def test_a_working_store_never_says_it(config):
    alexa = talk(create_app(config))
    for utterance in ("guide me through breathing", "next", "stop"):
        assert not_saved() not in alexa.say(utterance).speech


# --- 5. Requests for one user at once lose nothing ----------------------------------------------


@pytest.mark.parametrize("routine", [False, True])
def test_requests_for_one_user_at_once_lose_no_update(config, deep_store, monkeypatch, routine):
    app = create_app(config)
    store = app.extensions["back_spasm_helper.store"]
    together = threading.Barrier(8)
    read = store.get_attributes

    def read_then_wait(*args, **kwargs):
        attributes = read(*args, **kwargs)
        together.wait(timeout=30)  # every request has read before any writes: the worst interleaving, every time
        return attributes

    monkeypatch.setattr(store, "get_attributes", read_then_wait)

    def visit(number: int) -> None:
        if routine and number == 0:  # one of them starts a routine instead
            talk(app).say("guide me through breathing")
        else:
            talk(app).launch()

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(visit, range(8)))
    stored = rows(deep_store)[USER]
    assert stored["visits"] == (7 if routine else 8)
    assert ("routine" in stored) is routine


def test_a_save_applies_what_this_request_changed_to_what_is_stored_by_then():
    from skill.storage.memory import merge

    loaded = {"visits": 2, "pace": 1, "routine": {"step": 0}, "disclaimer_heard": True}
    changed = {"visits": 3, "pace": 2, "disclaimer_heard": True}  # a visit, a new pace, the routine finished
    stored = {"visits": 5, "pace": 0, "routine": {"step": 1}, "disclaimer_heard": True}  # others saved meanwhile
    assert merge(stored, loaded, changed) == {"visits": 6, "pace": 2, "disclaimer_heard": True}
    assert merge(stored, loaded, loaded) == stored  # nothing changed here: what others saved stands
    assert merge({}, {}, {"visits": 1}) == {"visits": 1}
    assert merge({"visits": "x"}, {}, {"visits": 1}) == {"visits": 1}  # a broken count is replaced, not added to


# --- 4. Under gunicorn: workers killed mid-fault are replaced, answer in time, and save after -----


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def workers_of(master: int) -> set[int]:
    """The master's child processes (Linux /proc)."""
    children = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == master:
                children.add(int(entry.name))
    return children


def post(port: int, body: dict) -> tuple[dict, float]:
    """One request; the reply and how long it took."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}/", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    started = time.monotonic()
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read()), time.monotonic() - started


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="finds gunicorn's workers through /proc")
def test_workers_killed_mid_fault_are_replaced_answer_in_time_and_save_once_it_clears(tmp_path):
    path, port = tmp_path / "store.sqlite3", free_port()
    env = {**os.environ, "SKILL_DB_PATH": str(path), "ASK_SDK_VERIFY_SIGNATURE": "false", "PYTHONPATH": str(ROOT),
           "ASK_SDK_VERIFY_TIMESTAMP": "false", "LOG_LEVEL": "warning", "GUNICORN_BIND": f"127.0.0.1:{port}"}
    log = (tmp_path / "gunicorn.log").open("w")
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "app:app"], cwd=ROOT,
                              env=env, stdout=log, stderr=log)

    def wait_for_health(deadline: float) -> None:
        while True:  # however busy the machine is
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1)
                return
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None, (tmp_path / "gunicorn.log").read_text()
                time.sleep(0.1)

    try:
        wait_for_health(time.monotonic() + 60)
        post(port, envelope({"type": "LaunchRequest"}))
        assert rows(path)[USER]["visits"] == 1
        with write_locked(path):
            original = workers_of(server.pid)
            for worker in original:  # every worker dies mid-fault (a crash, a recycle): all that answer boot now
                os.kill(worker, signal.SIGKILL)
            deadline = time.monotonic() + 60
            while len(workers_of(server.pid) - original) < len(original):
                assert time.monotonic() < deadline and server.poll() is None, (tmp_path / "gunicorn.log").read_text()
                time.sleep(0.1)
            wait_for_health(time.monotonic() + 60)
            attributes: dict = {}
            for number, request in enumerate((intent_request("StartRoutineIntent", {"routine": "breathing"}),
                                              intent_request("AMAZON.NextIntent"))):
                reply, seconds = post(port, envelope(request, attributes=attributes, new=not number, session_id="s1"))
                assert seconds < 8, f"{seconds:.1f} s: past Alexa's 8-second limit"  # generous: the store waits under 1 s
                assert (not_saved() in reply["response"]["outputSpeech"]["ssml"]) is (number == 0)  # said once
                attributes = reply["sessionAttributes"]
            reply, seconds = post(port, envelope({"type": "LaunchRequest"}))
            assert seconds < 8 and reply["response"]["outputSpeech"]["ssml"]
            assert server.poll() is None, "the master stopped"
            assert rows(path)[USER]["visits"] == 1  # nothing written while locked, nothing lost
        post(port, envelope({"type": "LaunchRequest"}))  # the fault is gone: the workers born in it save
        assert rows(path)[USER]["visits"] == 2
        assert not workers_of(server.pid) & original
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
