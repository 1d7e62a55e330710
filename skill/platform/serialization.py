"""Reads request envelopes and writes responses faster than the SDK's stock serializer, with identical results.

Profiling the request path (docs/performance.md) showed a third of the deserialization time in dateutil
parsing the one request timestamp, the body parsed as JSON twice (once by the endpoint for its shape
checks, once inside the SDK), and the rest in the SDK looking up every model class by name, and working
out every model's fields, again for every object of every request. This serializer takes the
already-parsed body, reads ISO-8601 timestamps with datetime.fromisoformat (falling back to the SDK's
own parser for anything else), and works out once, for each declared type, how a value of it is read
(DefaultSerializer.__deserialize decides that from the type's name again for every value). It overrides
DefaultSerializer's private methods by their mangled names, so it is tied to the pinned ask-sdk-core;
tests check it gives exactly what the stock serializer gives, both ways.
"""
from __future__ import annotations

import functools
import re
from collections.abc import Callable
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


class PlainJson(dict):
    """A dict of plain values only (str, numbers, booleans, None, lists and dicts of them), checked when it is made:
    written as it is, where serialize would walk it to make an equal copy for every response (the APL document)."""

    def __init__(self, value: dict[str, Any]):
        if not _plain(value):
            raise ValueError("not plain JSON")
        super().__init__(value)


def _plain(value: Any) -> bool:
    """Whether serialize gives back an equal value, walking nothing but dicts and lists."""
    kind = type(value)
    if kind is dict:
        return all(_plain(item) for item in value.values())
    if kind is list:
        return all(_plain(item) for item in value)
    return kind in _AS_IS


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


Reader = Callable[[Any], Any]
_STOCK = DefaultSerializer()
_PRIMITIVES = frozenset(DefaultSerializer.PRIMITIVE_TYPES)


@functools.cache
def _reader(declared: Any) -> Reader:
    """How the stock serializer reads a value of a declared type (a class, or a name such as 'list[str]'), worked out
    once: each branch below is one of DefaultSerializer.__deserialize's, taken for the type instead of for every value.

    A model class is looked up (its module imported) only when a value of it is read, as the SDK does: a Lambda cold
    start imports no model the request does not carry (tests/test_lambda.py)."""
    if isinstance(declared, str):
        if declared.startswith("list["):
            inner = re.match(r"list\[(.*)\]", declared)
            if inner is None:
                return lambda payload: None if payload is None else []
            if "," in inner.group(1):  # values of different types, one each (as the SDK, the shorter of the two decides)
                names = tuple(name.strip() for name in inner.group(1).split(","))
                return lambda payload: None if payload is None else [
                    _reader(name)(value) for value, name in zip(payload, names, strict=False)]
            item = inner.group(1).strip()
            return lambda payload: None if payload is None else [_reader(item)(value) for value in payload]
        if declared.startswith("dict("):
            inner = re.match(r"dict\(([^,]*), (.*)\)", declared)
            if inner is None:
                return lambda payload: None if payload is None else {}
            value_type = inner.group(2)
            return lambda payload: None if payload is None else {key: _reader(value_type)(value) for key, value in payload.items()}
        if declared in DefaultSerializer.NATIVE_TYPES_MAPPING:
            declared = DefaultSerializer.NATIVE_TYPES_MAPPING[declared]
        else:
            try:
                declared = _class_named(declared)
            except SerializationException as error:
                return functools.partial(_unknown, error)
    if declared in _PRIMITIVES:
        return functools.partial(_primitive, declared)
    if declared is object:
        return lambda payload: payload
    if declared is date or declared is datetime:
        return functools.partial(_moment, declared)
    return functools.partial(_model, declared)


def _unknown(error: SerializationException, payload: Any) -> Any:
    if payload is None:
        return None
    raise SerializationException(str(error))


def _primitive(kind: type, payload: Any) -> Any:
    if payload is None or type(payload) is kind:  # kind(payload) would give the payload itself
        return payload
    try:
        return kind(payload)
    except UnicodeEncodeError:
        return str(payload)
    except TypeError:
        return payload
    except ValueError as error:
        raise SerializationException(f"Failed to parse {payload} into '{kind.__name__}' object") from error


def _moment(kind: type, payload: Any) -> Any:
    """ISO-8601 timestamps with datetime.fromisoformat; anything else as the SDK reads it (dateutil)."""
    if payload is None:
        return None
    if kind is datetime and isinstance(payload, str):
        try:
            return datetime.fromisoformat(payload)
        except ValueError:
            pass
    return _STOCK._DefaultSerializer__deserialize_datetime(payload, kind)  # type: ignore[attr-defined]


def _model(kind: Any, payload: Any) -> Any:
    """DefaultSerializer.__deserialize_model: an Enum, a model (its subclass named by a discriminator), or as it is."""
    if payload is None:
        return None
    try:
        if issubclass(kind, Enum):
            return kind(payload)
        if not hasattr(kind, "deserialized_types"):
            return payload
        if hasattr(kind, "get_real_child_model"):
            name = kind.get_real_child_model(payload)
            if not name:
                raise SerializationException(f"Couldn't resolve object by discriminator type for {kind} class")
            kind = _class_named(name)
        fields = _fields(kind)
        if fields is None:  # deserialized_types that is not a dict: the SDK's way, whatever that does
            return DefaultSerializer._DefaultSerializer__deserialize_model(_STOCK, payload, kind)  # type: ignore[attr-defined]
        model = kind()
        for attribute, key, declared in fields.read:
            if key in payload:
                if declared is _NOT_DECLARED:
                    raise KeyError(attribute)  # what the SDK raises for a field attribute_map names and deserialized_types lacks
                setattr(model, attribute, _reader(declared)(payload[key]))
        for key in payload:
            if key not in fields.keys:
                setattr(model, key, payload[key])
        return model
    except Exception as error:
        raise SerializationException(str(error)) from error


class EnvelopeSerializer(DefaultSerializer):
    """DefaultSerializer with a fast timestamp path, model fields worked out once, deserializing from parsed JSON."""

    def envelope(self, payload: dict[str, Any]) -> RequestEnvelope:
        """A RequestEnvelope from an already-parsed JSON body."""
        return _ENVELOPE(payload)

    def serialize(self, obj: Any) -> Any:
        """What the stock serializer gives: plain JSON values, models as dicts of their set fields."""
        kind: type = type(obj)
        if kind in _AS_IS or kind is PlainJson:
            return obj
        if kind is dict:  # plain values as they are, without a call each
            return {key: value if type(value) in _AS_IS else self.serialize(value) for key, value in obj.items()}
        if kind is list:
            return [value if type(value) in _AS_IS else self.serialize(value) for value in obj]
        fields = _fields(kind)
        own = getattr(obj, "__dict__", {})
        if fields is None or "deserialized_types" in own or "attribute_map" in own:
            return super().serialize(obj)  # tuples, dates, enums, decimals, subclasses of the plain types
        written = {}
        for attribute, key in fields.write:
            value = getattr(obj, attribute)
            if value is not None:
                written[key] = value if type(value) in _AS_IS else self.serialize(value)
        return written

    def _DefaultSerializer__load_class_from_name(self, class_name: str) -> Any:
        return _class_named(class_name)

    def _DefaultSerializer__deserialize(self, payload: Any, obj_type: Any) -> Any:
        return _reader(obj_type)(payload)


_ENVELOPE = _reader(RequestEnvelope)
