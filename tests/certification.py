"""Checks for what Alexa's certification reviews, as functions that return the problems they find.

Each check names the rule it enforces. tests/test_certification.py runs them on the real skill
package and the running skill, and on broken examples, to show that each can fail.
"""
from __future__ import annotations

import re
from typing import Any

from skill.dev.release import example_phrase_problems  # noqa: F401

# Invocation name requirements (Alexa docs, "Choose the Invocation Name for a Custom Skill").
WAKE_WORDS = {"alexa", "amazon", "echo", "computer", "ziggy", "skill", "app"}
LAUNCH_WORDS = {"ask", "tell", "open", "launch", "begin", "start", "load", "resume", "run", "enable", "use", "talk",
                "play", "stop", "cancel", "help"}
CONNECTING_WORDS = {"to", "from", "in", "using", "with", "about", "for", "that", "by", "if", "and", "whether"}

# A response must not promise what the skill does not do (Alexa certification, "Voice interface and user
# experience": the skill must not claim abilities it lacks), nor claim to reach emergency services itself
# (policy for health skills, as issue 9 records it).
_CLAIM = r"\b(?:I(?:'ll| will| can(?!'t| ?not))|let me)\b"
FALSE_PROMISE = re.compile(_CLAIM + r"[^.?!]*?\b(set|time|remind|schedule|order|book|text|email|send)\b", re.IGNORECASE)
EMERGENCY_CLAIM = re.compile(_CLAIM + r"[^.?!]*?\b(call|dial|contact|alert|notify)\b|"
                             r"\b(?:calling|contacting|alerting) (?:911|999|112|000|emergency|an ambulance)\b",
                             re.IGNORECASE)
LIFE_SAVING = re.compile(r"life[- ]?sav|sav(?:e|es|ing) (?:a |your )?lives?\b", re.IGNORECASE)


def invocation_problems(name: str) -> list[str]:
    """Alexa's invocation name rules."""
    words = name.split()
    problems = []
    if not re.fullmatch(r"[a-z][a-z' .]*", name):
        problems.append(f"{name!r}: lower-case letters, spaces, apostrophes and periods only")
    if len(words) < 2:
        problems.append(f"{name!r}: one word needs proof of a brand; use two or more")
    if len(name) > 50:
        problems.append(f"{name!r}: longer than 50 characters")
    if WAKE_WORDS & set(words):
        problems.append(f"{name!r}: contains {sorted(WAKE_WORDS & set(words))}")
    if words and (words[0] in LAUNCH_WORDS | CONNECTING_WORDS or words[-1] in CONNECTING_WORDS):
        problems.append(f"{name!r}: starts or ends with a launch or connecting word")
    return problems


def spoken_problems(where: str, text: str) -> list[str]:
    """Anything a response says: no false promise, no claim to reach emergency services."""
    problems = []
    if promise := FALSE_PROMISE.search(text):
        problems.append(f"{where}: promises something the skill does not do: {promise.group(0)!r}")
    if claim := EMERGENCY_CLAIM.search(text):
        problems.append(f"{where}: claims to contact help itself: {claim.group(0)!r}")
    return problems


def country_of(locale: str) -> str:
    """An Alexa locale's country: en-GB is published in GB (the locale's region, as Alexa's locales are named)."""
    return locale.partition("-")[2]


def market_problems(manifest: dict[str, Any], markets: dict[str, tuple[str, str]], model_locales: list[str]) -> list[str]:
    """Every market the content speaks (locale -> its emergency number and that number's source) has what Alexa
    needs to publish it, and nothing is published where the skill has no market: each problem in words, with its fix."""
    problems = []
    publishing = manifest.get("publishingInformation", {})
    published = publishing.get("locales", {})
    privacy = manifest.get("privacyAndCompliance", {}).get("locales", {})
    countries = publishing.get("distributionCountries") or []
    for locale, (number, source) in markets.items():
        where = f"{locale} (a market in skill/content/locales.yaml)"
        if not number or not source:
            problems.append(f"{where}: needs its emergency_number and the emergency_source it comes from")
        if locale not in model_locales:
            problems.append(f"{where}: no interaction model yet: run python -m skill.package, which builds one for "
                            "every market in skill/content/locales.yaml")
        if locale not in published:
            problems.append(f"{where}: no publishing text: add publishingInformation.locales.{locale} to skill-package/skill.json")
        if locale not in privacy:
            problems.append(f"{where}: no privacy links: add privacyAndCompliance.locales.{locale} to skill-package/skill.json")
        if country_of(locale) not in countries:
            problems.append(f"{where}: not distributed: add {country_of(locale)!r} to publishingInformation.distributionCountries "
                            "in skill-package/skill.json")
    for locale in [*published, *model_locales]:
        if locale not in markets:
            problems.append(f"{locale}: published or modelled but not a market: give it an entry in skill/content/locales.yaml")
    for country in countries:
        if country not in {country_of(locale) for locale in markets}:
            problems.append(f"{country}: distribute only where the emergency wording is right: no market (en-{country}) "
                            "in skill/content/locales.yaml")
    return problems


def manifest_problems(manifest: dict[str, Any], scopes: frozenset[str] = frozenset()) -> list[str]:
    """The skill manifest: publishing information, privacy and compliance, the health-skill rules, and
    permissions: exactly the `scopes` the skill asks for (one it asks for undeclared is refused by
    Alexa; one declared and unused fails certification)."""
    problems = []
    publishing = manifest.get("publishingInformation", {})
    privacy = manifest.get("privacyAndCompliance", {})
    for locale, info in publishing.get("locales", {}).items():
        for key in ("name", "summary", "description", "examplePhrases", "keywords"):
            if not info.get(key):
                problems.append(f"{locale}: publishing information lacks {key}")
        if len(info.get("summary", "")) > 160:
            problems.append(f"{locale}: summary over 160 characters")
        if len(info.get("description", "")) > 4000:
            problems.append(f"{locale}: description over 4000 characters")
        description = info.get("description", "").lower()
        if "not medical advice" not in description or "not a diagnosis" not in description:
            problems.append(f"{locale}: the description lacks the full disclaimer (not a diagnosis, not medical advice)")
        for key in ("name", "summary", "description"):
            if LIFE_SAVING.search(info.get(key, "")):
                problems.append(f"{locale}: {key} makes a life-saving claim")
        problems += spoken_problems(f"{locale} description", info.get("description", ""))
    if publishing.get("category") != "HEALTH_AND_FITNESS":
        problems.append("category should be HEALTH_AND_FITNESS")
    if publishing.get("isAvailableWorldwide"):
        problems.append("distribute only where the emergency wording is right, never worldwide")
    expected = {"allowsPurchases": False, "usesPersonalInfo": False, "usesHealthInfo": False, "isChildDirected": False,
                "isExportCompliant": True, "containsAds": False}
    for key, value in expected.items():
        if privacy.get(key) is not value:
            problems.append(f"privacyAndCompliance.{key} should be {str(value).lower()}")
    for locale, urls in privacy.get("locales", {}).items():
        for key in ("privacyPolicyUrl", "termsOfUseUrl"):
            if not str(urls.get(key, "")).startswith("https://"):
                problems.append(f"{locale}: {key} must be an https address (a marked placeholder until published)")
    endpoint = manifest.get("apis", {}).get("custom", {}).get("endpoint", {})
    if not str(endpoint.get("uri", "")).startswith(("https://", "arn:aws:lambda:")):
        problems.append("apis.custom.endpoint.uri must be https or a Lambda ARN")
    if endpoint.get("uri", "").startswith("https://") and endpoint.get("sslCertificateType") not in ("Trusted", "Wildcard", "SelfSigned"):
        problems.append("apis.custom.endpoint.sslCertificateType must be Trusted, Wildcard or SelfSigned")
    interfaces = {entry.get("type") for entry in manifest.get("apis", {}).get("custom", {}).get("interfaces") or []}
    if "ALEXA_PRESENTATION_APL" not in interfaces:
        problems.append("apis.custom.interfaces must declare ALEXA_PRESENTATION_APL: the skill sends APL documents")
    declared = {entry.get("name") for entry in manifest.get("permissions") or []}
    if declared - scopes:
        problems.append(f"permissions declared but not used: {sorted(declared - scopes)}")
    if scopes - declared:
        problems.append(f"permissions used but not declared: {sorted(scopes - declared)}")
    return problems
