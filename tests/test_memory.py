"""Remembering users across sessions: resume, preferences, forget-me (nothing left in any file), retention and
expiry, healing a stored profile of the wrong shape, and a store that fails safely."""
from __future__ import annotations

import json
import logging
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skill import create_app
from skill.storage.sqlite_store import SQLiteAdapter
from skill.storage.store import StoreError, build_adapter
from skill.words import content as content_module

from .alexa import Alexa, UtteranceRouter, back_to, envelope, intent_request, resume_offer

CONTENT = content_module.load()
ROOT = Path(__file__).resolve().parent.parent
USER = "amzn1.ask.account.TESTUSER"


def rows(path) -> dict[str, dict]:
    with sqlite3.connect(path) as connection:
        return {user: json.loads(data) for user, data in connection.execute("SELECT user_id, data FROM attributes")}


def new_conversation(app_config, **kwargs) -> Alexa:
    """A conversation with a brand-new app instance (a restart) on the same store."""
    return Alexa(create_app(app_config).test_client(), UtteranceRouter(), **kwargs)


def test_an_interrupted_routine_is_offered_back_after_a_restart(app_config, store_path):
    first = new_conversation(app_config)
    first.launch()
    first.say("guide me through positions")
    first.say("next")
    first.end_session("EXCEEDED_MAX_REPROMPTS")  # they held the position; the session timed out

    restarted = new_conversation(app_config)
    offer = restarted.launch()
    assert offer.speech.startswith(CONTENT.prompts["welcome_back"])
    assert resume_offer(CONTENT, "positions", 1) in offer.speech
    picked_up = restarted.say("yes")
    assert picked_up.speech.startswith(back_to(CONTENT, "positions", 1))
    assert picked_up.attributes["routine"]["step"] == 1


def test_no_to_the_offer_starts_fresh_and_drops_the_routine(app_config, store_path):
    alexa = new_conversation(app_config)
    alexa.say("guide me through breathing")
    alexa.end_session()
    alexa.launch()
    reply = alexa.say("no")
    assert reply.speech.startswith(CONTENT.prompts["fresh_start"])
    assert "routine" not in rows(store_path)[USER]


@pytest.mark.parametrize("utterance", ["continue my routine", "resume", "continue"])
def test_continue_my_routine_picks_it_up_without_the_offer(app_config, utterance):
    alexa = new_conversation(app_config)
    alexa.say("guide me through stretches")
    alexa.say("next")
    alexa.end_session()
    reply = alexa.say(utterance)
    assert reply.speech.startswith(back_to(CONTENT, "stretches", 1))


def test_an_old_unfinished_routine_is_quietly_dropped(app_config, store_path):
    alexa = new_conversation(app_config)
    alexa.say("guide me through breathing")
    alexa.end_session()
    alexa.timestamp = (datetime.now(UTC) + timedelta(hours=4)).strftime("%Y-%m-%dT%H:%M:%SZ")
    reply = alexa.launch()
    assert "Last time" not in reply.speech
    assert reply.speech.endswith(CONTENT.prompts["launch_options"])
    assert "routine" not in rows(store_path)[USER]


def test_returning_users_get_a_shorter_welcome_without_the_disclaimer(app_config, store_path):
    alexa = new_conversation(app_config)
    first = alexa.launch()
    assert CONTENT.prompts["disclaimer"] in first.speech
    alexa.say("stop")
    second = alexa.launch()
    assert second.speech.startswith(CONTENT.prompts["welcome_back"])
    assert CONTENT.prompts["disclaimer"] not in second.speech
    assert rows(store_path)[USER]["visits"] == 2


def test_the_chosen_pace_is_kept_for_next_time(app_config):
    alexa = new_conversation(app_config)
    alexa.say("guide me through breathing")
    alexa.say("slower")
    alexa.say("stop")
    reply = alexa.say("guide me through breathing")
    assert reply.attributes["routine"]["pace"] == 2


def test_how_long_has_it_been_is_remembered_within_the_session(app_config):
    told = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    alexa = new_conversation(app_config, timestamp=told.strftime("%Y-%m-%dT%H:%M:%SZ"))
    alexa.intent("HowLongHasItBeenIntent", {"duration": "PT2H"})
    alexa.say("heat or ice")
    alexa.timestamp = (told + timedelta(minutes=20)).strftime("%Y-%m-%dT%H:%M:%SZ")
    reply = alexa.say("how long has it been")
    assert reply.speech.startswith("You told me it started 2 hours ago. At 2 hours,")


def test_when_the_spasm_started_is_health_information_and_never_stored(app_config, store_path):
    alexa = new_conversation(app_config)
    alexa.launch()
    alexa.intent("HowLongHasItBeenIntent", {"duration": "P3D"})
    assert "spasm_started" not in rows(store_path)[USER]
    alexa.say("stop")
    assert alexa.say("how long has it been").speech == CONTENT.triage.ask  # a new session asks again


def test_an_onset_stored_by_an_earlier_version_is_dropped_quietly(app_config, store_path, caplog):
    alexa = new_conversation(app_config)
    alexa.launch()
    alexa.end_session()
    with sqlite3.connect(store_path) as connection:
        connection.execute("UPDATE attributes SET data = ? WHERE user_id = ?",
                           (json.dumps({"visits": 1, "disclaimer_heard": True, "spasm_started": "2026-11-20T08:00:00Z",
                                        "spasm_told": "2026-11-20T08:00:00Z"}), USER))
    alexa.launch()
    assert set(rows(store_path)[USER]) == {"visits", "disclaimer_heard"}
    assert not [r for r in caplog.records if "healed" in r.getMessage()]


def test_forget_me_confirms_then_deletes_the_row(app_config, store_path):
    alexa = new_conversation(app_config)
    alexa.launch()
    alexa.say("guide me through breathing")
    assert USER in rows(store_path)
    confirm = alexa.say("forget me")
    assert confirm.speech == CONTENT.prompts["forget_confirm"]
    done = alexa.say("yes")
    assert done.speech.startswith(CONTENT.prompts["forget_done"])
    assert USER not in rows(store_path)
    assert CONTENT.prompts["disclaimer"] in alexa.launch().speech  # a new user again


def test_no_to_forget_me_keeps_everything(app_config, store_path):
    alexa = new_conversation(app_config)
    alexa.launch()
    alexa.say("delete my data")
    kept = alexa.say("no").speech
    assert kept.startswith(CONTENT.prompts["forget_kept"]) and kept.endswith("?")  # kept, and what else
    assert rows(store_path)[USER]["visits"] == 1


def test_a_corrupt_row_is_logged_and_treated_as_a_new_user(app_config, store_path, caplog):
    app = create_app(app_config)
    with sqlite3.connect(store_path) as connection:
        connection.execute("INSERT INTO attributes VALUES (?, ?, ?)", (USER, "{not json", time.time()))
    with caplog.at_level("ERROR"):
        reply = Alexa(app.test_client(), UtteranceRouter()).launch()
    assert CONTENT.prompts["disclaimer"] in reply.speech
    assert any("unreadable attributes" in r.getMessage() and USER not in r.getMessage() for r in caplog.records)
    assert rows(store_path)[USER]["visits"] == 1


@pytest.mark.parametrize("bad", ['"a string"', "[1, 2]", "null"])
def test_rows_that_are_json_but_not_attributes_are_treated_as_new(app_config, store_path, bad):
    app = create_app(app_config)
    with sqlite3.connect(store_path) as connection:
        connection.execute("INSERT INTO attributes VALUES (?, ?, ?)", (USER, bad, time.time()))
    assert CONTENT.prompts["disclaimer"] in Alexa(app.test_client(), UtteranceRouter()).launch().speech


def test_a_store_that_cannot_be_opened_stops_start_up_naming_the_path(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    path = blocker / "store.sqlite3"
    with pytest.raises(StoreError, match=str(path)):
        create_app({"STORE": "sqlite", "STORE_PATH": str(path), "VERIFY_SIGNATURE": False, "VERIFY_TIMESTAMP": False})


def test_the_folder_is_created_if_missing(tmp_path):
    SQLiteAdapter(tmp_path / "a" / "b" / "store.sqlite3")
    assert (tmp_path / "a" / "b" / "store.sqlite3").exists()


@pytest.mark.parametrize("method", ["get_attributes", "update_attributes"])
def test_a_store_error_during_a_request_is_logged_and_the_user_still_gets_an_answer(app_config, monkeypatch, caplog, method):
    from ask_sdk_core.exceptions import PersistenceException

    app = create_app(app_config)
    store = app.extensions["back_spasm_helper.store"]

    def broken(*args, **kwargs):
        raise PersistenceException("disk I/O error")

    monkeypatch.setattr(store, method, broken)
    with caplog.at_level("ERROR"):
        reply = Alexa(app.test_client(), UtteranceRouter()).say("guide me through breathing")
    assert "Step 1 of 3" in reply.speech  # after the disclaimer: the first words of this session
    assert any("disk I/O error" in r.getMessage() for r in caplog.records)


def test_a_failed_load_never_overwrites_what_the_user_saved(app_config, store_path, monkeypatch):
    from ask_sdk_core.exceptions import PersistenceException

    alexa = new_conversation(app_config)
    alexa.launch()
    alexa.launch()
    app = create_app(app_config)
    store = app.extensions["back_spasm_helper.store"]
    monkeypatch.setattr(store, "get_attributes", lambda *a, **k: (_ for _ in ()).throw(PersistenceException("locked")))
    Alexa(app.test_client(), UtteranceRouter()).launch()
    assert rows(store_path)[USER]["visits"] == 2


def test_nothing_is_written_when_nothing_changed(app_config, store_path):
    alexa = new_conversation(app_config)
    alexa.launch()
    with sqlite3.connect(store_path) as connection:
        before = connection.execute("SELECT updated_at FROM attributes").fetchone()
    alexa.say("heat or ice")
    with sqlite3.connect(store_path) as connection:
        assert connection.execute("SELECT updated_at FROM attributes").fetchone() == before


def test_old_rows_are_deleted_at_start_up(store_path):
    SQLiteAdapter(store_path)
    with sqlite3.connect(store_path) as connection:
        connection.execute("INSERT INTO attributes VALUES ('old', '{}', ?)", (time.time() - 91 * 86400,))
        connection.execute("INSERT INTO attributes VALUES ('recent', '{}', ?)", (time.time() - 89 * 86400,))
    SQLiteAdapter(store_path)
    assert set(rows(store_path)) == {"recent"}


def fake_dynamodb(monkeypatch, region: str | None = "us-east-1", credentials: object | None = "keys") -> dict:
    """The DynamoDB adapter package and boto3, faked: what the adapter was built with."""
    import types

    created: dict = {}

    class FakeAdapter:
        def __init__(self, **kwargs):
            created.update(kwargs)

    class FakeSession:
        region_name = region

        def get_credentials(self):
            return credentials

        def resource(self, name, config=None):
            return {"resource": name, "config": config}

    adapter_module = types.ModuleType("ask_sdk_dynamodb.adapter")
    adapter_module.DynamoDbAdapter = FakeAdapter  # type: ignore[attr-defined]
    keygen_module = types.ModuleType("ask_sdk_dynamodb.partition_keygen")
    keygen_module.user_id_partition_keygen = lambda envelope: "user"  # type: ignore[attr-defined]
    boto3 = types.ModuleType("boto3")
    boto3.session = types.SimpleNamespace(Session=FakeSession)  # type: ignore[attr-defined]
    boto3.setup_default_session = lambda **settings: setattr(boto3, "DEFAULT_SESSION", FakeSession())  # type: ignore[attr-defined]
    config_module = types.ModuleType("botocore.config")
    config_module.Config = lambda **settings: settings  # type: ignore[attr-defined]
    exceptions_module = types.ModuleType("botocore.exceptions")
    exceptions_module.BotoCoreError = type("BotoCoreError", (Exception,), {})  # type: ignore[attr-defined]
    for name, module in (("ask_sdk_dynamodb", types.ModuleType("ask_sdk_dynamodb")), ("boto3", boto3),
                         ("botocore", types.ModuleType("botocore")), ("botocore.config", config_module),
                         ("botocore.exceptions", exceptions_module),
                         ("ask_sdk_dynamodb.adapter", adapter_module), ("ask_sdk_dynamodb.partition_keygen", keygen_module)):
        monkeypatch.setitem(sys.modules, name, module)
    monkeypatch.delenv("AWS_REGION", raising=False)  # the fake session's region is the only one
    return created


def test_dynamodb_is_imported_only_when_chosen(monkeypatch):
    created = fake_dynamodb(monkeypatch)
    build_adapter("dynamodb", None, "back-spasm-users")
    assert created["table_name"] == "back-spasm-users" and created["create_table"] is False
    assert created["dynamodb_resource"]["resource"] == "dynamodb"


def test_dynamodb_is_waited_for_about_a_second_at_most_not_botocores_minutes(monkeypatch):
    created = fake_dynamodb(monkeypatch)
    build_adapter("dynamodb", None, "back-spasm-users")
    config = created["dynamodb_resource"]["config"]
    assert config["retries"] == {"total_max_attempts": 1}  # one try: a retry would double the wait
    assert 2 * (config["connect_timeout"] + config["read_timeout"]) <= 1.0  # a read and a write, each one try


@pytest.mark.parametrize("region, credentials, message", [(None, "keys", "needs an AWS region: set AWS_REGION"),
                                                          ("us-east-1", None, "found no AWS credentials")])
def test_dynamodb_without_a_region_or_credentials_fails_at_start_up_in_one_line(monkeypatch, region, credentials, message):
    fake_dynamodb(monkeypatch, region, credentials)
    with pytest.raises(StoreError, match=message) as error:
        build_adapter("dynamodb", None, "back-spasm-users")
    assert "\n" not in str(error.value)


def test_dynamodb_without_a_table_or_the_package_says_what_is_missing(monkeypatch):
    with pytest.raises(StoreError, match="SKILL_DYNAMODB_TABLE"):
        build_adapter("dynamodb", None, None)
    for name in ("ask_sdk_dynamodb", "ask_sdk_dynamodb.partition_keygen", "ask_sdk_dynamodb.adapter"):  # not installed
        monkeypatch.setitem(sys.modules, name, None)
    with pytest.raises(StoreError, match="pip install ask-sdk-dynamodb-persistence-adapter"):
        build_adapter("dynamodb", None, "table")
    with pytest.raises(StoreError, match="unknown SKILL_STORE"):
        build_adapter("redis", None, None)


def test_the_sdk_default_module_is_not_imported_by_the_app():
    code = ("import sys, skill; skill.create_app({'STORE': 'none', 'VERIFY_SIGNATURE': False}); "
            "print('ask_sdk_dynamodb' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert result.stdout.strip() == "False"


# --- Reliability ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def post(port: int, body: dict) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/", data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def test_a_save_survives_kill_9_right_after_the_response(tmp_path):
    path, port = tmp_path / "store.sqlite3", free_port()
    env = {**os.environ, "SKILL_DB_PATH": str(path), "PORT": str(port), "ASK_SDK_VERIFY_SIGNATURE": "false",
           "ASK_SDK_VERIFY_TIMESTAMP": "false", "LOG_LEVEL": "WARNING"}
    server = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        attributes: dict = {}
        for request in (intent_request("StartRoutineIntent", {"routine": "positions"}),
                        intent_request("SkipIntent"), intent_request("SkipIntent")):
            reply = post(port, envelope(request, attributes=attributes, new=not attributes, session_id="s1"))
            attributes = reply["sessionAttributes"]
        assert attributes["routine"]["step"] == 2
        os.kill(server.pid, signal.SIGKILL)  # no chance to flush or close anything
        server.wait(timeout=10)
    finally:
        if server.poll() is None:
            server.kill()
    assert rows(path)[USER]["routine"]["step"] == 2


def drive_user(client, user: int, steps: int) -> None:
    """One user's whole conversation: start a routine and go `steps` whole steps in."""
    alexa = Alexa(client, UtteranceRouter(), user_id=f"amzn1.ask.account.user{user}")
    alexa.launch()
    alexa.say("guide me through positions")  # no step asks a question: "skip" always moves on
    for _ in range(steps):
        alexa.say("skip")
    alexa.end_session()


def expected_step(user: int) -> int:
    return user % len(CONTENT.routines["positions"].steps)


def test_many_users_from_threads_never_mix_attributes(app_config, store_path):
    from concurrent.futures import ThreadPoolExecutor

    app = create_app(app_config)
    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(lambda user: drive_user(app.test_client(), user, expected_step(user)), range(64)))
    stored = rows(store_path)
    assert len(stored) == 64
    for user in range(64):
        profile = stored[f"amzn1.ask.account.user{user}"]
        assert profile["routine"]["step"] == expected_step(user) and profile["visits"] == 1


def _worker(args) -> None:
    path, users = args
    app = create_app({"STORE": "sqlite", "STORE_PATH": path, "VERIFY_SIGNATURE": False, "VERIFY_TIMESTAMP": False})
    for user in users:
        drive_user(app.test_client(), user, expected_step(user))


def test_two_processes_on_one_file_lose_no_update(store_path):
    import multiprocessing

    SQLiteAdapter(store_path)  # the table made once; the adapter (and its connection) is gone before the forks
    # Forked, not spawned: two processes with their own app and connection either way, without two new interpreters
    # importing the skill again. No connection to the file is open across the fork (SQLite forbids using one there).
    context = multiprocessing.get_context("fork")
    with context.Pool(2) as pool:
        pool.map(_worker, [(str(store_path), range(0, 40, 2)), (str(store_path), range(1, 40, 2))])
    stored = rows(store_path)
    assert len(stored) == 40
    for user in range(40):
        assert stored[f"amzn1.ask.account.user{user}"]["routine"]["step"] == expected_step(user)


# --- A "no" to the check-in reminder is respected for seven days (Alexa's reminder guidelines) -----------


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def checkin_offered(reply) -> bool:
    return (reply.attributes.get("pending") or {}).get("offer") == "alert"


def test_no_to_the_check_in_is_not_asked_again_for_seven_days(app_config, store_path):
    declined = datetime(2026, 11, 24, 14, 0, tzinfo=UTC)
    alexa = new_conversation(app_config, timestamp=stamp(declined))
    assert checkin_offered(alexa.intent("HowLongHasItBeenIntent", {"duration": "PT3H"}))
    alexa.say("no")
    assert rows(store_path)[USER]["reminder_declined"] == stamp(declined)  # when, and nothing about the spasm
    alexa.end_session()
    for later in (timedelta(hours=1), timedelta(days=3), timedelta(days=6, hours=23)):
        alexa.timestamp = stamp(declined + later)
        reply = alexa.intent("HowLongHasItBeenIntent", {"duration": "PT2H"})
        assert not checkin_offered(reply) and reply.speech.endswith(CONTENT.triage.next), later
        alexa.end_session()
    alexa.timestamp = stamp(declined + timedelta(days=7, minutes=1))
    assert checkin_offered(alexa.intent("HowLongHasItBeenIntent", {"duration": "PT2H"}))
    assert "reminder_declined" not in rows(store_path)[USER]  # past its time, it is dropped


def test_refusing_alexas_reminder_permission_is_a_no_too_but_silence_is_not(app_config, store_path):
    alexa = new_conversation(app_config, timestamp="2026-11-24T14:00:00Z")
    alexa.intent("HowLongHasItBeenIntent", {"duration": "PT3H"})
    alexa.permission_answer("NOT_ANSWERED", alexa.say("yes").directives[0]["token"])
    assert "reminder_declined" not in rows(store_path).get(USER, {})
    alexa.end_session()
    alexa.intent("HowLongHasItBeenIntent", {"duration": "PT3H"})
    alexa.permission_answer("DENIED", alexa.say("yes").directives[0]["token"])
    assert rows(store_path)[USER]["reminder_declined"] == "2026-11-24T14:00:00Z"


def test_a_no_to_the_timer_is_not_kept(app_config, store_path):
    alexa = new_conversation(app_config)
    reply = alexa.say("start ice or heat")
    while (reply.attributes.get("pending") or {}).get("offer") != "alert":
        reply = alexa.say("next")
    alexa.say("no")
    assert "reminder_declined" not in rows(store_path)[USER]


def test_forget_me_forgets_the_declined_check_in_too(app_config, store_path):
    alexa = new_conversation(app_config, timestamp="2026-11-24T14:00:00Z")
    alexa.intent("HowLongHasItBeenIntent", {"duration": "PT3H"})
    alexa.say("no")
    assert "reminder" in alexa.say("forget me").speech.lower()  # the question names it among what is kept
    alexa.say("yes")
    assert USER not in rows(store_path)
    alexa.end_session()
    assert checkin_offered(alexa.intent("HowLongHasItBeenIntent", {"duration": "PT3H"}))


@pytest.mark.parametrize("value", ["2026-11-24", 5, "yesterday", None])
def test_a_malformed_decline_is_dropped_and_the_offer_made(app_config, store_path, value):
    alexa = new_conversation(app_config, timestamp="2026-11-24T14:00:00Z")
    alexa.launch()
    alexa.end_session()
    with sqlite3.connect(store_path) as connection:
        connection.execute("UPDATE attributes SET data = ? WHERE user_id = ?",
                           (json.dumps({"visits": 1, "reminder_declined": value}), USER))
    assert checkin_offered(alexa.intent("HowLongHasItBeenIntent", {"duration": "PT3H"}))


def store_files(path: Path) -> list[Path]:
    return [p for p in path.parent.iterdir() if p.name.startswith(path.name)]

def test_after_forget_me_nothing_of_the_user_is_left_in_any_file_the_store_writes(alexa, store_path):
    alexa.launch()
    alexa.say("guide me through positions")
    alexa.intent("HowLongHasItBeenIntent", {"duration": "P3D"})
    alexa.say("forget me")
    alexa.say("yes")
    for path in store_files(store_path):
        data = path.read_bytes()
        for trace in (USER.encode(), b"spasm_started", b"positions", b"visits"):
            assert trace not in data, f"{trace!r} still in {path.name}"

def test_an_expired_routine_is_dropped_from_the_store_whenever_the_profile_is_read(alexa, store_path):
    alexa.say("guide me through positions")
    alexa.end_session()
    alexa.timestamp = (datetime.now(UTC) + timedelta(hours=4)).strftime("%Y-%m-%dT%H:%M:%SZ")
    alexa.launch()  # reads the profile: the routine, four hours old, is dropped and the row saved without it
    with sqlite3.connect(store_path) as connection:
        (data,) = connection.execute("SELECT data FROM attributes WHERE user_id = ?", (USER,)).fetchone()
    assert "routine" not in json.loads(data)

def test_tidy_drops_what_has_expired_and_what_is_malformed():
    from skill.storage import memory

    now = datetime(2026, 11, 24, 12, tzinfo=UTC)
    profile = {"visits": 2, "routine": {"routine": "breathing", "step": 0, "pace": 1, "touched": "2026-11-24T08:00:00Z"},
               "pace": "x"}
    assert memory.tidy(profile, now) == ["pace"]
    assert profile == {"visits": 2}  # the routine, four hours old, expired

def test_the_retention_purge_also_runs_on_a_schedule_not_only_at_start_up(store_path):
    clock = [1_000_000_000.0]
    adapter = SQLiteAdapter(store_path, clock=lambda: clock[0])
    old = envelope({"type": "LaunchRequest"}, user_id="amzn1.ask.account.old")
    from skill.platform.serialization import EnvelopeSerializer
    serializer = EnvelopeSerializer()
    adapter.save_attributes(serializer.envelope(old), {"visits": 1})
    clock[0] += 91 * 86400  # ninety-one days later, the same process still running
    adapter.save_attributes(serializer.envelope(envelope({"type": "LaunchRequest"}, user_id="amzn1.ask.account.new")),
                            {"visits": 1})
    with sqlite3.connect(store_path) as connection:
        users = {user for (user,) in connection.execute("SELECT user_id FROM attributes")}
    assert users == {"amzn1.ask.account.new"}

def test_a_stored_profile_of_the_wrong_shape_is_healed_keeping_what_is_good(alexa, store_path, caplog):
    alexa.launch()
    alexa.end_session()
    bad = {"visits": 3, "disclaimer_heard": True, "pace": "fast", "routine": [1, 2], "spasm_started": 7,
           "spasm_told": {"x": 1}, "unknown_field": "x" * 10}
    with sqlite3.connect(store_path) as connection:
        connection.execute("UPDATE attributes SET data = ? WHERE user_id = ?", (json.dumps(bad), USER))
    with caplog.at_level(logging.WARNING):
        reply = alexa.launch()
    assert reply.speech.startswith(CONTENT.prompts["welcome_back"])  # the good fields were kept
    with sqlite3.connect(store_path) as connection:
        (data,) = connection.execute("SELECT data FROM attributes WHERE user_id = ?", (USER,)).fetchone()
    healed = json.loads(data)
    assert healed["visits"] == 4 and healed["disclaimer_heard"] is True
    assert not {"pace", "routine", "spasm_started", "spasm_told", "unknown_field"} & set(healed)
    assert len([r for r in caplog.records if "healed" in r.getMessage()]) == 1
    assert alexa.launch().speech.startswith(CONTENT.prompts["welcome_back"])
_NEAR_MOMENTS = st.builds(
    lambda parts, seps: "".join(part + sep for part, sep in zip(parts, seps, strict=True)),
    st.tuples(*[st.one_of(st.integers(0, 9999).map(str), st.integers(0, 99).map(lambda n: f"{n:02d}"),
                          st.sampled_from(["", "٣", "２０２６", "-1", " 7", "+5"])) for _ in range(6)]),
    st.tuples(*[st.sampled_from([sep, "", " ", "Z", "T", "-"]) for sep in ("-", "-", "T", ":", ":", "Z")]))


def _moment_text(numbers: tuple[int, ...], padded: tuple[bool, ...], field: int, value: int) -> str:
    numbers = numbers[:field] + (value,) + numbers[field + 1:] if field < 6 else numbers
    return "{}-{}-{}T{}:{}:{}Z".format(*(f"{n:0{width}d}" if pad else str(n) for n, width, pad in
                                          zip(numbers, (4, 2, 2, 2, 2, 2), padded, strict=True)))


_NUMBERED_MOMENTS = st.builds(  # the right shape: every number in range but perhaps one, padded or not
    _moment_text,
    st.tuples(*[st.integers(low, high) for low, high in ((0, 9999), (1, 12), (1, 28), (0, 23), (0, 59), (0, 59))]),
    st.one_of(st.just((True,) * 6), st.tuples(*[st.booleans()] * 6)),
    st.integers(0, 7), st.integers(0, 99999))


@settings(deadline=None)
@given(st.one_of(_NUMBERED_MOMENTS, _NEAR_MOMENTS, st.text(max_size=24), st.just("2026-11-23T10:00:00Z")))
def test_a_stored_moment_reads_as_strptime_reads_it(text):
    from skill.storage import memory

    try:
        expected: datetime | None = datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        expected = None
    assert memory.valid_moment(text) == (expected is not None)
    assert memory._parse(text) == expected


def test_a_routine_step_keeps_the_place_without_reading_the_store_first(app_config, store_path, monkeypatch):
    reads: list[str] = []
    read = SQLiteAdapter.get_attributes

    def counted(self: SQLiteAdapter, request_envelope: object) -> dict:
        reads.append("read")
        return read(self, request_envelope)  # type: ignore[arg-type]

    monkeypatch.setattr(SQLiteAdapter, "get_attributes", counted)
    alexa = new_conversation(app_config)
    alexa.say("guide me through positions")
    started = len(reads)
    for _ in range(2):
        alexa.say("next")
    alexa.say("slower")
    assert len(reads) == started  # each turn only wrote: the place, the pace
    stored = rows(store_path)[USER]
    assert stored["routine"]["step"] == alexa.attributes["routine"]["step"] and stored["pace"] == 2


def test_a_place_kept_without_a_read_keeps_what_another_device_saved_meanwhile(app_config, store_path):
    kitchen, bedroom = new_conversation(app_config), new_conversation(app_config)
    kitchen.launch()
    kitchen.say("guide me through breathing")
    bedroom.launch()  # the same user opens it on another device: a visit counted in between
    kitchen.say("next")
    stored = rows(store_path)[USER]
    assert stored["visits"] == 2 and stored["disclaimer_heard"] is True
    assert stored["routine"]["step"] == kitchen.attributes["routine"]["step"] == 1


def test_a_warning_sign_from_someone_with_nothing_stored_stores_nothing(app_config, store_path):
    alexa = new_conversation(app_config, user_id="amzn1.ask.account.NEVERSEEN")
    alexa.launch()
    kept = rows(store_path)["amzn1.ask.account.NEVERSEEN"]
    alexa.say("my leg is numb and weak")  # the routine it would forget was never stored: nothing to write
    assert rows(store_path)["amzn1.ask.account.NEVERSEEN"] == kept
    other = new_conversation(app_config, user_id="amzn1.ask.account.ONESHOT")
    reply = other.say("I can't control my bladder")
    assert reply.ended
    assert "amzn1.ask.account.ONESHOT" not in rows(store_path)  # no record made for a user the skill never kept


def test_a_store_from_the_previous_version_keeps_every_user_when_it_is_moved_to_the_new_table(app_config, store_path):
    with sqlite3.connect(store_path) as connection:  # version 1's table, as the skill made it before
        connection.execute("CREATE TABLE attributes (user_id TEXT PRIMARY KEY, data TEXT NOT NULL, updated_at REAL NOT NULL)")
        connection.execute("INSERT INTO attributes VALUES (?, ?, ?)",
                           (USER, json.dumps({"visits": 4, "disclaimer_heard": True}), time.time()))
        connection.execute("PRAGMA user_version = 1")
    reply = new_conversation(app_config).launch()
    assert reply.speech.startswith(CONTENT.prompts["welcome_back"])
    assert rows(store_path)[USER] == {"visits": 5, "disclaimer_heard": True}
    with sqlite3.connect(store_path) as connection:
        (schema,) = connection.execute("SELECT sql FROM sqlite_master WHERE name = 'attributes'").fetchone()
        assert "WITHOUT ROWID" in schema and connection.execute("PRAGMA user_version").fetchone() == (2,)
