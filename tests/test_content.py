"""The content file: validated at start-up, voice rules kept, facts traced to the source articles."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from skill import content as content_module
from skill import create_app

CONTENT = content_module.load()
SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
SENTENCE_END = re.compile(r"(?<=[.?!])\s+")


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower().replace("’", "'"))


def first_sentence(text: str) -> str:
    return SENTENCE_END.split(text)[0]


@pytest.mark.parametrize("topic_id", sorted(CONTENT.topics))
def test_answers_lead_with_the_answer_and_fit_one_breath(topic_id):
    topic = CONTENT.topics[topic_id]
    assert len(words(first_sentence(topic.answer))) < 20, first_sentence(topic.answer)
    assert len(words(topic.answer)) <= 60
    assert topic.more is None or len(words(topic.more)) <= 70
    assert topic.reprompt


@pytest.mark.skipif(not SEEDS.is_dir(), reason="../shared/seeds is not beside this checkout")
def test_every_cited_source_exists():
    cited = {name for topic in CONTENT.topics.values() for name in topic.sources}
    assert cited <= {path.name for path in SEEDS.glob("*.txt")}


@pytest.mark.skipif(not SEEDS.is_dir(), reason="../shared/seeds is not beside this checkout")
def test_no_sentence_is_copied_from_the_articles():
    """No run of eight words in a row appears in any source article."""
    source_runs: set[tuple[str, ...]] = set()
    for path in SEEDS.glob("*.txt"):
        tokens = words(path.read_text(encoding="utf-8"))
        source_runs.update(tuple(tokens[i : i + 8]) for i in range(len(tokens) - 7))
    raw = yaml.safe_load((content_module.CONTENT_DIR / "en-US.yaml").read_text())
    texts = [value for value in _strings(raw)]
    for text in texts:
        tokens = words(text)
        copied = [" ".join(tokens[i : i + 8]) for i in range(len(tokens) - 7) if tuple(tokens[i : i + 8]) in source_runs]
        assert not copied, f"copied from a source article: {copied[0]!r}"


def _strings(node):
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)


def write_content(tmp_path: Path, mutate) -> Path:
    raw = yaml.safe_load((content_module.CONTENT_DIR / "en-US.yaml").read_text())
    mutate(raw)
    (tmp_path / "en-US.yaml").write_text(yaml.safe_dump(raw))
    return tmp_path


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda raw: raw["topics"]["heat_or_ice"].pop("answer"), "en-US.yaml: topics.heat_or_ice.answer: missing"),
        (lambda raw: raw["topics"]["surgery"].update(reprompt="  "), "topics.surgery.reprompt: missing or empty"),
        (lambda raw: raw["topics"]["stress"].update(sources=[]), "topics.stress.sources"),
        (lambda raw: raw["topics"]["stress"].update(sources=["wikipedia.txt"]), "'wikipedia.txt' is not a source"),
        (lambda raw: raw["topics"]["stress"].update(intent="HeatOrIceIntent"), "topics.stress.intent: HeatOrIceIntent already"),
        (lambda raw: raw["prompts"].pop("goodbye"), "prompts.goodbye: missing"),
        (lambda raw: raw["prompts"].update(help="Say {what}"), "prompts.help: unknown placeholder"),
        (lambda raw: raw.update(topics=["not", "a", "mapping"]), "topics: expected a mapping"),
    ],
)
def test_a_malformed_content_file_stops_start_up_naming_file_entry_and_field(tmp_path, mutate, message):
    directory = write_content(tmp_path, mutate)
    with pytest.raises(content_module.ContentError) as error:
        content_module.load("en-US", directory)
    assert message in str(error.value)


def test_invalid_yaml_names_the_file(tmp_path):
    (tmp_path / "en-US.yaml").write_text("topics: [unclosed")
    with pytest.raises(content_module.ContentError, match="en-US.yaml: not valid YAML"):
        content_module.load("en-US", tmp_path)


def test_a_missing_locale_stops_start_up():
    with pytest.raises(content_module.ContentError, match="content file not found"):
        create_app({"LOCALES": ("xx-XX",)})
