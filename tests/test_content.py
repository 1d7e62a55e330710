"""The content file: validated at start-up, voice rules kept, facts traced to the source articles."""
from __future__ import annotations

import math
import os
import re
from collections import Counter
from pathlib import Path

import pytest

from skill import create_app
from skill.words import content as content_module
from skill.words.content_types import TRIAGE_LINES

from . import yamlio

CONTENT = content_module.load()
# Every market: the source file's, each locale's (its swapped words and replaced lines), the markets that
# borrow words, and the fallback.
LOCALES = [*content_module.locales(), *content_module.nearby(), content_module.FALLBACK_LOCALE]
CONTENTS = {locale: content_module.load(locale) for locale in LOCALES}
SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
SENTENCE_END = re.compile(r"(?<=[.?!])\s+")


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower().replace("’", "'"))


def first_sentence(text: str) -> str:
    return SENTENCE_END.split(text)[0]


MAX_ANSWER_WORDS = 42  # one breath: answers of 45 to 60 words were measured as too long to take in (issue 13)
MAX_MORE_WORDS = 60
MAX_SENTENCE_WORDS = 20  # every sentence short enough to say in one breath


def spoken_answer(topic) -> str:
    """A topic's answer as said: its emergency warning first, if it has one."""
    return " ".join(filter(None, (topic.emergency, topic.answer)))


@pytest.mark.parametrize("topic_id", sorted(CONTENT.topics))
def test_answers_lead_with_the_answer_and_fit_one_breath(topic_id):
    topic = CONTENT.topics[topic_id]
    answer = spoken_answer(topic)
    where = f"skill/content/en-US.yaml, topics.{topic_id}"
    lead = first_sentence(answer)
    assert len(words(lead)) < 20, f"{where}.answer: its first sentence has {len(words(lead))} words; lead with the answer in under 20"
    assert len(words(answer)) <= MAX_ANSWER_WORDS, (
        f"{where}.answer: {len(words(answer))} words (with its emergency line); an answer is {MAX_ANSWER_WORDS} words at most, "
        "one breath: move the rest to `more`")
    assert topic.more is None or len(words(topic.more)) <= MAX_MORE_WORDS, (
        f"{where}.more: {len(words(topic.more or ''))} words; `more` is {MAX_MORE_WORDS} words at most")
    for sentence in SENTENCE_END.split(f"{answer} {topic.more or ''}"):
        assert len(words(sentence)) <= MAX_SENTENCE_WORDS, (
            f"{where}: a sentence of {len(words(sentence))} words; {MAX_SENTENCE_WORDS} at most: {sentence!r}")
    assert topic.reprompt, f"{where}.reprompt: missing; say what the user can say next"


def triage_replies(content):
    """Each band's advice as one response says it at most: the band, both reminder lines, then `next` or the
    band's alert offer (the disclaimer aside, as after any answer). {elapsed} at its longest: two words."""
    triage = content.triage
    for band in triage.bands:
        # The check-in's offer names its time: at its longest, "in about 12 hours" (no time zone to be had).
        closing = content.alerts[band.alert].lines["offer"].format(when="in about 12 hours") if band.alert else triage.next
        yield band.id, " ".join([band.answer.format(elapsed="11 hours"), triage.red_flag_reminder,
                                 triage.emergency_reminder, closing])
    for time_range in triage.ranges.values():  # a range is said in its own words, and offers no check-in
        band = triage.band_for(time_range.hours)
        yield f"{band.id} ({time_range.id})", " ".join([band.answer.format(elapsed=time_range.said),
                                                       triage.red_flag_reminder, triage.emergency_reminder, triage.next])


def test_a_triage_reply_keeps_to_one_breath_in_every_market():
    long = [(locale, band_id, len(words(reply)), reply) for locale in LOCALES
            for band_id, reply in triage_replies(CONTENTS[locale]) if len(words(reply)) > MAX_ANSWER_WORDS]
    assert long == []
    for band_id, reply in triage_replies(CONTENT):
        for sentence in SENTENCE_END.split(reply):
            assert len(words(sentence)) <= MAX_SENTENCE_WORDS, (band_id, sentence)


def test_the_advice_without_a_time_keeps_to_one_breath_in_every_market():
    for locale in LOCALES:
        triage = CONTENTS[locale].triage
        topic = CONTENTS[locale].topics[triage.no_time_topic]
        reply = " ".join([triage.no_time, topic.emergency or "", topic.answer])
        assert len(words(reply)) <= MAX_ANSWER_WORDS, (locale, reply)


@pytest.mark.parametrize("topic_id", sorted(CONTENT.topics))
def test_answers_read_well_after_a_statement_as_well_as_a_question(topic_id):
    # "I'm scared" reaches the stress answer as surely as "can stress cause it?" does: a bare "Yes," reads wrong.
    assert not re.match(r"(yes|no)\b", CONTENT.topics[topic_id].answer, re.IGNORECASE)


def test_a_frightened_user_hears_a_calm_acknowledgement_first(alexa):
    reply = alexa.say("i'm scared")
    assert reply.speech.startswith(CONTENT.topics["stress"].answer.split(".")[0])  # the calm words first


def every_spoken_line(content=CONTENT):
    """Every line a user can hear, filled in as the skill fills it: prompts, routines, topics, red flags,
    triage, alerts."""
    values = {"number": 2, "total": 5, "title": "A step", "elapsed": "3 days", "emergency_number": content.emergency_number}
    for prompt_id, template in content.prompts.items():
        for routine in content.routines.values():
            yield f"prompts.{prompt_id}", template.format(**values, name=routine.name)
    for prompt_id, template in content.routine_prompts.items():
        for routine in content.routines.values():
            yield f"routine_prompts.{prompt_id}", template.format(**values, name=routine.name)
    for line in content.routine_closings:
        yield "routine_closings", line
    for routine in content.routines.values():
        yield f"routines.{routine.id}.outro", routine.outro
        for step in routine.steps:
            yield f"routines.{routine.id}.{step.title}.header", content.routine_prompts["step_header"].format(
                **{**values, "title": step.title})
            for beat in (*step.move, *step.beats, *step.each):
                yield f"routines.{routine.id}.{step.title}", beat.say
            for field in ("ask", "if_no"):
                if getattr(step, field):
                    yield f"routines.{routine.id}.{step.title}.{field}", getattr(step, field)
    for topic in content.topics.values():
        for field in ("emergency", "answer", "more", "reprompt"):
            yield f"topics.{topic.id}.{field}", getattr(topic, field) or ""
    for flag in content.red_flags.values():
        yield f"red_flags.{flag.id}", f"{flag.answer.format(**values)} {flag.hands_free}"
        yield f"red_flags.{flag.id}.asked", flag.asked.format(**values)
        if flag.reprompt:
            yield f"red_flags.{flag.id}.reprompt", flag.reprompt
    triage = content.triage
    for field in TRIAGE_LINES:
        yield f"triage.{field}", getattr(triage, field).format(**values)
    for band in triage.bands:
        yield f"triage.bands.{band.id}", band.answer.format(**values)
    for time_range in triage.ranges.values():
        yield f"triage.ranges.{time_range.id}", triage.band_for(time_range.hours).answer.format(elapsed=time_range.said)
    for alert in content.alerts.values():
        for line, template in alert.lines.items():
            if line not in ("label", "when_at", "when_in"):  # not said as they stand: a name, and parts of {when}
                yield f"alerts.{alert.id}.{line}", template.format(minutes=f"{alert.minutes:g}", when="at 6 PM")


LINES = list(every_spoken_line())  # en-US's, by place (tests/test_certification.py reads them)
# Every market's words (see LOCALES); a line said the same way in several is checked once.
EVERY_LOCALES_LINES = list({line: (f"{locale}: {where}", line) for locale in reversed(LOCALES)
                            for where, line in every_spoken_line(CONTENTS[locale])}.values())
DOUBLED = re.compile(r"\b(\w+)\s+\1\b", re.IGNORECASE)


def longest_list(line: str) -> int:
    """Items in the longest "a, b, c, or d" list in a line: short items (three words at most) before a
    final "or"/"and", with or without a comma before it ("a, b, c and d"); an introducer ("You can say,")
    is not an item."""
    longest = 0
    for sentence in re.split(r"[.?!:;]", line):
        chunks = [chunk.strip() for chunk in sentence.split(",")]
        for index, chunk in enumerate(chunks):
            if re.match(r"(or|and)\b", chunk, re.IGNORECASE):
                items = 1  # ", or d": the last item
            elif index and re.match(r"(\S+\s+){0,2}\S+\s+(or|and)\s+\S", chunk, re.IGNORECASE):
                items = 2  # ", c and d": the last two, no comma between
            else:
                continue
            for before in reversed(chunks[:index]):
                if len(words(before)) > 3 or re.search(r"\b(say|ask|like)$", before, re.IGNORECASE):
                    break
                items += 1
            longest = max(longest, items)
    return longest


def test_no_line_says_a_word_twice_in_a_row():
    doubled = [(where, line) for where, line in EVERY_LOCALES_LINES if DOUBLED.search(line)]
    assert doubled == []


def test_no_list_read_aloud_is_longer_than_three_items():
    long_lists = [(where, line) for where, line in EVERY_LOCALES_LINES if longest_list(line) > 3]
    assert long_lists == []


def test_heat_and_cold_come_with_their_safety_rules_wherever_they_are_suggested():
    for where, line in EVERY_LOCALES_LINES:
        if re.search(r"\b(warm|hot) bath", line, re.IGNORECASE):
            assert "if you can get in and out safely" in line, where
        if re.search(r"\bheat pads?\b", line, re.IGNORECASE):
            assert "never fall asleep on one" in line, where
    heat_or_ice = CONTENT.topics["heat_or_ice"].more or ""
    assert "Never lie on any pack, hot or cold." in heat_or_ice  # cold burns too (000)
    for line in ("done", "declined"):  # the ice or heat session's last words, before the user rests with the pack on
        assert re.search(r"stay awake|don't fall asleep", CONTENT.alerts["timer"].lines[line]), line


def test_the_checks_catch_what_they_are_for():
    assert DOUBLED.search("You're in the the ice or heat session routine.")
    assert longest_list("Say breathing, positions, stretches, or ice and heat.") == 4
    assert longest_list("Numbness, tingling, a weak leg, or pain down a leg needs a doctor.") == 4
    assert longest_list("Say breathing, positions, or stretches.") == 3
    assert longest_list("You can say, heat or ice, what position helps, or guide me through breathing.") == 3
    # No comma before the "and" (the causes answer once said four such).
    assert longest_list("Weak stomach muscles, poor posture, stress and dehydration can add to it.") == 4
    assert longest_list("Poor posture, stress and dehydration can add to it.") == 3
    assert longest_list("Lie on your back, relax and breathe slowly.") < 3  # a clause before it is no item


@pytest.mark.skipif(not SEEDS.is_dir() and not os.environ.get("CI"), reason="../shared/seeds is not beside this checkout")
def test_every_cited_source_exists():
    cited = {name for topic in CONTENT.topics.values() for name in topic.sources}
    assert cited <= {path.name for path in SEEDS.glob("*.txt")}


@pytest.mark.skipif(not SEEDS.is_dir() and not os.environ.get("CI"), reason="../shared/seeds is not beside this checkout")
def test_no_sentence_is_copied_from_the_articles():
    """No run of eight words in a row appears in any source article: not in any text of the content files
    (en-US.yaml, locales.yaml), nor in any line as a market hears it (words swapped, lines replaced)."""
    source_runs: set[tuple[str, ...]] = set()
    for path in SEEDS.glob("*.txt"):
        tokens = words(path.read_text(encoding="utf-8"))
        source_runs.update(tuple(tokens[i : i + 8]) for i in range(len(tokens) - 7))
    texts = [("en-US.yaml", text) for text in _strings(yamlio.read(content_module.CONTENT_DIR / "en-US.yaml"))]
    texts += [("locales.yaml", text) for text in _strings(yamlio.read(content_module.CONTENT_DIR / "locales.yaml"))]
    copied = []
    for where, text in [*texts, *EVERY_LOCALES_LINES]:
        tokens = words(text)
        copied += [(where, " ".join(tokens[i : i + 8])) for i in range(len(tokens) - 7) if tuple(tokens[i : i + 8]) in source_runs]
    assert copied == [], "copied from a source article"


# Close paraphrase, beside the eight-word rule: a sentence whose content words mostly match one article sentence.
STOPWORDS = frozenset(
    "a an the and or but of to in on at for with by from as is are was were be been it its it's this that these those you "
    "your i my me we our they their them he she his her not no do does did so if then than too very can could will would "
    "should may might just also there here what when how why which who whom".split())
MAX_SIMILARITY = 0.6


def content_words(text: str) -> Counter[str]:
    return Counter(word for word in words(text) if word not in STOPWORDS)


def similarity(a: Counter[str], b: Counter[str]) -> float:
    """Cosine similarity of two bags of content words."""
    dot = sum(count * b[word] for word, count in a.items())
    norm = math.sqrt(sum(c * c for c in a.values())) * math.sqrt(sum(c * c for c in b.values()))
    return dot / norm if norm else 0.0


MIN_SHARED = 3  # two words in common ("call", "doctor") are a common phrase, not a paraphrase of a sentence


def close(ours: Counter[str], article: Counter[str]) -> bool:
    """A close paraphrase: mostly the same content words as the article sentence, and at least three of them."""
    return len(ours.keys() & article.keys()) >= MIN_SHARED and similarity(ours, article) >= MAX_SIMILARITY


def long_sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+|\n+", text) if len(words(s)) >= 6]


def without_names(line: str, content=CONTENT) -> str:
    """The line without the skill's and the routines' names: a name is no sentence of anyone's."""
    for name in sorted([content.skill_name, *(routine.name for routine in content.routines.values())], key=len, reverse=True):
        line = line.replace(name, " ")
    return line


@pytest.mark.skipif(not SEEDS.is_dir() and not os.environ.get("CI"), reason="../shared/seeds is not beside this checkout")
def test_no_sentence_is_a_close_paraphrase_of_an_article_sentence():
    """Every line a market hears: topics, routines, red flags, triage, alerts, prompts, replaced lines."""
    articles = [content_words(s) for path in SEEDS.glob("*.txt") for s in long_sentences(path.read_text(encoding="utf-8"))]
    found = []
    for where, text in EVERY_LOCALES_LINES:
        for sentence in long_sentences(without_names(text)):
            ours = content_words(sentence)
            matches = [round(similarity(ours, article), 2) for article in articles if close(ours, article)]
            if matches:
                found.append((where, max(matches), sentence))
    assert found == []


def test_the_paraphrase_check_catches_a_close_paraphrase():
    ours = "Walking is gentle on the back and helps blood flow, which speeds healing."
    article = "In general, walking is gentle on your back and promotes blood flow, which in turn helps speeds the healing process."
    assert similarity(content_words(ours), content_words(article)) >= MAX_SIMILARITY
    assert close(content_words(ours), content_words(article))
    reworded = "A walk moves blood through the muscles and is easy on the spine, so you mend faster."
    assert similarity(content_words(reworded), content_words(article)) < MAX_SIMILARITY
    # A swapped word can make a line close that was not (en-CA once said the first of these).
    assert close(content_words("Acetaminophen eases pain but not inflammation."),
                 content_words("Acetaminophen relieves pain, but it is not effective in reducing inflammation."))
    # Two words in common with a heading are not a paraphrase of it.
    assert not close(content_words("If it's still severe then, call your doctor."),
                     content_words("When Should You Call Your Doctor"))


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
    raw = yamlio.read(content_module.CONTENT_DIR / "en-US.yaml")
    mutate(raw)
    (tmp_path / "en-US.yaml").write_text(yamlio.dump(raw))
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
        # Alexa's Timers API: two hours at most, a label of its own, and words for a full or running timer.
        (lambda raw: raw["alerts"]["timer"].update(minutes=121), "alerts.timer.minutes: expected a number above 0 and at most 120"),
        (lambda raw: raw["alerts"].update(second=dict(raw["alerts"]["timer"], intent=None)), "each timer needs a label of its own"),
        (lambda raw: raw["alerts"]["timer"].pop("full"), "alerts.timer.full: missing"),
    ],
)
def test_a_malformed_content_file_stops_start_up_naming_file_entry_and_field(tmp_path, mutate, message):
    directory = write_content(tmp_path, mutate)
    with pytest.raises(content_module.ContentError) as error:
        content_module.load("en-US", directory)
    assert message in str(error.value)


def test_invalid_yaml_names_the_file(tmp_path):
    (tmp_path / "en-US.yaml").write_text("topics: [unclosed")
    with pytest.raises(content_module.ContentError, match="en-US.yaml: not valid YAML at line 2") as error:
        content_module.load("en-US", tmp_path)
    assert str(tmp_path) in str(error.value) and "<unicode string>" not in str(error.value)
    assert "\n" not in str(error.value)


def test_a_missing_locale_stops_start_up():
    with pytest.raises(content_module.ContentError, match="locales.yaml: no locale xx-XX; add it there"):
        create_app({"LOCALES": ("xx-XX",), "VERIFY_SIGNATURE": False})
