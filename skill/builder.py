"""Builds the skill: handlers in priority order, interceptors, exception handler."""
from __future__ import annotations

from collections.abc import Mapping

from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter
from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.skill import CustomSkill
from ask_sdk_core.skill_builder import CustomSkillBuilder

from .content import Content
from .handlers import answers, builtins, errors, remembering, routines, safety, triage
from .interceptors import LocaleInterceptor, RepeatCacheInterceptor, SessionStateInterceptor
from .persistence import SaveProfileInterceptor


def request_handlers() -> list[AbstractRequestHandler]:
    """Every request handler, in the order they are tried; the first that can handle wins."""
    return [
        # Safety first: a red flag interrupts anything, in every state.
        safety.RedFlagHandler(),
        # Requests that are not conversation turns.
        builtins.SessionEndedHandler(),
        # Answers to the question the last response asked (offers live one turn; see base.TURN_SCOPED).
        remembering.ResumeOfferHandler(),
        remembering.ForgetConfirmHandler(),
        answers.MoreOfferHandler(),
        triage.TriageNotUnderstoodHandler(),
        # Inside a routine, its controls come before the general handlers; yes goes on, no waits.
        routines.RoutineControlHandler(),
        routines.RoutineHelpHandler(),
        routines.RoutineYesHandler(),
        routines.RoutineNoHandler(),
        routines.StartRoutineHandler(),
        routines.ListRoutinesHandler(),
        # The content map, free-form questions, triage; then the built-in intents.
        answers.TopicHandler(),
        answers.MoreHandler(),
        answers.QuestionHandler(),
        triage.TriageHandler(),
        remembering.ForgetMeHandler(),
        builtins.LaunchHandler(),
        builtins.HelpHandler(),
        builtins.StopHandler(),
        builtins.NavigateHomeHandler(),
        builtins.RepeatHandler(),
        builtins.YesHandler(),
        builtins.NoHandler(),
        routines.NoRoutineHandler(),
        # Last: AMAZON.FallbackIntent and any intent this skill does not know (inside a routine: the way back).
        builtins.FallbackHandler(),
        builtins.UnknownIntentHandler(),
        # Requests that are not spoken turns (skill events and the like).
        builtins.OtherRequestHandler(),
    ]


def build_skill(
    contents: Mapping[str, Content],
    store: AbstractPersistenceAdapter | None = None,
    skill_id: str | None = None,
) -> CustomSkill:
    """The skill: handlers in priority order, the exception handler, the interceptors."""
    builder = CustomSkillBuilder(persistence_adapter=store)  # type: ignore[arg-type]  # None: memory off
    builder.skill_id = skill_id  # type: ignore[assignment]  # the SDK then refuses requests for other skills
    for handler in request_handlers():
        builder.add_request_handler(handler)
    builder.add_exception_handler(errors.CatchAllExceptionHandler())
    builder.add_global_request_interceptor(LocaleInterceptor(contents))
    builder.add_global_request_interceptor(SessionStateInterceptor())
    builder.add_global_response_interceptor(RepeatCacheInterceptor())
    if store is not None:
        builder.add_global_response_interceptor(SaveProfileInterceptor())
    return builder.create()
