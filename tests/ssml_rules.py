"""Alexa's SSML rules, checked on every response the tests see: supported tags only, breaks of 10 s at most, under 8000
characters, well-formed. The skill never needs this to speak, so it lives with the tests."""
from __future__ import annotations

import re
from xml.etree import ElementTree

from skill.words import ssml

# Tags Alexa supports in outputSpeech.
SUPPORTED_TAGS = frozenset("speak break emphasis lang p phoneme prosody s say-as sub voice w audio".split())
SUPPORTED_AMAZON_TAGS = frozenset({"amazon:domain", "amazon:effect", "amazon:emotion"})


def problems(document: str) -> list[str]:
    """What would make Alexa reject this SSML document (empty when valid)."""
    found: list[str] = []
    if len(document) > ssml.MAX_SPEECH_CHARS:
        found.append(f"speech is {len(document)} characters, over {ssml.MAX_SPEECH_CHARS}")
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
            elif ssml.pause_seconds(f'<break time="{time}"/>') > ssml.MAX_BREAK_SECONDS:
                found.append(f"break of {time}, over {ssml.MAX_BREAK_SECONDS:g}s")
    return found
