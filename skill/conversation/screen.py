"""What a device with a screen shows: one APL document (skill/content/apl/screen.json), filled per response.

Only devices whose request lists `Alexa.Presentation.APL` among their supported interfaces, with a
`runtime.maxVersion` at least the document's `version` (compared as numbers: 1.9 < 2023.3 < 2024.1), get
the RenderDocument directive: sent to a device without a screen it is an error, and a device with an older
APL runtime cannot render the document. Those hear the same speech, with no screen. The datasource is built
from what the response said, by content id (skill/conversation/said.py), so the screen never shows words that are
not in the content file:
  - a routine step: the routine's name, the step's title, "Step 2 of 5", how long it plays, and buttons;
  - a red flag: its `screen` line, the action to take (in red);
  - anything else: the first sentence of what was said.
The buttons send UserEvents ("next", "repeat", "stop") that skill/conversation/handlers/touch.py passes to the same
routine state machine as the spoken words.
"""
from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ask_sdk_core.dispatch_components import AbstractResponseInterceptor
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response

from skill.conversation import said
from skill.platform.envelope import system_of
from skill.platform.scopes import AGAIN, CONTENT_KEY, ROUTINE, SAID_KEY, STEP_PLAYED, request_scope, session_scope
from skill.platform.serialization import PlainJson
from skill.routine import MOVE, RoutineState
from skill.words import pacing, ssml
from skill.words.content import Content, ContentError, Routine

DOCUMENT_PATH = Path(__file__).parent.parent / "content" / "apl" / "screen.json"
TOKEN = "screen"
MIN_HOLD_SHOWN = 10  # seconds of silence: less is gaps between sentences, not a hold the user times
SHOWN_TO_NEAREST = 5  # seconds: "About 45 seconds", not "About 44.4 seconds"
CONTROLS = ("next", "repeat", "stop")  # the buttons' events, in order; their labels are in the content file
_SENTENCE = re.compile(r"^(.+?[.?!])(?:\s|$)")


@functools.cache
def document(path: Path = DOCUMENT_PATH) -> dict[str, Any]:
    """The APL document, read once; a broken file is one line naming it (start-up calls this)."""
    try:
        loaded = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ContentError(f"{path.name}: not a readable APL document ({error}); fix the JSON") from None
    if not isinstance(loaded, dict) or loaded.get("type") != "APL" or "mainTemplate" not in loaded:
        raise ContentError(f"{path.name}: not an APL document (needs type APL and a mainTemplate)")
    if apl_version(loaded.get("version")) is None:  # devices are sent it only when their runtime is this new
        raise ContentError(f"{path.name}: version {loaded.get('version')!r} is not an APL version like 2023.3")
    return PlainJson(loaded)  # JSON as read: written into each response as it is


def apl_version(text: object) -> tuple[int, ...] | None:
    """An APL version ("2023.3", "1.9") as numbers to compare; None for anything that is not one."""
    if not isinstance(text, str) or not re.fullmatch(r"\d{1,6}(?:\.\d{1,6}){0,3}", text.strip()):
        return None
    return tuple(int(part) for part in text.strip().split("."))


def has_screen(handler_input: HandlerInput) -> bool:
    """Whether the device can show this document: it lists APL, and its runtime's maxVersion is at least the
    document's version (a device that names no maxVersion is not sent a document it may not render)."""
    system = system_of(handler_input.request_envelope)
    device = system.device if system else None
    interfaces = device.supported_interfaces if device else None
    apl = getattr(interfaces, "alexa_presentation_apl", None)
    runtime = getattr(apl, "runtime", None)
    supported = apl_version(getattr(runtime, "max_version", None))
    if supported is None:
        return False
    needed = apl_version(document().get("version"))
    return needed is not None and supported >= needed


def datasource(content: Content, lines: tuple[tuple[Any, ...], ...], step: RoutineState | None,
               in_routine: RoutineState | None, again: bool = False) -> dict[str, Any]:
    """The screen's words for one response: `step` when it played a routine step, else the lines it said."""
    labels = content.screen
    screen: dict[str, Any] = {"kind": "answer", "title": content.skill_name, "progress": "", "detail": "",
                              "hint": labels["hint"], "buttons": in_routine is not None,
                              "controls": [{"event": event, "label": labels[event],
                                            "accessibility": labels[f"{event}_accessibility"]} for event in CONTROLS]}
    if in_routine is not None:
        screen["hint"] = labels["hint_step"]
        screen["title"] = _capital(content.routines[in_routine.routine].name)
    if step is not None:
        routine = content.routines[step.routine]
        seconds = shown_seconds(routine, step, content.routine_prompts, content.routine_closings, again)
        screen.update(kind="step", line=routine.steps[step.step].title,
                      progress=labels["step_of"].format(number=step.step + 1, total=len(routine.steps)),
                      detail=labels["in_place"] if step.part == MOVE else
                      labels["hold"].format(seconds=seconds) if seconds else "")
        return screen
    first = lines[0] if lines else ()
    if len(first) >= 2 and first[0] == "red_flag" and first[1] in content.red_flags:
        number = content.emergency_number or content.prompts["local_number"]
        screen.update(kind="red_flag", line=content.red_flags[first[1]].screen.replace("{emergency_number}", number),
                      hint="", buttons=False)
        return screen
    rendered = said.render_line(content, first) if first else None
    screen["line"] = _first_sentence(rendered.markup) if rendered else content.skill_name
    return screen


def shown_seconds(routine: Routine, step: RoutineState, prompts: Mapping[str, str], closings: Sequence[str],
                  again: bool = False) -> int:
    """What the screen says a hold lasts: the whole part as it plays (words and silences), to the nearest 5 s;
    0 (nothing shown) for a movement, or for a part whose silences are only breaths between sentences."""
    if step.part == MOVE or pacing.silence_seconds(routine, step.step, step.part, step.factor) < MIN_HOLD_SHOWN:
        return 0
    playing = pacing.part_seconds(routine, step.step, step.part, step.factor, prompts, closings, again)
    return max(SHOWN_TO_NEAREST, int(playing / SHOWN_TO_NEAREST + 0.5) * SHOWN_TO_NEAREST)


def _first_sentence(markup: str) -> str:
    text = " ".join(ssml.plain_text(markup).split())
    match = _SENTENCE.match(text)
    return match.group(1) if match else text


def _capital(name: str) -> str:
    return name[:1].upper() + name[1:]


class ScreenInterceptor(AbstractResponseInterceptor):
    """Adds the screen to every spoken response, on devices that have one."""

    def process(self, handler_input: HandlerInput, response: Response) -> None:
        if response is None or response.output_speech is None or not has_screen(handler_input):
            return
        if any(getattr(directive, "object_type", None) == "Connections.SendRequest" for directive in response.directives or ()):
            return  # Alexa takes the next turn (a permission question); it shows its own screen
        scope = request_scope(handler_input)
        content: Content = scope[CONTENT_KEY]
        session = session_scope(handler_input) if handler_input.request_envelope.session else {}
        state = RoutineState.from_dict(session.get(ROUTINE), content.shapes)
        lines = (scope.get(SAID_KEY) or ((), None))[0] or ()
        played = scope.get(STEP_PLAYED)
        data = datasource(content, tuple(lines), state if played else None, state, again=played == AGAIN)
        if response.should_end_session:
            data.update(hint="", buttons=False)  # the skill has closed: nothing left to say or press
        from ask_sdk_model.interfaces.alexa.presentation.apl import RenderDocumentDirective  # only for screens

        response.directives = [*(response.directives or []),
                               RenderDocumentDirective(token=TOKEN, document=document(), datasources={"screen": data})]

