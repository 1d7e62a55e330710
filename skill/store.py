"""Where the skill remembers users: SQLite by default (skill/sqlite_store.py), DynamoDB in production.

Each adapter implements ask-sdk-core's AbstractPersistenceAdapter and is imported only when the
configuration chooses it, so a Lambda function (DynamoDB or nothing) never loads sqlite3.
The SDK never saves on its own: the skill's response interceptor saves when something changed.
"""
from __future__ import annotations

import os
from typing import TYPE_CHECKING

from ask_sdk_model import RequestEnvelope

if TYPE_CHECKING:
    from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter


class StoreError(RuntimeError):
    """The store cannot be opened or used; the message names the path or setting, and the fix."""


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

    session = boto3.session.Session()
    if not session.region_name:
        raise StoreError("SKILL_STORE=dynamodb needs an AWS region: set AWS_REGION (or AWS_DEFAULT_REGION), e.g. us-east-1")
    if session.get_credentials() is None:
        raise StoreError("SKILL_STORE=dynamodb found no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
                         "AWS_PROFILE, or run with an IAM role that may read and write the table")
    return DynamoDbAdapter(table_name=table_name, partition_keygen=user_id_partition_keygen, create_table=False,
                           dynamodb_resource=session.resource("dynamodb"))


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
        from .sqlite_store import SQLiteAdapter

        return SQLiteAdapter(path)
    raise StoreError(f"unknown SKILL_STORE {kind!r}: use sqlite, dynamodb or none")
