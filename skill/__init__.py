"""Back Spasm Helper: an Alexa skill for people in the middle of a back-muscle spasm.

``create_app`` (skill/factory.py) builds the Flask app that serves the skill at ``POST /``;
``skill.lambda_function.handler`` serves the same skill on AWS Lambda.

The Flask side is imported only when asked for (PEP 562 module __getattr__): the Lambda entry point
imports this package too, and must not pay for Flask and the request-verification stack, which a
Lambda function never uses (tests/test_lambda.py checks it; bench/coldstart.py measures it).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from skill.factory import create_app, default_config

__all__ = ["create_app", "default_config"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from skill import factory

        return getattr(factory, name)
    raise AttributeError(f"module 'skill' has no attribute {name!r}")
