"""The DynamoDB store end to end: the ASK SDK's real adapter and boto3 over HTTP, against moto's server on loopback.

Each test gets a table made as the CloudFormation template makes it, and talks to the skill in full Alexa request
envelopes, through the Lambda handler (as deployed) or the Flask app with SKILL_STORE=dynamodb. A missing setting
(region, table, credentials) is one line at start-up, from app.py and from the bundle's Lambda entry alike.
"""
from __future__ import annotations

import json
import os
import subprocess
import time
import uuid
from decimal import Decimal
from pathlib import Path

import pytest

from skill import create_app, lambda_function
from skill.storage import store
from skill.storage.dynamodb_store import EXPIRES_AT, RETENTION_SECONDS
from skill.words import content as content_module

from .alexa import Alexa, UtteranceRouter, back_to, resume_offer
from .aws import (
    AWS_NAMES,
    ROOT,
    LambdaClient,
    aws_environment,
    build_bundle,
    bundle_search_path,
    create_table_as_the_template_does,
    dynamodb,
    moto_server,
    no_aws_files,
    resource,
    run_in_bundle,
    shared_botocore_data,
)
from .launch import run_file

CONTENT = content_module.load()
USER = "amzn1.ask.account.TESTUSER"
ROUTER = UtteranceRouter()


@pytest.fixture(scope="module")
def endpoint():
    with moto_server() as url, shared_botocore_data():
        yield url


@pytest.fixture
def table(endpoint, monkeypatch, tmp_path) -> str:
    """A fresh table, made as the template makes it; the skill's settings point at it (Lambda's, as the stack sets them)."""
    for name in (*AWS_NAMES, "SKILL_ID"):
        monkeypatch.delenv(name, raising=False)
    for name, value in aws_environment(endpoint, tmp_path).items():
        monkeypatch.setenv(name, value)
    name = f"users-{uuid.uuid4().hex[:12]}"
    create_table_as_the_template_does(dynamodb(endpoint), name)
    monkeypatch.setenv("SKILL_STORE", "dynamodb")
    monkeypatch.setenv("SKILL_DYNAMODB_TABLE", name)
    # The skill waits 0.25 s for DynamoDB (tests/test_memory.py checks that); moto on a busy shared machine can
    # take longer, so the tests allow it more, to stay deterministic. Nothing else about the store is changed.
    monkeypatch.setattr(store, "DYNAMODB_TIMEOUTS", {**store.DYNAMODB_TIMEOUTS, "connect_timeout": 5, "read_timeout": 5})
    monkeypatch.setattr(lambda_function, "_skill", None)
    return name


def item(endpoint: str, table: str, user: str = USER) -> dict | None:
    """The user's item as DynamoDB holds it (attribute values in DynamoDB's typed form)."""
    found: dict | None = dynamodb(endpoint).get_item(TableName=table, Key={"id": {"S": user}}, ConsistentRead=True).get("Item")
    return found


def remembered(endpoint: str, table: str) -> dict:
    """The user's remembered attributes, as the skill wrote them."""
    from boto3.dynamodb.types import TypeDeserializer

    found = item(endpoint, table)
    assert found is not None
    attributes: dict = TypeDeserializer().deserialize(found["attributes"])
    return attributes


def lambda_conversation() -> Alexa:
    """A new Lambda instance (the skill built afresh), and a conversation with it."""
    lambda_function._skill = None
    return Alexa(LambdaClient(), ROUTER)


def test_the_table_is_the_one_the_store_uses_and_expires_what_it_writes():
    _, table = resource("AWS::DynamoDB::Table")
    assert table["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]  # the SDK adapter's partition key
    assert table["AttributeDefinitions"] == [{"AttributeName": "id", "AttributeType": "S"}]
    assert table["BillingMode"] == "PAY_PER_REQUEST"
    assert table["TimeToLiveSpecification"] == {"AttributeName": EXPIRES_AT, "Enabled": True}


def test_a_first_visit_creates_the_item_and_a_later_one_reads_it(endpoint, table):
    alexa = lambda_conversation()
    assert item(endpoint, table) is None
    first = alexa.launch()
    assert CONTENT.prompts["disclaimer"] in first.speech
    assert remembered(endpoint, table) == {"visits": 1, "disclaimer_heard": True}
    alexa.say("stop")

    again = lambda_conversation().launch()  # a later visit, on another instance: only DynamoDB remembers
    assert again.speech.startswith(CONTENT.prompts["welcome_back"])
    assert CONTENT.prompts["disclaimer"] not in again.speech
    assert remembered(endpoint, table)["visits"] == 2


def test_a_routine_left_midway_is_offered_back_and_resumed(endpoint, table):
    """Numbers come back from DynamoDB as Decimals: the stored step and pace must still read as a place."""
    alexa = lambda_conversation()
    alexa.launch()
    alexa.say("guide me through positions")
    alexa.say("slower")
    alexa.say("next")
    alexa.end_session("EXCEEDED_MAX_REPROMPTS")
    stored = item(endpoint, table)
    assert stored is not None and stored["attributes"]["M"]["routine"]["M"]["step"] == {"N": "1"}

    later = lambda_conversation()
    offer = later.launch()
    assert resume_offer(CONTENT, "positions", 1) in offer.speech
    picked_up = later.say("yes")
    assert picked_up.speech.startswith(back_to(CONTENT, "positions", 1))
    assert picked_up.attributes["routine"]["step"] == 1 and picked_up.attributes["routine"]["pace"] == 2
    later.say("stop")
    assert "routine" not in remembered(endpoint, table)  # the update removed it
    assert remembered(endpoint, table)["pace"] == 2


def test_every_save_sets_the_expiry_the_template_names_a_retention_period_ahead(endpoint, table):
    described = dynamodb(endpoint).describe_time_to_live(TableName=table)["TimeToLiveDescription"]
    assert described == {"AttributeName": EXPIRES_AT, "TimeToLiveStatus": "ENABLED"}
    before = time.time()
    lambda_conversation().launch()
    first = int(item(endpoint, table)[EXPIRES_AT]["N"])  # type: ignore[index]
    assert before + RETENTION_SECONDS - 1 <= first <= time.time() + RETENTION_SECONDS
    assert RETENTION_SECONDS == 90 * 86400  # what README and docs/privacy.md promise
    time.sleep(1.1)
    lambda_conversation().launch()  # a later visit saves again, and the record lives on from then
    assert int(item(endpoint, table)[EXPIRES_AT]["N"]) > first  # type: ignore[index]


def test_an_expired_record_is_a_new_user_even_before_dynamodb_deletes_it(endpoint, table):
    alexa = lambda_conversation()
    alexa.launch()
    alexa.say("stop")
    lambda_conversation().launch()
    assert remembered(endpoint, table)["visits"] == 2
    dynamodb(endpoint).update_item(TableName=table, Key={"id": {"S": USER}}, UpdateExpression="SET #e = :past",
                                   ExpressionAttributeNames={"#e": EXPIRES_AT},
                                   ExpressionAttributeValues={":past": {"N": str(int(time.time()) - 1)}})
    reply = lambda_conversation().launch()
    assert CONTENT.prompts["disclaimer"] in reply.speech and not reply.speech.startswith(CONTENT.prompts["welcome_back"])
    assert remembered(endpoint, table) == {"visits": 1, "disclaimer_heard": True}
    assert int(item(endpoint, table)[EXPIRES_AT]["N"]) > time.time()  # type: ignore[index]


def test_forget_me_deletes_the_item(endpoint, table):
    alexa = lambda_conversation()
    alexa.launch()
    assert item(endpoint, table) is not None
    alexa.say("forget me")
    reply = alexa.say("yes")
    assert reply.speech.startswith(CONTENT.prompts["forget_done"])
    assert item(endpoint, table) is None
    assert dynamodb(endpoint).scan(TableName=table)["Count"] == 0


def test_the_flask_app_remembers_users_in_dynamodb_too(endpoint, table):
    config = {"VERIFY_SIGNATURE": False, "VERIFY_TIMESTAMP": False, "STORE": "dynamodb", "DYNAMODB_TABLE": table}
    Alexa(create_app(config).test_client(), ROUTER).launch()
    again = Alexa(create_app(config).test_client(), ROUTER).launch()  # a restart: only DynamoDB remembers
    assert again.speech.startswith(CONTENT.prompts["welcome_back"])
    assert remembered(endpoint, table)["visits"] == 2


def test_floats_are_written_as_numbers_and_read_back_as_floats(endpoint, table):
    from skill.storage.dynamodb_store import from_dynamodb, to_dynamodb

    value = {"a": 1.5, "b": [2, 0.1], "c": {"d": True, "e": "x"}}
    assert to_dynamodb(value) == {"a": Decimal("1.5"), "b": [2, Decimal("0.1")], "c": {"d": True, "e": "x"}}
    assert from_dynamodb(to_dynamodb(value)) == value and type(from_dynamodb(Decimal("2"))) is int


# --- The deployed bundle, in a fresh interpreter ---------------------------------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    return build_bundle(tmp_path_factory.mktemp("bundle") / "lambda")


TWO_VISITS = f"""
import json, lambda_function
event = json.loads({(ROOT / "tests" / "requests" / "launch.json").read_text()!r})
for visit in (1, 2):
    event["request"]["requestId"] = f"amzn1.echo-api.request.{{visit}}"
    print(lambda_function.handler(event, None)["response"]["outputSpeech"]["ssml"])
"""


def test_the_built_bundle_remembers_users_in_dynamodb(endpoint, built, tmp_path):
    name = f"users-{uuid.uuid4().hex[:12]}"
    create_table_as_the_template_does(dynamodb(endpoint), name)
    env = {**aws_environment(endpoint, tmp_path), "SKILL_STORE": "dynamodb", "SKILL_DYNAMODB_TABLE": name}
    result = run_in_bundle(built, TWO_VISITS, env, tmp_path)
    assert result.returncode == 0 and "store:" not in result.stderr, result.stderr
    first, second = result.stdout.splitlines()
    assert first.startswith(f"<speak>{CONTENT.prompts['welcome_first']}")
    assert second.startswith(f"<speak>{CONTENT.prompts['welcome_back']}")
    user = json.loads((ROOT / "tests" / "requests" / "launch.json").read_text())["context"]["System"]["user"]["userId"]
    assert item(endpoint, name, user) is not None


# --- A missing setting is one line at start-up ------------------------------------------------------------

MISSING = {  # what is left out -> what the one line must name
    "region": ("AWS_DEFAULT_REGION", ["needs an AWS region", "AWS_REGION", "AWS_DEFAULT_REGION"]),
    "table": ("SKILL_DYNAMODB_TABLE", ["needs SKILL_DYNAMODB_TABLE", "set it"]),
    "credentials": ("AWS_ACCESS_KEY_ID", ["found no AWS credentials", "AWS_ACCESS_KEY_ID", "IAM role"]),
}


def settings_without(what: str, tmp_path: Path) -> dict[str, str]:
    env = {**aws_environment("http://127.0.0.1:1", tmp_path), "SKILL_STORE": "dynamodb", "SKILL_DYNAMODB_TABLE": "users",
           "SKILL_ID": "amzn1.ask.skill.x"}
    env.pop(MISSING[what][0])
    if what == "credentials":
        env.pop("AWS_SECRET_ACCESS_KEY")
    return env


def start_app(env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """`python app.py`'s start-up (it builds the app and stops), from the checkout, in a fork of this process with
    only these settings (tests/launch.py; tests/test_startup.py starts it in a new interpreter too)."""
    return run_file("app.py", ["app.py"], {"PATH": "/usr/bin:/bin", "SKILL_DB_PATH": str(tmp_path / "s.sqlite3"), **env},
                    ROOT, run_name="not_main", timeout=120)


def start_lambda(built: Path, env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """The bundle's handler file imported as Lambda imports it when the function starts: in a fork of this process
    that forgets the checkout's skill and searches the bundle first, as run_in_bundle's new interpreter does (the
    built bundle's own tests above, and tests/test_deploy.py, run it in one)."""
    script = tmp_path / "start_lambda.py"
    script.write_text("import lambda_function\n")
    return run_file(script, [str(script)], {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LOG_LEVEL": "WARNING", **env},
                    tmp_path, timeout=120, fresh=("skill", "lambda_function"), search_path=bundle_search_path(built))


@pytest.mark.parametrize("what", sorted(MISSING))
@pytest.mark.parametrize("entry", ["app.py", "lambda_function.py"])
def test_a_missing_setting_is_one_line_naming_it_and_the_fix(built, tmp_path, entry, what):
    env = settings_without(what, tmp_path)
    result = start_app(env, tmp_path) if entry == "app.py" else start_lambda(built, env, tmp_path)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("back-spasm-helper: cannot start: SKILL_STORE=dynamodb")
    assert all(words in lines[0] for words in MISSING[what][1]), lines[0]


@pytest.mark.parametrize("entry", ["app.py", "lambda_function.py"])
def test_aws_region_alone_is_enough(built, tmp_path, entry):
    """botocore reads AWS_DEFAULT_REGION; Lambda sets both, and people set AWS_REGION, which is read too."""
    env = {**settings_without("region", tmp_path), "AWS_REGION": "eu-west-1"}
    result = start_app(env, tmp_path) if entry == "app.py" else start_lambda(built, env, tmp_path)
    assert result.returncode == 0, result.stderr


def test_a_named_aws_profile_that_does_not_exist_is_one_line(built, tmp_path):
    env = {**settings_without("credentials", tmp_path), "AWS_PROFILE": "nobody"}
    result = start_lambda(built, env, tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        "back-spasm-helper: cannot start: SKILL_STORE=dynamodb cannot use the AWS settings: "
        "The config profile (nobody) could not be found"]


def test_no_settings_at_all_on_lambda_is_a_skill_without_memory(built, tmp_path):
    result = run_in_bundle(built, TWO_VISITS, no_aws_files(tmp_path), tmp_path)
    assert result.returncode == 0, result.stderr
    visits = result.stdout.splitlines()
    assert len(visits) == 2 and all(line.startswith(f"<speak>{CONTENT.prompts['welcome_first']}") for line in visits)
