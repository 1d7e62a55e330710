"""The interaction model, the content and the code agree with one another."""
from __future__ import annotations

import json

import pytest

from skill.conversation.builder import request_handlers
from skill.dev.nlu import BUILTIN_SAMPLES, normalize
from skill.words import content as content_module

from .alexa import MODEL_PATH

MODEL = json.loads(MODEL_PATH.read_text())["interactionModel"]["languageModel"]
MODEL_INTENTS = {intent["name"]: intent for intent in MODEL["intents"]}
CONTENT = content_module.load()
HANDLED = (
    {name for handler in request_handlers() for name in getattr(handler, "intents", ())}
    | set(CONTENT.topic_by_intent)
    | set(CONTENT.red_flag_by_intent)
    | set(CONTENT.alert_by_intent)
)
REQUIRED_BUILTINS = {
    "AMAZON.HelpIntent", "AMAZON.StopIntent", "AMAZON.CancelIntent", "AMAZON.FallbackIntent",
    "AMAZON.NavigateHomeIntent", "AMAZON.RepeatIntent", "AMAZON.YesIntent", "AMAZON.NoIntent",
}
CUSTOM_INTENTS = sorted(name for name in MODEL_INTENTS if not name.startswith("AMAZON."))


def test_invocation_name():
    assert MODEL["invocationName"] == "back spasm helper"


def test_every_intent_in_the_model_has_a_handler():
    assert set(MODEL_INTENTS) - HANDLED == set()


def test_every_handled_intent_is_in_the_model():
    assert HANDLED - set(MODEL_INTENTS) == set()


def test_the_required_built_in_intents_are_in_the_model():
    assert REQUIRED_BUILTINS <= set(MODEL_INTENTS)


def test_every_topic_has_an_intent_in_the_model():
    assert {topic.intent for topic in CONTENT.topics.values() if topic.intent} <= set(MODEL_INTENTS)


@pytest.mark.parametrize("intent", CUSTOM_INTENTS)
def test_custom_intents_have_at_least_15_samples(intent):
    samples = MODEL_INTENTS[intent]["samples"]
    if samples == ["{words}"]:  # the catch-all: one lone-slot sample is its whole design
        return
    assert len(samples) >= 15


@pytest.mark.parametrize("topic", sorted(t.id for t in CONTENT.topics.values() if t.intent))
def test_every_topic_intent_has_30_varied_samples(topic):
    # Alexa's model generalises from the samples it is given; the more real phrasings, the fewer guesses.
    samples = MODEL_INTENTS[CONTENT.topics[topic].intent]["samples"]
    assert len(samples) >= 30 and len(set(samples)) == len(samples)


@pytest.mark.parametrize("intent", CUSTOM_INTENTS)
def test_samples_are_speakable_and_their_slots_are_declared(intent):
    declared = {slot["name"] for slot in MODEL_INTENTS[intent].get("slots", [])}
    types = {t["name"] for t in MODEL.get("types", [])}
    for slot in MODEL_INTENTS[intent].get("slots", []):
        assert slot["type"].startswith("AMAZON.") or slot["type"] in types
    for sample in MODEL_INTENTS[intent]["samples"]:
        assert not any(ch.isdigit() for ch in sample), f"spell numbers out: {sample!r}"
        for slot in __import__("re").findall(r"\{(\w+)\}", sample):
            assert slot in declared, f"{intent}: {sample!r} uses undeclared slot {slot}"


def test_search_query_intents_carry_a_phrase_besides_the_slot():
    """Alexa rejects a sample that is only an AMAZON.SearchQuery slot."""
    for name, intent in MODEL_INTENTS.items():
        search_slots = {s["name"] for s in intent.get("slots", []) if s["type"] == "AMAZON.SearchQuery"}
        for sample in intent.get("samples", []):
            assert sample.strip() not in {f"{{{slot}}}" for slot in search_slots}, f"{name}: {sample!r}"


def test_dialog_model_covers_the_elicited_slot():
    dialog = json.loads(MODEL_PATH.read_text())["interactionModel"]["dialog"]
    prompts = {p["id"] for p in json.loads(MODEL_PATH.read_text())["interactionModel"]["prompts"]}
    triage = next(i for i in dialog["intents"] if i["name"] == "HowLongHasItBeenIntent")
    duration = next(s for s in triage["slots"] if s["name"] == "duration")
    assert duration["prompts"]["elicitation"] in prompts
    assert dialog["delegationStrategy"] == "SKILL_RESPONSE"


def test_the_time_ranges_people_can_say_are_the_ranges_the_content_answers():
    [time_range] = [t for t in MODEL["types"] if t["name"] == "TIME_RANGE"]
    assert {value["id"] for value in time_range["values"]} == set(CONTENT.triage.ranges)
    triage = next(i for i in MODEL_INTENTS.values() if i["name"] == "HowLongHasItBeenIntent")
    assert {"name": "range", "type": "TIME_RANGE"}.items() <= next(s for s in triage["slots"] if s["name"] == "range").items()


def test_no_sample_belongs_to_two_intents():
    owner: dict[str, str] = {}
    for name, intent in MODEL_INTENTS.items():
        for sample in intent.get("samples", []):
            key = normalize(sample)
            assert owner.setdefault(key, name) == name, f"{sample!r} is in {owner[key]} and {name}"


def test_custom_samples_do_not_shadow_built_in_phrasings():
    builtin = {normalize(s) for samples in BUILTIN_SAMPLES.values() for s in samples}
    for name in CUSTOM_INTENTS:
        clashes = builtin & {normalize(s) for s in MODEL_INTENTS[name]["samples"]}
        assert not clashes, f"{name} takes built-in phrasings {clashes}"


@pytest.mark.parametrize("intent", sorted(set(MODEL_INTENTS) - {"AMAZON.FallbackIntent"}))
def test_no_model_intent_falls_through_to_the_fallback(alexa, intent):
    alexa.launch()
    reply = alexa.intent(intent)
    assert reply.speech != CONTENT.prompt("fallback")
