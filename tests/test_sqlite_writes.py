"""The SQLite store's writes: one statement where it can (a swap of the row just read, or fields set with SQLite's JSON
functions), and always what the one read-change-write transaction would have stored."""
from __future__ import annotations

import json
import sqlite3
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from skill.platform.serialization import EnvelopeSerializer
from skill.storage.base import REMOVED, apply
from skill.storage.memory import merge
from skill.storage.sqlite_store import SQLiteAdapter

from .alexa import envelope

USER = "amzn1.ask.account.WRITER"
ENVELOPE = EnvelopeSerializer().envelope(envelope({"type": "LaunchRequest"}, user_id=USER))

# JSON values as the skill stores them; integers within SQLite's 64 bits (its JSON functions keep those exactly)
values = st.recursive(st.none() | st.booleans() | st.integers(-2**63, 2**63 - 1) | st.text(max_size=6)
                      | st.floats(allow_nan=False, allow_infinity=False),
                      lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
                      max_leaves=6)
fields = st.sampled_from(["visits", "pace", "routine", "disclaimer_heard", "reminder_declined", "Odd Key", 'quo"te'])
profiles = st.dictionaries(fields, values, max_size=4)
writes = st.dictionaries(fields, values | st.just(REMOVED), max_size=3)


def stored(path) -> dict[str, Any] | None:
    with sqlite3.connect(path) as connection:
        row = connection.execute("SELECT data FROM attributes WHERE user_id = ?", (USER,)).fetchone()
    return None if row is None else json.loads(row[0])


def put(path, data: str) -> None:
    with sqlite3.connect(path) as connection:
        connection.execute("INSERT OR REPLACE INTO attributes (user_id, data, updated_at) VALUES (?, ?, 0)", (USER, data))


@pytest.fixture
def adapter(tmp_path) -> SQLiteAdapter:
    return SQLiteAdapter(tmp_path / "store.sqlite3")


@given(before=st.none() | profiles, written=writes)
def test_fields_written_without_a_read_are_what_the_transaction_would_store(tmp_path_factory, before, written):
    adapter = SQLiteAdapter(tmp_path_factory.mktemp("writes") / "store.sqlite3")
    if before is not None:
        put(adapter.path, json.dumps(before))
    adapter.write_fields(ENVELOPE, written)
    expected = apply(dict(before or {}), written)
    assert stored(adapter.path) == (expected if before is not None or expected else None)  # no row made for nothing


@given(before=profiles, meanwhile=profiles, changed=profiles)
def test_a_save_after_a_read_is_the_merge_whether_or_not_another_request_wrote_in_between(tmp_path_factory, before,
                                                                                          meanwhile, changed):
    adapter = SQLiteAdapter(tmp_path_factory.mktemp("swap") / "store.sqlite3")
    put(adapter.path, json.dumps(before))
    loaded = adapter.get_attributes(ENVELOPE)
    put(adapter.path, json.dumps(meanwhile))  # another device's request, saved between this one's read and write
    adapter.update_attributes(ENVELOPE, lambda now: merge(now, loaded, changed))
    assert stored(adapter.path) == merge(meanwhile, before, changed)


def test_a_swap_is_one_statement_and_a_stale_one_falls_back_to_the_transaction(adapter):
    put(adapter.path, json.dumps({"visits": 1}))
    statements: list[str] = []
    adapter.get_attributes(ENVELOPE)
    adapter._local.connection.set_trace_callback(statements.append)
    adapter.update_attributes(ENVELOPE, lambda now: {**now, "visits": now["visits"] + 1})
    assert [s.split()[0] for s in statements] == ["UPDATE"] and stored(adapter.path) == {"visits": 2}
    adapter.get_attributes(ENVELOPE)
    put(adapter.path, json.dumps({"visits": 5}))
    statements.clear()
    adapter.update_attributes(ENVELOPE, lambda now: {**now, "visits": now["visits"] + 1})
    assert [s.split()[0] for s in statements] == ["UPDATE", "BEGIN", "SELECT", "INSERT", "COMMIT"]
    assert stored(adapter.path) == {"visits": 6}


def test_fields_are_written_in_one_statement_and_forgetting_what_was_never_kept_writes_nothing(adapter):
    statements: list[str] = []
    adapter.write_fields(ENVELOPE, {"routine": REMOVED})  # opens the connection: nothing stored, nothing made
    adapter._local.connection.set_trace_callback(statements.append)
    adapter.write_fields(ENVELOPE, {"routine": {"step": 1}, "pace": 2})
    adapter.write_fields(ENVELOPE, {"routine": REMOVED})
    assert [s.split()[0] for s in statements] == ["INSERT", "UPDATE"]
    assert stored(adapter.path) == {"pace": 2}
    with sqlite3.connect(adapter.path) as connection:
        touched = connection.execute("SELECT updated_at FROM attributes").fetchone()
    adapter.write_fields(ENVELOPE, {"routine": REMOVED})
    with sqlite3.connect(adapter.path) as connection:
        assert connection.execute("SELECT updated_at FROM attributes").fetchone() == touched  # no change, no write


@pytest.mark.parametrize("row", ["not json at all", "[1, 2]", '"a string"'])
def test_a_row_that_is_not_a_json_object_is_written_as_a_new_users_would_be(adapter, row):
    put(adapter.path, row)
    adapter.write_fields(ENVELOPE, {"pace": 1, "routine": REMOVED})
    assert stored(adapter.path) == {"pace": 1}


def test_without_sqlites_json_functions_the_transaction_writes_the_fields(adapter):
    put(adapter.path, json.dumps({"visits": 3, "routine": {"step": 0}}))
    adapter._json_in_sql = False  # as an SQLite built without them finds at its first try
    adapter.write_fields(ENVELOPE, {"routine": REMOVED, "pace": 0})
    assert stored(adapter.path) == {"visits": 3, "pace": 0}


def test_a_lock_another_worker_holds_is_tried_again_within_microseconds_not_sqlites_first_millisecond(adapter,
                                                                                                     monkeypatch):
    from skill.storage import sqlite_store

    put(adapter.path, json.dumps({"visits": 1}))
    adapter.get_attributes(ENVELOPE)  # the connection is open; the other worker now takes the write lock
    other = sqlite3.connect(adapter.path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    pauses: list[float] = []

    def pause(seconds: float) -> None:
        pauses.append(seconds)
        if len(pauses) == 3:
            other.execute("COMMIT")  # the other worker's write is done

    monkeypatch.setattr(sqlite_store.time, "sleep", pause)
    adapter.write_fields(ENVELOPE, {"pace": 2})
    assert pauses == [0.00005, 0.0001, 0.0002]  # SQLite's own wait would have slept 1 ms at its first retry
    assert stored(adapter.path) == {"visits": 1, "pace": 2}
    assert adapter._local.connection.execute("PRAGMA busy_timeout").fetchone() == (0,)
    other.close()
