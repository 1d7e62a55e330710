"""AWS for the tests: the CloudFormation template as data, DynamoDB served by moto on loopback, the Lambda handler
behind the same `post` the conversation helper uses, and fresh interpreters that see only the built bundle."""
from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import sysconfig
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from . import yamlio

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "infrastructure" / "cfn-deployer" / "skill-stack.yaml"
# This interpreter's site-packages: the dependencies, never the checkout
SITE_PACKAGES = list(dict.fromkeys([sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]]))


class _CfnLoader(yamlio.LOADER):
    """YAML with CloudFormation's short tags: `!Ref X` reads as {"Ref": "X"}, `!GetAtt A.B` as {"Fn::GetAtt": "A.B"}
    (on libyaml's reader, tests/yamlio.py)."""


def _short_tag(loader: Any, suffix: str, node: yaml.Node) -> dict[str, Any]:
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {"Ref" if suffix == "Ref" else f"Fn::{suffix}": value}


_CfnLoader.add_multi_constructor("!", _short_tag)


def template(text: str | None = None) -> dict[str, Any]:
    """The skill's CloudFormation template (or `text`), read as data."""
    data: dict[str, Any] = yaml.load(TEMPLATE.read_text() if text is None else text, Loader=_CfnLoader)
    return data


def resource(kind: str) -> tuple[str, dict[str, Any]]:
    """The template's one resource of a type: its logical id and its properties."""
    found = [(name, body.get("Properties", {})) for name, body in template()["Resources"].items() if body["Type"] == kind]
    assert len(found) == 1, f"expected one {kind}, found {[name for name, _ in found]}"
    return found[0]


# --- DynamoDB on loopback -------------------------------------------------------------------------


@contextlib.contextmanager
def moto_server() -> Iterator[str]:
    """moto's server mode on 127.0.0.1, on a port the system picks: its URL, for boto3 over HTTP."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def aws_environment(endpoint: str, home: Path) -> dict[str, str]:
    """AWS settings that reach only `endpoint`: fake keys, a region, no profile or config file, no instance metadata."""
    return {"AWS_ENDPOINT_URL_DYNAMODB": endpoint, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1", **no_aws_files(home)}


def no_aws_files(home: Path) -> dict[str, str]:
    """Settings that keep botocore off this machine's AWS files and off the instance metadata service."""
    return {"AWS_CONFIG_FILE": str(home / "no-aws-config"), "AWS_SHARED_CREDENTIALS_FILE": str(home / "no-aws-credentials"),
            "AWS_EC2_METADATA_DISABLED": "true", "HOME": str(home)}


AWS_NAMES = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_SESSION_TOKEN",
             "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
             "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ENDPOINT_URL")


@contextlib.contextmanager
def shared_botocore_data() -> Iterator[None]:
    """Every botocore session reads its service models through one loader (the skill makes a session each time a
    test builds its store, and each new loader reads DynamoDB's models afresh); what is read is the same."""
    import botocore.loaders
    import botocore.session

    loaders: dict[Any, Any] = {}
    make = botocore.session.create_loader

    def shared(search_paths: Any = None) -> Any:
        key = tuple(search_paths) if isinstance(search_paths, list) else search_paths
        if key not in loaders:
            loaders[key] = make(search_paths)
        return loaders[key]

    botocore.session.create_loader = shared
    try:
        yield
    finally:
        botocore.session.create_loader = make


def dynamodb(endpoint: str) -> Any:
    """A boto3 DynamoDB client for the tests' own look at the table."""
    import boto3

    return boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def create_table_as_the_template_does(client: Any, name: str) -> None:
    """The users' table with the template's keys, billing and time-to-live."""
    _, table = resource("AWS::DynamoDB::Table")
    client.create_table(TableName=name, AttributeDefinitions=table["AttributeDefinitions"], KeySchema=table["KeySchema"],
                        BillingMode=table["BillingMode"])
    ttl = table["TimeToLiveSpecification"]
    client.update_time_to_live(TableName=name, TimeToLiveSpecification={"AttributeName": ttl["AttributeName"],
                                                                        "Enabled": ttl["Enabled"]})


# --- The Lambda handler as a client -----------------------------------------------------------------


class LambdaResult:
    """What the conversation helper reads from a reply: 200 and the handler's response, or 400 for a refused event."""

    def __init__(self, status_code: int, body: dict[str, Any] | None):
        self.status_code = status_code
        self._body = body

    def get_json(self, silent: bool = False) -> dict[str, Any] | None:
        return self._body


class LambdaClient:
    """Posts each envelope to skill.lambda_function.handler, as Alexa invokes a function: tests.alexa.Alexa's client."""

    def post(self, path: str, data: str, content_type: str) -> LambdaResult:
        from skill import lambda_function

        try:
            return LambdaResult(200, lambda_function.handler(json.loads(data), None))
        except ValueError:
            return LambdaResult(400, None)


# --- A fresh interpreter that sees only the bundle ----------------------------------------------------

FRESH = """
import sys
sys.path.insert(0, {bundle!r})  # the bundle first, as Lambda puts /var/task
sys.path.extend({site!r})  # the dependencies; python -S: no .pth file runs, so no editable install finds the checkout
"""


def build_bundle(folder: Path) -> Path:
    """The Lambda code folder, built from the checkout into `folder` as `python -m skill.package lambda` builds it."""
    from skill.dev import bundle

    return bundle.build(ROOT, folder)


def bundle_search_path(bundle: Path) -> list[str]:
    """sys.path as run_in_bundle's interpreter has it: the bundle, the standard library, site-packages."""
    standard = [path for path in sys.path if path.startswith(sys.base_prefix) and path not in SITE_PACKAGES]
    return [str(bundle), *standard, *SITE_PACKAGES]


def run_in_bundle(bundle: Path, code: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run `code` in `python -I -S -B` with sys.path the bundle, the standard library and site-packages (never the
    checkout), writing no bytecode into the bundle (Lambda's code folder is read-only)."""
    return subprocess.run([sys.executable, "-I", "-S", "-B", "-c", FRESH.format(bundle=str(bundle), site=SITE_PACKAGES) + code],
                          cwd=cwd, capture_output=True, text=True, timeout=120,
                          env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LOG_LEVEL": "WARNING", **env})
