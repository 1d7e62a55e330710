"""How phrase tables are routed: by exact samples, by a generalising resolver, and what the matcher rescues.

For each table (tests/data/fresh_phrasings.yaml, kept apart from the model; tests/data/phrasings.yaml,
which was used to grow it) it prints:
  exact    - the share the interaction model routes to the right intent by sample matching alone
             (no generalisation: the floor of what Alexa's language model does);
  resolver - the same with the simulator's generalising resolver (skill/dev/nlu.py: nearest sample by TF-IDF);
  rescue   - of what the resolver does not route right, the share the matcher gets right once the words
             arrive as free text (a carrier phrase such as "what about ..." sends them to QuestionIntent);
  wrong    - phrasings the resolver sends to a different topic or red flag: worse than "not sure";
  red flags missed - red-flag phrasings that reach no red flag by any path;
and lists the misses, to grow the model's samples from the patterns they show.
Then the safety tables (tests/data/safety_table_*.yaml, keyed by the urgency the answer must lead with), heard
through the whole skill: each phrasing resolved as the simulator does (exact, nearest, then the catch-all with the
words), posted as a full request in every state of the sweep and in every market, and judged by what the reply
leads with (tests/safety_tables.py). It prints, per urgency, the cells right and the phrasings that ever missed.
Run: .venv/bin/python bench/routing.py [table file name ...]
"""
from __future__ import annotations

import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from skill.dev.nlu import Resolver  # noqa: E402
from skill.words import content as content_module  # noqa: E402

# QuestionIntent (its AMAZON.SearchQuery slot) and the catch-all hand the words to the warning-sign screen and the
# matcher. AMAZON.FallbackIntent carries no words at all: on a device nothing can rescue what lands there.
ANSWERING = {"QuestionIntent", "CatchAllIntent"}


def expected_intent(expect: str, content: content_module.Content) -> str:
    if expect.startswith("red_flag:"):
        return content.red_flags[expect.split(":")[1]].intent
    return content.topics[expect].intent


def report(name: str, path: Path, content: content_module.Content, resolver: Resolver) -> None:
    table = yaml.safe_load(path.read_text())
    rows = [(text, expect) for expect, texts in table.items() for text in texts if expect != "none"]
    content_intents = {t.intent for t in content.topics.values()} | {f.intent for f in content.red_flags.values()}
    exact = generalised = rescued = 0
    wrong, flags_missed, misses = [], [], []
    for text, expect in rows:
        want = expected_intent(expect, content)
        found = resolver.exact(text)
        if found is not None and found.intent == want:
            exact += 1
        resolution = resolver.resolve(text)
        if resolution.intent == want:
            generalised += 1
            continue
        heard = content.warning_screen.screen(text)
        match = content.matcher.match(text)
        got = f"red_flag:{heard.flag}" if heard is not None and heard.how == "said" else match.id
        if resolution.intent in ANSWERING and got == expect:
            rescued += 1
            misses.append((text, resolution.intent, "rescued"))
            continue
        if resolution.intent in content_intents or (resolution.intent in ANSWERING and got is not None):
            wrong.append((text, resolution.intent))  # a different topic or red flag is said: worse than "not sure"
            misses.append((text, resolution.intent, "WRONG"))
        else:
            misses.append((text, resolution.intent, "missed"))
        if expect.startswith("red_flag:"):
            flags_missed.append(text)
    total = len(rows)
    print(f"{name}: {total} phrasings ({path.relative_to(ROOT)})")
    print(f"  exact sample match:       {exact}/{total} = {exact / total:.0%}")
    print(f"  generalising resolver:    {generalised}/{total} = {generalised / total:.0%}")
    print(f"  matcher rescues the rest: {rescued}/{total - generalised}")
    print(f"  together:                 {generalised + rescued}/{total} = {(generalised + rescued) / total:.0%}")
    print(f"  wrong answers:            {len(wrong)} ({len(wrong) / total:.0%})")
    print(f"  red flags missed:         {len(flags_missed)}")
    for text, intent, outcome in misses:
        print(f"    {outcome:8} {text!r} -> {intent}")


def safety_report(name: str) -> None:
    """One safety table through the skill: every state of the sweep in every market."""
    import logging
    import tempfile

    from skill import create_app
    from skill.dev.fake_alexa_api import FakeAlexaApi, FakeApiClient
    from tests.safety_tables import MARKETS, load_table, measure
    from tests.test_sweep import STATES

    logging.disable(logging.WARNING)  # the red-flag log line, once per cell
    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"VERIFY_SIGNATURE": False, "VERIFY_TIMESTAMP": False, "SKILL_ID": None, "STORE": "sqlite",
                          "STORE_PATH": f"{folder}/store.sqlite3", "API_CLIENT": FakeApiClient(FakeAlexaApi())})
        table = load_table(name)
        markets = [*MARKETS, "en-NZ", "de-DE"]
        outcomes = measure(app.test_client(), table, STATES, markets)
    print(f"{name}: {sum(len(v) for v in table.values())} phrasings x {len(STATES)} states x {len(markets)} markets")
    for key, outcome in outcomes.items():
        print(f"  {key:10} {outcome.right}/{outcome.cells} cells right; {len(table[key]) - len(outcome.misses)}/"
              f"{len(table[key])} phrasings right in every cell")
        for phrasing, where in outcome.misses.items():
            print(f"    missed in {len(where)} cells: {phrasing!r} ({where[0]})")


def main() -> None:
    content = content_module.load()
    resolver = Resolver()
    only = sys.argv[1:]
    for path in sorted((ROOT / "tests" / "data").glob("safety_table_*.yaml")):
        if not only or path.name in only:
            safety_report(path.name)
    tables = [("fresh table 2 (written before the model was grown from patterns)", "fresh_phrasings_2.yaml"),
              ("fresh table 1 (its misses showed the patterns to grow)", "fresh_phrasings.yaml"),
              ("grown-from table", "phrasings.yaml")]
    for name, file in tables:
        if not only or file in only:
            report(name, ROOT / "tests" / "data" / file, content, resolver)


if __name__ == "__main__":
    main()
