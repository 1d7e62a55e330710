"""Loads the content files once at start-up: typed access by id (the types: skill/content_types.py).

Everything the skill says lives in ``skill/content/<locale>.yaml``. Code refers to words by id
only. A malformed file stops start-up with a ContentError naming the file, the entry and the field
(the rules: skill/content_rules.py), so a content editor sees exactly what to fix.
"""
from __future__ import annotations

import json
import zlib
from pathlib import Path
from typing import Any

from .content_rules import ROUTINE_PROMPTS, _Reader, build
from .content_types import (  # re-exported: code imports the types from here
    DEFAULT_LOCALE,
    Alert,
    Beat,
    Content,
    ContentError,
    RedFlag,
    Routine,
    Step,
    Topic,
    Triage,
    TriageBand,
)

__all__ = ["CONTENT_DIR", "DEFAULT_LOCALE", "Alert", "ROUTINE_PROMPTS", "Beat", "Content", "ContentError", "RedFlag", "Routine",
           "Step", "Topic", "Triage", "TriageBand", "compile_file", "compiled", "load", "parse_yaml"]

CONTENT_DIR = Path(__file__).parent / "content"
COMPILED_SUFFIX = ".compiled.json"  # the YAML's data as JSON, for a fast cold start (see `compiled`)


def _stamp(source: bytes) -> dict[str, int]:
    """What ties a compiled copy to the exact YAML it came from."""
    return {"length": len(source), "crc32": zlib.crc32(source)}


def parse_yaml(path: Path, source: bytes) -> Any:
    """The YAML file's data; a mistake is one line naming the file, line and column."""
    import yaml  # here, not at the top: a Lambda cold start with compiled content never pays for it (about 13 ms)

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's, when PyYAML has it (its wheels do)
    try:
        return yaml.load(source.decode("utf-8"), Loader=loader)
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        where = getattr(error, "problem_mark", None)
        at = f" at line {where.line + 1}, column {where.column + 1}" if where else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise ContentError(f"{path}: not valid YAML{at}: {problem}; fix the file (a quote or bracket left open?)") from error


def compiled(path: Path) -> Path:
    """Where `python -m skill.package --compile` writes the YAML's data as JSON, for deployment packages."""
    return path.with_name(path.name + COMPILED_SUFFIX)


def compile_file(path: Path) -> Path:
    """Write the compiled copy of one content file (checked the same way when loaded)."""
    source = path.read_bytes()
    target = compiled(path)
    target.write_text(json.dumps({"source": _stamp(source), "data": parse_yaml(path, source)}), encoding="utf-8")
    return target


def _raw(path: Path) -> Any:
    """The content file's data: from its compiled copy when that was made from exactly this YAML, else the YAML."""
    try:
        source = path.read_bytes()
    except FileNotFoundError as error:
        raise ContentError(f"{path}: content file not found") from error
    try:
        copy = json.loads(compiled(path).read_text(encoding="utf-8"))
        if isinstance(copy, dict) and copy.get("source") == _stamp(source):
            return copy["data"]
    except (OSError, ValueError):
        pass  # no compiled copy (the usual case outside a deployment package), or a broken one: read the YAML
    return parse_yaml(path, source)


def load(locale: str = DEFAULT_LOCALE, directory: Path = CONTENT_DIR) -> Content:
    """Load and validate one locale's content file (the same checks, whichever form it is read from)."""
    path = directory / f"{locale}.yaml"
    reader = _Reader(path)
    return build(reader, reader.mapping(_raw(path), "top level"), locale)
