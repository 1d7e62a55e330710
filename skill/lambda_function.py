"""AWS Lambda entry point: the same skill without Flask. Handler setting: skill.lambda_function.handler

Alexa invokes a Lambda function directly (the function's Alexa trigger carries the skill id), so there is
no HTTP signature to check; SKILL_ID, when set, still makes the skill refuse requests for other skills.
Memory: SKILL_STORE=dynamodb with SKILL_DYNAMODB_TABLE (the default when a table is named), else none;
SQLite is not offered here because a function's /tmp does not outlive its instance.
"""
from __future__ import annotations

import logging
import os
from typing import Any

from ask_sdk_core.skill import CustomSkill

from . import content as content_module
from . import envelope as envelopes
from .builder import build_skill
from .store import build_adapter

logging.getLogger().setLevel(os.environ.get("LOG_LEVEL", "INFO"))
_skill: CustomSkill | None = None


def _build() -> CustomSkill:
    table = os.environ.get("SKILL_DYNAMODB_TABLE") or None
    kind = os.environ.get("SKILL_STORE") or ("dynamodb" if table else "none")
    if kind == "sqlite":
        raise RuntimeError("SKILL_STORE=sqlite is not supported on Lambda: use dynamodb or none")
    return build_skill(content_module.Contents(content_module.locales()), build_adapter(kind, None, table),
                       skill_id=_skill_id())


def _skill_id() -> str | None:
    return os.environ.get("SKILL_ID") or None


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """One Alexa request in, one Alexa response out (the skill is built once per instance)."""
    global _skill
    if _skill is None:
        _skill = _build()
    envelope = envelopes.SERIALIZER.envelope(event)
    envelopes.check_addressed_to(envelope, _skill_id())  # context and session alike (the SDK checks the context only)
    response = _skill.invoke(request_envelope=envelope, context=context)
    serialized: dict[str, Any] = _skill.serializer.serialize(response)  # type: ignore[assignment]  # an object: a dict
    return serialized
