"""The same skill as an AWS Lambda handler."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from skill import lambda_function

from .alexa import SKILL_ID, envelope, intent_request

EXAMPLES = Path(__file__).parent / "requests"


@pytest.fixture(autouse=True)
def fresh(monkeypatch):
    for name in ("SKILL_STORE", "SKILL_DYNAMODB_TABLE", "SKILL_ID"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(lambda_function, "_skill", None)


def test_the_lambda_handler_answers_alexa_events():
    reply = lambda_function.handler(json.loads((EXAMPLES / "heat-or-ice.json").read_text()), None)
    assert "towel" in reply["response"]["outputSpeech"]["ssml"]
    flag = lambda_function.handler(envelope(intent_request("EmergencyRedFlagIntent")), None)
    assert flag["response"]["outputSpeech"]["ssml"].startswith("<speak>Get emergency help now.")
    assert flag["response"]["shouldEndSession"] is True


def test_the_lambda_handler_refuses_another_skill(monkeypatch):
    monkeypatch.setenv("SKILL_ID", "amzn1.ask.skill.mine")
    with pytest.raises(ValueError, match="another skill"):
        lambda_function.handler(envelope({"type": "LaunchRequest"}, skill_id=SKILL_ID), None)


def test_the_lambda_handler_refuses_another_skill_named_in_the_session(monkeypatch):
    monkeypatch.setenv("SKILL_ID", SKILL_ID)
    event = envelope({"type": "LaunchRequest"})
    event["session"]["application"]["applicationId"] = "amzn1.ask.skill.someone-else"
    with pytest.raises(ValueError, match="another skill"):
        lambda_function.handler(event, None)


def test_sqlite_is_refused_on_lambda(monkeypatch):
    monkeypatch.setenv("SKILL_STORE", "sqlite")
    with pytest.raises(RuntimeError, match="not supported on Lambda"):
        lambda_function.handler(envelope({"type": "LaunchRequest"}), None)


def test_the_lambda_entry_point_imports_no_flask_no_verifier_and_no_sqlite():
    # Nor `requests` (Alexa's APIs are called on few requests) or the APL models (only for screens): each
    # costs a cold start 15 to 70 ms (bench/coldstart.py).
    import subprocess
    import sys

    code = ("import sys, json; from skill.lambda_function import handler; "
            "handler(json.load(open('tests/requests/launch.json')), None); "
            "print(json.dumps(sorted(m for m in ('flask', 'werkzeug', 'ask_sdk_webservice_support', 'certvalidator', "
            "'cryptography', 'sqlite3', 'xml.etree.ElementTree', 'requests', "
            "'ask_sdk_model.interfaces.alexa.presentation.apl') if m in sys.modules)))")
    root = Path(__file__).resolve().parent.parent
    result = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True,
                            env={"PATH": "/usr/bin:/bin"})
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []


def test_compiled_content_is_the_same_content_and_a_stale_copy_is_ignored(tmp_path):
    from skill import content as content_module

    yaml_file = tmp_path / "en-US.yaml"
    yaml_file.write_bytes((Path(content_module.CONTENT_DIR) / "en-US.yaml").read_bytes())
    from_yaml = content_module.load("en-US", tmp_path)
    content_module.compile_file(yaml_file)
    import dataclasses

    compiled = content_module.load("en-US", tmp_path)
    assert dataclasses.replace(compiled, matcher=None) == dataclasses.replace(from_yaml, matcher=None)  # type: ignore[arg-type]
    yaml_file.write_bytes(yaml_file.read_bytes().replace(b"skill_name: Back Spasm Helper", b"skill_name: Edited"))
    assert content_module.load("en-US", tmp_path).skill_name == "Edited"  # the YAML wins once they differ


def test_with_compiled_content_a_cold_start_never_imports_yaml(tmp_path):
    import shutil
    import subprocess
    import sys

    root = Path(__file__).resolve().parent.parent
    copy = tmp_path / "deployed"
    shutil.copytree(root / "skill", copy / "skill", ignore=shutil.ignore_patterns("__pycache__", "*.compiled.json"))
    shutil.copytree(root / "tests" / "requests", copy / "requests")
    code = ("import sys, json; from skill.lambda_function import handler; "
            "r = handler(json.load(open('requests/launch.json')), None); "
            "print('yaml' in sys.modules, r['response']['outputSpeech']['ssml'][:30])")
    def run() -> list[str]:
        return subprocess.run([sys.executable, "-c", code], cwd=copy, capture_output=True, text=True, check=True,
                              env={"PATH": "/usr/bin:/bin"}).stdout.split()

    assert run()[0] == "True"  # no compiled copy: the YAML is read
    subprocess.run([sys.executable, "-m", "skill.package", "--compile"], cwd=copy, check=True, capture_output=True)
    assert run()[:2] == ["False", "<speak>Welcome"]
