"""Where the skill remembers users: SQLite by default (skill/storage/sqlite_store.py), DynamoDB in production.

Each adapter implements ask-sdk-core's AbstractPersistenceAdapter and is imported only when the
configuration chooses it, so a Lambda function (DynamoDB or nothing) never loads sqlite3.
The SDK never saves on its own: the skill's response interceptor saves when something changed.

A store that does not work never stops the skill; only a wrong setting does (StoreError, at start-up).
Every wait for the store is bounded, so a reply stays inside Alexa's 8 seconds whatever the store does.
"""
from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from ask_sdk_model import RequestEnvelope

if TYPE_CHECKING:
    from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter


class StoreError(RuntimeError):
    """A store setting is wrong, so the store can never work; the message names the setting, and the fix."""


Change = Callable[[dict[str, Any]], dict[str, Any]]  # the user's attributes as stored now -> what to store


@runtime_checkable
class UpdatingAdapter(Protocol):
    """An adapter that can apply a change to what is stored now, atomically (read, change, write in one go)."""

    def update_attributes(self, request_envelope: RequestEnvelope, change: Change) -> None:
        """Store change(attributes as stored now) for the request's user."""


# DynamoDB answers in milliseconds in its region: a request waits at most about a second for it in all,
# one try each to read and to write, instead of botocore's minute-long timeouts and retries.
DYNAMODB_TIMEOUTS = {"connect_timeout": 0.25, "read_timeout": 0.25, "retries": {"total_max_attempts": 1}}


def user_id_of(envelope: RequestEnvelope) -> str | None:
    """The Alexa user id, as Alexa sends it."""
    system = envelope.context.system if envelope.context else None
    if system is not None and system.user is not None and system.user.user_id:
        return system.user.user_id
    if envelope.session is not None and envelope.session.user is not None:
        return envelope.session.user.user_id or None
    return None


def user_ref(user_id: str | None) -> str:
    """A short, stable, non-reversible reference to a user for the logs."""
    import hashlib  # only when something is logged about a user

    return hashlib.sha256((user_id or "").encode()).hexdigest()[:12]


def dynamodb_adapter(table_name: str) -> AbstractPersistenceAdapter:
    """The official DynamoDB adapter, imported only when chosen (it creates a boto3 resource on import)."""
    try:
        from ask_sdk_dynamodb.adapter import DynamoDbAdapter
        from ask_sdk_dynamodb.partition_keygen import user_id_partition_keygen
    except ImportError as error:
        raise StoreError(
            "SKILL_STORE=dynamodb needs the package ask-sdk-dynamodb-persistence-adapter "
            "(pip install ask-sdk-dynamodb-persistence-adapter)"
        ) from error
    import boto3  # the adapter's own dependency
    from botocore.config import Config

    session = boto3.session.Session()
    if not session.region_name:
        raise StoreError("SKILL_STORE=dynamodb needs an AWS region: set AWS_REGION (or AWS_DEFAULT_REGION), e.g. us-east-1")
    if session.get_credentials() is None:
        raise StoreError("SKILL_STORE=dynamodb found no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
                         "AWS_PROFILE, or run with an IAM role that may read and write the table")
    return DynamoDbAdapter(table_name=table_name, partition_keygen=user_id_partition_keygen, create_table=False,
                           dynamodb_resource=session.resource("dynamodb", config=Config(**DYNAMODB_TIMEOUTS)))


def build_adapter(kind: str, path: str | os.PathLike[str] | None, table: str | None) -> AbstractPersistenceAdapter | None:
    """The adapter the configuration asks for: 'sqlite' (default), 'dynamodb', or 'none'."""
    kind = (kind or "sqlite").lower()
    if kind == "none":
        return None
    if kind == "dynamodb":
        if not table:
            raise StoreError("SKILL_STORE=dynamodb needs SKILL_DYNAMODB_TABLE (the table name)")
        return dynamodb_adapter(table)
    if kind == "sqlite":
        if path is None:
            raise StoreError("the SQLite store needs a path")
        from skill.storage.sqlite_store import SQLiteAdapter

        return SQLiteAdapter(path)
    raise StoreError(f"unknown SKILL_STORE {kind!r}: use sqlite, dynamodb or none")
