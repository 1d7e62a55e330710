"""Lambda cold start: this skill's handler against an ASK SDK hello-world handler, in the same run.

Each sample is a fresh interpreter that imports the handler, builds the skill, and answers one
LaunchRequest (what a new Lambda instance does before its first reply), with the modules Lambda's own
runtime imports before the handler already loaded (RUNTIME_IMPORTS). Samples alternate, so a slow
spell on the machine hits all alike; the figures are medians. Memory is the fresh process's peak
resident set size. The skill is measured twice: as packaged for Lambda (a copy of skill/ with its
content compiled by `python -m skill.package --compile`, as README's Lambda steps say), and straight
from the checkout (reading the YAML). Run from the repository root:

    .venv/bin/python bench/coldstart.py [ROUNDS]
"""
from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

HELLO = '''
from ask_sdk_core.skill_builder import SkillBuilder
from ask_sdk_core.utils import is_request_type

sb = SkillBuilder()


@sb.request_handler(can_handle_func=is_request_type("LaunchRequest"))
def launch(handler_input):
    return handler_input.response_builder.speak("Hello world").set_should_end_session(False).response


handler = sb.lambda_handler()
'''

# What Lambda's Python runtime has imported before it imports the handler (awslambdaric's bootstrap.py), for
# every handler alike: a fresh interpreter has not, and would charge logging (about 7 ms with traceback) to
# whichever handler imports it first.
RUNTIME_IMPORTS = "importlib, json, logging, os, sys, time, traceback"

PROBE = '''
import {runtime}
import resource
started = time.perf_counter()
sys.path[:0] = [{root!r}, {folder!r}]  # the skill's folder first: the packaged copy, or the checkout
from {module} import handler
imported = time.perf_counter()
reply = handler(json.loads({event!r}), None)
answered = time.perf_counter()
assert reply["response"]["outputSpeech"]["ssml"], reply
print(json.dumps({{"import_ms": 1000 * (imported - started), "total_ms": 1000 * (answered - started),
                   "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                   "flask": "flask" in sys.modules, "verifier": "ask_sdk_webservice_support" in sys.modules}}))
'''


def sample(module: str, folder: str, event: str, root: Path = ROOT) -> dict:
    code = PROBE.format(root=str(root), folder=folder, module=module, event=event, runtime=RUNTIME_IMPORTS)
    env = {"PATH": "/usr/bin:/bin", "LOG_LEVEL": "WARNING"}  # memory off (no table), as a bare function runs
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    return json.loads(result.stdout)


def main(rounds: int = 15) -> None:
    event = (ROOT / "tests" / "requests" / "launch.json").read_text()
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "hello_world.py").write_text(HELLO)
        packaged = Path(folder, "package")
        shutil.copytree(ROOT / "skill", packaged / "skill", ignore=shutil.ignore_patterns("__pycache__", "*.compiled.json"))
        subprocess.run([sys.executable, "-m", "skill.package", "--compile"], cwd=packaged, check=True, capture_output=True)
        targets = {"hello world": ("hello_world", ROOT), "this skill": ("skill.lambda_function", packaged),
                   "(from checkout)": ("skill.lambda_function", ROOT)}
        for module, root in targets.values():  # warm the .pyc caches once; a deployed package ships them
            sample(module, folder, event, root)
        runs: dict[str, list[dict]] = {name: [] for name in targets}
        for _ in range(rounds):
            for name, (module, root) in targets.items():
                runs[name].append(sample(module, folder, event, root))
    print(f"Lambda cold start: fresh interpreter, import + build + first LaunchRequest; median of {rounds}, interleaved")
    print(f"{'handler':<16} {'import ms':>10} {'to first reply ms':>18} {'peak MiB':>9}  imports Flask / verifier")
    medians = {}
    for name, samples in runs.items():
        medians[name] = {key: statistics.median(s[key] for s in samples) for key in ("import_ms", "total_ms", "rss_mib")}
        m = medians[name]
        print(f"{name:<16} {m['import_ms']:>10.0f} {m['total_ms']:>18.0f} {m['rss_mib']:>9.1f}  "
              f"{samples[0]['flask']} / {samples[0]['verifier']}")
    hello = medians["hello world"]
    for name in ("this skill", "(from checkout)"):
        skill = medians[name]
        print(f"ratio ({name} / hello world): time to first reply {skill['total_ms'] / hello['total_ms']:.2f}x, "
              f"memory {skill['rss_mib'] / hello['rss_mib']:.2f}x  (target: 1.5x or less, as packaged)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 15)
