"""The same skill as an AWS Lambda handler."""
from __future__ import annotations

import copy
import json
import os
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from skill import create_app, lambda_function

from .alexa import SKILL_ID, envelope, intent_request
from .test_hostile import json_values, mutated_envelopes

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



def fresh_interpreter(code: str) -> str:
    """What `code` prints in a new interpreter started in the checkout, as Lambda starts one: nothing imported yet."""
    import subprocess

    root = Path(__file__).resolve().parent.parent
    return subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(root)}).stdout

def test_the_lambda_entry_point_imports_no_flask_no_verifier_and_no_sqlite():
    # Nor `requests` (Alexa's APIs are called on few requests) or the APL models (only for screens): each
    # costs a cold start 15 to 70 ms (bench/coldstart.py). Nor, for a few ms more, time zones (reminders only),
    # the dialog models (triage's questions) or the Connections models (permission questions and answers).

    code = ("import sys, json; from skill.lambda_function import handler; "
            "handler(json.load(open('tests/requests/launch.json')), None); "
            "print(json.dumps(sorted(m for m in ('flask', 'werkzeug', 'ask_sdk_webservice_support', 'certvalidator', "
            "'cryptography', 'sqlite3', 'xml.etree.ElementTree', 'requests', "
            "'ask_sdk_model.interfaces.alexa.presentation.apl', 'zoneinfo', 'ask_sdk_model.dialog', "
            "'ask_sdk_model.interfaces.connections') if m in sys.modules)))")
    assert json.loads(fresh_interpreter(code).strip().splitlines()[-1]) == []


def test_a_cold_start_that_hears_no_words_never_reads_the_warning_sign_phrases():
    # Reading them takes tens of milliseconds (bench/coldstart.py); a launch has no words to screen.

    code = ("import json; from skill.lambda_function import handler; from skill.words import content; "
            "handler(json.load(open('tests/requests/launch.json')), None); "
            "screens = [c.warning_screen for c in content._LOADED.values()]; "
            "print(len(screens), sum('_tables' in s.__dict__ for s in screens)); "
            "event = json.load(open('tests/requests/see-doctor.json')); "
            "event['request']['intent'] = {'name': 'QuestionIntent', 'slots': {'query': {'name': 'query', 'value': 'is tingling bad'}}}; "
            "handler(event, None); "
            "print(sum('_tables' in s.__dict__ for s in screens))")
    assert fresh_interpreter(code).split() == ["1", "0", "1"]  # one locale loaded; read only once words came


def test_compiled_content_is_the_same_content_and_a_stale_copy_is_ignored(tmp_path):
    from skill.words import content as content_module

    yaml_file = tmp_path / "en-US.yaml"
    yaml_file.write_bytes((Path(content_module.CONTENT_DIR) / "en-US.yaml").read_bytes())
    from_yaml = content_module.load("en-US", tmp_path)
    content_module.compile_file(yaml_file)
    import dataclasses

    compiled = content_module.load("en-US", tmp_path)
    assert dataclasses.replace(compiled, matcher=None) == dataclasses.replace(from_yaml, matcher=None)  # type: ignore[arg-type]
    yaml_file.write_bytes(yaml_file.read_bytes().replace(b"skill_name: Back Spasm Helper", b"skill_name: Edited"))
    assert content_module.load("en-US", tmp_path).skill_name == "Edited"  # the YAML wins once they differ


def test_a_checkout_leaves_a_compiled_copy_as_python_leaves_bytecode_and_an_edit_is_read_again(tmp_path, monkeypatch):
    from skill.words import content as content_module

    yaml_file = tmp_path / "en-US.yaml"
    yaml_file.write_bytes((Path(content_module.CONTENT_DIR) / "en-US.yaml").read_bytes())
    copy_file = content_module.compiled(yaml_file)
    monkeypatch.setattr(sys, "dont_write_bytecode", True)  # -B or PYTHONDONTWRITEBYTECODE: no caches left behind
    content_module._PARSED.clear()
    content_module.load("en-US", tmp_path)
    assert not copy_file.exists()

    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    content_module._PARSED.clear()
    content_module._LOADED.clear()  # as a fresh process: nothing read yet
    from_yaml = content_module.load("en-US", tmp_path)
    assert json.loads(copy_file.read_text())["data"]["skill_name"] == from_yaml.skill_name == "Back Spasm Helper"
    assert sorted(tmp_path.iterdir()) == sorted([yaml_file, copy_file])  # no temporary file left beside them

    yaml_file.write_bytes(yaml_file.read_bytes().replace(b"skill_name: Back Spasm Helper", b"skill_name: Edited"))
    assert content_module.load("en-US", tmp_path).skill_name == "Edited"  # the copy no longer matches: YAML read
    assert json.loads(copy_file.read_text())["data"]["skill_name"] == "Edited"

    def refused(*args: object) -> None:
        raise PermissionError("read-only file system")

    yaml_file.write_bytes(yaml_file.read_bytes().replace(b"skill_name: Edited", b"skill_name: Again"))
    monkeypatch.setattr(os, "replace", refused)  # a folder it cannot write to: it loads all the same
    assert content_module.load("en-US", tmp_path).skill_name == "Again"
    assert sorted(tmp_path.iterdir()) == sorted([yaml_file, copy_file])


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


# --- Every event the skill cannot use is one clear error: a ValueError with a short reason -----------
#
# Alexa invokes the function directly; an event it cannot use is answered as the ASK SDK answers a request
# for another skill: by raising, so Lambda reports the invocation failed and Alexa tells the user the skill
# had a problem. The error is a ValueError whose message is one short line, never an AttributeError or
# TypeError from deep inside the SDK. The web endpoint answers the same events with a 400.

WEB = {skill_id: create_app({"VERIFY_SIGNATURE": False, "VERIFY_TIMESTAMP": False, "STORE": "none",
                             "SKILL_ID": skill_id}).test_client() for skill_id in (None, SKILL_ID)}


def lambda_status(event) -> int:
    """200 for a well-formed Alexa response, 400 for the one error the handler may raise; anything else fails."""
    try:
        reply = lambda_function.handler(copy.deepcopy(event), None)
    except ValueError as error:
        reason = str(error)
        assert reason and "\n" not in reason and len(reason) <= 120, reason
        return 400
    assert isinstance(reply, dict) and reply.get("version") == "1.0" and isinstance(reply.get("response"), dict)
    return 200


def web_status(event, skill_id) -> int:
    return WEB[skill_id].post("/", data=json.dumps(event), content_type="application/json").status_code


def check_like_the_web_endpoint(event, skill_id) -> None:
    assert lambda_status(event) == web_status(event, skill_id), json.dumps(event)[:500]


FUZZ = settings(deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@pytest.mark.parametrize("skill_id", [None, SKILL_ID])
@FUZZ
@given(event=st.one_of(json_values, mutated_envelopes()))
def test_junk_events_get_what_the_web_endpoint_gives_a_response_or_a_value_error(monkeypatch, skill_id, event):
    if skill_id:
        monkeypatch.setenv("SKILL_ID", skill_id)
    # A body over the web app's size cap gets 413 there before it is read; Lambda's own cap (6 MB) is AWS's.
    assume(len(json.dumps(event)) <= WEB[skill_id].application.config["MAX_CONTENT_LENGTH"])
    check_like_the_web_endpoint(event, skill_id)


@pytest.mark.parametrize("event", [None, [], [envelope({"type": "LaunchRequest"})], "LaunchRequest", "", 0, 1.5, True])
def test_an_event_that_is_not_an_object_is_a_value_error(event):
    with pytest.raises(ValueError, match="not an Alexa request"):
        lambda_function.handler(event, None)


def without(path: str) -> dict:
    event = envelope({"type": "LaunchRequest"})
    *parents, last = path.split(".")
    node = event
    for key in parents:
        node = node[key]
    del node[last]
    return event


@pytest.mark.parametrize("path", ["context.System.application", "context.System.application.applicationId",
                                  "context.System", "context", "request.type", "request"])
def test_with_a_skill_id_set_an_event_missing_its_parts_is_a_value_error(monkeypatch, path):
    """Issue 21: with SKILL_ID set and context.System.application missing, the SDK raised AttributeError."""
    monkeypatch.setenv("SKILL_ID", SKILL_ID)
    with pytest.raises(ValueError):
        lambda_function.handler(without(path), None)
    assert web_status(without(path), SKILL_ID) == 400  # not a 500 on the web endpoint either


@pytest.mark.parametrize("depth", [33, 500, 5000])
def test_an_event_nested_deeper_than_any_alexa_request_is_a_value_error(depth):
    inner: list = []
    for _ in range(depth):
        inner = [inner]
    event = envelope({"type": "LaunchRequest"}, attributes={"x": inner})
    with pytest.raises(ValueError, match="nested too deep"):
        lambda_function.handler(event, None)
    if depth < 900:  # json.dumps itself recurses
        assert web_status(event, None) == 400


def test_an_envelope_as_deep_as_the_limit_is_answered():
    inner: list = []
    for _ in range(32 - 4):  # the envelope, session, attributes and "x" take four levels
        inner = [inner]
    assert lambda_status(envelope({"type": "LaunchRequest"}, attributes={"x": inner})) == 200


def test_a_request_type_no_handler_knows_is_a_value_error_or_an_answer_never_a_traceback():
    check_like_the_web_endpoint(envelope({"type": "Made.Up.Request"}), None)
