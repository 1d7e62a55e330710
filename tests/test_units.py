"""Pure modules, without Alexa: durations, the matcher, SSML helpers."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from skill.conversation import duration
from skill.words import ssml
from skill.words.matcher import Matcher, phrase_in, tokens

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "value, hours",
    [("PT5H", 5), ("pt5h", 5), ("PT30M", 0.5), ("P3D", 72), ("P2W", 336), ("P1DT6H", 30), ("P2M", 1440), ("P1Y", 8760), ("PT1.5H", 1.5), ("PT0S", 0)],
)
def test_iso_durations(value, hours):
    assert duration.hours_from_duration(value) == pytest.approx(hours)


@pytest.mark.parametrize("value", [None, "", "P", "PT", "P?D", "PXD", "P-1D", "5 hours", "P100Y", "P2WT", "PT5H3"])
def test_bad_durations_are_none(value):
    assert duration.hours_from_duration(value) is None


@pytest.mark.parametrize(
    "value, hours",
    [("2026-11-23", 2), ("2026-11-20", 72), ("2026-W47", 168), ("2026-11", 22 * 24), ("2025", (365 + 326) * 24)],
)
def test_start_dates(value, hours):
    # Today counts from 8 AM (10 AM now: 2 hours); an earlier day from the same clock time that day.
    assert duration.hours_since_date(value, NOW, UTC) == hours


@pytest.mark.parametrize("value", ["2026-12-01", "2026-02-30", "XXXX-XX-XX", "PRESENT_REF", "2026-W60", ""])
def test_bad_or_future_dates_are_none(value):
    assert duration.hours_since_date(value, NOW, UTC) is None


@pytest.mark.parametrize("value, hours", [("2026-11-22", None), ("2026-11-23", None), ("2026-11-24", None),
                                          ("2026-11-21", 48), ("2026-11", 22 * 24)])
def test_without_a_time_zone_only_dates_no_zone_could_move_are_read(value, hours):
    assert duration.hours_since_date(value, NOW, None) == hours


def test_phrases_match_in_order_with_small_gaps():
    assert phrase_in(tokens("leg weak"), tokens("my left leg is really weak"))
    assert not phrase_in(tokens("leg weak"), tokens("weak in the leg"))
    assert not phrase_in(tokens("leg weak"), tokens("my leg is not at all like it was, weak"))


def test_matcher_prefers_red_flags_and_refuses_ties():
    matcher = Matcher({"emergency": ["bladder"]}, {"a": ["ice", "cold"], "b": ["doctor"], "c": ["pills"]})
    assert matcher.match("ice and my bladder").kind == "red_flag"
    assert matcher.match("ice or cold").id == "a"
    tie = matcher.match("doctor pills")
    assert tie.kind == "none"
    assert matcher.match("").kind == "none"


def test_pause_chains_breaks_of_at_most_ten_seconds():
    markup = ssml.pause(25.5).markup
    assert markup.count("<break") == 3
    assert ssml.pause_seconds(markup) == pytest.approx(25.5)
    assert ssml.problems(ssml.speak(ssml.pause(25.5))) == []


def test_render_escapes_text_but_keeps_markup_values():
    fragment = ssml.render("A & B <c> {x} {y}", {"x": ssml.pause(1), "y": "<d>"})
    assert fragment.markup == 'A &amp; B &lt;c&gt; <break time="1000ms"/> &lt;d&gt;'


@pytest.mark.parametrize(
    "document, problem",
    [
        ("<speak><break time='11s'/></speak>", "over 10s"),
        ("<speak><marquee>hi</marquee></speak>", "unsupported tag"),
        ("<speak>a & b</speak>", "not well-formed"),
        ("<speak>" + "a" * 8000 + "</speak>", "characters"),
        ("<p>hi</p>", "not <speak>"),
    ],
)
def test_ssml_problems_are_found(document, problem):
    assert any(problem in found for found in ssml.problems(document))


def test_supported_tags_pass():
    document = (
        '<speak><p><s>Hi <emphasis level="moderate">there</emphasis></s></p>'
        '<amazon:domain name="conversational">x</amazon:domain><say-as interpret-as="digits">911</say-as>'
        '<prosody rate="slow">y</prosody></speak>'
    )
    assert ssml.problems(document) == []


def test_duration_estimate_counts_pauses_and_words():
    document = ssml.speak(ssml.join([ssml.text("one two three four five"), ssml.pause(4)]))
    assert ssml.duration_seconds(document, words_per_minute=150) == pytest.approx(4 + 5 * 0.4)
