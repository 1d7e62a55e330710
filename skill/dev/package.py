"""Keeps interaction_model/ and skill-package/ (what `ask deploy` reads) in step with the one source.

`python -m skill.package` builds each locale's interaction model from interaction_model/source/model.yaml
(skill/dev/modelgen.py) and writes it to interaction_model/<locale>.json and to the package's copy;
`python -m skill.package --check` exits 1, naming the files, when either has drifted from the source
(the tests run the same check). A source that cannot make a model is one line naming the fix.

`python -m skill.package --compile` writes each content file's data as JSON beside it
(skill/content/<locale>.yaml.compiled.json, git-ignored), for a deployment package: a Lambda cold
start then never imports or runs the YAML parser. The copy is used only while it matches its YAML
byte for byte, and is checked like the YAML.
"""
from __future__ import annotations

import sys
from pathlib import Path

from skill.dev import modelgen

ROOT = Path(__file__).resolve().parent.parent.parent
SOURCE = ROOT / "interaction_model"
MODEL_SOURCE = SOURCE / "source" / "model.yaml"
PACKAGE = ROOT / "skill-package"
COPIES = PACKAGE / "interactionModels" / "custom"


def _stale(folder: Path, expected: dict[str, bytes]) -> list[str]:
    found = {path.name: path.read_bytes() for path in folder.glob("*.json")} if folder.is_dir() else {}
    return sorted(name for name in found.keys() | expected.keys() if found.get(name) != expected.get(name))


def _expected() -> dict[str, bytes]:
    return {name: text.encode("utf-8") for name, text in modelgen.generate(MODEL_SOURCE).items()}


def drifted() -> list[str]:
    """The model files (interaction_model/ or the package's copies) that differ from what the source makes."""
    expected = _expected()
    return sorted(set(_stale(SOURCE, expected)) | set(_stale(COPIES, expected)))


def write() -> list[str]:
    """Write every locale's model and its package copy; the names of the files written or removed."""
    expected = _expected()
    written = drifted()
    for folder in (SOURCE, COPIES):
        folder.mkdir(parents=True, exist_ok=True)
        for name in _stale(folder, expected):
            if name in expected:
                (folder / name).write_bytes(expected[name])
            else:
                (folder / name).unlink()
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
    if argv[1:] == ["--compile"]:
        for name in compile_content():
            print(f"compiled skill/content/{name}")
        return 0
    try:
        if argv[1:] == ["--check"]:
            stale = drifted()
            for name in stale:
                print(f"{name} (interaction_model/ or skill-package/) differs from what "
                      f"{MODEL_SOURCE.relative_to(ROOT)} makes: run python -m skill.package", file=sys.stderr)
            return 1 if stale else 0
        for name in write():
            print(f"wrote interaction_model/{name} and skill-package/interactionModels/custom/{name}")
    except modelgen.ModelError as error:
        print(f"{MODEL_SOURCE.relative_to(ROOT)}: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
