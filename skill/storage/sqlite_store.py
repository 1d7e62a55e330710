"""The SQLite store: one row per Alexa user id, the attributes as JSON.

SQLiteAdapter implements ask-sdk-core's AbstractPersistenceAdapter. It is safe with several
gunicorn workers on one file: WAL mode lets readers and one writer work at once, and each process
and thread opens its own connection. A save is committed before the response leaves
(synchronous=NORMAL in WAL mode survives the process being killed; only a power cut can roll back
the last commits).

The store failing never stops the skill (issue 21). Nothing about the file is needed to start: a
store that is locked, full, read-only, corrupt, missing, or from a newer version is one log line at
start-up, and every request tries it again. A connection is opened when a request first needs one,
and dropped after any error or when the file at the path is no longer the one it opened (deleted,
or restored from a copy), so the skill saves again on its own once the fault clears. Waits are
bounded: a request waits at most READ_WAIT_SECONDS to read and WRITE_WAIT_SECONDS to write, well
inside Alexa's 8 seconds; the retention purge never makes a request wait. Only a wrong setting stops
start-up (a path that is a folder, or lies under a file), in one line naming it and the fix.

A save applies the request's change to the row as stored at that moment, atomically, so two requests
for the same user at once never lose each other's update: one statement where it can (the row swapped
for the changed one if it is still what the request read, or fields set with SQLite's JSON functions
when the request never read it), else one transaction that reads, changes and writes the row.
"""
from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter
from ask_sdk_core.exceptions import PersistenceException
from ask_sdk_model import RequestEnvelope

from skill.storage.base import REMOVED, RETENTION_DAYS, Change, StoreError, apply, user_id_of, user_ref

log = logging.getLogger(__name__)

SCHEMA_VERSION = 2  # 2: the table is WITHOUT ROWID (one b-tree keyed by user id); 1 had a rowid and an index
# One row per user, found by its key alone: a read looks in one b-tree, and a write changes one page, not two.
_TABLE = ("CREATE TABLE {name} (user_id TEXT PRIMARY KEY, data TEXT NOT NULL, updated_at REAL NOT NULL) "
          "WITHOUT ROWID")
# A request reads once and writes once at most, so it waits for the store 1 s at most.
READ_WAIT_SECONDS = 0.5  # the most a request waits to open the store and read the user's row
WRITE_WAIT_SECONDS = 0.5  # the most a request waits to write it
PURGE_EVERY_SECONDS = 3600.0  # rows untouched RETENTION_DAYS are deleted: at start-up, then this often
PURGE_RETRY_SECONDS = 60.0  # a purge the store was too busy for is tried again this soon
STORE_FAULTS = (sqlite3.Error, OSError)  # what a store that does not work raises (locked, full, read-only, ...)
_FIELD = re.compile(r"[a-z_]+")  # a field name written straight into a JSON path (the skill's own are)
_ENCODE = json.JSONEncoder(separators=(",", ":"), sort_keys=True).encode  # made once: json.dumps makes one per call


class NewerSchema(sqlite3.DatabaseError):
    """The file was written by a newer version of the skill: this code neither reads nor writes it."""


def check_path(path: Path) -> None:
    """Refuse a path that can never hold the store: a wrong setting, not a store having a bad moment."""
    if os.path.isdir(path):
        raise StoreError(f"the store path {path} is a folder: set SKILL_DB_PATH to a file in it, "
                         f"e.g. {path / 'back-spasm-helper.sqlite3'}")
    for parent in path.parents:
        if os.path.lexists(parent):
            if not os.path.isdir(parent):
                raise StoreError(f"the store path {path} lies under {parent}, which is a file, not a folder: "
                                 "set SKILL_DB_PATH to a file in a folder")
            return


def _identity(path: str) -> tuple[int, int] | None:
    """Which file is at the path now (device and inode), or None if none is."""
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return stat.st_dev, stat.st_ino


_BUSY = (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
FIRST_PAUSE, LONGEST_PAUSE = 0.00005, 0.001  # seconds between tries for a lock another worker holds


class _Connection(sqlite3.Connection):
    """A connection whose statements wait for another connection's lock until `deadline`, trying again often.

    SQLite's own wait (busy_timeout) sleeps 1 ms at its first retry, then longer; another worker's write holds
    the lock for some 50 us, so two workers that met at the lock lost a millisecond each time (about one write
    in twenty under load). Here a statement that finds the lock taken tries again after 50 us, doubling to 1 ms,
    until the deadline (see `_wait_until`); the connection's busy_timeout stays 0.
    """

    deadline = 0.0  # time.monotonic() after which a taken lock is an error

    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:  # type: ignore[override]
        for last in _tries(self.deadline):
            try:
                return super().execute(sql, parameters)
            except sqlite3.OperationalError as error:
                if last or (getattr(error, "sqlite_errorcode", 0) or 0) & 0xFF not in _BUSY:
                    raise
        raise AssertionError("unreachable: the last try returns or raises")


def _tries(deadline: float) -> Iterator[bool]:
    """Tries of something that waits on another connection: True for the last; 50 us apart, doubling to 1 ms,
    until `deadline` (time.monotonic)."""
    pause = FIRST_PAUSE
    while time.monotonic() + pause <= deadline:
        yield False
        time.sleep(pause)
        pause = min(pause * 2, LONGEST_PAUSE)
    yield True


def _wait_until(connection: _Connection, deadline: float) -> None:
    """Let the next statements wait for another connection's lock until `deadline` (time.monotonic), no longer."""
    connection.deadline = deadline


class SQLiteAdapter(AbstractPersistenceAdapter):
    """Persistent attributes in one SQLite file.

    Deletion is real: secure_delete overwrites a deleted row's bytes in the database file, and a
    WAL checkpoint that truncates the -wal file follows every "forget me" and every purge, so no
    copy of the row is left in any file the store writes.
    """

    def __init__(self, path: str | os.PathLike[str], clock: Callable[[], float] = time.time):
        self.path = Path(path)
        self._where = str(self.path)  # for the check at every request that the file is still the one opened
        check_path(self.path)
        self._clock = clock
        self._next_purge = 0.0  # due at the first write that works
        self._erase_due = False  # rows were deleted and the -wal file may still hold them: checkpoint it
        self._write_lock = threading.Lock()  # this process's writers queue here, not in SQLite's polling
        self._local = threading.local()
        self._failing: set[str] = set()  # "read", "write": what failed last time, so a change is logged once
        self._json_in_sql = True  # SQLite's JSON functions (built in since 3.38): until a call finds them missing
        try:
            connection = self._open(time.monotonic() + READ_WAIT_SECONDS)
        except STORE_FAULTS as error:
            self._failed("read", error)
            return
        try:
            with self._write_lock:  # at start-up, the purge may wait as long as a write (for another worker's, say)
                self._upkeep(connection, time.monotonic() + WRITE_WAIT_SECONDS)
        finally:
            connection.close()

    # --- Connections: opened lazily, per process and thread; dropped after any fault ------------

    def _open(self, deadline: float) -> _Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(self.path, timeout=0, isolation_level=None, check_same_thread=True,
                                     factory=_Connection)
        try:
            _wait_until(connection, deadline)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.execute("PRAGMA secure_delete=ON")  # a deleted row's bytes are overwritten, not left behind
            self._migrate(connection)
        except BaseException:
            connection.close()
            raise
        return connection

    def _migrate(self, connection: _Connection) -> None:
        """Bring the file to SCHEMA_VERSION: make the table, or move version 1's rows into version 2's table."""
        version = self._version(connection)
        if version == SCHEMA_VERSION and connection.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'attributes'").fetchone():
            return  # the usual case: nothing to write, so opening never waits for a writer
        connection.execute("BEGIN IMMEDIATE")
        try:
            version = self._version(connection)  # another worker may have moved it on while this one waited
            exists = connection.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'attributes'").fetchone()
            if not exists:
                connection.execute(_TABLE.format(name="attributes"))
            elif version < 2:  # version 1: a rowid table, so every look-up of a user read two b-trees, not one
                connection.execute(_TABLE.format(name="attributes_v2"))
                connection.execute("INSERT INTO attributes_v2 (user_id, data, updated_at) "
                                   "SELECT user_id, data, updated_at FROM attributes")
                connection.execute("DROP TABLE attributes")
                connection.execute("ALTER TABLE attributes_v2 RENAME TO attributes")
            connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            connection.execute("COMMIT")
        except BaseException:
            _roll_back(connection)
            raise

    @staticmethod
    def _version(connection: _Connection) -> int:
        version: int = connection.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise NewerSchema(f"it has schema version {version} and this code knows up to {SCHEMA_VERSION}: "
                              "run the newer code, or set SKILL_DB_PATH to another file")
        return version

    def _connection(self, deadline: float) -> _Connection:
        """This thread's connection in this process, to the file now at the path (a forked worker opens its own)."""
        local = self._local
        connection: _Connection | None = getattr(local, "connection", None)
        if connection is not None and (local.pid != os.getpid() or local.identity != _identity(self._where)
                                       or local.identity is None):
            self._drop()
            connection = None
        if connection is None:
            connection = self._open(deadline)
            local.connection, local.pid, local.identity = connection, os.getpid(), _identity(self._where)
        else:
            _wait_until(connection, deadline)
        return connection

    def _drop(self) -> None:
        """Forget this thread's connection, so the next request opens the store afresh."""
        connection = getattr(self._local, "connection", None)
        self._local.connection = None
        if connection is not None and getattr(self._local, "pid", None) == os.getpid():  # never one from before a fork
            try:
                connection.close()
            except sqlite3.Error:
                pass

    def _failed(self, operation: str, error: BaseException) -> None:
        """Drop the connection; log when the store stops working (not at every request while it stays down)."""
        self._drop()
        if not self._failing:
            log.error("store: cannot use %s now (%s); answering without memory, and trying again with each request",
                      self.path, error)
        self._failing.add(operation)

    def _worked(self, operation: str) -> None:
        """A read clears a failed read; a write (which reads too) clears everything."""
        if not self._failing:
            return
        self._failing -= {"read", "write"} if operation == "write" else {"read"}
        if not self._failing:
            log.warning("store: %s works again", self.path)

    # --- Upkeep: the retention purge and erasing deleted rows; after a save, never waited for ----

    def _purge(self, connection: _Connection, deadline: float = 0.0) -> None:
        """Delete rows untouched for RETENTION_DAYS; put off for a minute if another connection is writing."""
        _wait_until(connection, deadline)
        try:
            cutoff = self._clock() - RETENTION_DAYS * 86400
            removed = connection.execute("DELETE FROM attributes WHERE updated_at < ?", (cutoff,)).rowcount
        except sqlite3.Error as error:
            self._next_purge = self._clock() + PURGE_RETRY_SECONDS
            busy = (getattr(error, "sqlite_errorcode", 0) or 0) & 0xFF == sqlite3.SQLITE_BUSY  # another worker's write
            log.log(logging.INFO if busy else logging.WARNING, "store: the retention purge of %s is put off: %s",
                    self.path, error)
            return
        self._next_purge = self._clock() + PURGE_EVERY_SECONDS
        if removed:
            log.info("store: deleted %d users unseen for %d days", removed, RETENTION_DAYS)
            self._erase_due = True

    def _erase_traces(self, connection: _Connection) -> None:
        """Move everything from the -wal file into the database and empty it, so deleted rows leave no copy."""
        for _ in _tries(connection.deadline):  # readers on an older snapshot: wait a little for them
            busy, _, _ = connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            if not busy:
                break
        self._erase_due = bool(busy)
        if busy:  # another connection is mid-read; the next write checkpoints again
            log.warning("store: WAL checkpoint after a delete was busy; it will be retried")

    def _upkeep(self, connection: _Connection, deadline: float = 0.0) -> None:
        """The purge when due, then the checkpoint a deletion owes, each waiting for locks until `deadline`.

        Runs at start-up and after each write; never raises (the write itself is done).
        """
        try:
            if self._clock() >= self._next_purge:
                self._purge(connection, deadline)
            if self._erase_due:
                _wait_until(connection, deadline)
                self._erase_traces(connection)
        except sqlite3.Error as error:
            self._erase_due = True
            log.warning("store: upkeep of %s failed; it will be retried: %s", self.path, error)

    # --- The adapter ----------------------------------------------------------------------------

    def _user(self, envelope: RequestEnvelope) -> str:
        user_id = user_id_of(envelope)
        if not user_id:
            raise PersistenceException("the request carries no user id")
        return user_id

    def _attributes(self, row: tuple[Any, ...] | None, user_id: str) -> dict[str, Any]:
        if row is None:
            return {}
        try:
            data = json.loads(row[0])
        except (TypeError, ValueError):
            data = None
        if not isinstance(data, dict):
            log.error("store: unreadable attributes for user %s; treating as a new user", user_ref(user_id))
            return {}
        return data

    def get_attributes(self, request_envelope: RequestEnvelope) -> dict[str, Any]:
        """The user's attributes; {} for a new user or an unreadable row (logged)."""
        user_id = self._user(request_envelope)
        try:
            connection = self._connection(time.monotonic() + READ_WAIT_SECONDS)
            row = connection.execute("SELECT data FROM attributes WHERE user_id = ?", (user_id,)).fetchone()
        except STORE_FAULTS as error:
            self._failed("read", error)
            raise PersistenceException(f"store read failed: {error}") from error
        self._worked("read")
        self._local.read = (user_id, row[0] if row is not None else None)  # what a save in this request may swap
        return self._attributes(row, user_id)

    def update_attributes(self, request_envelope: RequestEnvelope, change: Change) -> None:
        """Apply `change` to the user's attributes as stored now, atomically, committed before this returns.

        Where the row is still the one this thread just read (the usual case), one statement swaps it for the
        changed one; where another request wrote it in between, one transaction reads, changes and writes it.
        """
        user_id = self._user(request_envelope)
        read, self._local.read = getattr(self._local, "read", None), None
        with self._writing() as connection:
            if read is None or read[0] != user_id or not self._swap(connection, user_id, read[1], change):
                self._transaction(connection, user_id, change)

    def write_fields(self, request_envelope: RequestEnvelope, writes: Mapping[str, Any]) -> None:
        """Set the fields in `writes`, or remove those given as REMOVED, on what is stored now: no read before.

        One statement, with SQLite's JSON functions; a transaction where they are missing or the row is not a
        JSON object.
        """
        user_id = self._user(request_envelope)
        with self._writing() as connection:
            if not self._patch(connection, user_id, writes):
                self._transaction(connection, user_id, lambda stored: apply(stored, writes))

    @contextlib.contextmanager
    def _writing(self) -> Iterator[_Connection]:
        """This process's turn to write, and the connection; a fault is logged once and raised as PersistenceException."""
        deadline = time.monotonic() + WRITE_WAIT_SECONDS
        if not self._write_lock.acquire(timeout=WRITE_WAIT_SECONDS):
            raise PersistenceException("store write failed: this process's other writes took too long")
        try:
            connection = self._connection(deadline)
            yield connection
            self._upkeep(connection)  # after the commit: upkeep that fails never fails the save
        except STORE_FAULTS as error:
            self._failed("write", error)
            raise PersistenceException(f"store write failed: {error}") from error
        except (TypeError, ValueError) as error:
            raise PersistenceException(f"store write failed: {error}") from error
        finally:
            self._write_lock.release()
        self._worked("write")

    def _swap(self, connection: _Connection, user_id: str, seen: str | None, change: Change) -> bool:
        """Write change(what was read) in one statement if the row is still `seen` (None: no row); False if not."""
        data = _ENCODE(change(self._attributes((seen,) if seen is not None else None, user_id)))
        if data == (seen if seen is not None else "{}"):
            return False  # nothing new from what was read: the transaction decides against what is stored now
        if seen is None:
            cursor = connection.execute("INSERT INTO attributes (user_id, data, updated_at) VALUES (?, ?, ?) "
                                        "ON CONFLICT(user_id) DO NOTHING", (user_id, data, self._clock()))
        else:
            cursor = connection.execute("UPDATE attributes SET data = ?, updated_at = ? WHERE user_id = ? AND data = ?",
                                        (data, self._clock(), user_id, seen))
        return cursor.rowcount == 1

    def _patch(self, connection: _Connection, user_id: str, writes: Mapping[str, Any]) -> bool:
        """Set and remove fields with SQLite's JSON functions in one statement; False where that cannot be done."""
        if not self._json_in_sql or not all(_FIELD.fullmatch(key) for key in writes):
            return False
        sets = {key: value for key, value in writes.items() if value is not REMOVED}
        gone = [f'$."{key}"' for key, value in writes.items() if value is REMOVED]
        if not sets and not gone:
            return True
        try:
            if sets:
                data = f"json_remove(attributes.data{', ?' * len(gone)})" if gone else "attributes.data"
                setting = ", ".join("?, json(?)" for _ in sets)
                values = [part for key, value in sets.items() for part in (f'$."{key}"', _ENCODE(value))]
                cursor = connection.execute(
                    "INSERT INTO attributes (user_id, data, updated_at) VALUES (?, ?, ?) ON CONFLICT(user_id) "
                    f"DO UPDATE SET data = json_set({data}, {setting}), updated_at = excluded.updated_at "
                    "WHERE json_type(attributes.data) = 'object'",
                    (user_id, _ENCODE(sets), self._clock(), *gone, *values))
                return cursor.rowcount == 1
            present = " OR ".join("json_type(data, ?) IS NOT NULL" for _ in gone)
            connection.execute(  # only a row holding one of them changes: none is made for a user never stored
                f"UPDATE attributes SET data = json_remove(data{', ?' * len(gone)}), updated_at = ? "
                f"WHERE user_id = ? AND json_type(data) = 'object' AND ({present})",
                (*gone, self._clock(), user_id, *gone))
            return True
        except sqlite3.OperationalError as error:
            if "no such function" in str(error):
                self._json_in_sql = False  # an SQLite built without its JSON functions: transactions from now on
                return False
            if "malformed JSON" in str(error):
                return False  # an unreadable row: the transaction treats it as a new user's, as a read does
            raise

    def _transaction(self, connection: _Connection, user_id: str, change: Change) -> None:
        """Read the row, apply `change`, write it: one transaction, committed before this returns."""
        connection.execute("BEGIN IMMEDIATE")
        try:
            row = connection.execute("SELECT data FROM attributes WHERE user_id = ?", (user_id,)).fetchone()
            data = _ENCODE(change(self._attributes(row, user_id)))
            if data != (row[0] if row is not None else "{}"):  # nothing new (a routine forgotten that was not kept)
                connection.execute(
                    "INSERT INTO attributes (user_id, data, updated_at) VALUES (?, ?, ?) "
                    "ON CONFLICT(user_id) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at",
                    (user_id, data, self._clock()),
                )
            connection.execute("COMMIT")
        except BaseException:
            _roll_back(connection)
            raise

    def save_attributes(self, request_envelope: RequestEnvelope, attributes: dict[str, Any]) -> None:
        """Write the user's attributes as given, committed before this returns."""
        self.update_attributes(request_envelope, lambda stored: attributes)

    def delete_attributes(self, request_envelope: RequestEnvelope) -> None:
        """Remove the user's row, and every copy of it the store's files hold."""
        user_id = self._user(request_envelope)
        deadline = time.monotonic() + WRITE_WAIT_SECONDS
        if not self._write_lock.acquire(timeout=WRITE_WAIT_SECONDS):
            raise PersistenceException("store delete failed: this process's other writes took too long")
        try:
            connection = self._connection(deadline)
            connection.execute("DELETE FROM attributes WHERE user_id = ?", (user_id,))
            self._erase_due = True
            self._upkeep(connection, deadline)  # empties the -wal file; if it cannot now, the next write does
        except STORE_FAULTS as error:
            self._failed("write", error)
            raise PersistenceException(f"store delete failed: {error}") from error
        finally:
            self._write_lock.release()
        self._worked("write")


def _roll_back(connection: _Connection) -> None:
    """End a failed transaction; the connection is dropped after a fault anyway."""
    if connection.in_transaction:
        try:
            connection.execute("ROLLBACK")
        except sqlite3.Error:
            pass
