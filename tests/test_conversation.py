"""Built-in requests and intents: launch, help, stop, repeat, fallback, errors."""
from __future__ import annotations

import pytest

from skill.words import content as content_module

CONTENT = content_module.load()


def test_launch_welcomes_disclaims_and_offers_things_to_ask(alexa):
    reply = alexa.launch()
    assert reply.speech.startswith(CONTENT.prompts["welcome_first"])
    assert "not a diagnosis or medical advice" in reply.speech
    assert "bladder or bowels" in reply.speech and "emergency help" in reply.speech
    assert "heat or ice" in reply.speech
    assert not reply.ended


def test_help_says_what_can_be_asked(alexa):
    reply = alexa.say("help")
    assert "heat or ice" in reply.speech and "breathing" in reply.speech
    assert not reply.ended


@pytest.mark.parametrize("utterance", ["stop", "cancel", "never mind"])
def test_stop_and_cancel_end_kindly(alexa, utterance):
    alexa.launch()
    reply = alexa.say(utterance)
    assert reply.ended
    assert reply.speech == CONTENT.prompts["goodbye"]


def test_repeat_says_the_last_response_again(alexa):
    answer = alexa.say("what causes it")
    again = alexa.say("say that again")
    assert again.ssml == answer.ssml
    assert again.reprompt == answer.reprompt


def test_repeat_before_anything_was_said(alexa):
    reply = alexa.intent("AMAZON.RepeatIntent")
    assert reply.speech == CONTENT.prompts["nothing_to_repeat"]


def test_navigate_home_lists_the_options(alexa):
    alexa.say("heat or ice")
    reply = alexa.intent("AMAZON.NavigateHomeIntent")
    assert reply.speech == CONTENT.prompts["launch_options"]
    assert "pending" not in reply.attributes


@pytest.mark.parametrize("utterance", ["what's the weather", "play some music", "order a pizza"])
def test_fallback_says_what_it_can_help_with(alexa, utterance):
    reply = alexa.say(utterance)
    assert reply.speech.startswith(CONTENT.prompts["fallback"])
    assert not reply.ended


def test_an_intent_the_skill_does_not_know_gets_the_fallback(alexa):
    reply = alexa.intent("SomethingNewIntent", {"thing": "value"})
    assert reply.speech.startswith(CONTENT.prompts["fallback"])


def test_unexpected_slots_on_a_topic_intent_are_ignored(alexa):
    reply = alexa.intent("HeatOrIceIntent", {"surprise": "slot"})
    assert reply.attributes["last_topic"] == "heat_or_ice"


def test_session_ended_request_is_accepted_silently(alexa):
    alexa.launch()
    reply = alexa.end_session("EXCEEDED_MAX_REPROMPTS")
    assert reply.status == 200
    assert "outputSpeech" not in reply.response


def test_an_exception_in_a_handler_gets_a_calm_apology_and_is_logged(alexa, monkeypatch, caplog):
    from skill.conversation.handlers import answers

    def broken(*args, **kwargs):
        raise RuntimeError("content store exploded")

    monkeypatch.setattr(answers, "answer_topic", broken)
    with caplog.at_level("ERROR"):
        reply = alexa.say("heat or ice")
    assert reply.speech == CONTENT.prompts["error"]
    assert not reply.ended
    assert any("content store exploded" in record.getMessage() for record in caplog.records)


@pytest.mark.parametrize("before", [[], ["guide me through positions", "next"]])
def test_asked_to_call_someone_it_says_it_cannot_and_closes_so_alexa_can(alexa, before):
    alexa.launch()
    for words in before:
        alexa.say(words)
    reply = alexa.say("call my wife")
    assert reply.speech == CONTENT.prompts["cannot_call"] and reply.ended
    if before:  # a routine under way keeps its place for the next launch
        assert alexa.launch().attributes.get("pending") == {"offer": "resume"}
