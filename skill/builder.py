"""Builds the skill: handlers in priority order, interceptors, exception handler."""
from __future__ import annotations

from typing import Mapping

from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.skill import CustomSkill
from ask_sdk_core.skill_builder import CustomSkillBuilder

from .content import Content
from .handlers import answers, builtins, errors, routines, safety, triage
from .interceptors import LocaleInterceptor, RepeatCacheInterceptor


def request_handlers() -> list[AbstractRequestHandler]:
    """Every request handler, in the order they are tried; the first that can handle wins."""
    return [
        # Safety first: a red flag interrupts anything, in every state.
        safety.RedFlagHandler(),
        # Requests that are not conversation turns.
        builtins.SessionEndedHandler(),
        # Inside a routine, its controls come before the general handlers.
        routines.RoutineControlHandler(),
        routines.RoutineHelpHandler(),
        routines.RoutineNotUnderstoodHandler(),
        # Context-dependent answers before the general ones.
        answers.MoreHandler(),
        routines.StartRoutineHandler(),
        routines.ListRoutinesHandler(),
        # The content map, free-form questions, triage; then the built-in intents.
        answers.TopicHandler(),
        answers.QuestionHandler(),
        triage.TriageHandler(),
        builtins.LaunchHandler(),
        builtins.HelpHandler(),
        builtins.StopHandler(),
        builtins.NavigateHomeHandler(),
        builtins.RepeatHandler(),
        builtins.YesHandler(),
        builtins.NoHandler(),
        routines.NoRoutineHandler(),
        # Last: AMAZON.FallbackIntent and any intent this skill does not know.
        builtins.FallbackHandler(),
        builtins.UnknownIntentHandler(),
        # Requests that are not spoken turns (skill events and the like).
        builtins.OtherRequestHandler(),
    ]


def build_skill(contents: Mapping[str, Content]) -> CustomSkill:
    """The skill: handlers in priority order, the exception handler, the interceptors."""
    builder = CustomSkillBuilder()
    for handler in request_handlers():
        builder.add_request_handler(handler)
    builder.add_exception_handler(errors.CatchAllExceptionHandler())
    builder.add_global_request_interceptor(LocaleInterceptor(contents))
    builder.add_global_response_interceptor(RepeatCacheInterceptor())
    return builder.create()
