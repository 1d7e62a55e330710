"""Reads request envelopes and writes responses faster than the SDK's stock serializer, with identical results.

Profiling the request path (docs/performance.md) showed a third of the deserialization time in dateutil
parsing the one request timestamp, the body parsed as JSON twice (once by the endpoint for its shape
checks, once inside the SDK), and the rest in the SDK looking up every model class by name, and working
out every model's fields, again for every object of every request. This serializer takes the
already-parsed body, reads ISO-8601 timestamps with datetime.fromisoformat (falling back to the SDK's
own parser for anything else), and works out each model class's fields once. It overrides
DefaultSerializer's private methods by their mangled names, so it is tied to the pinned ask-sdk-core;
tests check it gives exactly what the stock serializer gives, both ways.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from ask_sdk_core.exceptions import SerializationException
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model import RequestEnvelope

_AS_IS = frozenset({str, int, float, bool, bytes, type(None)})  # exactly these types: the stock serializer returns them
_NOT_MODELS = (str, int, float, bytes, list, tuple, dict, date, Decimal, Enum)  # the stock serializer's other cases


_NOT_DECLARED = "<not in deserialized_types>"  # an attribute_map entry without a type: the SDK fails on reading it


@dataclass(frozen=True)
class _Fields:
    """How the SDK reads and writes one model class, worked out once instead of for every object."""

    read: tuple[tuple[str, str, str], ...]  # (attribute, JSON key, declared type), in the order the SDK sets them
    keys: frozenset[str]  # the JSON keys it knows: any other key in a payload is set as an attribute as it is
    write: tuple[tuple[str, str], ...]  # (attribute, JSON key), in the order the SDK writes them


@functools.cache
def _fields(model: type) -> _Fields | None:
    """A model class's fields as the SDK works them out from attribute_map and deserialized_types; None if not a model."""
    types = getattr(model, "deserialized_types", None)
    if not isinstance(types, dict) or issubclass(model, _NOT_MODELS):
        return None
    mapped = dict(getattr(model, "attribute_map", {}))
    names = {**mapped, **{key: key for key in types if key not in mapped}}
    return _Fields(read=tuple((attribute, key, types.get(attribute, _NOT_DECLARED)) for attribute, key in names.items()),
                   keys=frozenset(names.values()), write=tuple((attribute, names[attribute]) for attribute in types))


@functools.cache
def _class_named(name: str) -> Any:
    return DefaultSerializer._DefaultSerializer__load_class_from_name(DefaultSerializer(), name)  # type: ignore[attr-defined]


class EnvelopeSerializer(DefaultSerializer):
    """DefaultSerializer with a fast timestamp path, model fields worked out once, deserializing from parsed JSON."""

    def envelope(self, payload: dict[str, Any]) -> RequestEnvelope:
        """A RequestEnvelope from an already-parsed JSON body."""
        return self._DefaultSerializer__deserialize(payload, RequestEnvelope)  # type: ignore[attr-defined]

    def serialize(self, obj: Any) -> Any:
        """What the stock serializer gives: plain JSON values, models as dicts of their set fields."""
        kind: type = type(obj)
        if kind in _AS_IS:
            return obj
        if kind is dict:
            return {key: self.serialize(value) for key, value in obj.items()}
        if kind is list:
            return [self.serialize(value) for value in obj]
        fields = _fields(kind)
        own = getattr(obj, "__dict__", {})
        if fields is None or "deserialized_types" in own or "attribute_map" in own:
            return super().serialize(obj)  # tuples, dates, enums, decimals, subclasses of the plain types
        written = {}
        for attribute, key in fields.write:
            value = getattr(obj, attribute)
            if value is not None:
                written[key] = self.serialize(value)
        return written

    def _DefaultSerializer__load_class_from_name(self, class_name: str) -> Any:
        return _class_named(class_name)

    def _DefaultSerializer__deserialize_model(self, payload: Any, obj_type: Any) -> Any:
        try:
            if issubclass(obj_type, Enum):
                return obj_type(payload)
            if not hasattr(obj_type, "deserialized_types"):
                return payload
            if hasattr(obj_type, "get_real_child_model"):
                obj_type = self._DefaultSerializer__get_obj_by_discriminator(payload, obj_type)  # type: ignore[attr-defined]
            fields = _fields(obj_type)
            if fields is None:  # deserialized_types that is not a dict: the SDK's way, whatever that does
                return super()._DefaultSerializer__deserialize_model(payload, obj_type)  # type: ignore[misc]
            model = obj_type()
            for attribute, key, declared in fields.read:
                if key in payload:
                    if declared is _NOT_DECLARED:
                        raise KeyError(attribute)
                    setattr(model, attribute, self._DefaultSerializer__deserialize(payload[key], declared))  # type: ignore[attr-defined]
            for key in payload:
                if key not in fields.keys:
                    setattr(model, key, payload[key])
            return model
        except Exception as error:
            raise SerializationException(str(error)) from error

    def _DefaultSerializer__deserialize_datetime(self, payload: Any, obj_type: Any) -> Any:
        if obj_type is datetime and isinstance(payload, str):
            try:
                return datetime.fromisoformat(payload)
            except ValueError:
                pass
        return super()._DefaultSerializer__deserialize_datetime(payload, obj_type)  # type: ignore[misc]
