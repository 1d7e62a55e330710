"""Deploying to AWS Lambda with the ASK CLI: the code folder `python -m skill.package lambda` builds, and the stack.

The bundle is built from nothing each time and answers in an interpreter that sees only it; it carries no developer
tool, and its requirements are what the Lambda path imports. The CloudFormation template passes cfn-lint, takes
what the ASK CLI's cfn-deployer passes, and grants no more than the skill uses.
"""
from __future__ import annotations

import importlib.metadata
import json
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from skill.dev import bundle
from skill.words import content as content_module

from .aws import ROOT, TEMPLATE, aws_environment, build_bundle, resource, run_in_bundle, template

CONTENT = content_module.load()
RESOURCES = json.loads((ROOT / "ask-resources.json").read_text())["profiles"]["default"]
LAUNCH = (ROOT / "tests" / "requests" / "launch.json").read_text()
HEAT_OR_ICE = (ROOT / "tests" / "requests" / "heat-or-ice.json").read_text()


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    return build_bundle(tmp_path_factory.mktemp("bundle") / "lambda")


# --- The bundle: built from nothing, never stale ----------------------------------------------------


def project_copy(tmp_path: Path) -> Path:
    """What `python -m skill.package lambda` reads, copied: the package, pyproject.toml and ask-resources.json."""
    copy = tmp_path / "project"
    shutil.copytree(ROOT / "skill", copy / "skill", ignore=shutil.ignore_patterns("__pycache__", "*.compiled.json"))
    for name in ("pyproject.toml", "ask-resources.json"):
        shutil.copy(ROOT / name, copy / name)
    return copy


def package_lambda(copy: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "skill.package", "lambda"], cwd=copy, capture_output=True, text=True,
                          timeout=120, env={"PATH": "/usr/bin:/bin"})


def test_a_rebuild_after_a_content_edit_has_the_edit_and_nothing_old(tmp_path):
    copy = project_copy(tmp_path)
    assert package_lambda(copy).returncode == 0
    folder = copy / "lambda"  # ask-resources.json's code src
    assert (folder / "lambda_function.py").is_file()
    (folder / "skill" / "left_over.py").write_text("stale = True\n")  # as a renamed or deleted module would leave

    content_file = copy / "skill" / "content" / "en-US.yaml"
    old, new = "welcome_first: Welcome to Back Spasm Helper.", "welcome_first: Hello, and welcome to Back Spasm Helper."
    assert old in content_file.read_text()
    content_file.write_text(content_file.read_text().replace(old, new))
    result = package_lambda(copy)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("built lambda/")

    compiled = (folder / "skill" / "content" / "en-US.yaml.compiled.json").read_text()
    assert "Hello, and welcome to Back Spasm Helper." in compiled and "Welcome to Back Spasm Helper." not in compiled
    assert not (folder / "skill" / "left_over.py").exists()
    reply = run_in_bundle(folder, f"import json, lambda_function; print(json.dumps(lambda_function.handler(json.loads({LAUNCH!r}), None)))",
                          {}, tmp_path)
    assert reply.returncode == 0, reply.stderr
    assert json.loads(reply.stdout)["response"]["outputSpeech"]["ssml"].startswith("<speak>Hello, and welcome to Back Spasm Helper.")


def test_a_content_mistake_stops_the_build_in_one_line(tmp_path):
    copy = project_copy(tmp_path)
    content_file = copy / "skill" / "content" / "en-US.yaml"
    content_file.write_text(content_file.read_text().replace("welcome_first: Welcome to", "welcome_first: [Welcome to"))
    result = package_lambda(copy)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "en-US.yaml: not valid YAML" in result.stderr


def test_a_folder_the_builder_did_not_make_is_never_deleted(tmp_path):
    copy = project_copy(tmp_path)
    (copy / "lambda").mkdir()
    (copy / "lambda" / "notes.txt").write_text("mine")
    result = package_lambda(copy)
    assert result.returncode == 1 and "was not made by python -m skill.package lambda" in result.stderr
    assert (copy / "lambda" / "notes.txt").read_text() == "mine"


def test_the_bundle_answers_a_launch_request_in_a_fresh_interpreter_that_sees_only_it(built, tmp_path):
    code = f"""
import json, lambda_function
reply = lambda_function.handler(json.loads({LAUNCH!r}), None)
print(json.dumps({{"reply": reply, "yaml": "yaml" in sys.modules, "flask": "flask" in sys.modules,
                  "skill": sorted({{getattr(m, "__file__", None) or "" for name, m in sys.modules.items()
                                   if name == "skill" or name.startswith("skill.")}})}}))
"""
    result = run_in_bundle(built, code, {}, tmp_path)
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert found["reply"]["response"]["outputSpeech"]["ssml"].startswith(f"<speak>{CONTENT.prompts['welcome_first']}")
    assert found["skill"] and all(path.startswith(f"{built}/skill/") for path in found["skill"]), found["skill"]
    assert not found["yaml"] and not found["flask"]  # the content is compiled; the web side never loads


# skill/dev/ and the two modules that keep `python -m skill.simulate` and `python -m skill.package` working.
DEVELOPER_TOOLS = {"skill/dev", "skill/simulate.py", "skill/package.py", "skill/__main__.py"}


def test_the_bundle_carries_no_developer_tool_no_cache_and_nothing_but_the_skill(built):
    files = {path.relative_to(built).as_posix() for path in built.rglob("*")}
    assert not files & DEVELOPER_TOOLS and not [name for name in files if name.startswith("skill/dev/")]
    assert not [name for name in files if "__pycache__" in name or name.endswith(".pyc")]
    assert {name.split("/")[0] for name in files} == {"skill", "lambda_function.py", "requirements.txt", bundle.MARKER}
    checkout = {path.relative_to(ROOT).as_posix() for path in (ROOT / "skill").rglob("*.py") if "__pycache__" not in path.parts}
    tools = {name for name in checkout if name in DEVELOPER_TOOLS or name.startswith("skill/dev/")}
    assert "skill/dev/bundle.py" in tools and checkout - tools <= files  # the whole runtime package, and only it
    assert {"skill/content/en-US.yaml.compiled.json", "skill/content/locales.yaml.compiled.json"} <= files


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_requirements_are_what_the_lambda_path_imports_and_nothing_else(built, tmp_path):
    """Run the bundle with memory on (the store refused at once: nothing listens) and see what it loaded."""
    code = f"""
import importlib.metadata, json, lambda_function
for event in (json.loads({LAUNCH!r}), json.loads({HEAT_OR_ICE!r})):
    assert lambda_function.handler(event, None)["response"]["outputSpeech"]["ssml"]
owners = importlib.metadata.packages_distributions()
tops = {{name.split(".")[0] for name in sys.modules}} - set(sys.stdlib_module_names) - {{"skill", "lambda_function"}}
print(json.dumps({{"distributions": sorted({{d for top in tops for d in owners.get(top, [])}}),
                  "zoneinfo": "zoneinfo" in sys.modules}}))
"""
    env = {**aws_environment(f"http://127.0.0.1:{closed_port()}", tmp_path), "SKILL_STORE": "dynamodb",
           "SKILL_DYNAMODB_TABLE": "users"}
    result = run_in_bundle(built, code, env, tmp_path)
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout.strip().splitlines()[-1])
    imported = {bundle.normalized(name) for name in found["distributions"]}
    # zoneinfo is imported only when a reminder or timer needs a time zone (not at launch: a cold start skips it);
    # its fallback, where a runtime has no zone files, is the tzdata package, listed for that.
    assert "from zoneinfo import" in (ROOT / "skill" / "platform" / "alexa_api.py").read_text()

    listed = [line for line in (built / "requirements.txt").read_text().splitlines() if line and not line.startswith("#")]
    names = {bundle.normalized(line.split("=")[0].split(">")[0].split("<")[0].strip()) for line in listed}
    assert names == set(bundle.LAMBDA_REQUIREMENTS)
    assert names <= imported | {"tzdata"}, names - imported  # nothing listed that the Lambda path does not import
    installed = list(importlib.metadata.distributions())
    covered = bundle.needed(installed, names) | bundle.needed(installed, bundle.PROVIDED, provided=())
    assert imported <= covered, imported - covered  # and everything it imports is listed, or came with what is
    assert not names & {"flask", "gunicorn", "cryptography", "boto3", "botocore", "pyyaml", "ask-sdk-webservice-support"}


def test_the_bundle_and_its_dependencies_fit_in_10_mb_unpacked(built):
    """As `--install` leaves it (no boto3 or botocore, no caches), measured from this machine's installed copies."""
    installed = list(importlib.metadata.distributions())
    by_name = {bundle.normalized(d.metadata["Name"]): d for d in installed}
    total = bundle.unpacked_bytes(built)
    for name in bundle.needed(installed, bundle.LAMBDA_REQUIREMENTS):
        for file in by_name[name].files or []:
            path = Path(str(by_name[name].locate_file(file)))
            if "__pycache__" not in file.parts and ".." not in file.parts and path.is_file():
                total += path.stat().st_size
    assert "boto3" not in bundle.needed(installed, bundle.LAMBDA_REQUIREMENTS)
    assert 1_000_000 < total <= bundle.MAX_UNPACKED_BYTES, total


def test_the_needed_dependencies_leave_out_boto3_and_what_only_it_needs():
    installed = list(importlib.metadata.distributions())
    kept = bundle.needed(installed, bundle.LAMBDA_REQUIREMENTS)
    assert {"ask-sdk-core", "requests", "urllib3", "python-dateutil", "tzdata"} <= kept
    assert not kept & {"boto3", "botocore", "s3transfer", "jmespath"}


# --- ask-resources.json and the template -----------------------------------------------------------


def test_ask_resources_names_the_code_folder_the_runtime_and_the_handler():
    assert bundle.code_folder() == ROOT / "lambda"
    infrastructure = RESOURCES["skillInfrastructure"]
    assert infrastructure["type"] == "@ask-cli/cfn-deployer"
    config = infrastructure["userConfig"]
    assert config["runtime"] == bundle.RUNTIME and config["handler"] == bundle.HANDLER
    assert (ROOT / config["templatePath"]).resolve() == TEMPLATE


def test_runtime_and_architecture_are_the_same_everywhere():
    parameters = template()["Parameters"]
    assert parameters["LambdaRuntime"]["AllowedValues"] == [bundle.RUNTIME] == [parameters["LambdaRuntime"]["Default"]]
    assert parameters["LambdaHandler"]["Default"] == bundle.HANDLER
    _, function = resource("AWS::Lambda::Function")
    assert function["Architectures"] == [bundle.ARCHITECTURE] and bundle.PLATFORM.endswith(bundle.ARCHITECTURE)
    assert bundle.RUNTIME == f"python{bundle.PYTHON_VERSION}"
    readme = (ROOT / "README.md").read_text()
    assert f"`{bundle.RUNTIME}`" in readme and f"`{bundle.ARCHITECTURE}`" in readme


# What the cfn-deployer passes (ask-cli lib/builtins/deploy-delegates/cfn-deployer/index.js, _mapStackParameters);
# SkillClientId and SkillClientSecret only when the template names them.
DEPLOYER_PARAMETERS = {"SkillId", "LambdaRuntime", "LambdaHandler", "CodeBucket", "CodeKey", "CodeVersion"}


def test_the_template_takes_what_the_cfn_deployer_passes_and_needs_nothing_else():
    parameters = template()["Parameters"]
    assert set(parameters) == DEPLOYER_PARAMETERS
    _, function = resource("AWS::Lambda::Function")
    assert function["Code"] == {"S3Bucket": {"Ref": "CodeBucket"}, "S3Key": {"Ref": "CodeKey"},
                                "S3ObjectVersion": {"Ref": "CodeVersion"}}
    assert function["Runtime"] == {"Ref": "LambdaRuntime"} and function["Handler"] == {"Ref": "LambdaHandler"}
    name, _ = resource("AWS::Lambda::Function")
    assert template()["Outputs"]["SkillEndpoint"]["Value"] == {"Fn::GetAtt": f"{name}.Arn"}  # what the deployer reads


def test_only_this_skill_may_invoke_the_function():
    function, _ = resource("AWS::Lambda::Function")
    _, permission = resource("AWS::Lambda::Permission")
    assert permission == {"Action": "lambda:InvokeFunction", "FunctionName": {"Fn::GetAtt": f"{function}.Arn"},
                          "Principal": "alexa-appkit.amazon.com", "EventSourceToken": {"Ref": "SkillId"}}


def test_the_function_is_told_its_skill_id_and_table_and_logs_to_a_group_with_retention():
    table, _ = resource("AWS::DynamoDB::Table")
    log_group, logs = resource("AWS::Logs::LogGroup")
    _, function = resource("AWS::Lambda::Function")
    variables = function["Environment"]["Variables"]
    assert variables["SKILL_ID"] == {"Ref": "SkillId"} and variables["SKILL_DYNAMODB_TABLE"] == {"Ref": table}
    assert variables.get("SKILL_STORE", "dynamodb") == "dynamodb"
    assert function["LoggingConfig"] == {"LogGroup": {"Ref": log_group}}
    assert 1 <= logs["RetentionInDays"] <= 90
    assert function["Timeout"] <= 10  # Alexa waits 8 seconds: a longer timeout only keeps a stuck instance busy


def test_the_role_may_touch_only_the_tables_items_and_its_own_log_group():
    table, _ = resource("AWS::DynamoDB::Table")
    log_group, _ = resource("AWS::Logs::LogGroup")
    role, properties = resource("AWS::IAM::Role")
    _, function = resource("AWS::Lambda::Function")
    assert function["Role"] == {"Fn::GetAtt": f"{role}.Arn"}
    assert "ManagedPolicyArns" not in properties
    statements = [statement for policy in properties["Policies"] for statement in policy["PolicyDocument"]["Statement"]]
    granted = {(action, json.dumps(statement["Resource"], sort_keys=True)) for statement in statements
               for action in statement["Action"]}
    assert all(statement["Effect"] == "Allow" for statement in statements)
    table_arn, log_arn = json.dumps({"Fn::GetAtt": f"{table}.Arn"}), json.dumps({"Fn::GetAtt": f"{log_group}.Arn"})
    assert granted == {("dynamodb:GetItem", table_arn), ("dynamodb:PutItem", table_arn), ("dynamodb:DeleteItem", table_arn),
                       ("logs:CreateLogStream", log_arn), ("logs:PutLogEvents", log_arn)}


def cfn_lint(text: str) -> list[str]:
    """cfn-lint's findings for a template: errors, warnings and informational ones, in the regions it may run in."""
    from cfnlint.api import ManualArgs, lint

    matches = lint(text, config=ManualArgs(regions=["us-east-1", "eu-west-1", "us-west-2"], include_checks=["I"]))
    return [f"{match.rule.id} line {match.linenumber}: {match.message}" for match in matches]


def test_the_template_passes_cfn_lint():
    assert cfn_lint(TEMPLATE.read_text()) == []


def test_cfn_lint_finds_a_broken_template():
    broken = (TEMPLATE.read_text().replace("      Handler: !Ref LambdaHandler", "      Handlr: !Ref LambdaHandler")
              .replace("Resource: !GetAtt UsersTable.Arn", "Resource: !GetAtt UserTable.Arn"))
    assert broken != TEMPLATE.read_text()
    found = cfn_lint(broken)
    assert any(line.startswith("E3002") for line in found), found  # Handlr: no such property
    assert any("UserTable" in line for line in found), found  # an attribute of a resource that does not exist


def test_the_build_output_the_ask_cli_state_and_zips_are_git_ignored():
    paths = ["lambda/skill/store.py", ".ask/ask-states.json", "skill.zip", "build/lib/x.py"]
    result = subprocess.run(["git", "check-ignore", "--no-index", *paths], cwd=ROOT, capture_output=True, text=True)
    assert result.stdout.split() == paths
