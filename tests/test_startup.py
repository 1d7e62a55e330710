"""Start-up: a bad setting or file is one line naming it and the fix, exit status 1, never a traceback."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from skill.config import ConfigError, env_flag
from skill.conversation.builder import MODEL_DIR

from .launch import run_file

ROOT = Path(__file__).resolve().parent.parent


def start(env: dict[str, str], tmp_path: Path, *, new_interpreter: bool = False) -> subprocess.CompletedProcess:
    """Run `python app.py`'s start-up as a user would, stopping it at once if it does start (run as a module, not as
    __main__, it builds the app and never serves): in a fork of this process (tests/launch.py), or in a new interpreter."""
    base = {key: value for key, value in os.environ.items()
            if key not in ("SKILL_ID", "ASK_SDK_VERIFY_SIGNATURE", "ASK_SDK_VERIFY_TIMESTAMP", "ALLOW_ANY_SKILL_ID")}
    env = {**base, "SKILL_DB_PATH": str(tmp_path / "s.sqlite3"), **env}
    if not new_interpreter:
        return run_file("app.py", ["app.py"], env, ROOT, run_name="not_main")
    code = "import runpy, sys; sys.argv = ['app.py']; runpy.run_path('app.py', run_name='not_main')"
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60, env=env)


def test_verification_on_without_skill_id_is_one_line_and_exit_1(tmp_path):
    result = start({}, tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("back-spasm-helper: cannot start: SKILL_ID is not set") and "ALLOW_ANY_SKILL_ID" in last


@pytest.mark.parametrize("env", [{"SKILL_ID": "amzn1.ask.skill.x"}, {"ALLOW_ANY_SKILL_ID": "true"},
                                 {"ASK_SDK_VERIFY_SIGNATURE": "false", "ASK_SDK_VERIFY_TIMESTAMP": "false"}])
def test_a_skill_id_or_an_explicit_choice_lets_it_start(tmp_path, env):
    result = start(env, tmp_path)
    assert result.returncode == 0, result.stderr


def test_a_boolean_setting_that_is_not_a_boolean_stops_start_up(tmp_path):
    result = start({"ASK_SDK_VERIFY_SIGNATURE": "flase"}, tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "ASK_SDK_VERIFY_SIGNATURE='flase' is not true or false" in result.stderr


@pytest.mark.parametrize("value, expected", [("", True), ("  ", True), ("true", True), ("TRUE", True), ("1", True),
                                             ("on", True), ("false", False), ("No", False), ("0", False)])
def test_boolean_settings(value, expected):
    assert env_flag("X", default=True, environ={"X": value}) is expected


@pytest.mark.parametrize("value", ["flase", "2", "disabled", "ture"])
def test_misspelt_booleans_are_errors_not_silently_on(value):
    with pytest.raises(ConfigError, match="X="):
        env_flag("X", environ={"X": value})


def test_log_level_is_case_insensitive(tmp_path):
    result = start({"LOG_LEVEL": "debug", "ASK_SDK_VERIFY_SIGNATURE": "false", "ASK_SDK_VERIFY_TIMESTAMP": "false"},
                   tmp_path)
    assert result.returncode == 0, result.stderr


def run_app(args: list[str], env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess:
    """`python app.py ARGS` as a user types it, in a fork of this process (these all stop before serving anything)."""
    base = {key: value for key, value in os.environ.items() if not key.startswith(("SKILL", "ASK_SDK", "PORT"))}
    return run_file("app.py", ["app.py", *args], {**base, "SKILL_DB_PATH": str(tmp_path / "s.sqlite3"), **env}, ROOT)


OFF = {"ASK_SDK_VERIFY_SIGNATURE": "false", "ASK_SDK_VERIFY_TIMESTAMP": "false"}


def one_line_exit_1(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    return result.stderr.strip().splitlines()[-1]


def test_help_prints_usage_and_starts_nothing(tmp_path):
    result = run_app(["--help"], {}, tmp_path)  # no SKILL_ID: building the app would refuse; --help comes first
    assert result.returncode == 0 and "usage: python app.py" in result.stdout and "PORT" in result.stdout
    assert not (tmp_path / "s.sqlite3").exists()


def test_a_port_that_is_not_a_number_is_one_line(tmp_path):
    assert one_line_exit_1(run_app([], {**OFF, "PORT": "abc"}, tmp_path)) == (
        "back-spasm-helper: cannot start: PORT='abc' is not a port number (1 to 65535), e.g. PORT=5000")


def test_an_unknown_store_is_one_line(tmp_path):
    line = one_line_exit_1(start({**OFF, "SKILL_STORE": "redis"}, tmp_path))
    assert "unknown SKILL_STORE 'redis': use sqlite, dynamodb or none" in line


def test_a_corrupt_sqlite_file_does_not_stop_start_up_it_is_one_line_naming_it(tmp_path):
    bad = tmp_path / "bad.sqlite3"
    bad.write_bytes(b"this is not a database" * 100)
    result = start({**OFF, "SKILL_DB_PATH": str(bad)}, tmp_path)
    assert result.returncode == 0, result.stderr  # a store having a bad moment: the skill serves without it
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if "skill.storage.sqlite_store" in line]
    assert len(lines) == 1 and f"cannot use {bad} now" in lines[0]


@pytest.mark.parametrize("where", ["a folder", "under a file"])
def test_a_store_path_that_can_never_work_is_a_setting_and_stops_start_up_in_one_line(tmp_path, where):
    (tmp_path / "file").write_text("x")
    path = tmp_path if where == "a folder" else tmp_path / "file" / "s.sqlite3"
    line = one_line_exit_1(start({**OFF, "SKILL_DB_PATH": str(path)}, tmp_path))
    assert line.startswith(f"back-spasm-helper: cannot start: the store path {path}") and "set SKILL_DB_PATH" in line


def test_dynamodb_without_its_package_is_one_line(tmp_path):
    hidden = tmp_path / "no-dynamodb" / "ask_sdk_dynamodb"  # in front of the installed one (a dev dependency)
    hidden.mkdir(parents=True)
    (hidden / "__init__.py").write_text("raise ImportError('ask_sdk_dynamodb is not installed')\n")
    search = os.pathsep.join(filter(None, [str(hidden.parent), os.environ.get("PYTHONPATH")]))
    # A new interpreter, the start-up here that is not a fork (tests/launch.py): a fork has its modules loaded already,
    # and reads no PYTHONPATH. (tests/test_memory.py starts `python app.py` for real too, and serves from it.)
    line = one_line_exit_1(start({**OFF, "SKILL_STORE": "dynamodb", "SKILL_DYNAMODB_TABLE": "t", "PYTHONPATH": search},
                                 tmp_path, new_interpreter=True))
    assert "pip install ask-sdk-dynamodb-persistence-adapter" in line


def test_start_up_says_where_users_are_remembered_and_what_is_checked(tmp_path):
    result = start({"SKILL_ID": "amzn1.ask.skill.x", "ASK_SDK_VERIFY_TIMESTAMP": "false"}, tmp_path)
    ready = [line for line in result.stderr.splitlines() if "ready" in line]
    assert len(ready) == 1 and str(tmp_path / "s.sqlite3") in ready[0]
    assert "request verification on (timestamp check off)" in ready[0] and "SKILL_ID set" in ready[0]
    assert "Request timestamp verification is OFF" in result.stderr  # and never "OFF" for what is on
    assert "signature verification is OFF" not in result.stderr


def test_content_and_model_that_name_different_intents_stop_start_up(tmp_path):
    import json

    from skill.conversation.builder import check_against_model
    from skill.words import content as content_module

    content = content_module.load()
    model = json.loads((MODEL_DIR / "en-US.json").read_text())
    intents = model["interactionModel"]["languageModel"]["intents"]
    model["interactionModel"]["languageModel"]["intents"] = [i for i in intents if i["name"] != "HeatOrIceIntent"]
    model["interactionModel"]["languageModel"]["intents"].append({"name": "DanceIntent", "samples": ["dance"]})
    path = tmp_path / "en-US.json"
    path.write_text(json.dumps(model))
    with pytest.raises(ConfigError, match=r"answers \['HeatOrIceIntent'\], which en-US.json lacks"):
        check_against_model(content, path)
    model["interactionModel"]["languageModel"]["intents"] = [*intents, {"name": "DanceIntent", "samples": ["dance"]}]
    path.write_text(json.dumps(model))
    with pytest.raises(ConfigError, match=r"has \['DanceIntent'\], which nothing answers"):
        check_against_model(content, path)
    check_against_model(content, MODEL_DIR / "en-US.json")  # the real pair agrees


def test_the_web_app_reads_every_locales_warning_sign_phrases_at_start_up(store_path):
    # A Lambda function reads them when it first hears words (tests/test_lambda.py); a worker before its first request.
    from skill import create_app
    from skill.words import content as content_module

    content_module._LOADED.clear()
    create_app({"VERIFY_SIGNATURE": False, "VERIFY_TIMESTAMP": False, "STORE": "none"})
    screens = [content.warning_screen for content in content_module._LOADED.values()]
    assert len(screens) >= len(content_module.locales())  # the markets, and the locales that borrow their words
    assert all("_tables" in screen.__dict__ for screen in screens)


@pytest.mark.parametrize("setting, worker_class, threads", [
    (None, "gthread", 16), ("false", "gthread", 16), ("true", "sync", 1), ("YES", "sync", 1)])
def test_gunicorn_runs_threaded_alone_and_sync_behind_a_buffering_proxy(monkeypatch, setting, worker_class, threads):
    import runpy

    monkeypatch.delenv("GUNICORN_THREADS", raising=False)
    if setting is None:
        monkeypatch.delenv("GUNICORN_BEHIND_PROXY", raising=False)
    else:
        monkeypatch.setenv("GUNICORN_BEHIND_PROXY", setting)
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert (settings["worker_class"], settings["threads"]) == (worker_class, threads)


def test_a_misspelt_proxy_setting_stops_gunicorn_with_one_line_rather_than_guessing(tmp_path):
    env = {**os.environ, "GUNICORN_BEHIND_PROXY": "ture", "GUNICORN_BIND": "127.0.0.1:0"}
    result = subprocess.run([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "app:app"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "GUNICORN_BEHIND_PROXY='ture' is not true or false" in result.stderr
