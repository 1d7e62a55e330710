"""Builds, escapes and checks the SSML the skill speaks; estimates spoken duration.

Handlers never write markup: they pass content templates and values here.
Text is escaped; only the small set of tags below is ever produced.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

MAX_BREAK_SECONDS = 10.0  # Alexa rejects a single <break> longer than 10 s.
MAX_SPEECH_CHARS = 8000  # Alexa's cap on outputSpeech.ssml, tags included.
WORDS_PER_MINUTE = 150  # Alexa's default voice speaks at roughly 150 words a minute.

# Tags Alexa supports in outputSpeech (amazon:* are checked by prefix).
SUPPORTED_TAGS = frozenset(
    "speak break emphasis lang p phoneme prosody s say-as sub voice w audio".split()
)
SUPPORTED_AMAZON_TAGS = frozenset({"amazon:domain", "amazon:effect", "amazon:emotion"})

_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
_BREAK = re.compile(r'<break\s+time="(\d+(?:\.\d+)?)(ms|s)"\s*/>')
_TAG = re.compile(r"<[^>]+>")


Line = tuple  # what a fragment says, by content id: ("topic", "heat_or_ice", "answer"); see skill/conversation/said.py


@dataclass(frozen=True)
class Ssml:
    """A fragment of markup that is already safe to embed.

    `said` names the content it was rendered from, so it can be rendered again ("repeat") from ids
    alone; None when it was not (such a fragment cannot be repeated from ids).
    """

    markup: str
    said: tuple[Line, ...] | None = None


EMPTY = Ssml("", ())


Value = str | int | float | Ssml


def escape(text: str) -> str:
    """Escape the three characters SSML cannot carry as text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def text(words: str) -> Ssml:
    """Plain words as a safe fragment."""
    return Ssml(escape(words))


def render(template: str, values: Mapping[str, Value] | None = None) -> Ssml:
    """Fill {named} placeholders: strings are escaped, Ssml fragments kept as they are."""
    values = values or {}
    parts: list[str] = []
    last = 0
    for match in _PLACEHOLDER.finditer(template):
        parts.append(escape(template[last : match.start()]))
        value = values[match.group(1)]
        parts.append(value.markup if isinstance(value, Ssml) else escape(str(value)))
        last = match.end()
    parts.append(escape(template[last:]))
    return Ssml("".join(parts))


def pause(seconds: float) -> Ssml:
    """Silence of any length, as a chain of <break>s of at most 10 s each."""
    remaining = round(max(seconds, 0.0) * 1000)
    breaks: list[str] = []
    limit = int(MAX_BREAK_SECONDS * 1000)
    while remaining > 0:
        chunk = min(remaining, limit)
        breaks.append(f'<break time="{chunk}ms"/>')
        remaining -= chunk
    return Ssml("".join(breaks))


def digits(number: str) -> Ssml:
    """A number read digit by digit (an emergency number: nine one one)."""
    return Ssml(f'<say-as interpret-as="digits">{escape(number)}</say-as>')


def join(fragments: Iterable[Ssml], separator: str = " ") -> Ssml:
    """Join fragments with a space (or another separator); empty ones add nothing, not even to `said`."""
    spoken = [f for f in fragments if f.markup]
    said: tuple[Line, ...] | None = ()
    for fragment in spoken:
        said = None if said is None or fragment.said is None else said + fragment.said
    return Ssml(separator.join(f.markup for f in spoken), said)


def speak(fragment: Ssml) -> str:
    """Wrap a fragment as a complete <speak> document."""
    return f"<speak>{fragment.markup}</speak>"


def lead_with(document: str, fragment: Ssml) -> str:
    """A complete <speak> document with `fragment` said before everything it said."""
    if not document.startswith("<speak>"):
        raise ValueError("not a <speak> document")
    return speak(join([fragment, Ssml(document[len("<speak>"):-len("</speak>")])]))


def pause_seconds(markup: str) -> float:
    """Total seconds of <break> silence in a piece of SSML."""
    total = 0.0
    for amount, unit in _BREAK.findall(markup):
        total += float(amount) / (1000 if unit == "ms" else 1)
    return total


def spoken_words(markup: str) -> list[str]:
    """The words that will be spoken (tags removed, entities decoded)."""
    plain = _TAG.sub(" ", markup)
    plain = plain.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
    return re.findall(r"[\w'’-]+", plain)


def duration_seconds(markup: str, words_per_minute: float = WORDS_PER_MINUTE) -> float:
    """Estimated playing time: the pauses plus the words at a stated speaking rate."""
    return pause_seconds(markup) + len(spoken_words(markup)) * 60.0 / words_per_minute


def problems(document: str) -> list[str]:
    """What would make Alexa reject this SSML document (empty when valid)."""
    from xml.etree import ElementTree  # only for checking (tests, start-up), never to speak

    found: list[str] = []
    if len(document) > MAX_SPEECH_CHARS:
        found.append(f"speech is {len(document)} characters, over {MAX_SPEECH_CHARS}")
    try:
        root = ElementTree.fromstring(document.replace("amazon:", "amazon_"))
    except ElementTree.ParseError as error:
        return found + [f"not well-formed XML: {error}"]
    if root.tag != "speak":
        found.append(f"root element is <{root.tag}>, not <speak>")
    for element in root.iter():
        tag = element.tag.replace("amazon_", "amazon:")
        if tag not in SUPPORTED_TAGS and tag not in SUPPORTED_AMAZON_TAGS:
            found.append(f"unsupported tag <{tag}>")
        if tag == "break" and "time" in element.attrib:
            time = element.get("time", "")
            if not re.fullmatch(r"\d+(\.\d+)?(ms|s)", time):
                found.append(f"break with a bad time {time!r}")
            elif pause_seconds(f'<break time="{time}"/>') > MAX_BREAK_SECONDS:
                found.append(f"break of {time}, over {MAX_BREAK_SECONDS:g}s")
    return found
