"""`python -m skill.package lambda`: the AWS Lambda code folder, built from nothing each time.

The folder ask-resources.json names (`code.default.src`, ./lambda, git-ignored) is deleted and made again, so it
never holds yesterday's code:
- skill/: the runtime package without the developer tools (DEV_TOOLS) or caches, its content compiled to JSON
  (a cold start then never imports the YAML parser);
- lambda_function.py: the handler file (handler setting `lambda_function.handler`), which imports the skill by
  its absolute name and builds it while the function starts (skill/lambda_function.py, `start`);
- requirements.txt: only the distributions the Lambda path imports (LAMBDA_REQUIREMENTS), pinned as
  pyproject.toml pins them. The ASK CLI's deployer installs it into its copy of the folder when it zips it.

`--install` also pip-installs them into the folder for the Lambda runtime's platform (RUNTIME on ARCHITECTURE),
without boto3 and botocore (PROVIDED: the runtime has them) and what only they need, and checks the unpacked size
against MAX_UNPACKED_BYTES: a folder ready to zip and upload by hand, or to measure.
"""
from __future__ import annotations

import argparse
import importlib.metadata
import json
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Callable, Iterable
from pathlib import Path

from skill.words import content

ROOT = Path(__file__).resolve().parent.parent.parent
RUNTIME = "python3.11"  # the Lambda runtime (ask-resources.json and the template name it too; a test keeps them equal)
ARCHITECTURE = "x86_64"  # the function's architecture; every dependency is pure Python, so arm64 would do as well
PLATFORM, PYTHON_VERSION = "manylinux2014_x86_64", "3.11"  # what --install asks pip for: the runtime's
HANDLER = "lambda_function.handler"
# The runtime package's developer tools, as modules or as thin shims, and its command-line entry: never deployed.
DEV_TOOLS = ("dev", "simulate.py", "package.py", "__main__.py")  # skill/dev/, and the two modules that run its tools
# What the Lambda path imports, by distribution (tests/test_deploy.py checks the list against what it imports):
# the SDK, the DynamoDB adapter, and tzdata for zoneinfo where the runtime has no zone files.
LAMBDA_REQUIREMENTS = ("ask-sdk-core", "ask-sdk-model", "ask-sdk-dynamodb-persistence-adapter", "tzdata")
PROVIDED = ("boto3", "botocore")  # in every Lambda Python runtime: never installed into the bundle by --install
MAX_UNPACKED_BYTES = 10_000_000  # the bundle with its dependencies, unpacked, without PROVIDED
MARKER = ".built-by-skill-package"  # a folder without it is not ours to delete

ENTRY = '''"""AWS Lambda handler file (handler setting: lambda_function.handler), written by `python -m skill.package lambda`.

The skill is built here, while the function starts: a wrong setting is one line in the log, not a traceback.
"""
from skill.lambda_function import handler, start

start()

__all__ = ["handler"]
'''


class BundleError(RuntimeError):
    """The bundle cannot be built; the message names what and the fix."""


def normalized(name: str) -> str:
    """A distribution name as pip compares them (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirement_name(requirement: str) -> str:
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    return normalized(match.group(1)) if match else ""


def code_folder(root: Path = ROOT) -> Path:
    """The folder ask-resources.json's default profile names for the code (code.default.src)."""
    resources = json.loads((root / "ask-resources.json").read_text(encoding="utf-8"))
    try:
        source = resources["profiles"]["default"]["code"]["default"]["src"]
    except (KeyError, TypeError) as error:
        raise BundleError("ask-resources.json names no code folder: set profiles.default.code.default.src, e.g. ./lambda") from error
    folder = (root / source).resolve()
    if root.resolve() not in folder.parents:
        raise BundleError(f"ask-resources.json's code src {source!r} is not a folder inside the project: use e.g. ./lambda")
    return folder


def lambda_requirements(root: Path = ROOT) -> list[str]:
    """LAMBDA_REQUIREMENTS as pyproject.toml pins them (its dependencies and optional dependencies)."""
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pinned = {_requirement_name(spec): spec for spec in project.get("dependencies", [])}
    for extra, specs in project.get("optional-dependencies", {}).items():
        if extra != "dev":
            pinned.update({_requirement_name(spec): spec for spec in specs})
    missing = [name for name in LAMBDA_REQUIREMENTS if name not in pinned]
    if missing:
        raise BundleError(f"pyproject.toml does not list {', '.join(missing)}: add it to the dependencies or an extra")
    return [pinned[name] for name in LAMBDA_REQUIREMENTS]


def _leaving_out(package: Path) -> Callable[[str, list[str]], set[str]]:
    """What copytree leaves out: caches and stale compiled content anywhere, DEV_TOOLS at the package's top level."""
    def ignored(folder: str, names: list[str]) -> set[str]:
        left_out = {name for name in names if name == "__pycache__" or name.endswith((".pyc", content.COMPILED_SUFFIX))}
        return left_out | (set(DEV_TOOLS) & set(names) if Path(folder) == package else set())
    return ignored


def _compile_content(content_dir: Path) -> None:
    """Compile the copy's content files to JSON, and load every locale from them, as a cold start will."""
    for path in sorted(content_dir.glob("*.yaml")):
        content.compile_file(path)
    for locale in [*content.locales(content_dir), content.FALLBACK_LOCALE]:
        content.load(locale, content_dir)


def build(root: Path = ROOT, folder: Path | None = None) -> Path:
    """Delete the code folder and make it again from the checkout at `root`; the folder."""
    folder = folder or code_folder(root)
    if folder.exists():
        if not (folder / MARKER).is_file():
            raise BundleError(f"{folder} exists and was not made by python -m skill.package lambda: move it away, "
                              "or point ask-resources.json's code src at another folder")
        shutil.rmtree(folder)
    shutil.copytree(root / "skill", folder / "skill", ignore=_leaving_out(root / "skill"))
    _compile_content(folder / "skill" / "content")
    (folder / "lambda_function.py").write_text(ENTRY, encoding="utf-8")
    (folder / "requirements.txt").write_text(
        "# What the Lambda path imports, as pyproject.toml pins it (boto3 and botocore: the Lambda runtime has them).\n"
        "# Written by python -m skill.package lambda; edit pyproject.toml instead.\n"
        + "".join(f"{spec}\n" for spec in lambda_requirements(root)), encoding="utf-8")
    (folder / MARKER).write_text("Made by python -m skill.package lambda, which deletes and remakes this folder.\n",
                                 encoding="utf-8")
    return folder


def _requires(distribution: importlib.metadata.Distribution) -> set[str]:
    """The names a distribution requires, leaving out those only an extra asks for."""
    return {_requirement_name(spec) for spec in distribution.requires or [] if not re.search(r"\bextra\s*==", spec)}


def needed(distributions: Iterable[importlib.metadata.Distribution], wanted: Iterable[str],
           provided: Iterable[str] = PROVIDED) -> set[str]:
    """The names among `distributions` that `wanted` needs, directly or not, other than through `provided`."""
    by_name = {normalized(d.metadata["Name"]): d for d in distributions}
    skip = {normalized(name) for name in provided}
    found: set[str] = set()
    queue = [normalized(name) for name in wanted]
    while queue:
        name = queue.pop()
        if name in found or name in skip or name not in by_name:
            continue
        found.add(name)
        queue.extend(_requires(by_name[name]))
    return found


def install(folder: Path) -> None:
    """pip-install requirements.txt into the folder for the Lambda platform, then remove PROVIDED and what only it needs."""
    # --no-compile: no __pycache__, as the ASK CLI's deployer zips it (it leaves every __pycache__ out)
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-compile", "--target", str(folder),
               "--platform", PLATFORM, "--python-version", PYTHON_VERSION, "--implementation", "cp",
               "--only-binary=:all:", "-r", str(folder / "requirements.txt")]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        problem = (result.stderr.strip().splitlines() or ["no message"])[-1]
        raise BundleError(f"pip could not install the Lambda requirements: {problem}")
    distributions = list(importlib.metadata.distributions(path=[str(folder)]))
    keep = needed(distributions, LAMBDA_REQUIREMENTS)
    for distribution in distributions:
        if normalized(distribution.metadata["Name"]) not in keep:
            _remove(folder, distribution)
    shutil.rmtree(folder / "bin", ignore_errors=True)  # console scripts: nothing on Lambda runs them


def _remove(folder: Path, distribution: importlib.metadata.Distribution) -> None:
    top = folder.resolve()
    parents: set[Path] = set()
    for file in distribution.files or []:
        path = (folder / file).resolve()
        if top in path.parents and path.is_file():
            path.unlink()
            parents.update(parent for parent in path.parents if top in parent.parents)
    for parent in sorted(parents, key=lambda p: len(p.parts), reverse=True):  # the deepest first
        if parent.is_dir() and not any(parent.iterdir()):
            parent.rmdir()


def unpacked_bytes(folder: Path) -> int:
    """The folder's size unpacked: the bytes of every file in it."""
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def main(argv: list[str]) -> int:
    """`python -m skill.package lambda [--install]`."""
    parser = argparse.ArgumentParser(
        prog="python -m skill.package lambda",
        description=f"Build the AWS Lambda code folder ({RUNTIME}, {ARCHITECTURE}) that ask-resources.json names, "
                    "from nothing; `ask deploy` then installs its requirements, uploads it, and deploys the stack.")
    parser.add_argument("--install", action="store_true",
                        help=f"also pip-install the requirements into it for {PLATFORM} and Python {PYTHON_VERSION} "
                             f"(without {' and '.join(PROVIDED)}) and check the unpacked size")
    options = parser.parse_args(argv)
    try:
        folder = build()
        shown = folder.relative_to(ROOT)
        print(f"built {shown}/: skill/ (no developer tools, content compiled), lambda_function.py, requirements.txt "
              f"({', '.join(LAMBDA_REQUIREMENTS)}); {unpacked_bytes(folder) / 1e6:.2f} MB")
        if options.install:
            install(folder)
            size = unpacked_bytes(folder)
            print(f"installed the requirements for {PLATFORM}, Python {PYTHON_VERSION}, without {' and '.join(PROVIDED)}: "
                  f"{shown}/ is {size / 1e6:.2f} MB unpacked (at most {MAX_UNPACKED_BYTES / 1e6:.0f} MB)")
            if size > MAX_UNPACKED_BYTES:
                print(f"{shown}/ is over {MAX_UNPACKED_BYTES / 1e6:.0f} MB unpacked: see what grew with du -sh {shown}/*",
                      file=sys.stderr)
                return 1
    except (BundleError, content.ContentError) as error:  # each names what is wrong, and the fix
        print(f"python -m skill.package lambda: {error}", file=sys.stderr)
        return 1
    return 0
