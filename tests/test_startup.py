"""Start-up: a bad setting or file is one line naming it and the fix, exit status 1, never a traceback."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from skill.config import ConfigError, env_flag

ROOT = Path(__file__).resolve().parent.parent


def start(env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess:
    """Run `python app.py` as a user would, stopping it at once if it does start (PORT=0 never serves)."""
    base = {key: value for key, value in os.environ.items()
            if key not in ("SKILL_ID", "ASK_SDK_VERIFY_SIGNATURE", "ASK_SDK_VERIFY_TIMESTAMP", "ALLOW_ANY_SKILL_ID")}
    code = "import runpy, sys; sys.argv = ['app.py']; runpy.run_path('app.py', run_name='not_main')"
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60,
                          env={**base, "SKILL_DB_PATH": str(tmp_path / "s.sqlite3"), **env})


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
