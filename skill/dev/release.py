"""Is the skill ready to submit for certification? `python -m skill.package check` says, one line per problem.

It exits 1 listing every problem it finds, each on one line with where it is and the fix, and 0 when the
package is ready. What it refuses:
  - placeholders anywhere a submission reads them: any text with REPLACE in skill-package/skill.json, any address
    there on a reserved or example host (`.example`, `.test`, `.invalid`, `example.com`, localhost), the privacy
    and terms addresses and the endpoint among them; the "REPLACE WITH" lines of docs/privacy.md, the policy to
    publish at the privacy address;
  - icons: each locale's smallIconUri and largeIconUri must name a 108x108 and a 512x512 PNG; a local file
    (file://assets/images/..., which the ASK CLI uploads with the package) is opened and measured. The project
    makes them: python -m skill.dev.icons;
  - an interaction model over its budget (skill/dev/modelgen.py: MODEL_BYTES, MAX_INTENTS), or not what its source
    makes, or missing for a locale the manifest publishes;
  - example phrases that are not samples of an intent in that locale's own model, or a first phrase that does
    not open or ask the skill by its invocation name (every locale, not only en-US);
  - content that breaks its rules, timers over Alexa's limits among them (two hours at most, ten at once, a label
    each: skill/platform/alexa_limits.py, checked by skill/words/content_rules.py).
The certification tests run the same check (tests/test_certification.py; RELEASE_CHECK=1 for the real package).
"""
from __future__ import annotations

import hashlib
import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from skill.dev import modelgen
from skill.dev.icons import ICONS, png_size
from skill.dev.nlu import Resolver, shared
from skill.words.content import CONTENT_DIR, ContentError, load, locales

ROOT = Path(__file__).resolve().parent.parent.parent
PLACEHOLDER_TEXT = re.compile(r"REPLACE")  # capitals only: "it does not replace a doctor" is the description's
# Hosts that can never be a published address (RFC 2606, RFC 6761), and the usual stand-ins.
PLACEHOLDER_HOST = re.compile(r"(?:^|\.)(?:example|test|invalid|localhost)$|^(?:www\.)?example\.(?:com|net|org)$"
                              r"|your[-_]?(?:domain|host|site|server)", re.IGNORECASE)
LAMBDA_ARN = re.compile(r"^arn:aws:lambda:[a-z]{2}(?:-[a-z]+)+-\d:\d{12}:function:[\w-]{1,64}(?::[\w$-]+)?$")
FIRST_VERBS = ("open", "ask")  # the first example phrase opens or asks the skill
VERBS = ("open", "ask", "launch", "tell")
# What to do about a placeholder, by the manifest field it is in.
FIXES = {
    "privacyPolicyUrl": "publish docs/privacy.md (operator and contact filled in) and give its https address",
    "termsOfUseUrl": "give the https address of your terms of use",
    "uri": "give your HTTPS endpoint (path /), or the Lambda function's ARN",
    "smallIconUri": "use file://assets/images/smallIcon.png (python -m skill.dev.icons makes it)",
    "largeIconUri": "use file://assets/images/largeIcon.png (python -m skill.dev.icons makes it)",
}


@dataclass(frozen=True)
class Project:
    """Where the check looks: the skill package, the privacy policy, the content, the model source."""

    package: Path = ROOT / "skill-package"
    privacy: Path = ROOT / "docs" / "privacy.md"
    content: Path = CONTENT_DIR
    model_source: Path = ROOT / "interaction_model" / "source" / "model.yaml"
    resources: Path = ROOT / "ask-resources.json"

    def shown(self, path: Path) -> str:
        """A path as the problem names it: relative to the project when it is inside it."""
        for base in (ROOT, self.package.parent):
            if path.is_relative_to(base):
                return str(path.relative_to(base))
        return str(path)


def problems(project: Project = Project()) -> list[str]:
    """Every reason the skill is not ready to submit, one line each: where, what, and the fix."""
    manifest_path = project.package / "skill.json"
    where = project.shown(manifest_path)
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))["manifest"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        return [f"{where}: no readable manifest ({type(error).__name__}): restore it (ask smapi get-skill-manifest)"]
    found = placeholder_problems(manifest, where)
    found += endpoint_problems(manifest, where, project.resources)
    found += privacy_problems(project.privacy, project.shown(project.privacy))
    found += icon_problems(manifest, where, project.package)
    found += model_problems(manifest, project)
    found += content_problems(project)
    return found


def _strings(node: Any, path: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(node, str):
        yield path, node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from _strings(value, f"{path}.{key}" if path else str(key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _strings(value, f"{path}[{index}]")


def _placeholder(value: str) -> bool:
    if PLACEHOLDER_TEXT.search(value):
        return True
    host = urlsplit(value.strip()).hostname if re.match(r"^[a-z][a-z0-9+.-]*://", value.strip(), re.I) else None
    return bool(host and PLACEHOLDER_HOST.search(host))


def placeholder_problems(manifest: dict[str, Any], where: str) -> list[str]:
    """Any text in the manifest that is a placeholder, and the privacy and terms addresses each locale needs."""
    found = []
    for path, value in _strings(manifest):
        if _placeholder(value):
            fix = FIXES.get(path.rsplit(".", 1)[-1], "replace it with the real value")
            found.append(f"{where} {path}: {value!r} is a placeholder: {fix}")
    for locale in (manifest.get("publishingInformation") or {}).get("locales") or {}:
        urls = ((manifest.get("privacyAndCompliance") or {}).get("locales") or {}).get(locale) or {}
        for key in ("privacyPolicyUrl", "termsOfUseUrl"):
            url = urls.get(key)
            if not isinstance(url, str) or not url.startswith("https://"):
                found.append(f"{where} privacyAndCompliance.locales.{locale}.{key}: missing or not https: {FIXES[key]}")
    return found


def endpoint_problems(manifest: dict[str, Any], where: str, resources: Path) -> list[str]:
    """The endpoint: an https address or a Lambda ARN; none at all only where `ask deploy` provisions one."""
    endpoint = ((manifest.get("apis") or {}).get("custom") or {}).get("endpoint")
    if endpoint is None:
        try:
            profile = json.loads(resources.read_text(encoding="utf-8"))["profiles"]["default"]
        except (OSError, ValueError, KeyError, TypeError):
            profile = {}
        if "skillInfrastructure" in profile:
            return []  # the ASK CLI's deployer writes the function's ARN into the manifest
        return [f"{where} apis.custom.endpoint: missing, and ask-resources.json provisions no skillInfrastructure: "
                f"{FIXES['uri']}"]
    uri = endpoint.get("uri") if isinstance(endpoint, dict) else None
    if not isinstance(uri, str) or not uri.strip():
        return [f"{where} apis.custom.endpoint.uri: missing: {FIXES['uri']}"]
    if _placeholder(uri) or (uri.startswith("https://") and urlsplit(uri).hostname) or LAMBDA_ARN.match(uri):
        return []  # a placeholder is named with the others
    return [f"{where} apis.custom.endpoint.uri: {uri!r} is neither an https address nor a Lambda ARN: {FIXES['uri']}"]


def privacy_problems(path: Path, where: str) -> list[str]:
    """The privacy policy to publish: every "REPLACE WITH" left in it, by line."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return [f"{where}: missing: the privacy policy published at privacyPolicyUrl; restore it from git"]
    return [f"{where} line {number}: {match.group(0)!r} is a placeholder: fill it in (the operator's name, a contact, "
            "the date), then publish the policy at privacyPolicyUrl"
            for number, line in enumerate(lines, 1) for match in re.finditer(r"REPLACE WITH[^.*]*", line)]


def icon_problems(manifest: dict[str, Any], where: str, package: Path) -> list[str]:
    """Each locale's two icons: named, and (for the package's own files) PNGs of the sizes Alexa requires."""
    found = []
    for locale, info in ((manifest.get("publishingInformation") or {}).get("locales") or {}).items():
        for field, (_, size) in ICONS.items():
            value = (info or {}).get(field)
            at = f"{where} publishingInformation.locales.{locale}.{field}"
            if not isinstance(value, str) or not value.strip():
                found.append(f"{at}: missing: {FIXES[field]}")
            elif value.startswith("file://"):
                path = package / value[len("file://"):]
                measured = png_size(path.read_bytes()) if path.is_file() else None
                if measured is None:
                    found.append(f"{at}: {value} is {'not a PNG' if path.is_file() else 'no file in the package'}: "
                                 f"{FIXES[field]}")
                elif measured != (size, size):
                    found.append(f"{at}: {value} is {measured[0]}x{measured[1]}, not {size}x{size}: {FIXES[field]}")
            elif not value.startswith("https://"):
                found.append(f"{at}: {value!r} is neither file://assets/... nor https: {FIXES[field]}")
    return found


def example_phrase_problems(phrases: list[str], resolver: Resolver, where: str = "") -> list[str]:
    """Example phrases: one to three; the first opens or asks the skill by its invocation name; each one's request
    after the invocation is a sample utterance of this locale's model."""
    invocation = resolver.invocation
    prefix = f"{where}: " if where else ""
    found = []
    if not isinstance(phrases, list) or not 1 <= len(phrases) <= 3:
        return [f"{prefix}{len(phrases) if isinstance(phrases, list) else 0} example phrases: give one to three"]
    for index, phrase in enumerate(phrases):
        match = re.fullmatch(rf"Alexa, ({'|'.join(VERBS)}) {re.escape(invocation)}(?: (?:(?:to|about|for|if) )?(.+))?",
                             phrase if isinstance(phrase, str) else "")
        if match is None:
            found.append(f"{prefix}{phrase!r}: must start 'Alexa, open {invocation}' or 'Alexa, ask {invocation} ...'")
            continue
        verb, rest = match.groups()
        if index == 0 and verb not in FIRST_VERBS:
            found.append(f"{prefix}{phrase!r}: the first example must open or ask the skill ('Alexa, open {invocation}')")
        if rest and resolver.exact(rest.rstrip(".")) is None:
            found.append(f"{prefix}{phrase!r}: {rest!r} is not a sample utterance of the model; use one of its samples "
                         "(interaction_model/source/model.yaml)")
        if verb != "open" and not rest:
            found.append(f"{prefix}{phrase!r}: say what to ask, or use 'open'")
    return found


def model_problems(manifest: dict[str, Any], project: Project) -> list[str]:
    """Each published locale's model: there, inside the budget, what its source makes; its example phrases."""
    folder = project.package / "interactionModels" / "custom"
    found = []
    try:
        expected: dict[str, str] | None = _generated(project.model_source.read_bytes(), project.model_source,
                                                     tuple(locales(project.content)))
    except (modelgen.ModelError, OSError, ContentError) as error:
        expected = None  # the package's own files are still checked
        found.append(f"{project.shown(project.model_source)}: {error}")
    for locale, info in ((manifest.get("publishingInformation") or {}).get("locales") or {}).items():
        path = folder / f"{locale}.json"
        where = project.shown(path)
        if not path.is_file():
            found.append(f"{where}: missing for a published locale: add {locale} to skill/content/locales.yaml, then "
                         "run python -m skill.package (it builds a model for every market there)")
            continue
        text = path.read_bytes()
        if len(text) > modelgen.MODEL_BYTES:
            found.append(f"{where}: {len(text):,} bytes, over the {modelgen.MODEL_BYTES:,}-byte budget: fewer or "
                         "shorter samples in interaction_model/source/model.yaml")
        try:
            model = json.loads(text)["interactionModel"]["languageModel"]
            intents = model["intents"]
        except (ValueError, KeyError, TypeError):
            found.append(f"{where}: not an interaction model: run python -m skill.package")
            continue
        if len(intents) > modelgen.MAX_INTENTS:
            found.append(f"{where}: {len(intents)} intents, over {modelgen.MAX_INTENTS}: merge intents in the source")
        if expected is not None and expected.get(f"{locale}.json", "").encode("utf-8") != text:
            found.append(f"{where}: differs from what {project.shown(project.model_source)} makes: "
                         "run python -m skill.package")
        phrases = (info or {}).get("examplePhrases")
        found += example_phrase_problems(phrases if isinstance(phrases, list) else [], resolver_for(path),
                                         f"{project.shown(project.package / 'skill.json')} "
                                         f"publishingInformation.locales.{locale}.examplePhrases")
    return found


# Reading a model into a Resolver compiles every sample (about a second for 15,000); the five locales' models are
# often the same bytes. Both caches are keyed by what was read, so an edited file is read again.
_GENERATED: dict[tuple[str, int, tuple[str, ...]], dict[str, str]] = {}


def resolver_for(path: Path) -> Resolver:
    """The Resolver for this model file (nlu.shared: one for every copy of the same model)."""
    return shared(path)


def _generated(source: bytes, path: Path, markets: tuple[str, ...]) -> dict[str, str]:
    key = (hashlib.sha256(source).hexdigest(), modelgen.MODEL_BYTES, markets)  # the budget is checked while generating
    if key not in _GENERATED:
        _GENERATED[key] = modelgen.generate(path, markets)
    return _GENERATED[key]


def content_problems(project: Project) -> list[str]:
    """Every market's content loads under its rules: Alexa's timer limits among them (skill/platform/alexa_limits.py)."""
    try:
        markets = locales(project.content)
    except ContentError as error:
        return [f"{project.shown(project.content)}: {error}"]
    found = []
    for locale in markets:
        try:
            load(locale, project.content)
        except ContentError as error:
            found.append(f"{project.shown(project.content)} ({locale}): {error}")
    return found


def main(project: Project = Project()) -> int:
    """Print every problem, one a line, and exit 1; or say the package is ready and exit 0."""
    found = problems(project)
    for line in found:
        print(line, file=sys.stderr)
    if found:
        print(f"{len(found)} problem(s): not ready to submit. Fix each, then run python -m skill.package check again.",
              file=sys.stderr)
        return 1
    print("Ready to submit: no placeholders, icons in place, the models within budget, example phrases that are "
          "samples in every locale, content within Alexa's limits.")
    return 0
