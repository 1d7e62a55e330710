"""The README's example conversations as ASK CLI replay files in dialogs/, written by the simulator.

`python -m skill.dev.dialogs` runs each conversation below through `python -m skill.simulate --replay-out`
and writes dialogs/<name>.json; `--skill-id amzn1.ask.skill...` puts your skill's id in them (by default the
one `ask deploy` recorded in .ask/ask-states.json, else the simulator's placeholder). `--check` exits 1 naming
a file that is not what the simulator writes (its skillId aside). Then, against the deployed skill:
`ask dialog --replay dialogs/first-conversation.json`.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
from pathlib import Path
from typing import Any

from skill.dev import simulate

ROOT = Path(__file__).resolve().parent.parent.parent
DIALOGS = ROOT / "dialogs"

# name: (locale, what the user says, turn by turn; "" is a silence, which a replay file leaves out)
CONVERSATIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    # README, "Talk to it": the first conversation.
    "first-conversation": ("en-US", ("open back spasm helper", "heat or ice", "guide me through positions", "next",
                                     "ready", "", "stop")),
    # README, "Or with curl": the launch, heat or ice, and seeing a doctor; then more, help, and stop.
    "questions": ("en-US", ("open back spasm helper", "heat or ice", "yes", "when should i see a doctor", "help",
                            "stop")),
    # A UK device: the market's medicine names, and its emergency number (999) for a warning sign.
    "uk-market": ("en-GB", ("open back spasm helper", "what can i take", "i wet myself")),
}


def written(name: str, skill_id: str, folder: Path) -> Path:
    """Run one conversation through the simulator with --replay-out; the file it wrote."""
    locale, turns = CONVERSATIONS[name]
    path = folder / f"{name}.json"
    args = [arg for turn in turns for arg in ("--say", turn)]
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        simulate.main([*args, "--locale", locale, "--skill-id", skill_id, "--replay-out", str(path)])
    return path


def replay_problems(data: Any) -> list[str]:
    """What `ask dialog --replay` would refuse in a replay file's content (ask-cli's DialogCommand checks)."""
    if not isinstance(data, dict):
        return ["not a JSON object"]
    problems = [f"{key} must be a non-blank string" for key in ("skillId", "locale")
                if not isinstance(data.get(key), str) or not data[key].strip()]
    if data.get("type") != "text":
        problems.append('type must be "text"')
    inputs = data.get("userInput")
    if not isinstance(inputs, list) or not inputs:
        return [*problems, "userInput must be a list of what the user says"]
    for index, line in enumerate(inputs):
        if not isinstance(line, str) or not line.strip():
            problems.append(f"userInput[{index}] is empty: ask-cli refuses an empty string")
        elif "\n" in line or "\r" in line:
            problems.append(f"userInput[{index}] holds a line break: ask dialog reads one line per input")
    return problems


def stale(folder: Path = DIALOGS) -> list[str]:
    """The replay files in `folder` that are missing or not what the simulator writes (skillId aside)."""
    import tempfile

    names = []
    with tempfile.TemporaryDirectory() as scratch:
        for name in CONVERSATIONS:
            path = folder / f"{name}.json"
            try:
                shipped = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                names.append(path.name)
                continue
            fresh = json.loads(written(name, simulate.SKILL_ID, Path(scratch)).read_text(encoding="utf-8"))
            if not isinstance(shipped, dict) or {**shipped, "skillId": fresh["skillId"]} != fresh:
                names.append(path.name)
    return names


def main(argv: list[str] | None = None) -> int:
    """Write every replay file, or (--check) name those that differ."""
    parser = argparse.ArgumentParser(prog="python -m skill.dev.dialogs", description=__doc__.split("\n\n")[0])
    parser.add_argument("--skill-id", help="the skill id to replay against (default: .ask/ask-states.json's)")
    parser.add_argument("--check", action="store_true", help="exit 1 naming any file that is not current")
    args = parser.parse_args(argv)
    if args.check:
        names = stale()
        for name in names:
            print(f"dialogs/{name} is not what the simulator writes: run python -m skill.dev.dialogs", file=sys.stderr)
        return 1 if names else 0
    DIALOGS.mkdir(exist_ok=True)
    skill_id = args.skill_id or simulate.deployed_skill_id(ROOT / simulate.ASK_STATES) or simulate.SKILL_ID
    for name in CONVERSATIONS:
        print(f"wrote {written(name, skill_id, DIALOGS).relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
