"""Ready to submit: the icons the project draws, and `python -m skill.package check` (skill/dev/release.py)."""
from __future__ import annotations

import dataclasses
import json
import re
import shutil
import struct
import zlib
from pathlib import Path

import pytest

from skill.dev import icons, modelgen, package, release


def _chunks(data: bytes) -> list[tuple[bytes, bytes, int]]:
    position, found = len(icons.PNG_SIGNATURE), []
    while position < len(data):
        (length,) = struct.unpack(">I", data[position:position + 4])
        kind, body = data[position + 4:position + 8], data[position + 8:position + 8 + length]
        (crc,) = struct.unpack(">I", data[position + 8 + length:position + 12 + length])
        found.append((kind, body, crc))
        position += 12 + length
    return found


def test_the_committed_icons_are_what_the_project_draws():
    assert icons.stale() == [], "run: python -m skill.dev.icons"


def test_each_icon_is_a_well_formed_png_of_the_size_alexa_requires():
    for name, size in icons.ICONS.values():
        data = (icons.IMAGES / name).read_bytes()
        chunks = _chunks(data)
        assert data.startswith(icons.PNG_SIGNATURE) and [kind for kind, _, _ in chunks] == [b"IHDR", b"IDAT", b"IEND"]
        assert all(zlib.crc32(kind + body) & 0xFFFFFFFF == crc for kind, body, crc in chunks)
        assert struct.unpack(">IIBBBBB", chunks[0][1]) == (size, size, 8, 2, 0, 0, 0)
        assert len(zlib.decompress(chunks[1][1])) == size * (1 + 3 * size)


def test_the_picture_is_calm_and_visible_at_both_sizes():
    for _, size in icons.ICONS.values():
        rows = icons.pixels(size)
        colors = {bytes(row[x:x + 3]) for row in rows for x in range(0, 3 * size, 3)}
        assert bytes(icons.BONE) in colors and bytes(icons.HALO) in colors  # the spine and its halo are drawn
        red = [c for c in colors if c[0] > 1.5 * max(c[1], c[2], 40)]
        assert red == []  # nothing alarming: no reds


def test_a_stale_or_missing_icon_is_found(tmp_path):
    assert sorted(icons.stale(tmp_path)) == sorted(name for name, _ in icons.ICONS.values())
    for name, size in icons.ICONS.values():
        rows = icons.pixels(size)
        rows[0][0] ^= 0xFF  # one pixel changed
        (tmp_path / name).write_bytes(icons.png(size, size, rows))
    assert sorted(icons.stale(tmp_path)) == sorted(name for name, _ in icons.ICONS.values())


# --- The release check: python -m skill.package check ------------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent
FILLED = {  # what a deployer fills in: addresses on a real domain, the operator, a contact, a date
    "https://REPLACE-WITH-YOUR-DOMAIN.example/back-spasm-helper/": "https://backspasmhelper.org/",
    "https://REPLACE-WITH-YOUR-HOST.example/": "https://skill.backspasmhelper.org/",
}
# Every locale the package publishes, as skill.json names them (a new market needs no edit here).
LOCALES = sorted(json.loads((ROOT / "skill-package" / "skill.json").read_text())["manifest"]["publishingInformation"]["locales"])
PRIVACY_FILLED = {"REPLACE WITH YOUR NAME OR ORGANISATION": "Back Spasm Helper Ltd",
                  "REPLACE WITH AN EMAIL ADDRESS": "privacy@backspasmhelper.org",
                  "REPLACE WITH THE DATE": "1 December 2026"}


def copy_project(tmp_path: Path, filled: bool = True, content: bool = False) -> release.Project:
    """The package, the privacy policy and ask-resources.json copied (the content too, when a test edits it)."""
    shutil.copytree(ROOT / "skill-package", tmp_path / "skill-package")
    (tmp_path / "docs").mkdir()
    shutil.copy(ROOT / "docs" / "privacy.md", tmp_path / "docs" / "privacy.md")
    shutil.copy(ROOT / "ask-resources.json", tmp_path / "ask-resources.json")
    project = release.Project(package=tmp_path / "skill-package", privacy=tmp_path / "docs" / "privacy.md",
                              resources=tmp_path / "ask-resources.json")
    if content:
        shutil.copytree(ROOT / "skill" / "content", tmp_path / "content", ignore=shutil.ignore_patterns("*.compiled.json"))
        project = dataclasses.replace(project, content=tmp_path / "content")
    if filled:
        edit(project.package / "skill.json", FILLED)
        edit(project.privacy, PRIVACY_FILLED)
    return project


def edit(path: Path, swaps: dict[str, str]) -> None:
    text = path.read_text()
    for old, new in swaps.items():
        text = text.replace(old, new)
    path.write_text(text)


def manifest_of(project: release.Project) -> dict:
    return json.loads((project.package / "skill.json").read_text())


def save(project: release.Project, manifest: dict) -> None:
    (project.package / "skill.json").write_text(json.dumps(manifest, indent=2))


def test_a_package_with_everything_filled_in_is_ready(tmp_path):
    assert release.problems(copy_project(tmp_path)) == []


def test_the_shipped_placeholders_are_each_named_with_the_fix(tmp_path):
    found = release.problems(copy_project(tmp_path, filled=False))
    for locale in manifest_of(copy_project(tmp_path / "x"))["manifest"]["publishingInformation"]["locales"]:
        for key in ("privacyPolicyUrl", "termsOfUseUrl"):
            assert any(f"privacyAndCompliance.locales.{locale}.{key}: 'https://REPLACE" in line and "https address" in line
                       for line in found), (locale, key)
    assert any("apis.custom.endpoint.uri" in line and "placeholder" in line and "ARN" in line for line in found)
    assert len([line for line in found if line.startswith("docs/privacy.md line ")]) == len(PRIVACY_FILLED)
    assert all("\n" not in line for line in found)


@pytest.mark.parametrize("value", ["https://example.com/privacy", "https://www.example.org/p", "https://localhost/p",
                                   "https://my.site.test/p", "https://YOUR-DOMAIN.org/privacy", "https://x.invalid/"])
def test_an_example_or_reserved_host_is_a_placeholder(tmp_path, value):
    project = copy_project(tmp_path)
    manifest = manifest_of(project)
    manifest["manifest"]["privacyAndCompliance"]["locales"]["en-IN"]["termsOfUseUrl"] = value
    save(project, manifest)
    assert release.problems(project) == [
        f"skill-package/skill.json privacyAndCompliance.locales.en-IN.termsOfUseUrl: {value!r} is a placeholder: "
        f"{release.FIXES['termsOfUseUrl']}"]


def test_words_that_only_look_like_placeholders_are_not(tmp_path):
    project = copy_project(tmp_path)
    manifest = manifest_of(project)
    assert "does not replace a doctor" in manifest["manifest"]["publishingInformation"]["locales"]["en-US"]["description"]
    manifest["manifest"]["publishingInformation"]["locales"]["en-US"]["keywords"].append("example")
    save(project, manifest)
    assert release.problems(project) == []


@pytest.mark.parametrize("uri, problem", [
    ("arn:aws:lambda:us-east-1:123456789012:function:back-spasm-helper", None),
    ("https://skill.backspasmhelper.org/", None),
    ("ftp://skill.backspasmhelper.org/", "neither an https address nor a Lambda ARN"),
    ("arn:aws:lambda:us-east-1:ACCOUNT:function:back-spasm-helper", "neither an https address nor a Lambda ARN"),
    ("", "endpoint.uri: missing"),
])
def test_the_endpoint_is_an_https_address_or_a_lambda_arn(tmp_path, uri, problem):
    project = copy_project(tmp_path)
    manifest = manifest_of(project)
    manifest["manifest"]["apis"]["custom"]["endpoint"]["uri"] = uri
    save(project, manifest)
    found = release.problems(project)
    assert (found == []) if problem is None else (len(found) == 1 and problem in found[0]), found


def test_no_endpoint_is_ready_only_where_ask_deploy_provisions_one(tmp_path):
    project = copy_project(tmp_path)
    manifest = manifest_of(project)
    del manifest["manifest"]["apis"]["custom"]["endpoint"]
    save(project, manifest)
    resources = json.loads(project.resources.read_text())
    resources["profiles"]["default"].pop("skillInfrastructure", None)  # self-hosted: nothing provisions one
    project.resources.write_text(json.dumps(resources))
    [problem] = release.problems(project)
    assert "apis.custom.endpoint: missing" in problem and "skillInfrastructure" in problem
    resources = json.loads(project.resources.read_text())
    resources["profiles"]["default"]["skillInfrastructure"] = {"type": "@ask-cli/cfn-deployer", "userConfig": {}}
    project.resources.write_text(json.dumps(resources))
    assert release.problems(project) == []


def test_a_missing_wrong_sized_or_broken_icon_is_named_per_locale(tmp_path):
    project = copy_project(tmp_path)
    manifest = manifest_of(project)
    del manifest["manifest"]["publishingInformation"]["locales"]["en-GB"]["smallIconUri"]
    manifest["manifest"]["publishingInformation"]["locales"]["en-AU"]["largeIconUri"] = "file://assets/images/none.png"
    manifest["manifest"]["publishingInformation"]["locales"]["en-CA"]["largeIconUri"] = "assets/images/largeIcon.png"
    save(project, manifest)
    images = project.package / "assets" / "images"
    shutil.copy(images / "largeIcon.png", images / "smallIcon.png")  # 512 where 108 belongs
    found = release.problems(project)
    where = "skill-package/skill.json publishingInformation.locales"
    assert f"{where}.en-GB.smallIconUri: missing: {release.FIXES['smallIconUri']}" in found
    assert f"{where}.en-AU.largeIconUri: file://assets/images/none.png is no file in the package: " \
           f"{release.FIXES['largeIconUri']}" in found
    assert any(line.startswith(f"{where}.en-CA.largeIconUri: 'assets/images/largeIcon.png' is neither") for line in found)
    sized = [line for line in found if "is 512x512, not 108x108" in line]
    assert len(sized) == len(LOCALES) - 1  # every locale but en-GB, whose small icon is missing
    (images / "largeIcon.png").write_text("not a picture")
    assert any("en-US.largeIconUri: file://assets/images/largeIcon.png is not a PNG" in line
               for line in release.problems(project))


def test_a_model_over_its_byte_or_intent_budget_is_refused(tmp_path, monkeypatch):
    project = copy_project(tmp_path)
    monkeypatch.setattr(modelgen, "MODEL_BYTES", 700_000)
    monkeypatch.setattr(modelgen, "MAX_INTENTS", 10)
    found = release.problems(project)
    for locale in LOCALES:
        size = (project.package / "interactionModels" / "custom" / f"{locale}.json").stat().st_size
        assert any(line.startswith(f"skill-package/interactionModels/custom/{locale}.json: {size:,} bytes, over the "
                                   "700,000-byte budget") for line in found), locale
        assert any(line.startswith(f"skill-package/interactionModels/custom/{locale}.json: ") and "intents, over 10"
                   in line for line in found), locale


def test_example_phrases_are_checked_against_each_locales_own_model(tmp_path):
    project = copy_project(tmp_path)
    model_path = project.package / "interactionModels" / "custom" / "en-AU.json"
    model = json.loads(model_path.read_text())
    for intent in model["interactionModel"]["languageModel"]["intents"]:
        intent["samples"] = [sample for sample in intent.get("samples", []) if sample != "heat or ice"]
    model_path.write_text(json.dumps(model, indent=2))
    manifest = manifest_of(project)
    manifest["manifest"]["publishingInformation"]["locales"]["en-GB"]["examplePhrases"][2] = "Alexa, ask back spasm helper to juggle"
    manifest["manifest"]["publishingInformation"]["locales"]["en-IN"]["examplePhrases"][0] = "Alexa, launch back spasm helper"
    save(project, manifest)
    found = release.problems(project)
    where = "skill-package/skill.json publishingInformation.locales"
    assert [line for line in found if "is not a sample utterance" in line] == [
        f"{where}.en-GB.examplePhrases: 'Alexa, ask back spasm helper to juggle': 'juggle' is not a sample utterance "
        "of the model; use one of its samples (interaction_model/source/model.yaml)",
        f"{where}.en-AU.examplePhrases: 'Alexa, ask back spasm helper heat or ice': 'heat or ice' is not a sample "
        "utterance of the model; use one of its samples (interaction_model/source/model.yaml)"]
    assert any(line.startswith(f"{where}.en-IN.examplePhrases: 'Alexa, launch back spasm helper': the first example "
                               "must open or ask") for line in found)
    assert any(line.startswith("skill-package/interactionModels/custom/en-AU.json: differs from") for line in found)


def test_a_timer_over_alexas_two_hours_is_refused(tmp_path):
    project = copy_project(tmp_path, content=True)
    edit(project.content / "en-US.yaml", {"  timer:\n    minutes: 15\n": "  timer:\n    minutes: 180\n"})
    found = release.problems(project)
    assert found and all("alerts.timer.minutes: expected a number above 0 and at most 120" in line for line in found)
    assert {re.findall(r"\((\S+)\)", line)[0] for line in found} == set(LOCALES)


def test_the_command_prints_each_problem_on_a_line_and_exits_1_or_says_ready(tmp_path, capsys, monkeypatch):
    assert release.main(copy_project(tmp_path / "filled")) == 0
    assert "Ready to submit" in capsys.readouterr().out
    assert release.main(copy_project(tmp_path / "shipped", filled=False)) == 1
    err = capsys.readouterr().err.splitlines()
    placeholders = 2 * len(LOCALES) + 1 + len(PRIVACY_FILLED)  # privacy and terms addresses per locale, the endpoint, the policy
    assert len(err) == placeholders + 1 and err[-1].startswith(f"{placeholders} problem(s): not ready to submit")
    monkeypatch.setattr(release, "main", lambda project=None: 7)
    assert package.main(["python -m skill.package", "check"]) == 7  # the subcommand runs the release check
