"""The DynamoDB store: the ASK SDK's own adapter, with numbers read back as Python numbers, and an expiry time.

skill/storage/store.py builds the SDK's DynamoDbAdapter (its table, partition key `id` and user-id key) once the region
and credentials are known to be there, and wraps it here. Two things the SDK's adapter leaves out:
- boto3 reads every DynamoDB number as a Decimal and refuses to write a float; the skill's profile holds ints
  (a visit count, a step, a pace), and a Decimal is not one, so a stored routine would never resume. Numbers
  are turned back into ints (or floats) as they are read, and floats into Decimals as they are written.
- every save also writes EXPIRES_AT, RETENTION_DAYS after the save, in epoch seconds: the table's time-to-live
  attribute (infrastructure/cfn-deployer/skill-stack.yaml names it), so DynamoDB deletes a record nobody has
  used for that long, as the SQLite store's purge does. DynamoDB deletes an expired item some time later,
  within days; until then it is not read either, so the user is a new one.
Deleting ("forget me") is the SDK adapter's own delete.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter
from ask_sdk_core.exceptions import PersistenceException
from ask_sdk_model import RequestEnvelope

from skill.storage.base import RETENTION_DAYS

EXPIRES_AT = "expires_at"  # the item's time-to-live attribute: epoch seconds (a DynamoDB Number)
RETENTION_SECONDS = RETENTION_DAYS * 86400


def from_dynamodb(value: Any) -> Any:
    """A value as boto3 read it, with Decimals as the ints (or floats) they were."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {key: from_dynamodb(item) for key, item in value.items()}
    if isinstance(value, list):
        return [from_dynamodb(item) for item in value]
    return value


def to_dynamodb(value: Any) -> Any:
    """A value boto3 can write: floats as Decimals (it refuses floats)."""
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, dict):
        return {key: to_dynamodb(item) for key, item in value.items()}
    if isinstance(value, list):
        return [to_dynamodb(item) for item in value]
    return value


class ExpiringDynamoDbStore(AbstractPersistenceAdapter):
    """The SDK's DynamoDbAdapter with plain numbers and a time-to-live on every save."""

    def __init__(self, adapter: Any, clock: Callable[[], float] = time.time):
        self.adapter = adapter  # ask_sdk_dynamodb.adapter.DynamoDbAdapter
        self.clock = clock

    def _table(self) -> Any:
        return self.adapter.dynamodb.Table(self.adapter.table_name)

    def _key(self, request_envelope: RequestEnvelope) -> dict[str, Any]:
        return {self.adapter.partition_key_name: self.adapter.partition_keygen(request_envelope)}

    def get_attributes(self, request_envelope: RequestEnvelope) -> dict[str, Any]:
        """The user's attributes; {} for a new user, or one whose record has expired but is not yet deleted."""
        try:
            item = self._table().get_item(Key=self._key(request_envelope), ConsistentRead=True).get("Item")
        except Exception as error:  # as the SDK's adapter reports it
            raise PersistenceException(f"Failed to retrieve attributes from DynamoDb table: {type(error).__name__}: {error}") from error
        if item is None or not isinstance(item.get(self.adapter.attribute_name), dict):
            return {}
        expires = item.get(EXPIRES_AT)
        if isinstance(expires, Decimal) and expires <= self.clock():
            return {}
        attributes: dict[str, Any] = from_dynamodb(item[self.adapter.attribute_name])
        return attributes

    def save_attributes(self, request_envelope: RequestEnvelope, attributes: dict[str, Any]) -> None:
        """Write the whole record (as the SDK's adapter does), expiring RETENTION_DAYS from now."""
        item = {**self._key(request_envelope), self.adapter.attribute_name: to_dynamodb(attributes),
                EXPIRES_AT: int(self.clock()) + RETENTION_SECONDS}
        try:
            self._table().put_item(Item=item)
        except Exception as error:
            raise PersistenceException(f"Failed to save attributes to DynamoDb table: {type(error).__name__}: {error}") from error

    def delete_attributes(self, request_envelope: RequestEnvelope) -> None:
        """Delete the user's record: the SDK adapter's own delete."""
        self.adapter.delete_attributes(request_envelope)
