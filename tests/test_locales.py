"""Every English market: en-US, en-GB, en-CA, en-AU, en-IN from one source of words, each with its own
emergency number and names; any other locale gets English words that name no number at all."""
from __future__ import annotations

import re

import pytest

from skill import lambda_function
from skill.words import content as content_module
from skill.words.content import ContentError

from .alexa import Alexa, UtteranceRouter

NUMBERS = {"en-US": "911", "en-GB": "999", "en-CA": "911", "en-AU": "000", "en-IN": "112"}
PARACETAMOL = {"en-US": "Acetaminophen, also called paracetamol,", "en-CA": "Acetaminophen is a painkiller",
               "en-GB": "Paracetamol is a painkiller", "en-AU": "Paracetamol is a painkiller",
               "en-IN": "Paracetamol is a painkiller"}


def conversation(client, locale: str) -> Alexa:
    return Alexa(client, UtteranceRouter(), user_id=f"amzn1.ask.account.{locale}", locale=locale)


def test_the_skill_speaks_every_english_market():
    assert content_module.locales() == list(NUMBERS)


@pytest.mark.parametrize("locale, number", NUMBERS.items())
def test_the_emergency_answer_leads_with_the_locales_number(client, locale, number):
    reply = conversation(client, locale).say("i wet myself")
    assert reply.speech.startswith(f"Get emergency help now. Call {number} ") and reply.ended
    assert f'<say-as interpret-as="digits">{number}</say-as>' in reply.ssml
    others = set(NUMBERS.values()) - {number}
    assert not any(re.search(rf"\b{other}\b", reply.speech) for other in others)


def test_the_uk_hears_a_and_e_and_111_for_urgent_advice(client):
    alexa = conversation(client, "en-GB")
    assert "take you to A&E" in alexa.say("i wet myself").speech
    nerve = conversation(client, "en-GB").say("my leg is numb")
    assert nerve.speech.startswith("Please contact a GP today, or call 111.")
    assert "111" not in conversation(client, "en-US").say("my leg is numb").speech


def test_the_uk_names_111_beside_the_gp_in_the_triage_advice_and_the_check_in(client):
    uk = content_module.load("en-GB")
    for band in ("early", "past_twelve_hours"):
        answer = next(b.answer for b in uk.triage.bands if b.id == band)
        assert "call your GP or 111" in answer and "call your doctor" not in answer
    for line in ("done", "declined"):  # said in the session; the reminder itself names no one (it is discreet)
        assert "call your GP or 111" in uk.alerts["checkin"].lines[line]
    assert uk.alerts["checkin"].lines["announce"] == content_module.load("en-US").alerts["checkin"].lines["announce"]
    reply = conversation(client, "en-GB").intent("HowLongHasItBeenIntent", {"duration": "P3D"})
    assert "call your GP or 111 today" in reply.speech
    for locale in ("en-US", "en-IE"):  # 111 is the UK's alone, never borrowed with its words
        assert "111" not in conversation(client, locale).intent("HowLongHasItBeenIntent", {"duration": "PT5H"}).speech


# MHRA: naproxen is prescription-only in the UK; India is treated the same, the safer choice. Australia sells
# it over the counter in low doses (TGA). Markets that borrow the UK's words (Ireland, South Africa,
# Singapore) get the cautious list too; New Zealand borrows Australia's.
@pytest.mark.parametrize("locale, over_the_counter", [("en-US", True), ("en-CA", True), ("en-AU", True), ("en-NZ", True),
                                                      ("en-GB", False), ("en-IN", False), ("en-IE", False)])
def test_naproxen_is_offered_over_the_counter_only_where_it_is_sold_so(client, locale, over_the_counter):
    reply = conversation(client, locale).say("what can i take for the pain")
    assert ("naproxen" in reply.speech) is over_the_counter and "ibuprofen" in reply.speech


@pytest.mark.parametrize("locale, word", [("en-US", "osteopathic doctors"), ("en-CA", "osteopathic doctors"),
                                          ("en-GB", "osteopaths"), ("en-AU", "osteopaths"), ("en-IN", "osteopaths")])
def test_osteopaths_where_that_is_the_profession(locale, word):
    more = content_module.load(locale).topics["therapies"].more or ""
    assert word in more and ("osteopathic" in more) is (word == "osteopathic doctors")


@pytest.mark.parametrize("locale, words", PARACETAMOL.items())
def test_medicine_names_are_the_ones_on_the_box_there(client, locale, words):
    reply = conversation(client, locale).say("what can i take for the pain")
    assert words in reply.speech


@pytest.mark.parametrize("locale", ["en-GB", "en-AU", "en-IN"])
def test_physiotherapy_where_people_call_it_that(locale):
    lines = content_module.load(locale).topics["exercises"].answer
    assert "physiotherapy" in lines and "physical therapy" not in lines


@pytest.mark.parametrize("locale", list(NUMBERS))
def test_the_same_conversation_works_in_every_locale(client, locale):
    alexa = conversation(client, locale)
    assert alexa.launch().speech.startswith("Welcome to Back Spasm Helper.")
    assert alexa.say("heat or ice").speech.startswith("Both can help.")
    step = alexa.say("guide me through breathing")
    assert step.speech.startswith("Step 1 of 3.") and not step.ended
    assert alexa.say("stop").ended


@pytest.mark.parametrize("locale, medicine", [("en-IE", "Paracetamol is a"), ("en-NZ", "Paracetamol is a"),
                                              ("en-ZA", "Paracetamol is a"), ("en-PH", "Acetaminophen, also called"),
                                              ("de-DE", "Acetaminophen, also called")])
def test_another_english_locale_borrows_the_closest_markets_words_but_never_its_numbers(client, locale, medicine):
    assert medicine in conversation(client, locale).say("what can i take for the pain").speech
    nerve = conversation(client, locale).say("my leg is numb").speech
    emergency = conversation(client, locale).say("i wet myself").speech
    assert "111" not in nerve and not re.search(r"\d", emergency) and "A&E" not in emergency


@pytest.mark.parametrize("locale", ["en-NZ", "en-IE", "de-DE", "fr-FR", ""])
def test_an_unknown_locale_gets_english_that_names_no_number(client, locale):
    alexa = conversation(client, locale)
    emergency = alexa.say("i wet myself")
    assert emergency.speech.startswith("Get emergency help now. Call your local emergency number")
    assert not re.search(r"\d", emergency.speech) and "say-as" not in emergency.ssml
    assert conversation(client, locale).say("heat or ice").speech.startswith("Both can help.")


def test_lambda_serves_a_locale_loading_only_what_it_needs(monkeypatch):
    monkeypatch.setenv("SKILL_STORE", "none")
    monkeypatch.setattr(lambda_function, "_skill", None)
    from .alexa import envelope, intent_request

    request = {**intent_request("EmergencyRedFlagIntent"), "locale": "en-AU"}
    reply = lambda_function.handler(envelope(request), None)
    assert "Call <say-as interpret-as=\"digits\">000</say-as>" in reply["response"]["outputSpeech"]["ssml"]


# --- locales.yaml: a mistake is one line naming the file, the locale and the entry ---------------------


def write(tmp_path, table: str):
    source = content_module.CONTENT_DIR / "en-US.yaml"
    (tmp_path / "en-US.yaml").write_text(source.read_text())
    (tmp_path / "locales.yaml").write_text(table)


@pytest.mark.parametrize("table, problem", [
    ('en-GB:\n  emergency_number: "999"\n  words: {physical therapy: physiotherapy, colour tv: television}\n',
     "locales.yaml: en-GB.words: 'colour tv' appears nowhere in the source file"),
    ('en-GB:\n  emergency_number: "999"\n  text: {topics.nothing.answer: Hello.}\n',
     "locales.yaml: en-GB.text.topics.nothing.answer: names no line of the source file"),
    ('en-GB:\n  emergency_number: "999"\n  text: {triage.bands.no_such_band.answer: Hello.}\n',
     "locales.yaml: en-GB.text.triage.bands.no_such_band.answer: names no line of the source file"),
    ('en-GB:\n  emergency_number: 999\n', "locales.yaml: en-GB.emergency_number: expected digits in quotes"),
    ('en-GB:\n  emergency_number: "999"\n  text: {red_flags.overdose.answer: Get help now.}\n',
     "red_flags.overdose: an emergency answer and its screen line must say {emergency_number}"),
    ('en-GB:\n  emergency_number: "999"\n  spelling: british\n', "locales.yaml: en-GB: unknown field(s) ['spelling']"),
    ('en:\n  emergency_number: ""\n  text: {red_flags.emergency.answer: Get help now., red_flags.emergency.screen: Get help}\n'
     'closest: {en-GB: en-XX}\n', "locales.yaml: closest.en-GB: 'en-XX' is not a market of this file"),
])
def test_a_mistake_in_the_locales_file_is_named(tmp_path, table, problem):
    write(tmp_path, table)
    with pytest.raises(ContentError) as error:
        content_module.load("en-GB", tmp_path)
    assert problem in str(error.value) and "\n" not in str(error.value)
