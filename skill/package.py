"""Keeps skill-package/ (what `ask deploy` reads) in step with interaction_model/ (the one source).

`python -m skill.package` writes the package's copy of each locale's interaction model from
interaction_model/; `python -m skill.package --check` exits 1, naming the files, when a copy has
drifted (the tests run the same check).

`python -m skill.package --compile` writes each content file's data as JSON beside it
(skill/content/<locale>.yaml.compiled.json, git-ignored), for a deployment package: a Lambda cold
start then never imports or runs the YAML parser. The copy is used only while it matches its YAML
byte for byte, and is checked like the YAML.
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "interaction_model"
PACKAGE = ROOT / "skill-package"
COPIES = PACKAGE / "interactionModels" / "custom"


def drifted() -> list[str]:
    """The package copies that differ from their source (or are missing, or have no source)."""
    sources = {path.name: path.read_bytes() for path in SOURCE.glob("*.json")}
    copies = {path.name: path.read_bytes() for path in COPIES.glob("*.json")} if COPIES.is_dir() else {}
    return sorted(name for name in sources.keys() | copies.keys() if sources.get(name) != copies.get(name))


def write() -> list[str]:
    """Copy every locale's model into the package; the names of the files written."""
    COPIES.mkdir(parents=True, exist_ok=True)
    written = drifted()
    for name in written:
        source = SOURCE / name
        if source.exists():
            (COPIES / name).write_bytes(source.read_bytes())
        else:
            (COPIES / name).unlink()
    return written


def compile_content() -> list[str]:
    """Write the compiled copy of every content file; the names written."""
    from .content import CONTENT_DIR, compile_file, load

    written = []
    for path in sorted(CONTENT_DIR.glob("*.yaml")):
        compile_file(path)
        load(path.stem)  # the copy must load and pass every check, as it will at start-up
        written.append(path.name)
    return written


def main(argv: list[str]) -> int:
    if argv[1:] == ["--compile"]:
        for name in compile_content():
            print(f"compiled skill/content/{name}")
        return 0
    if argv[1:] == ["--check"]:
        stale = drifted()
        for name in stale:
            print(f"skill-package/interactionModels/custom/{name} differs from interaction_model/{name}: "
                  "run python -m skill.package", file=sys.stderr)
        return 1 if stale else 0
    for name in write():
        print(f"wrote skill-package/interactionModels/custom/{name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
