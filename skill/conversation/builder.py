"""Builds the skill: handlers in priority order, interceptors, exception handler."""
from __future__ import annotations

import functools
import json
from pathlib import Path

from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter
from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.skill import CustomSkill
from ask_sdk_core.skill_builder import CustomSkillBuilder
from ask_sdk_model.services import ApiClient
from ask_sdk_model.ui import SsmlOutputSpeech
from ask_sdk_runtime.dispatch_components.request_components import GenericRequestHandlerChain, GenericRequestMapper

from skill.config import ConfigError
from skill.conversation.handlers import alerts, answers, builtins, errors, remembering, routines, safety, touch, triage
from skill.conversation.handlers.base import IntentHandler, RequestTypeHandler, intent_name, prompt
from skill.conversation.interceptors import LocaleInterceptor, RepeatCacheInterceptor, SessionStateInterceptor
from skill.conversation.screen import ScreenInterceptor
from skill.platform.alexa_api import AlexaHostsOnly, TimedApiClient
from skill.storage.persistence import SaveProfileInterceptor
from skill.words import ssml
from skill.words.content import Content, Contents


def request_handlers() -> list[AbstractRequestHandler]:
    """Every request handler, in the order they are tried; the first that can handle wins."""
    return [
        # Safety first: a red flag interrupts anything, in every state.
        safety.RedFlagHandler(),
        safety.SignHandler(),  # a sign asked about or denied: what it means, or a calm word; nothing ends
        # Requests that are not conversation turns.
        builtins.SessionEndedHandler(),
        alerts.PermissionResponseHandler(),
        touch.TouchHandler(),  # a button on the screen: the routine controls, as by voice
        # Answers to the question the last response asked (offers live one turn; see base.TURN_SCOPED).
        remembering.ResumeOfferHandler(),
        remembering.ForgetConfirmHandler(),
        answers.RoutineOfferHandler(),
        answers.MoreOfferHandler(),
        alerts.AlertOfferHandler(),
        triage.TriageNotUnderstoodHandler(),
        routines.StepQuestionHandler(),
        builtins.CallSomeoneHandler(),  # "call my wife", in any state: the skill closes so Alexa can call
        # Inside a routine, its controls come before the general handlers; yes goes on, no waits.
        routines.RoutineControlHandler(),
        routines.RoutinePainHandler(),
        routines.RoutineThanksHandler(),
        routines.RoutinePardonHandler(),
        routines.RoutineHelpHandler(),
        routines.RoutineYesHandler(),
        routines.RoutineNoHandler(),
        answers.NotARoutineHandler(),  # "help me, please, it's agony": no routine named, so what the words ask
        routines.StartRoutineHandler(),
        routines.ListRoutinesHandler(),
        # The content map, free-form questions, triage; then the built-in intents.
        answers.TopicHandler(),
        alerts.AlertIntentHandler(),  # "set the timer": the timer, as a yes to its offer makes it
        answers.MoreHandler(),
        answers.QuestionHandler(),
        triage.TriageHandler(),
        remembering.ForgetMeHandler(),
        builtins.LaunchHandler(),
        builtins.HelpHandler(),
        builtins.StopHandler(),
        builtins.NavigateHomeHandler(),
        builtins.RepeatHandler(),
        builtins.PardonHandler(),
        builtins.ThanksHandler(),
        builtins.YesHandler(),
        builtins.NoHandler(),
        routines.NoRoutineHandler(),
        # Last: AMAZON.FallbackIntent and any intent this skill does not know (inside a routine: the way back).
        builtins.FallbackHandler(),
        builtins.UnknownIntentHandler(),
        # Requests that are not spoken turns (skill events and the like).
        builtins.OtherRequestHandler(),
    ]


class HandlerIndex(GenericRequestMapper):
    """The SDK's request mapper, asking only the handlers that could answer the request, in the same order.

    The SDK asks every handler's can_handle in turn until one says yes; most of them can never answer the
    request at hand. An IntentHandler answers only its intents and a RequestTypeHandler only its request
    types, so for each kind of request (its type and intent) the handlers that could answer it are listed
    once, in priority order; every other handler (safety's, first) is asked about every request, as before.
    tests/test_handler_index.py checks that it picks what the SDK's mapper picks.
    """

    def __init__(self, request_handler_chains: list[GenericRequestHandlerChain]):
        super().__init__(request_handler_chains=request_handler_chains)
        handlers = [chain.request_handler for chain in self.request_handler_chains]
        self._types = frozenset(name for h in handlers if isinstance(h, RequestTypeHandler) for name in h.request_types)
        self._intents = frozenset(name for h in handlers if isinstance(h, IntentHandler) for name in h.intents)
        self._candidates: dict[tuple[str | None, str | None], tuple[GenericRequestHandlerChain, ...]] = {}

    def kind(self, handler_input: HandlerInput) -> tuple[str | None, str | None]:
        """The request's type and intent as far as any handler tells them apart (None: one no handler names)."""
        request_type = getattr(handler_input.request_envelope.request, "object_type", None)
        name = intent_name(handler_input)
        return (request_type if isinstance(request_type, str) and request_type in self._types else None,
                name if isinstance(name, str) and name in self._intents else None)

    def candidates(self, kind: tuple[str | None, str | None]) -> tuple[GenericRequestHandlerChain, ...]:
        """The chains whose handler could answer a request of this kind, in priority order (kept: the kinds are few)."""
        found = self._candidates.get(kind)
        if found is None:
            found = self._candidates[kind] = tuple(
                chain for chain in self.request_handler_chains if _could_answer(chain.request_handler, kind))
        return found

    def get_request_handler_chain(self, handler_input: HandlerInput) -> GenericRequestHandlerChain | None:  # type: ignore[override]
        for chain in self.candidates(self.kind(handler_input)):
            if chain.request_handler.can_handle(handler_input=handler_input):
                return chain
        return None


def _could_answer(handler: object, kind: tuple[str | None, str | None]) -> bool:
    request_type, intent = kind
    if isinstance(handler, IntentHandler) and handler.intents:
        return intent in handler.intents
    if isinstance(handler, RequestTypeHandler):
        return request_type in handler.request_types
    return True


MODEL_DIR = Path(__file__).resolve().parent.parent.parent / "skill-package" / "interactionModels" / "custom"  # generated


def handled_intents(content: Content) -> set[str]:
    """Every intent some handler answers: those they name, and the content map's topics and red flags."""
    named = {name for handler in request_handlers() for name in getattr(handler, "intents", ())}
    return named | set(content.topic_by_intent) | set(content.red_flag_by_intent) | set(content.alert_by_intent)


@functools.lru_cache(maxsize=16)
def _model_intents(model_path: Path, version: int) -> frozenset[str]:
    """The intent names of a model file (0.9 MB of JSON: read once per version, not once per locale)."""
    try:
        model = json.loads(model_path.read_text(encoding="utf-8"))["interactionModel"]["languageModel"]
        return frozenset(intent["name"] for intent in model["intents"])
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ConfigError(f"{model_path}: not a readable interaction model ({error})") from error


def check_against_model(content: Content, model_path: Path) -> None:
    """Refuse to start when the content and the interaction model name different intents.

    A topic whose intent the model lacks can never be asked; a custom intent of the model that
    nothing handles gets the fallback. Skipped where the model file is not deployed (a Lambda package).
    """
    if not model_path.is_file():
        return
    in_model = _model_intents(model_path, model_path.stat().st_mtime_ns)
    missing = sorted((set(content.topic_by_intent) | set(content.red_flag_by_intent) | set(content.alert_by_intent))
                     - in_model)
    if missing:
        raise ConfigError(f"{content.locale}.yaml answers {missing}, which {model_path.name} lacks: add them to the "
                          "model, or remove them from the content")
    unhandled = sorted(name for name in in_model - handled_intents(content) if not name.startswith("AMAZON."))
    if unhandled:
        raise ConfigError(f"{model_path.name} has {unhandled}, which nothing answers: add content for them "
                          "or remove them from the model")


def build_skill(
    contents: Contents,
    store: AbstractPersistenceAdapter | None = None,
    skill_id: str | None = None,
    api_client: ApiClient | None = None,
    api_test_endpoint: str | None = None,
) -> CustomSkill:
    """The skill: handlers in priority order, the exception handler, the interceptors.

    `api_client` carries calls to Alexa's APIs (timers, reminders, settings); by default the SDK's own
    HTTPS client with a timeout (skill/platform/alexa_api.py). Either way it reaches only Alexa's own API hosts,
    and `api_test_endpoint` (a fake's "https://127.0.0.1:port") if given.
    """
    client = AlexaHostsOnly(api_client or TimedApiClient(), test_endpoint=api_test_endpoint)
    builder = CustomSkillBuilder(persistence_adapter=store,  # type: ignore[arg-type]  # None: memory off
                                 api_client=client)
    builder.skill_id = skill_id  # type: ignore[assignment]  # the SDK then refuses requests for other skills
    for handler in request_handlers():
        builder.add_request_handler(handler)
    builder.add_exception_handler(errors.CatchAllExceptionHandler())
    builder.add_global_request_interceptor(LocaleInterceptor(contents))
    builder.add_global_request_interceptor(SessionStateInterceptor())
    builder.add_global_response_interceptor(RepeatCacheInterceptor())
    builder.add_global_response_interceptor(ScreenInterceptor())  # after the handler: it shows what was said
    if store is not None:
        builder.add_global_response_interceptor(
            SaveProfileInterceptor(store, not_saved=_lead_with_not_saved))
    configuration = builder.skill_configuration
    configuration.request_mappers = [HandlerIndex(configuration.request_mappers[0].request_handler_chains)]
    return CustomSkill(skill_configuration=configuration)


def _lead_with_not_saved(handler_input: HandlerInput, speech: SsmlOutputSpeech) -> None:
    """Lead the reply with the words that the user's place in a routine could not be saved."""
    speech.ssml = ssml.lead_with(speech.ssml or "", prompt(handler_input, "place_not_saved"))
