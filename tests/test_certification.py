"""What Alexa's certification checks, over the skill package and the running skill; each rule named.

Each check in tests/certification.py also runs on a broken example here, to show it can fail.
"""
from __future__ import annotations

import copy
import json
import os
import re
import shutil
from pathlib import Path

import pytest

from skill.dev import package, release
from skill.dev.nlu import shared
from skill.platform import alexa_api
from skill.storage import memory
from skill.storage.sqlite_store import RETENTION_DAYS
from skill.words import content as content_module

from .alexa import Alexa, UtteranceRouter
from .certification import example_phrase_problems, invocation_problems, manifest_problems, market_problems, spoken_problems
from .test_content import LINES

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = json.loads((ROOT / "skill-package" / "skill.json").read_text())["manifest"]
CONTENT = content_module.load()
# The permission scopes the skill asks for: one per kind of alert its content offers (skill/platform/alexa_api.py).
MARKETS = {locale: (market.emergency_number, market.emergency_source)
           for locale, market in ((locale, content_module.load(locale)) for locale in content_module.locales())}
MODEL_LOCALES = sorted(path.stem for path in package.COPIES.glob("*.json"))  # the models written
USED_SCOPES = frozenset(alexa_api.SCOPES[alert.kind] for alert in CONTENT.alerts.values())
RESOLVER = shared()


# --- The package is what `ask deploy` expects ----------------------------------------------


def test_the_package_has_the_ask_cli_layout():
    resources = json.loads((ROOT / "ask-resources.json").read_text())
    assert resources["askcliResourcesVersion"] == "2020-03-31"
    assert resources["profiles"]["default"]["skillMetadata"]["src"] == "./skill-package"
    # The Lambda code folder and the CloudFormation deployer (tests/test_deploy.py); self-hosted, `ask deploy
    # --target skill-metadata` uploads the package alone
    assert set(resources["profiles"]["default"]) == {"skillMetadata", "code", "skillInfrastructure"}
    assert (ROOT / "skill-package" / "interactionModels" / "custom" / "en-US.json").is_file()


def test_the_package_model_is_the_same_as_the_source_model():
    assert package.drifted() == [], "run: python -m skill.package"


def test_a_drifted_model_is_found_and_rewritten(tmp_path, monkeypatch):
    source = tmp_path / "interaction_model"
    (source / "source").mkdir(parents=True)
    (source / "source" / "model.yaml").write_text(
        "invocation: back spasm helper\nintents:\n  HeatOrIceIntent:\n    samples: ['(heat|ice) please']\n")
    copies = tmp_path / "skill-package" / "interactionModels" / "custom"
    copies.mkdir(parents=True)
    (copies / "en-ZZ.json").write_text('{"old": true}')  # a locale neither the source nor the content makes
    (copies / "en-US.json").write_text("{}")
    monkeypatch.setattr(package, "MODEL_SOURCE", source / "source" / "model.yaml")
    monkeypatch.setattr(package, "COPIES", copies)
    made = [f"{locale}.json" for locale in content_module.locales()]  # a model for every market the content speaks
    assert package.drifted() == sorted([*made, "en-ZZ.json"])
    assert package.write() == sorted([*made, "en-ZZ.json"]) and package.drifted() == []
    written = json.loads((copies / "en-US.json").read_text())["interactionModel"]["languageModel"]
    assert written["intents"][0]["samples"] == ["heat please", "ice please"]
    assert not (copies / "en-ZZ.json").exists()


# --- Invocation name and example phrases (Alexa docs: invocation name requirements; "example phrases
#     must be sample utterances, the first one opening or asking the skill") -------------------------


@pytest.mark.parametrize("path", sorted((ROOT / "skill-package" / "interactionModels" / "custom").glob("*.json")), ids=lambda p: p.name)
def test_each_locales_model_stays_inside_the_size_budget(path):
    from skill.dev.modelgen import MAX_INTENTS, MODEL_BYTES

    assert path.stat().st_size <= MODEL_BYTES, f"{path.name}: {path.stat().st_size:,} bytes"
    intents = json.loads(path.read_text())["interactionModel"]["languageModel"]["intents"]
    assert len(intents) <= MAX_INTENTS


def test_the_invocation_name_keeps_alexas_rules():
    assert invocation_problems(RESOLVER.invocation) == []


@pytest.mark.parametrize("name, problem", [("spasm", "one word"), ("Back Spasm", "lower-case"),
                                            ("alexa back helper", "contains"), ("ask back spasm", "launch"),
                                            ("back spasm helper for", "connecting")])
def test_the_invocation_check_can_fail(name, problem):
    assert any(problem in found for found in invocation_problems(name))


@pytest.mark.parametrize("locale", sorted(MANIFEST["publishingInformation"]["locales"]))
def test_example_phrases_are_sample_utterances_of_their_locales_model_and_reach_the_intended_intents(locale):
    phrases = MANIFEST["publishingInformation"]["locales"][locale]["examplePhrases"]
    resolver = release.resolver_for(ROOT / "skill-package" / "interactionModels" / "custom" / f"{locale}.json")
    assert example_phrase_problems(phrases, resolver) == []
    intents = [resolver.exact(re.sub(r"^Alexa, ask back spasm helper (to )?", "", p)) for p in phrases[1:]]
    assert [found.intent if found else None for found in intents] == ["HeatOrIceIntent", "StartRoutineIntent"]


def test_the_example_phrase_check_can_fail():
    problems = example_phrase_problems(["Alexa, ask back spasm helper to juggle", "Hey, heat or ice"], RESOLVER)
    assert any("not a sample utterance" in p for p in problems) and any("must start" in p for p in problems)
    assert any("first example must open or ask" in p for p in example_phrase_problems(
        ["Alexa, launch back spasm helper"], RESOLVER))


# --- Ready to submit: the release check (python -m skill.package check, skill/dev/release.py) -------------
#
# RELEASE_CHECK=1 (once the placeholders are filled in, before submitting) asserts the real package passes.
# Without it, both directions are tested: the check refuses the package as shipped, for its placeholders and
# nothing else, and passes a copy with them filled in.

RELEASE_CHECK = os.environ.get("RELEASE_CHECK", "").lower() in ("1", "true", "yes")


def test_the_release_check_refuses_placeholders_and_passes_once_they_are_filled_in(tmp_path):
    found = release.problems()
    if RELEASE_CHECK:
        assert found == [], "not ready to submit:\n" + "\n".join(found)
        return
    shipped = [line for line in found if "placeholder" in line]
    assert found == shipped, "the package has problems besides its placeholders"
    placeholders = re.findall(r"https://REPLACE[^\"]*", (ROOT / "skill-package" / "skill.json").read_text())
    placeholders += re.findall(r"REPLACE WITH[^.*]*", (ROOT / "docs" / "privacy.md").read_text())
    assert len(shipped) == len(placeholders) and all(any(p in line for line in shipped) for p in placeholders)
    copy = tmp_path / "skill-package"
    shutil.copytree(ROOT / "skill-package", copy)
    (tmp_path / "privacy.md").write_text(re.sub(r"REPLACE WITH[^.*]*", "Filled in", (ROOT / "docs" / "privacy.md").read_text()))
    manifest = (copy / "skill.json").read_text()
    (copy / "skill.json").write_text(manifest.replace("REPLACE-WITH-YOUR-DOMAIN.example", "backspasmhelper.org")
                                     .replace("REPLACE-WITH-YOUR-HOST.example", "skill.backspasmhelper.org"))
    assert release.problems(release.Project(package=copy, privacy=tmp_path / "privacy.md")) == []


# --- The manifest: publishing, privacy and compliance, health-skill rules --------------------


def test_the_manifest_keeps_the_rules():
    assert manifest_problems(MANIFEST, USED_SCOPES) == []


def test_every_market_has_its_model_publishing_privacy_and_country_and_nothing_else_is_published():
    problems = market_problems(MANIFEST, MARKETS, MODEL_LOCALES)
    assert not problems, "\n".join(problems)


def test_a_new_market_half_added_is_told_what_it_lacks():
    # A market in the content only (en-NZ, or the next English locale not yet a market): each missing piece is
    # named with its file and fix.
    new = next(locale for locale in ["en-NZ", "en-IE", "en-ZA", "en-SG"] if locale not in MARKETS)
    country = new.split("-")[1]
    problems = " | ".join(market_problems(MANIFEST, {**MARKETS, new: ("111", "")}, MODEL_LOCALES))
    for expected in (f"{new} (a market in skill/content/locales.yaml): needs its emergency_number and the emergency_source",
                     "no interaction model yet: run python -m skill.package", f"no publishing text: add publishingInformation.locales.{new}",
                     "no privacy links", f"not distributed: add '{country}'"):
        assert expected in problems, problems
    # and published without a market
    broken = copy.deepcopy(MANIFEST)
    broken["publishingInformation"]["distributionCountries"].append(country)
    assert f"{country}: distribute only where the emergency wording is right" in " | ".join(market_problems(broken, MARKETS, MODEL_LOCALES))


def test_the_manifest_check_can_fail():
    broken = copy.deepcopy(MANIFEST)
    locale = broken["publishingInformation"]["locales"]["en-US"]
    locale["description"] = "A life-saving skill. I can call 911 for you."
    broken["privacyAndCompliance"]["isChildDirected"] = True
    broken["privacyAndCompliance"]["usesHealthInfo"] = True
    broken["permissions"] = [{"name": "alexa::profile:email:read"}]
    broken["publishingInformation"]["isAvailableWorldwide"] = True
    broken["apis"]["custom"]["interfaces"] = []
    problems = " | ".join(manifest_problems(broken, USED_SCOPES))
    for expected in ("full disclaimer", "life-saving", "claims to contact help", "isChildDirected", "usesHealthInfo",
                     "never worldwide",
                     "must declare ALEXA_PRESENTATION_APL", "declared but not used: ['alexa::profile:email:read']",
                     "used but not declared"):
        assert expected in problems


# --- What the skill says (certification: no promise of what the skill does not do; health policy: no
#     claim to reach emergency services itself) -------------------------------------------------


# Promises the skill keeps: said only once Alexa's API has made the timer or reminder (tests/test_alerts.py
# asserts the API call, with its documented answer, before each of these lines).
KEPT_PROMISES = {f"alerts.{alert_id}.done" for alert_id in CONTENT.alerts}


def test_no_line_promises_what_the_skill_does_not_do_or_claims_to_call_for_help():
    problems = [problem for where, line in LINES for problem in spoken_problems(where, line)
                if not (where in KEPT_PROMISES and "promises" in problem)]
    assert problems == []
    kept = [where for where, line in LINES if where in KEPT_PROMISES and spoken_problems(where, line)]
    assert kept, "the exemption covers the alert confirmations, which do promise; update it if they change"


@pytest.mark.parametrize("line, problem", [
    ("I can also time an ice or heat session with you.", "promises"), ("I'll remind you in an hour.", "promises"),
    ("I'll call 911 for you.", "contact help"), ("Calling emergency services now.", "contact help"),
])
def test_the_spoken_check_can_fail(line, problem):
    assert any(problem in found for found in spoken_problems("example", line))


def test_the_emergency_answer_leads_with_getting_help_and_how_to_do_it_hands_free(alexa):
    reply = alexa.say("i wet myself")
    assert reply.speech.startswith("Get emergency help now. Call 911")
    assert "Alexa, call" in reply.speech and reply.ended
    assert spoken_problems("emergency answer", reply.speech) == []


# --- The disclaimer: in every session, before or with the first health answer ---------------


@pytest.mark.parametrize("one_shot", ["heat or ice", "guide me through breathing", "how long will this last"])
def test_a_new_users_first_one_shot_answer_carries_the_full_disclaimer(client, one_shot):
    reply = Alexa(client, UtteranceRouter(), user_id="amzn1.ask.account.first").say(one_shot)
    assert CONTENT.prompts["disclaimer"] in reply.speech


def test_a_returning_user_hears_the_short_one_once_per_session_after_the_answer(client):
    alexa = Alexa(client, UtteranceRouter(), user_id="amzn1.ask.account.returning")
    alexa.launch()
    alexa.end_session()
    first = alexa.say("heat or ice")  # a one-shot in a new session
    assert first.speech.startswith(CONTENT.topics["heat_or_ice"].answer)  # the answer leads
    assert CONTENT.prompts["disclaimer_short"] in first.speech
    second = alexa.say("what position helps")
    assert CONTENT.prompts["disclaimer_short"] not in second.speech and CONTENT.prompts["disclaimer"] not in second.speech


def test_the_advice_for_how_long_carries_it_too(client):
    reply = Alexa(client, UtteranceRouter(), user_id="amzn1.ask.account.triage").intent(
        "HowLongHasItBeenIntent", {"duration": "P2D"})
    assert CONTENT.prompts["disclaimer"] in reply.speech


# --- Built-in intents behave (certification functional tests) --------------------------------


def test_help_keeps_the_session_open_and_says_what_to_say(alexa):
    reply = alexa.say("help")
    assert not reply.ended and "heat or ice" in reply.speech and reply.reprompt


@pytest.mark.parametrize("words", ["stop", "cancel", "never mind"])
def test_stop_cancel_and_never_mind_end_the_session(alexa, words):
    alexa.launch()
    assert alexa.say(words).ended


def test_fallback_says_what_it_can_help_with(alexa):
    reply = alexa.say("sing me a song")
    assert not reply.ended and reply.speech.startswith(" ".join(CONTENT.prompts["fallback"].split()))


def test_session_ended_is_answered_without_speech(alexa):
    alexa.launch()
    assert "outputSpeech" not in alexa.end_session().response


# --- The privacy text says what the code does ---------------------------------------------


def test_the_privacy_policy_matches_what_is_stored():
    text = (ROOT / "docs" / "privacy.md").read_text().lower()
    # update privacy.md with this
    assert set(memory.FIELDS) == {"visits", "disclaimer_heard", "pace", "routine", "reminder_declined"}
    for said in ("routine you did not finish", "pace", "how many times you have opened", "heard its notice",
                 "said no to the check-in reminder", f"{memory.DECLINE_QUIET.days} days",
                 f"{int(memory.RESUME_WINDOW.total_seconds() // 3600)} hours", f"{RETENTION_DAYS} days",
                 "forget me", "nothing about your health", "not directed at children"):
        assert said in text, said


def test_every_source_the_content_cites_is_named_in_the_sources_document():
    text = (ROOT / "docs" / "sources.md").read_text()
    cited = set(re.findall(r"\d{3}_[0-9a-f]{16}\.txt", (ROOT / "skill" / "content" / "en-US.yaml").read_text()))
    assert cited and all(name in text for name in cited)


def test_forget_me_names_only_what_is_really_stored():
    question = CONTENT.prompts["forget_confirm"].lower()
    assert "routine" in question and "pace" in question and "notice" in question and "reminder" in question
    assert "spasm" not in question and "started" not in question  # the onset is never stored
