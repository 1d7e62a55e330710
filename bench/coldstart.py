"""Lambda cold start: this skill's handler against an ASK SDK hello-world handler, in the same run.

Each sample is a fresh interpreter that imports the handler, builds the skill, and answers one
LaunchRequest (what a new Lambda instance does before its first reply), with the modules Lambda's own
runtime imports before the handler already loaded (RUNTIME_IMPORTS). Samples alternate, so a slow
spell on the machine hits all alike; the figures are medians. Memory is the fresh process's peak
resident set size. The skill is measured twice: as packaged for Lambda (a copy of skill/ with its
content compiled by `python -m skill.package --compile`, as README's Lambda steps say), and straight
from the checkout: as it starts once it has started once (its bytecode and the compiled copy of its content left
beside the YAML, as any start leaves them), and at its first start (reading the YAML). Run from the repository root:

    .venv/bin/python bench/coldstart.py [ROUNDS]
"""
from __future__ import annotations

import argparse
import compileall
import json
import shutil
import socket
import statistics
import subprocess
import sys
import sysconfig
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


FIRST = "(checkout, 1st)"


def checkout_main(rounds: int = 15) -> None:
    event = (ROOT / "tests" / "requests" / "launch.json").read_text()
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "hello_world.py").write_text(HELLO)
        packaged = Path(folder, "package")
        shutil.copytree(ROOT / "skill", packaged / "skill", ignore=shutil.ignore_patterns("__pycache__", "*.compiled.json"))
        subprocess.run([sys.executable, "-m", "skill.package", "--compile"], cwd=packaged, check=True, capture_output=True)
        targets = {"hello world": ("hello_world", ROOT), "this skill": ("skill.lambda_function", packaged),
                   FIRST: ("skill.lambda_function", ROOT), "(from checkout)": ("skill.lambda_function", ROOT)}
        for module, root in targets.values():  # warm the .pyc caches once; a deployed package ships them
            sample(module, folder, event, root)
        runs: dict[str, list[dict]] = {name: [] for name in targets}
        for _ in range(rounds):
            for name, (module, root) in targets.items():
                if name == FIRST:  # a checkout's first start: no compiled copy of the content yet (it leaves one)
                    for copy in (ROOT / "skill" / "content").glob("*.compiled.json"):
                        copy.unlink()
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
    for name, goal in (("this skill", 1.3), ("(from checkout)", 1.5), (FIRST, 1.5)):
        skill = medians[name]
        print(f"ratio ({name} / hello world): time to first reply {skill['total_ms'] / hello['total_ms']:.2f}x, "
              f"memory {skill['rss_mib'] / hello['rss_mib']:.2f}x  (goal: {goal}x or less)")


BUNDLE_PROBE = '''
import time
started = time.perf_counter()
import json, sys
sys.path[:0] = {bundle!r}
sys.path.extend({site!r})
import lambda_function
imported = time.perf_counter()
reply = lambda_function.handler(json.loads({event!r}), None)
answered = time.perf_counter()
assert reply["response"]["outputSpeech"]["ssml"], reply
# this process's own peak (ru_maxrss would count the forked copy of the benchmark before exec)
peak_kib = int(next(line for line in open("/proc/self/status") if line.startswith("VmHWM:")).split()[1])
print(json.dumps({{"import_ms": 1000 * (imported - started), "total_ms": 1000 * (answered - started),
                   "rss_mib": peak_kib / 1024,
                   "skill": [m.__file__ for n, m in sys.modules.items() if n == "skill"],
                   "boto3": "boto3" in sys.modules}}))
'''


def bundle_sample(bundle: Path, event: str, site: list[str], env: dict[str, str]) -> dict:
    """One cold start of a bundle in `python -I -S -B`: the bundle, the standard library, `site`; never the checkout."""
    code = BUNDLE_PROBE.format(bundle=[str(bundle)], site=site, event=event)
    result = subprocess.run([sys.executable, "-I", "-S", "-B", "-c", code], capture_output=True, text=True,
                            env={"PATH": "/usr/bin:/bin", "LOG_LEVEL": "WARNING", **env}, cwd=bundle.parent)
    if result.returncode != 0:
        raise SystemExit(f"{bundle}: {result.stderr.strip().splitlines()[-1]}")
    found = json.loads(result.stdout)
    assert not found["skill"] or found["skill"][0].startswith(str(bundle)), found["skill"]  # never the checkout's
    return found


def bundle_main(rounds: int, installed: bool) -> None:
    sys.path.insert(0, str(ROOT))
    from skill.dev import bundle

    event = (ROOT / "tests" / "requests" / "launch.json").read_text()
    with socket.socket() as probe:  # a port nothing listens on: DynamoDB calls are refused at once
        probe.bind(("127.0.0.1", 0))
        nowhere = f"http://127.0.0.1:{probe.getsockname()[1]}"
    memory_on = {"SKILL_STORE": "dynamodb", "SKILL_DYNAMODB_TABLE": "users", "AWS_DEFAULT_REGION": "us-east-1",
                 "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_ENDPOINT_URL_DYNAMODB": nowhere,
                 "AWS_EC2_METADATA_DISABLED": "true", "AWS_CONFIG_FILE": "/nonexistent", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent"}
    with tempfile.TemporaryDirectory() as folder:
        hello = Path(folder, "hello", "lambda")
        hello.mkdir(parents=True)
        (hello / "lambda_function.py").write_text(HELLO)
        skill = bundle.build(ROOT, Path(folder, "skill", "lambda"))
        site = list(dict.fromkeys([sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]]))
        boto3_site = site  # with memory on, boto3 as the runtime has it: from site-packages, after the bundle
        if installed:
            (hello / "requirements.txt").write_text("\n".join(bundle.lambda_requirements(ROOT)[:1]) + "\n")  # ask-sdk-core
            bundle.install(hello)
            bundle.install(skill)
            site = []
        compiled = {}  # each bundle with its bytecode compiled beforehand
        for name, source in (("hello", hello), ("skill", skill)):
            compiled[name] = Path(folder, f"{name}-bytecode", "lambda")
            shutil.copytree(source, compiled[name])
            compileall.compile_dir(compiled[name], quiet=1)
        if installed:
            print(f"installed: skill bundle {bundle.unpacked_bytes(skill) / 1e6:.2f} MB, hello world bundle "
                  f"{bundle.unpacked_bytes(hello) / 1e6:.2f} MB unpacked")
        targets = {"hello world": (hello, site, {}), "this bundle": (skill, site, {}),
                   "(memory on)": (skill, boto3_site, memory_on),
                   "hello, bytecode": (compiled["hello"], site, {}), "bundle, bytecode": (compiled["skill"], site, {})}
        for path, paths, env in targets.values():
            bundle_sample(path, event, paths, env)
        runs: dict[str, list[dict]] = {name: [] for name in targets}
        for _ in range(rounds):
            for name, (path, paths, env) in targets.items():
                runs[name].append(bundle_sample(path, event, paths, env))
    where = "its requirements installed into each bundle" if installed else "the dependencies from site-packages"
    print(f"Lambda cold start of the built bundle: python -I -S -B, {where}; import + build + first LaunchRequest; "
          f"median of {rounds}, interleaved")
    print(f"{'handler':<16} {'import ms':>10} {'to first reply ms':>18} {'peak MiB':>9}  imports boto3")
    medians = {}
    for name, samples in runs.items():
        medians[name] = {key: statistics.median(s[key] for s in samples) for key in ("import_ms", "total_ms", "rss_mib")}
        m = medians[name]
        print(f"{name:<16} {m['import_ms']:>10.0f} {m['total_ms']:>18.0f} {m['rss_mib']:>9.1f}  {samples[0]['boto3']}")
    for name, base in (("this bundle", "hello world"), ("(memory on)", "hello world"), ("bundle, bytecode", "hello, bytecode")):
        print(f"ratio ({name} / {base}): time to first reply {medians[name]['total_ms'] / medians[base]['total_ms']:.2f}x, "
              f"memory {medians[name]['rss_mib'] / medians[base]['rss_mib']:.2f}x  (target: 1.3x or less)")


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench/coldstart.py", description=__doc__.splitlines()[0])
    parser.add_argument("rounds", nargs="?", type=int, default=15)
    parser.add_argument("--bundle", action="store_true", help="the built Lambda bundle against a hello world bundle")
    parser.add_argument("--installed", action="store_true", help="with --bundle: pip-install each bundle's requirements into it")
    options = parser.parse_args(argv)
    if options.bundle:
        bundle_main(options.rounds, options.installed)
    else:
        checkout_main(options.rounds)


if __name__ == "__main__":
    main(sys.argv[1:])
