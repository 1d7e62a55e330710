"""How the phrasing table is routed: by the interaction model's samples alone, and with the matcher.

Prints, for tests/data/phrasings.yaml:
  model  - the share the interaction model routes to the right intent by sample matching alone
           (no generalisation: the floor of what Alexa's language model does);
  rescue - the share the model misses that the matcher gets right once the words arrive as free text
           (a carrier phrase such as "what about ..." sends them to QuestionIntent);
and lists the misses, to grow the model's samples. Run: .venv/bin/python bench/routing.py
"""
from __future__ import annotations

import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from skill import content as content_module  # noqa: E402
from tests.alexa import UtteranceRouter  # noqa: E402


def expected_intent(expect: str, content: content_module.Content) -> str | None:
    if expect == "none":
        return None
    if expect.startswith("red_flag:"):
        return content.red_flags[expect.split(":")[1]].intent
    return content.topics[expect].intent


def main() -> None:
    content = content_module.load()
    router = UtteranceRouter()
    table = yaml.safe_load((ROOT / "tests" / "data" / "phrasings.yaml").read_text())
    rows = [(text, expect) for expect, texts in table.items() for text in texts if expect != "none"]
    by_model, rescued, missed = 0, 0, []
    for text, expect in rows:
        intent, slots = router.route(text)
        if intent == expected_intent(expect, content):
            by_model += 1
            continue
        match = content.matcher.match(text)
        got = f"red_flag:{match.id}" if match.kind == "red_flag" else match.id
        if got == expect:
            rescued += 1
            missed.append((text, intent, "rescued"))
        else:
            missed.append((text, intent, "MISSED"))
    total = len(rows)
    print(f"phrasings: {total}")
    print(f"model alone (sample matching): {by_model}/{total} = {by_model / total:.0%}")
    print(f"matcher rescues of the rest:   {rescued}/{total - by_model} = {rescued / max(1, total - by_model):.0%}")
    print(f"together:                      {by_model + rescued}/{total} = {(by_model + rescued) / total:.0%}")
    for text, intent, outcome in missed:
        print(f"  {outcome:8} {text!r} -> model: {intent}")


if __name__ == "__main__":
    main()
