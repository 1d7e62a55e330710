"""Red flags first, in every state; questions in a person's own words; duration triage."""
from __future__ import annotations

import functools
from pathlib import Path

import pytest
import yaml

from skill import content as content_module

CONTENT = content_module.load()
PHRASINGS = yaml.safe_load((Path(__file__).parent / "data" / "phrasings.yaml").read_text())
TABLE = [(text, expect) for expect, texts in PHRASINGS.items() for text in texts]
RED_FLAG_TABLE = [(text, expect.split(":")[1]) for text, expect in TABLE if expect.startswith("red_flag:")]


def test_the_tables_are_big_enough():
    assert len(TABLE) >= 100
    assert len(RED_FLAG_TABLE) >= 30


def assert_emergency_first(reply):
    """The first words are to get emergency help now; then the hands-free way; then the session ends."""
    speech = reply.speech
    assert speech.startswith("Get emergency help now."), speech
    assert "Call 911" in speech or "Call 9 1 1" in speech
    assert '<say-as interpret-as="digits">911</say-as>' in reply.ssml
    assert speech.index("emergency") < speech.index("Alexa, call")
    assert "Alexa, call for help" in speech
    assert reply.ended


def assert_see_doctor_promptly(reply):
    assert reply.speech.startswith("Please contact a doctor today."), reply.speech
    assert "nerves" in reply.speech
    assert "emergency help" in reply.speech  # escalation if bladder or bowels go too
    assert "Alexa, call" in reply.speech
    assert not reply.ended


ASSERT_FLAG = {"emergency": assert_emergency_first, "nerve": assert_see_doctor_promptly}


@pytest.mark.parametrize("text, expect", TABLE)
def test_a_question_in_own_words_reaches_the_right_answer(alexa, text, expect):
    alexa.launch()
    reply = alexa.intent("QuestionIntent", {"query": text})
    if expect == "none":
        assert reply.speech == CONTENT.prompt("not_sure")
        assert "last_topic" not in reply.attributes
    elif expect.startswith("red_flag:"):
        ASSERT_FLAG[expect.split(":")[1]](reply)
    else:
        assert reply.attributes.get("last_topic") == expect, reply.speech
        topic = CONTENT.topics[expect]  # its emergency warning first, if it has one (the notice was said at launch)
        assert reply.speech.startswith(" ".join(filter(None, (topic.emergency, topic.answer))))


STATES = {
    "at launch": lambda alexa: alexa.launch(),
    "mid Q&A, after an offer of more": lambda alexa: alexa.say("heat or ice"),
    "after the longer answer": lambda alexa: (alexa.say("what causes it"), alexa.say("yes")),
    "mid dialog, asked how long": lambda alexa: alexa.intent("HowLongHasItBeenIntent", dialog_state="STARTED"),
    "mid routine: breathing": lambda alexa: (alexa.say("guide me through breathing"), alexa.say("next")),
    "mid routine: stretches, paused": lambda alexa: (alexa.say("guide me through stretches"), alexa.say("pause")),
    "mid routine: positions": lambda alexa: alexa.say("guide me through positions"),
}


@pytest.mark.parametrize("state", sorted(STATES))
@pytest.mark.parametrize("text, flag", RED_FLAG_TABLE)
def test_a_red_flag_in_own_words_escalates_in_every_state(alexa, state, text, flag):
    STATES[state](alexa)
    reply = alexa.intent("QuestionIntent", {"query": text})
    ASSERT_FLAG[flag](reply)
    assert "pending" not in reply.attributes and "last_topic" not in reply.attributes
    assert "routine" not in reply.attributes  # a red flag stops any routine


@pytest.mark.parametrize("state", sorted(STATES))
@pytest.mark.parametrize(
    "utterance, flag",
    [("i wet myself", "emergency"), ("i can't hold my pee", "emergency"), ("i lost control of my bowels", "emergency"),
     ("my leg is numb", "nerve"), ("pins and needles in my foot", "nerve"), ("my leg gave way", "nerve"),
     ("pain shooting down my leg", "nerve")],
)
def test_red_flag_intents_escalate_in_every_state(alexa, state, utterance, flag):
    STATES[state](alexa)
    ASSERT_FLAG[flag](alexa.say(utterance))


def test_red_flag_words_in_a_duration_dialog_answer_still_escalate(alexa):
    alexa.intent("HowLongHasItBeenIntent", dialog_state="STARTED")
    reply = alexa.intent("HowLongHasItBeenIntent", {"duration": "I wet myself"}, dialog_state="IN_PROGRESS")
    assert_emergency_first(reply)


def test_the_emergency_number_comes_from_the_content(tmp_path, monkeypatch):
    raw = yaml.safe_load((content_module.CONTENT_DIR / "en-US.yaml").read_text())
    raw["emergency_number"] = "112"
    (tmp_path / "en-US.yaml").write_text(yaml.safe_dump(raw))
    (tmp_path / "locales.yaml").write_text((content_module.CONTENT_DIR / "locales.yaml").read_text())
    original = content_module.load
    monkeypatch.setattr(content_module, "load", lambda locale="en-US", directory=None: original(locale, tmp_path))
    from skill import create_app

    from .alexa import Alexa, UtteranceRouter

    app = create_app({"VERIFY_SIGNATURE": False, "VERIFY_TIMESTAMP": False, "LOCALES": ("en-US",)})
    alexa = Alexa(app.test_client(), UtteranceRouter())
    reply = alexa.say("i wet myself")
    assert '<say-as interpret-as="digits">112</say-as>' in reply.ssml


def test_fallback_never_guesses_a_medical_answer(alexa):
    reply = alexa.intent("AMAZON.FallbackIntent")
    assert reply.speech == CONTENT.prompt("fallback")
    assert "last_topic" not in reply.attributes


# --- How long has it been -----------------------------------------------------------------

BANDS = {band.id: band for band in CONTENT.triage.bands}


def band_opening(band_id: str, elapsed: str) -> str:
    return BANDS[band_id].answer.replace("{elapsed}", elapsed).split(".")[0]


@pytest.mark.parametrize(
    "duration, band, elapsed",
    [
        ("PT5H", "early", "5 hours"),
        ("PT11H", "early", "11 hours"),
        ("PT13H", "past_twelve_hours", "13 hours"),
        ("P3D", "past_twelve_hours", "3 days"),
        ("P1DT6H", "past_twelve_hours", "30 hours"),
        ("P10D", "past_a_week", "10 days"),
        ("P2W", "past_a_week", "2 weeks"),
        ("P3W", "weeks", "3 weeks"),
        ("P2M", "weeks", "2 months"),
    ],
)
def test_duration_triage_across_the_boundaries(alexa, duration, band, elapsed):
    reply = alexa.intent("HowLongHasItBeenIntent", {"duration": duration})
    assert reply.speech.startswith(band_opening(band, elapsed)), reply.speech
    assert CONTENT.triage.red_flag_reminder in reply.speech
    assert not reply.ended


@pytest.mark.parametrize("duration, must_say", [("PT13H", "call your doctor"), ("P10D", "see a doctor"), ("P3W", "see your doctor")])
def test_triage_advice_names_the_doctor_when_the_time_rules_say_so(alexa, duration, must_say):
    assert must_say in alexa.intent("HowLongHasItBeenIntent", {"duration": duration}).speech


def test_a_start_date_works_like_a_duration(alexa):
    from datetime import date, timedelta

    three_days_ago = (date.today() - timedelta(days=3)).isoformat()
    reply = alexa.intent("HowLongHasItBeenIntent", {"started": three_days_ago})
    assert reply.speech.startswith(band_opening("past_twelve_hours", "3 days"))


def elicited_slot(reply) -> str | None:
    for directive in reply.directives:
        if directive.get("type") == "Dialog.ElicitSlot":
            return directive["slotToElicit"]
    return None


def test_missing_duration_is_asked_for_through_dialog_management(alexa):
    reply = alexa.say("how long has it been")
    assert elicited_slot(reply) == "duration"
    assert reply.speech == CONTENT.triage.ask
    answer = alexa.intent("HowLongHasItBeenIntent", {"duration": "PT5H"}, dialog_state="IN_PROGRESS")
    assert answer.speech.startswith(band_opening("early", "5 hours"))


@pytest.mark.parametrize("garbage", ["garbage", "P", "PT", "P?D", "P-3D", "P200Y", "XXXX-XX", "PT5Q"])
def test_unparseable_or_impossible_durations_are_asked_again(alexa, garbage):
    reply = alexa.intent("HowLongHasItBeenIntent", {"duration": garbage}, dialog_state="IN_PROGRESS")
    assert elicited_slot(reply) == "duration"
    assert reply.speech == CONTENT.triage.not_understood


def test_a_start_date_in_the_future_is_asked_again(alexa):
    reply = alexa.intent("HowLongHasItBeenIntent", {"started": "2999-01-01"})
    assert elicited_slot(reply) == "duration"


def test_a_question_that_lands_in_the_duration_slot_is_answered_not_re_asked(alexa):
    reply = alexa.intent("HowLongHasItBeenIntent", {"duration": "advil"})
    assert reply.attributes.get("last_topic") == "pain_relief"


def _red_flag_phrasings():
    import yaml as _yaml

    for name in ("phrasings.yaml", "fresh_phrasings.yaml"):
        table = _yaml.safe_load((Path(__file__).parent / "data" / name).read_text())
        for expect, texts in table.items():
            if expect.startswith("red_flag:"):
                yield from ((text, expect.split(":")[1]) for text in texts)


@pytest.mark.parametrize("words, flag", list(_red_flag_phrasings()))
def test_no_red_flag_phrasing_can_land_where_its_words_are_lost(words, flag):
    # As Alexa's model would route it (the simulator's resolver): to the red flag's own intent, or to
    # QuestionIntent, whose words the red-flag check reads. Never the fallback (it carries no words) or a topic.
    routed = _resolver().resolve(words)
    if routed.intent == CONTENT.red_flags[flag].intent:
        return
    assert routed.intent == "QuestionIntent", (routed.intent, routed.how)
    match = CONTENT.matcher.match(words)
    assert (match.kind, match.id) == ("red_flag", flag)


@functools.cache
def _resolver():
    from skill.nlu import Resolver

    return Resolver()
