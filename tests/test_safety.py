"""Red flags first, in every state; questions in a person's own words; duration triage."""
from __future__ import annotations

import functools
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skill.conversation import said
from skill.words import content as content_module

from . import yamlio
from .alexa import intent_request

CONTENT = content_module.load()
PHRASINGS = yamlio.read(Path(__file__).parent / "data" / "phrasings.yaml")
TABLE = [(text, expect) for expect, texts in PHRASINGS.items() for text in texts]
RED_FLAG_TABLE = [(text, expect.split(":")[1]) for text, expect in TABLE if expect.startswith("red_flag:")]


def test_the_tables_are_big_enough():
    assert len(TABLE) >= 100
    assert len(RED_FLAG_TABLE) >= 30


ORDER = list(CONTENT.red_flags)  # most urgent first


def flag_said_first(reply, content=CONTENT) -> str | None:
    """The red flag whose answer the reply leads with (None for none)."""
    for flag in content.red_flags.values():
        answer = said.say(content, "red_flag", flag.id, "speech").markup
        if reply.ssml.startswith("<speak>" + answer):
            return flag.id
    return None


def assert_flag_first(reply, flag_id: str, content=CONTENT):
    """The flag's answer first (or a more urgent one's), then how to get help hands-free; an emergency ends the session."""
    got = flag_said_first(reply, content)
    assert got is not None and ORDER.index(got) <= ORDER.index(flag_id), (flag_id, reply.speech)
    flag = content.red_flags[got]
    if flag.hands_free:
        assert reply.speech.index(flag.answer.split(".")[0]) < reply.speech.index("Alexa, call")
    assert reply.ended == flag.ends_session
    if flag.ends_session:
        assert "Alexa, call for help" in reply.speech
        assert f'<say-as interpret-as="digits">{content.emergency_number}</say-as>' in reply.ssml


def assert_emergency_first(reply):
    """The first words are to get emergency help now; then the hands-free way; then the session ends."""
    assert reply.speech.startswith("Get emergency help now."), reply.speech
    assert_flag_first(reply, "emergency")


ASSERT_FLAG = {flag_id: functools.partial(lambda flag_id, reply: assert_flag_first(reply, flag_id), flag_id)
               for flag_id in CONTENT.red_flags}


@pytest.mark.parametrize("text, expect", TABLE)
def test_a_question_in_own_words_reaches_the_right_answer(alexa, text, expect):
    alexa.launch()
    reply = alexa.intent("QuestionIntent", {"query": text})
    if expect == "none":
        assert reply.speech.startswith(CONTENT.prompts["not_sure"]) and "seriously unwell" in reply.speech
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
    raw = yamlio.read(content_module.CONTENT_DIR / "en-US.yaml")
    raw["emergency_number"] = "112"
    (tmp_path / "en-US.yaml").write_text(yamlio.dump(raw))
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
    assert reply.speech.startswith(CONTENT.prompts["fallback"])
    assert "If you feel seriously unwell, call 911" in reply.speech  # the safety net, for what the skill does not cover
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
    for name in ("phrasings.yaml", "fresh_phrasings.yaml"):
        table = yamlio.read(Path(__file__).parent / "data" / name)
        for expect, texts in table.items():
            if expect.startswith("red_flag:"):
                yield from ((text, expect.split(":")[1]) for text in texts)


@pytest.mark.parametrize("words, flag", list(_red_flag_phrasings()))
def test_no_red_flag_phrasing_can_land_where_its_words_are_lost(words, flag):
    # As Alexa's model would route it (the simulator's resolver): to a red flag's own intent (this one or a more
    # urgent one), or to an intent that carries the words (a question, the catch-all), where the warning-sign
    # screen hears them. Never the fallback (it carries no words) or a topic.
    routed = _resolver().resolve(words)
    by_intent = CONTENT.red_flag_by_intent.get(routed.intent)
    if by_intent is not None:
        assert ORDER.index(by_intent.id) <= ORDER.index(flag), (routed.intent, routed.how)
        return
    assert routed.intent in ("QuestionIntent", "CatchAllIntent"), (routed.intent, routed.how)
    heard = CONTENT.warning_screen.screen(words)
    assert heard is not None and heard.how == "said" and ORDER.index(heard.flag) <= ORDER.index(flag), heard


@functools.cache
def _resolver():
    from skill.dev.nlu import shared

    return shared()


# --- What Alexa sends for words the model does not cover --------------------------------------

def catch_all(words: str) -> dict:
    """The catch-all as Alexa sends it: the whole utterance in its slot, which no value of its type resolves."""
    return {"type": "IntentRequest", "intent": {"name": "CatchAllIntent", "confirmationStatus": "NONE", "slots": {
        "words": {"name": "words", "value": words, "confirmationStatus": "NONE", "source": "USER",
                  "resolutions": {"resolutionsPerAuthority": [{
                      "authority": "amzn1.er-authority.echo-sdk.amzn1.ask.skill.test.ANYTHING",
                      "status": {"code": "ER_SUCCESS_NO_MATCH"}}]}}}}}


@pytest.mark.parametrize("state", sorted(STATES))
@pytest.mark.parametrize("words, flag", [
    ("i peed a bit when it spasmed", "emergency"), ("he can't feel his legs", "emergency"),
    ("my foot's gone numb", "nerve"), ("i think i broke my back", "injury"), ("i've got a temperature", "fever"),
    ("my chest is tight", "heart_lungs"), ("i took ten paracetamol", "overdose"), ("it keeps getting worse", "worsening"),
])
def test_the_catch_all_carries_a_warning_sign_to_the_screen_in_every_state(alexa, state, words, flag):
    STATES[state](alexa)
    reply = alexa.post(catch_all(words))
    assert flag_said_first(reply) == flag, reply.speech
    assert_flag_first(reply, flag)


@pytest.mark.parametrize("words", ["no numbness", "my bladder is fine", "i don't have any tingling", "should i worry about tingling",
                                   "what if my leg goes numb", "is tingling a bad sign"])
def test_a_sign_denied_or_asked_about_mid_routine_never_alarms_or_ends_it(alexa, words):
    alexa.say("guide me through breathing")
    reply = alexa.post(catch_all(words))
    assert flag_said_first(reply) is None and not reply.ended, reply.speech
    assert reply.attributes.get("routine"), "the routine goes on"
    assert "go back to slow breathing" in reply.speech
    if "if" in words or words.startswith(("is", "should")):
        assert reply.speech.startswith(said.say(CONTENT, "red_flag", "nerve", "asked").markup.split(".")[0])
    else:
        assert reply.speech.startswith(CONTENT.prompts["sign_denied"])


@pytest.mark.parametrize("intent, slots, starts", [
    ("SignQuestionIntent", {"sign": "chest pain"}, "Chest pain or trouble breathing"),
    ("SignDeniedIntent", {"sign": "numbness"}, "Good, I'm glad"),
])
def test_the_sign_intents_answer_without_alarm(alexa, intent, slots, starts):
    reply = alexa.intent(intent, slots)
    assert reply.speech.startswith(starts) and flag_said_first(reply) is None and not reply.ended


def test_a_sign_said_inside_a_denial_frame_is_still_heard():
    # "i've got no feeling down there" matches "i've got no {sign}": the screen hears "no feeling down there".
    from skill.conversation.handlers.safety import FRAMED

    words = CONTENT.warning_screen.words.frames[FRAMED["SignDeniedIntent"]].format(sign="feeling down there")
    heard = CONTENT.warning_screen.screen(words)
    assert heard is not None and (heard.how, heard.flag) == ("said", "emergency")


def test_words_that_are_not_understood_get_what_the_skill_can_do_and_the_safety_net(alexa):
    reply = alexa.post(catch_all("sing me a song"))
    assert reply.speech.startswith(CONTENT.prompts["not_sure"]) and not reply.ended
    assert reply.speech.index("seriously unwell, call 911") < reply.speech.index(CONTENT.prompts["what_would_help"])


def test_the_fallback_intent_carries_no_words_and_gets_the_safety_net_mid_routine_too(alexa):
    alexa.say("guide me through positions")
    reply = alexa.post({"type": "IntentRequest", "intent": {"name": "AMAZON.FallbackIntent", "confirmationStatus": "NONE"}})
    assert not reply.ended and reply.attributes.get("routine")


def test_a_nerve_sign_in_both_legs_or_the_saddle_is_the_emergency(alexa):
    for part, resolved in (("legs", "both_legs"), ("groin", "saddle"), ("husband says his groin", None)):
        reply = alexa.intent("NerveRedFlagIntent", {"part": part}) if resolved is None else \
            alexa.post(intent_request("NerveRedFlagIntent", {"part": part}, resolved={"part": resolved}))
        assert flag_said_first(reply) == "emergency", (part, reply.speech)
    assert flag_said_first(alexa.post(intent_request("NerveRedFlagIntent", {"part": "foot"}, resolved={"part": "foot"}))) == "nerve"


@pytest.mark.parametrize("locale, number", [(locale, content_module.load(locale).emergency_number) for locale in content_module.locales()])
def test_every_emergency_names_the_markets_number(client, locale, number):
    from .alexa import Alexa, UtteranceRouter

    for words in ("chest pain", "i took too many painkillers", "i wet myself"):
        reply = Alexa(client, UtteranceRouter(), locale=locale).say(words)
        assert f'<say-as interpret-as="digits">{number}</say-as>' in reply.ssml and reply.ended, (locale, words)


@pytest.mark.parametrize("locale", ["en-US", "en-GB", "en-IN", "en"])
def test_every_red_flag_line_fits_one_breath_and_leads_with_the_action(locale):
    content = content_module.Contents(["en-US", "en-GB", "en-CA", "en-AU", "en-IN"]).for_locale(locale)
    for flag in content.red_flags.values():
        for field in ("speech", "asked"):
            words = re.sub(r"<[^>]+>", "", said.say(content, "red_flag", flag.id, field).markup)
            answer = words if field == "asked" else words[: len(words) - len(flag.hands_free)]
            sentences = [s for s in re.split(r"(?<=[.!?])\s+", answer.strip()) if s]
            assert len(answer.split()) <= 42, (flag.id, field, answer)
            assert all(len(s.split()) <= 20 for s in sentences), (flag.id, field, sentences)
        first = flag.answer.split(".")[0]
        assert re.match(r"(Get emergency help now|Please (contact|get checked|see))", first), first
        assert flag.sources and (flag.urgency.value != "emergency" or "{emergency_number}" in flag.answer)


# --- The screen's index of phrases by first word changes nothing it hears ------------------------------------


def _screen_every_phrase(screen, text: str):
    """The screen as it was before its index: every phrase of every flag, read against every clause (a clause
    holding none of the words the phrase's first part can start with is passed over: nothing is found there)."""
    from skill.words.warning_signs import ASKED, DENIED, MANY, SAID, Heard, _found_parts

    if not text or not text.strip():
        return None
    clauses = [(clause, {*clause, MANY}) for clause in screen.clauses(text)]
    quieter: dict = {}
    for flag, phrases in screen.flags:
        for phrase in phrases:
            for clause, words in clauses:
                if not any(alternative[0] in words for alternative in phrase[0]):
                    continue
                for start, end in _found_parts(phrase, clause):
                    how = screen.read(clause, start, end, phrase)
                    heard = Heard(how, flag, " ".join(clause[start:end]))
                    if how == SAID:
                        return heard
                    quieter.setdefault(how, heard)
    return quieter.get(ASKED) or quieter.get(DENIED)


def _texts(node) -> list[str]:
    if isinstance(node, str):
        return [node]
    values = node.values() if isinstance(node, dict) else node if isinstance(node, list) else []
    return [text for value in values for text in _texts(value)]


def test_the_screen_hears_every_table_phrasing_as_it_did_reading_every_phrase():
    texts = [text for path in sorted((Path(__file__).parent / "data").glob("*.yaml"))
             for text in _texts(yamlio.read(path))]
    texts += [phrase.replace(" + ", " and ") for flag in CONTENT.red_flags.values() for phrase in flag.match]
    assert len(texts) > 500
    screen = CONTENT.warning_screen
    for text in texts:
        assert screen.screen(text) == _screen_every_phrase(screen, text), text


_SCREEN_WORDS = sorted({word for _, phrases in CONTENT.warning_screen.flags for phrase in phrases for part in phrase
                        for alternative in part for word in alternative if word != "{many}"}
                       | {"no", "not", "if", "is", "fine", "but", "i", "my", "she", "ten", "5", "pills", "and", "."})


@settings(deadline=None)
@given(st.lists(st.sampled_from(_SCREEN_WORDS), max_size=14))
def test_the_screen_hears_any_words_as_it_did_reading_every_phrase(words):
    text = " ".join(words)
    assert CONTENT.warning_screen.screen(text) == _screen_every_phrase(CONTENT.warning_screen, text)
