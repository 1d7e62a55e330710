"""AWS Lambda entry point: the same skill without Flask. Handler setting: skill.lambda_function.handler

Alexa invokes a Lambda function directly (the function's Alexa trigger carries the skill id), so there is
no HTTP signature to check; SKILL_ID, when set, still makes the skill refuse requests for other skills
(named in context.System or in the session).

An event the skill cannot use (not an object, nested too deep, no request, no context.System, another
skill, a request nothing can answer) raises envelope.BadRequest: a ValueError with one short reason, the events the web
endpoint answers with a 400. Raising is how the ASK SDK's own Lambda handler refuses a request for
another skill: Lambda reports the invocation as failed, and Alexa tells the user the skill had a problem.
Nothing else escapes: never an AttributeError or TypeError from inside the SDK.
Memory: SKILL_STORE=dynamodb with SKILL_DYNAMODB_TABLE (the default when a table is named), else none;
SQLite is not offered here because a function's /tmp does not outlive its instance.
"""
from __future__ import annotations

import logging
import os
from typing import Any

from ask_sdk_core.exceptions import AskSdkException
from ask_sdk_core.skill import CustomSkill

from skill.conversation.builder import build_skill
from skill.platform import envelope as envelopes
from skill.storage.store import build_adapter
from skill.words import content as content_module

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


def handler(event: Any, context: Any) -> dict[str, Any]:
    """One Alexa request in, one Alexa response out (the skill is built once per instance).

    Raises envelope.BadRequest (a ValueError) with a short reason for an event the skill cannot use.
    """
    global _skill
    if _skill is None:
        _skill = _build()
    envelopes.check_depth(event)  # the runtime has parsed it: a deep event would exhaust the SDK's recursion
    envelope = envelopes.read(event)
    envelopes.check_addressed_to(envelope, _skill_id())  # context and session (the SDK checks the context only)
    try:
        response = _skill.invoke(request_envelope=envelope, context=context)
    except AskSdkException as error:  # the web endpoint's 400 "the skill cannot handle this request"
        raise envelopes.BadRequest("the skill cannot handle this request") from error
    serialized: dict[str, Any] = _skill.serializer.serialize(response)  # type: ignore[assignment]  # an object: a dict
    return serialized
