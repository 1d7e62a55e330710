"""The same skill as an AWS Lambda handler."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from ask_sdk_core.exceptions import AskSdkException

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
    with pytest.raises(AskSdkException):
        lambda_function.handler(envelope({"type": "LaunchRequest"}, skill_id=SKILL_ID), None)


def test_sqlite_is_refused_on_lambda(monkeypatch):
    monkeypatch.setenv("SKILL_STORE", "sqlite")
    with pytest.raises(RuntimeError, match="not supported on Lambda"):
        lambda_function.handler(envelope({"type": "LaunchRequest"}), None)


def test_the_lambda_entry_point_imports_no_flask_no_verifier_and_no_sqlite():
    import subprocess
    import sys

    code = ("import sys, json; from skill.lambda_function import handler; "
            "handler(json.load(open('tests/requests/launch.json')), None); "
            "print(json.dumps(sorted(m for m in ('flask', 'werkzeug', 'ask_sdk_webservice_support', 'certvalidator', "
            "'cryptography', 'sqlite3', 'xml.etree.ElementTree') if m in sys.modules)))")
    root = Path(__file__).resolve().parent.parent
    result = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True,
                            env={"PATH": "/usr/bin:/bin"})
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []
