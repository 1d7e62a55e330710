"""The handler index (skill/conversation/builder.py) picks exactly the handler the SDK's mapper picks, asking fewer of them.

Every request below goes through the app's index and, beside it, through the SDK's own mapper over the same
handlers (every can_handle in turn): a handler that said yes outside the intents or request types it names,
or an index that lost the priority order, would show up as a difference.
"""
from __future__ import annotations

import json
from collections import Counter

from ask_sdk_runtime.dispatch_components.request_components import GenericRequestMapper
from hypothesis import HealthCheck, given, settings

from skill.conversation.builder import HandlerIndex, request_handlers
from skill.conversation.handlers import safety
from skill.conversation.handlers.base import IntentHandler, RequestTypeHandler

from .alexa import Alexa, UtteranceRouter, envelope
from .test_hostile import mutated_envelopes
from .test_sweep import REQUESTS, STATES, in_state

TOUCH: dict = {"type": "Alexa.Presentation.APL.UserEvent", "token": "screen", "arguments": ["next"],
         "source": {"type": "TouchWrapper", "handler": "Press", "id": ""}}
SPOKEN = UtteranceRouter(generalise=True)  # people's own words, as tests/test_companion.py says them
OTHER_REQUESTS: list[dict] = [TOUCH, {"type": "Connections.Response", "name": "AskFor", "status": {"code": "200", "message": "OK"},
                          "token": "timer|ice_or_heat_timer", "payload": {"status": "DENIED"}},
                  {"type": "LaunchRequest"}, {"type": "System.ExceptionEncountered"}, {"type": "CanFulfillIntentRequest"}]


def checked(app) -> tuple[Counter, list[str]]:
    """Make the app's index check each pick against the SDK's mapper; returns (handlers picked, differences)."""
    index = app.view_functions["skill"].__self__.skill.request_dispatcher.request_mappers[0]
    assert isinstance(index, HandlerIndex)
    picked: Counter = Counter()
    differences: list[str] = []

    def both(handler_input):
        chosen = HandlerIndex.get_request_handler_chain(index, handler_input)
        every = GenericRequestMapper.get_request_handler_chain(index, handler_input)
        name = type(chosen.request_handler).__name__ if chosen else None
        if chosen is not every:  # kept, not raised: the skill's exception handler would turn it into "Sorry"
            differences.append(f"{handler_input.request_envelope.request.object_type} {index.kind(handler_input)}: "
                               f"index {name}, SDK {type(every.request_handler).__name__ if every else None}")
        picked[name] += 1
        return chosen

    index.get_request_handler_chain = both  # type: ignore[method-assign]
    return picked, differences


def send(alexa: Alexa, request: dict) -> None:
    """The request in the conversation's session, its reply not judged (a skill event gets no speech)."""
    body = envelope(json.loads(json.dumps(request)), user_id=alexa.user_id, attributes=alexa.attributes,
                    new=alexa.session_id is None, session_id=alexa.session_id or "amzn1.echo-api.session.index",
                    system=alexa.system)
    assert alexa.client.post("/", data=json.dumps(body), content_type="application/json").status_code == 200


def test_every_state_meeting_every_request_gets_the_handler_the_sdk_would_pick(app, client, router, store_path):
    picked, differences = checked(app)
    for state, setup in enumerate(STATES.values()):
        # Each state is set up once (on a screen, and by voice in people's own words), and each request meets it
        # as a user of its own (in_state): the same state for every cell, without saying the setup again.
        on_screen = Alexa(client, router, user_id=f"amzn1.ask.account.index-state{state}",
                          system={"device": {"deviceId": "amzn1.ask.device.SHOW", "supportedInterfaces": {
                              "Alexa.Presentation.APL": {"runtime": {"maxVersion": "2023.3"}}}}})
        setup(on_screen)
        by_voice = Alexa(client, SPOKEN, user_id=f"amzn1.ask.account.index-words-state{state}")
        setup(by_voice)
        for number, (_, request) in enumerate([*REQUESTS, *((r["type"], r) for r in OTHER_REQUESTS)]):
            send(in_state(on_screen, store_path, f"amzn1.ask.account.index{number}"), request)
        for words in (["yes"], ["no"], ["is tingling a bad sign"], ["no numbness"], ["my leg is numb"],
                      ["ugh it hurts so much", "yes"], ["help me please it's agony"], ["ow it really hurts"]):
            alexa = in_state(by_voice, store_path, "amzn1.ask.account.index-words")
            for utterance in words:
                alexa.say(utterance)
    assert not differences, "\n".join(differences[:20])
    # Every handler was the one picked somewhere, so each one's gate was put to the test.
    assert set(picked) >= {type(handler).__name__ for handler in request_handlers()}


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(body=mutated_envelopes())
def test_any_request_gets_the_handler_the_sdk_would_pick(app, client, body):
    _, differences = checked(app)
    client.post("/", data=json.dumps(body), content_type="application/json")
    assert not differences


def test_a_forged_request_type_is_indexed_as_the_handlers_read_it(app, client):
    # The type the handlers read is the request's object_type, which a body can set beside "type".
    picked, differences = checked(app)
    for forged in ("LaunchRequest", "SessionEndedRequest", ["a", "list"], None):
        body = envelope({"type": "IntentRequest", "intent": {"name": "AMAZON.HelpIntent"}, "object_type": forged})
        client.post("/", data=json.dumps(body), content_type="application/json")
    assert not differences
    assert picked["LaunchHandler"] == 1 and picked["SessionEndedHandler"] == 1


def test_the_index_asks_fewer_handlers_and_safety_first():
    from ask_sdk_runtime.dispatch_components.request_components import GenericRequestHandlerChain

    handlers: list = request_handlers()
    index = HandlerIndex([GenericRequestHandlerChain(request_handler=handler) for handler in handlers])
    for kind in [(None, "AMAZON.HelpIntent"), (None, "AMAZON.NextIntent"), ("LaunchRequest", None), (None, None)]:
        asked = [chain.request_handler for chain in index.candidates(kind)]
        assert isinstance(asked[0], safety.RedFlagHandler) and isinstance(asked[1], safety.SignHandler)
        assert [handlers.index(handler) for handler in asked] == sorted(handlers.index(handler) for handler in asked)
        assert len(asked) < len(handlers) / 2
        assert not any(isinstance(handler, IntentHandler) and handler.intents and kind[1] not in handler.intents
                       for handler in asked)
        assert not any(isinstance(handler, RequestTypeHandler) and kind[0] not in handler.request_types for handler in asked)
