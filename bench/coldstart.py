"""Lambda cold start: this skill's handler against an ASK SDK hello-world handler, in the same run.

Each sample is a fresh interpreter that imports the handler, builds the skill, and answers one
LaunchRequest (what a new Lambda instance does before its first reply). Samples of the two alternate,
so a slow spell on the machine hits both; the figures are medians. Memory is the fresh process's
peak resident set size. Run from the repository root:

    .venv/bin/python bench/coldstart.py [ROUNDS]
"""
from __future__ import annotations

import json
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

PROBE = '''
import json, resource, sys, time
started = time.perf_counter()
sys.path[:0] = [{root!r}, {folder!r}]
from {module} import handler
imported = time.perf_counter()
reply = handler(json.loads({event!r}), None)
answered = time.perf_counter()
assert reply["response"]["outputSpeech"]["ssml"], reply
print(json.dumps({{"import_ms": 1000 * (imported - started), "total_ms": 1000 * (answered - started),
                   "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                   "flask": "flask" in sys.modules, "verifier": "ask_sdk_webservice_support" in sys.modules}}))
'''


def sample(module: str, folder: str, event: str) -> dict:
    code = PROBE.format(root=str(ROOT), folder=folder, module=module, event=event)
    env = {"PATH": "/usr/bin:/bin", "LOG_LEVEL": "WARNING"}  # memory off (no table), as a bare function runs
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    return json.loads(result.stdout)


def main(rounds: int = 15) -> None:
    event = (ROOT / "tests" / "requests" / "launch.json").read_text()
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "hello_world.py").write_text(HELLO)
        targets = {"hello world": "hello_world", "this skill": "skill.lambda_function"}
        for module in targets.values():  # warm the .pyc caches once; a deployed package ships them
            sample(module, folder, event)
        runs: dict[str, list[dict]] = {name: [] for name in targets}
        for _ in range(rounds):
            for name, module in targets.items():
                runs[name].append(sample(module, folder, event))
    print(f"Lambda cold start: fresh interpreter, import + build + first LaunchRequest; median of {rounds}, interleaved")
    print(f"{'handler':<12} {'import ms':>10} {'to first reply ms':>18} {'peak MiB':>9}  imports Flask / verifier")
    medians = {}
    for name, samples in runs.items():
        medians[name] = {key: statistics.median(s[key] for s in samples) for key in ("import_ms", "total_ms", "rss_mib")}
        m = medians[name]
        print(f"{name:<12} {m['import_ms']:>10.0f} {m['total_ms']:>18.0f} {m['rss_mib']:>9.1f}  "
              f"{samples[0]['flask']} / {samples[0]['verifier']}")
    hello, skill = medians["hello world"], medians["this skill"]
    print(f"ratio (this skill / hello world): time to first reply {skill['total_ms'] / hello['total_ms']:.2f}x, "
          f"memory {skill['rss_mib'] / hello['rss_mib']:.2f}x  (target: 1.5x or less)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 15)
