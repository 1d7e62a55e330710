"""Loads and validates the content files once at start-up; typed access by id.

Everything the skill says lives in ``skill/content/<locale>.yaml``. Code refers to
words by id only. A malformed file stops start-up with a ContentError naming the
file, the entry and the field, so a content editor sees exactly what to fix.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import yaml

CONTENT_DIR = Path(__file__).parent / "content"
DEFAULT_LOCALE = "en-US"
SOURCE_FILE = re.compile(r"^\d{3}_[0-9a-f]{16}\.txt$")
PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")

# Every prompt id the code speaks, with the placeholders its template may use.
PROMPTS: dict[str, frozenset[str]] = {
    name: frozenset()
    for name in (
        "welcome_first welcome_back disclaimer launch_options launch_reprompt offer_more after_more "
        "general_reprompt help help_reprompt fallback fallback_reprompt nothing_more nothing_to_repeat "
        "no_thanks goodbye error error_reprompt"
    ).split()
}


class ContentError(ValueError):
    """A content file is missing, unreadable or malformed."""


@dataclass(frozen=True)
class Topic:
    """One answer in the intent-to-content map."""

    id: str
    intent: str
    answer: str
    reprompt: str
    sources: tuple[str, ...]
    more: str | None = None


@dataclass(frozen=True)
class Content:
    """All words of one locale, validated."""

    locale: str
    skill_name: str
    prompts: Mapping[str, str]
    topics: Mapping[str, Topic]
    topic_by_intent: Mapping[str, Topic] = field(default_factory=dict)

    def prompt(self, prompt_id: str) -> str:
        """The template for a prompt id (KeyError for an id the file lacks)."""
        return self.prompts[prompt_id]


class _Reader:
    """Reads typed fields from the parsed YAML, naming the place of any mistake."""

    def __init__(self, path: Path):
        self.path = path

    def fail(self, where: str, problem: str) -> ContentError:
        return ContentError(f"{self.path.name}: {where}: {problem}")

    def mapping(self, node: Any, where: str) -> Mapping[str, Any]:
        if not isinstance(node, Mapping):
            raise self.fail(where, f"expected a mapping, found {type(node).__name__}")
        return node

    def text(self, node: Mapping[str, Any], key: str, where: str, required: bool = True) -> str | None:
        value = node.get(key)
        if value is None and not required:
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.fail(f"{where}.{key}", "missing or empty text")
        return " ".join(value.split())

    def sources(self, node: Mapping[str, Any], where: str) -> tuple[str, ...]:
        value = node.get("sources")
        if not isinstance(value, list) or not value:
            raise self.fail(f"{where}.sources", "list the source article file names this rests on")
        for name in value:
            if not isinstance(name, str) or not SOURCE_FILE.match(name):
                raise self.fail(f"{where}.sources", f"{name!r} is not a source article file name")
        return tuple(value)

    def placeholders(self, template: str, allowed: frozenset[str], where: str) -> None:
        unknown = set(PLACEHOLDER.findall(template)) - allowed
        if unknown:
            raise self.fail(where, f"unknown placeholder(s) {sorted(unknown)}; allowed: {sorted(allowed)}")


def _read_prompts(reader: _Reader, node: Any) -> dict[str, str]:
    prompts_node = reader.mapping(node, "prompts")
    prompts: dict[str, str] = {}
    for prompt_id, allowed in PROMPTS.items():
        template = reader.text(prompts_node, prompt_id, "prompts")
        assert template is not None
        reader.placeholders(template, allowed, f"prompts.{prompt_id}")
        prompts[prompt_id] = template
    return prompts


def _read_topics(reader: _Reader, node: Any) -> dict[str, Topic]:
    topics: dict[str, Topic] = {}
    intents: dict[str, str] = {}
    for topic_id, entry in reader.mapping(node, "topics").items():
        where = f"topics.{topic_id}"
        entry = reader.mapping(entry, where)
        intent = reader.text(entry, "intent", where)
        assert intent is not None
        if intent in intents:
            raise reader.fail(f"{where}.intent", f"{intent} already answers topic {intents[intent]}")
        intents[intent] = topic_id
        topics[topic_id] = Topic(
            id=topic_id,
            intent=intent,
            answer=reader.text(entry, "answer", where) or "",
            reprompt=reader.text(entry, "reprompt", where) or "",
            more=reader.text(entry, "more", where, required=False),
            sources=reader.sources(entry, where),
        )
    return topics


def load(locale: str = DEFAULT_LOCALE, directory: Path = CONTENT_DIR) -> Content:
    """Load and validate one locale's content file."""
    path = directory / f"{locale}.yaml"
    reader = _Reader(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise ContentError(f"{path}: content file not found") from error
    except yaml.YAMLError as error:
        raise ContentError(f"{path.name}: not valid YAML: {error}") from error
    root = reader.mapping(raw, "top level")
    topics = _read_topics(reader, root.get("topics"))
    return Content(
        locale=reader.text(root, "locale", "top level") or locale,
        skill_name=reader.text(root, "skill_name", "top level") or "",
        prompts=_read_prompts(reader, root.get("prompts")),
        topics=topics,
        topic_by_intent={topic.intent: topic for topic in topics.values()},
    )
