"""The SQLite store: one row per Alexa user id, the attributes as JSON.

SQLiteAdapter implements ask-sdk-core's AbstractPersistenceAdapter. It is safe with several
gunicorn workers on one file: WAL mode lets readers and one writer work at once, each process and
thread opens its own connection, and a busy timeout queues writers instead of failing them. A save
is committed before the response leaves (synchronous=NORMAL in WAL mode survives the process being
killed; only a power cut can roll back the last commits).
"""
from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter
from ask_sdk_core.exceptions import PersistenceException
from ask_sdk_model import RequestEnvelope

from .store import StoreError, user_id_of, user_ref

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
BUSY_TIMEOUT_SECONDS = 10.0
RETENTION_DAYS = 90  # rows untouched this long are deleted: at start-up, then every PURGE_EVERY_SECONDS
PURGE_EVERY_SECONDS = 3600.0


class SQLiteAdapter(AbstractPersistenceAdapter):
    """Persistent attributes in one SQLite file.

    Deletion is real: secure_delete overwrites a deleted row's bytes in the database file, and a
    WAL checkpoint that truncates the -wal file follows every "forget me" and every purge, so no
    copy of the row is left in any file the store writes.
    """

    def __init__(self, path: str | os.PathLike[str], clock: Callable[[], float] = time.time):
        self.path = Path(path)
        self._clock = clock
        self._next_purge = 0.0
        self._purge_lock = threading.Lock()
        self._local = threading.local()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = self._open()
            try:
                self._migrate(connection)
                self._purge(connection)
                self._next_purge = self._clock() + PURGE_EVERY_SECONDS
            finally:
                connection.close()
        except (OSError, sqlite3.Error) as error:
            raise StoreError(f"cannot open the store at {self.path}: {error}") from error

    def _open(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None, check_same_thread=True)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
        connection.execute("PRAGMA secure_delete=ON")  # a deleted row's bytes are overwritten, not left behind
        return connection

    def _migrate(self, connection: sqlite3.Connection) -> None:
        version = connection.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(f"the store at {self.path} has schema version {version}; this code knows up to {SCHEMA_VERSION}")
        connection.execute(
            "CREATE TABLE IF NOT EXISTS attributes ("
            " user_id TEXT PRIMARY KEY,"
            " data TEXT NOT NULL,"
            " updated_at REAL NOT NULL)"
        )
        connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _purge(self, connection: sqlite3.Connection) -> None:
        cutoff = self._clock() - RETENTION_DAYS * 86400
        removed = connection.execute("DELETE FROM attributes WHERE updated_at < ?", (cutoff,)).rowcount
        if removed:
            log.info("store: deleted %d users unseen for %d days", removed, RETENTION_DAYS)
            self._erase_traces(connection)

    def _purge_when_due(self) -> None:
        """The retention purge, again every PURGE_EVERY_SECONDS while the process runs."""
        if self._clock() < self._next_purge or not self._purge_lock.acquire(blocking=False):
            return
        try:
            self._next_purge = self._clock() + PURGE_EVERY_SECONDS
            self._purge(self._connection())
        except sqlite3.Error as error:
            log.error("store: scheduled purge failed: %s", error)
        finally:
            self._purge_lock.release()

    def _erase_traces(self, connection: sqlite3.Connection) -> None:
        """Move everything from the -wal file into the database and empty it, so deleted rows leave no copy."""
        busy, _, _ = connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        if busy:  # another connection is mid-read; the next delete or purge checkpoints again
            log.warning("store: WAL checkpoint after a delete was busy; it will be retried")

    def _connection(self) -> sqlite3.Connection:
        """This thread's connection in this process (a forked worker opens its own)."""
        connection = getattr(self._local, "connection", None)
        if connection is None or getattr(self._local, "pid", None) != os.getpid():
            connection = self._open()
            self._local.connection, self._local.pid = connection, os.getpid()
        return connection

    def _user(self, envelope: RequestEnvelope) -> str:
        user_id = user_id_of(envelope)
        if not user_id:
            raise PersistenceException("the request carries no user id")
        return user_id

    def get_attributes(self, request_envelope: RequestEnvelope) -> dict[str, Any]:
        """The user's attributes; {} for a new user or an unreadable row (logged)."""
        user_id = self._user(request_envelope)
        try:
            row = self._connection().execute("SELECT data FROM attributes WHERE user_id = ?", (user_id,)).fetchone()
        except sqlite3.Error as error:
            raise PersistenceException(f"store read failed: {error}") from error
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

    def save_attributes(self, request_envelope: RequestEnvelope, attributes: dict[str, Any]) -> None:
        """Write the user's attributes, committed before this returns."""
        user_id = self._user(request_envelope)
        self._purge_when_due()
        try:
            self._connection().execute(
                "INSERT INTO attributes (user_id, data, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT(user_id) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at",
                (user_id, json.dumps(attributes, separators=(",", ":"), sort_keys=True), self._clock()),
            )
        except (sqlite3.Error, TypeError, ValueError) as error:
            raise PersistenceException(f"store write failed: {error}") from error

    def delete_attributes(self, request_envelope: RequestEnvelope) -> None:
        """Remove the user's row, and every copy of it the store's files hold."""
        user_id = self._user(request_envelope)
        try:
            connection = self._connection()
            connection.execute("DELETE FROM attributes WHERE user_id = ?", (user_id,))
            self._erase_traces(connection)
        except sqlite3.Error as error:
            raise PersistenceException(f"store delete failed: {error}") from error
