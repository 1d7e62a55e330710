"""Where the skill remembers users: SQLite by default (skill/storage/sqlite_store.py), DynamoDB in production.

Each adapter implements ask-sdk-core's AbstractPersistenceAdapter and is imported only when the
configuration chooses it, so a Lambda function (DynamoDB or nothing) never loads sqlite3.
The SDK never saves on its own: the skill's response interceptor saves when something changed.

A store that does not work never stops the skill; only a wrong setting does (StoreError, at start-up).
Every wait for the store is bounded, so a reply stays inside Alexa's 8 seconds whatever the store does.
"""
from __future__ import annotations

import os
from typing import TYPE_CHECKING

from skill.storage.base import StoreError

if TYPE_CHECKING:
    from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter


# DynamoDB answers in milliseconds in its region: a request waits at most about a second for it in all,
# one try each to read and to write, instead of botocore's minute-long timeouts and retries.
DYNAMODB_TIMEOUTS = {"connect_timeout": 0.25, "read_timeout": 0.25, "retries": {"total_max_attempts": 1}}


def dynamodb_adapter(table_name: str) -> AbstractPersistenceAdapter:
    """The official DynamoDB adapter (skill/storage/dynamodb_store.py wraps it), imported only when chosen.

    ask_sdk_dynamodb.adapter builds a boto3 resource when it is imported, which without a region is a
    NoRegionError traceback: the region and credentials are checked first, each missing one a StoreError.
    """
    try:
        from ask_sdk_dynamodb.partition_keygen import user_id_partition_keygen  # the package, not yet its adapter
    except ImportError as error:
        raise StoreError(
            "SKILL_STORE=dynamodb needs the package ask-sdk-dynamodb-persistence-adapter "
            "(pip install ask-sdk-dynamodb-persistence-adapter)"
        ) from error
    import boto3  # the adapter's own dependency
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError

    try:
        # boto3's default session, which the adapter's own resource uses too: one loader, so the second resource
        # costs a cold start about 40 ms instead of 100 (each session reads DynamoDB's service model afresh).
        boto3.setup_default_session()
        session = boto3.DEFAULT_SESSION
        # botocore reads AWS_DEFAULT_REGION; AWS_REGION (what Lambda and most AWS tools set) is read here too
        region = session.region_name or os.environ.get("AWS_REGION", "").strip()
        if not region:
            raise StoreError("SKILL_STORE=dynamodb needs an AWS region: set AWS_REGION or AWS_DEFAULT_REGION, e.g. us-east-1")
        if not session.region_name:
            boto3.setup_default_session(region_name=region)
            session = boto3.DEFAULT_SESSION
        if session.get_credentials() is None:
            raise StoreError("SKILL_STORE=dynamodb found no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
                             "AWS_PROFILE, or run with an IAM role that may read and write the table")
    except BotoCoreError as error:  # a named profile that does not exist, a broken config file
        raise StoreError(f"SKILL_STORE=dynamodb cannot use the AWS settings: {error}") from error
    from ask_sdk_dynamodb.adapter import DynamoDbAdapter

    from skill.storage.dynamodb_store import ExpiringDynamoDbStore

    return ExpiringDynamoDbStore(DynamoDbAdapter(
        table_name=table_name, partition_keygen=user_id_partition_keygen, create_table=False,
        dynamodb_resource=session.resource("dynamodb", config=Config(**DYNAMODB_TIMEOUTS))))


def build_adapter(kind: str, path: str | os.PathLike[str] | None, table: str | None) -> AbstractPersistenceAdapter | None:
    """The adapter the configuration asks for: 'sqlite' (default), 'dynamodb', or 'none'."""
    kind = (kind or "sqlite").lower()
    if kind == "none":
        return None
    if kind == "dynamodb":
        if not table:
            raise StoreError("SKILL_STORE=dynamodb needs SKILL_DYNAMODB_TABLE (the table name): set it, "
                             "or SKILL_STORE=none to run without memory")
        return dynamodb_adapter(table)
    if kind == "sqlite":
        if path is None:
            raise StoreError("the SQLite store needs a path")
        from skill.storage.sqlite_store import SQLiteAdapter

        return SQLiteAdapter(path)
    raise StoreError(f"unknown SKILL_STORE {kind!r}: use sqlite, dynamodb or none")
