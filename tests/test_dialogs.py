"""Replay files for `ask dialog --replay`: written by the simulator (--replay-out), shipped in dialogs/ for the
README's example conversations, and readable as ask-cli reads them (skill/dev/dialogs.py)."""
from __future__ import annotations

import contextlib
import io
import json
import re
from pathlib import Path

import pytest

from skill.dev import dialogs, simulate

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


@pytest.fixture(autouse=True)
def own_store(monkeypatch, tmp_path):
    monkeypatch.setenv("SKILL_DB_PATH", str(tmp_path / "sim.sqlite3"))
    for name in ("ASK_SDK_VERIFY_SIGNATURE", "ASK_SDK_VERIFY_TIMESTAMP", "SKILL_ID"):
        monkeypatch.delenv(name, raising=False)
    yield


def simulated(tmp_path: Path, *turns: str, options: tuple[str, ...] = ()) -> dict:
    out = tmp_path / "replay.json"
    args = [arg for turn in turns for arg in ("--say", turn)]
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        assert simulate.main([*args, *options, "--replay-out", str(out)]) == 0
    return json.loads(out.read_text())


def test_replay_out_writes_what_was_said_as_ask_cli_reads_it(tmp_path):
    written = simulated(tmp_path, "open back spasm helper", "guide me through breathing", "", "touch next", "  next  ",
                        "stop", options=("--screen", "--locale", "en-AU", "--skill-id", "amzn1.ask.skill.mine"))
    assert written == {"skillId": "amzn1.ask.skill.mine", "locale": "en-AU", "type": "text",
                       "userInput": ["open back spasm helper", "guide me through breathing", "next", "stop", ".quit"]}
    assert dialogs.replay_problems(written) == []  # no silence, no touch: ask dialog can send neither


def test_the_skill_id_is_the_one_ask_deploy_recorded_when_none_is_given(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert simulated(tmp_path, "open back spasm helper")["skillId"] == simulate.SKILL_ID
    (tmp_path / ".ask").mkdir()
    (tmp_path / ".ask" / "ask-states.json").write_text(json.dumps(
        {"askcliStatesVersion": "2020-03-31", "profiles": {"default": {"skillId": "amzn1.ask.skill.deployed"}}}))
    assert simulated(tmp_path, "open back spasm helper")["skillId"] == "amzn1.ask.skill.deployed"


@pytest.mark.parametrize("content, problem", [
    ([], "not a JSON object"),
    ({"locale": "en-US", "type": "text", "userInput": ["hi"]}, "skillId must be a non-blank string"),
    ({"skillId": "x", "locale": " ", "type": "text", "userInput": ["hi"]}, "locale must be a non-blank string"),
    ({"skillId": "x", "locale": "en-US", "userInput": ["hi"]}, 'type must be "text"'),
    ({"skillId": "x", "locale": "en-US", "type": "text", "userInput": ["hi", "  "]}, "userInput[1] is empty"),
    ({"skillId": "x", "locale": "en-US", "type": "text", "userInput": ["hi\nthere"]}, "line break"),
    ({"skillId": "x", "locale": "en-US", "type": "text", "userInput": "hi"}, "userInput must be a list"),
])
def test_the_replay_check_refuses_what_ask_cli_refuses(content, problem):
    assert any(problem in found for found in dialogs.replay_problems(content))


def test_each_readme_conversation_ships_as_a_replay_file_ask_cli_accepts():
    shipped = sorted(path.stem for path in (ROOT / "dialogs").glob("*.json"))
    assert shipped == sorted(dialogs.CONVERSATIONS)
    for name in shipped:
        text = (ROOT / "dialogs" / f"{name}.json").read_text()
        assert "\n\n" not in text  # ask-cli reads JSON; the issue found an empty line refused
        data = json.loads(text)
        assert dialogs.replay_problems(data) == [], name
        assert data["userInput"][-1] == ".quit" and data["locale"] == dialogs.CONVERSATIONS[name][0]
        assert re.fullmatch(r"amzn1\.ask\.skill\.[\w-]+", data["skillId"])


def test_the_shipped_replay_files_are_what_the_simulator_writes():
    assert dialogs.stale() == [], "run: python -m skill.dev.dialogs"


def test_a_replay_file_that_differs_from_the_conversation_is_found(tmp_path):
    for name in dialogs.CONVERSATIONS:
        dialogs.written(name, "amzn1.ask.skill.someone-elses", tmp_path)  # another skill id is still current
    assert dialogs.stale(tmp_path) == []
    edited = json.loads((tmp_path / "questions.json").read_text())
    edited["userInput"].insert(1, "sing me a song")
    (tmp_path / "questions.json").write_text(json.dumps(edited))
    (tmp_path / "uk-market.json").unlink()
    assert sorted(dialogs.stale(tmp_path)) == ["questions.json", "uk-market.json"]


def test_the_readme_transcript_is_the_first_replay_file_and_the_readme_names_the_files():
    block = README.split("## Talk to it", 1)[1].split("### Or with curl", 1)[0]
    typed = [line[4:].strip() for line in block.splitlines() if line.startswith("you>")]
    said = [line for line in typed if line and not line.startswith("(")]  # "(silence: ...)" is no input
    assert said == [turn for turn in dialogs.CONVERSATIONS["first-conversation"][1] if turn]
    for name in dialogs.CONVERSATIONS:
        assert f"dialogs/{name}.json" in README
    assert "ask dialog --replay dialogs/" in README
