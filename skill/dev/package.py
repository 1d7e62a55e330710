"""Keeps skill-package/interactionModels/custom/ (what `ask deploy` reads) in step with the one source.

`python -m skill.package` builds each locale's interaction model from interaction_model/source/model.yaml
(skill/dev/modelgen.py) and writes it to skill-package/interactionModels/custom/<locale>.json, the one
generated copy in the repository; `python -m skill.package --check` exits 1, naming the files, when it has
drifted from the source (the tests run the same check). A source that cannot make a model is one line naming the fix.

`python -m skill.package check` is the release check (skill/dev/release.py): every reason the package is not
ready to submit for certification, one line each with the fix, and exit 1; exit 0 when it is ready.

`python -m skill.package --compile` writes each content file's data as JSON beside it
(skill/content/<locale>.yaml.compiled.json, git-ignored), for a deployment package: a Lambda cold
start then never imports or runs the YAML parser. The copy is used only while it matches its YAML
byte for byte, and is checked like the YAML.

`python -m skill.package lambda [--install]` builds the AWS Lambda code folder (skill/dev/bundle.py).
"""
from __future__ import annotations

import sys
from pathlib import Path

from skill.dev import modelgen

ROOT = Path(__file__).resolve().parent.parent.parent
MODEL_SOURCE = ROOT / "interaction_model" / "source" / "model.yaml"
PACKAGE = ROOT / "skill-package"
COPIES = PACKAGE / "interactionModels" / "custom"


def _stale(folder: Path, expected: dict[str, bytes]) -> list[str]:
    found = {path.name: path.read_bytes() for path in folder.glob("*.json")} if folder.is_dir() else {}
    return sorted(name for name in found.keys() | expected.keys() if found.get(name) != expected.get(name))


def _expected() -> dict[str, bytes]:
    from skill.words.content import locales

    return {name: text.encode("utf-8") for name, text in modelgen.generate(MODEL_SOURCE, locales()).items()}


def drifted() -> list[str]:
    """The generated model files that differ from what the source makes (or that it no longer makes)."""
    return _stale(COPIES, _expected())


def write() -> list[str]:
    """Write every locale's model; the names of the files written or removed."""
    expected = _expected()
    written = _stale(COPIES, expected)
    COPIES.mkdir(parents=True, exist_ok=True)
    for name in written:
        if name in expected:
            (COPIES / name).write_bytes(expected[name])
        else:
            (COPIES / name).unlink()
    return written


def compile_content() -> list[str]:
    """Write the compiled copy of every content file; the names written."""
    from skill.words.content import CONTENT_DIR, FALLBACK_LOCALE, compile_file, load, locales

    written = []
    for path in sorted(CONTENT_DIR.glob("*.yaml")):
        compile_file(path)
        written.append(path.name)
    for locale in [*locales(), FALLBACK_LOCALE]:
        load(locale)  # the copies must load and pass every check, as they will at start-up
    return written


def main(argv: list[str]) -> int:
    if argv[1:] == ["check"]:
        from skill.dev import release

        return release.main()
    if argv[1:2] == ["lambda"]:
        from skill.dev import bundle

        return bundle.main(argv[2:])
    if argv[1:] == ["--compile"]:
        for name in compile_content():
            print(f"compiled skill/content/{name}")
        return 0
    try:
        if argv[1:] == ["--check"]:
            stale = drifted()
            for name in stale:
                print(f"skill-package/interactionModels/custom/{name} differs from what "
                      f"{MODEL_SOURCE.relative_to(ROOT)} makes: run python -m skill.package", file=sys.stderr)
            return 1 if stale else 0
        for name in write():
            print(f"wrote skill-package/interactionModels/custom/{name}")
    except modelgen.ModelError as error:
        print(f"{MODEL_SOURCE.relative_to(ROOT)}: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
