"""Every id the code speaks by, typed once: prompts, routine prompts and screen labels (the words are data).

The content file holds the words for each id (skill/content/en-US.yaml, `prompts:`, `routine_prompts:`, `screen:`);
start-up refuses a content file that lacks one, or whose template uses a placeholder its id does not fill. The code
names an id only through these types, so mypy finds a call that names an id the content does not have.
To add a prompt: add its id here and its words to the content file.
"""
from __future__ import annotations

from typing import Literal, get_args

PromptId = Literal[
    "welcome_first", "welcome_back", "disclaimer", "disclaimer_short", "launch_options", "launch_reprompt",
    "offer_more", "after_more", "general_reprompt", "help", "help_reprompt", "fallback", "fallback_reprompt",
    "nothing_more", "nothing_to_repeat", "no_thanks", "goodbye", "error", "error_reprompt", "not_sure",
    "resume_reprompt", "fresh_start", "forget_confirm", "forget_reprompt", "forget_done", "forget_kept",
    "place_not_saved", "sign_denied", "local_number", "what_would_help", "thanks_bye", "take_your_time",
    "not_sure_again", "try_saying", "resume_offer", "safety_net", "cannot_call"
]

PROMPT_PLACEHOLDERS: dict[str, frozenset[str]] = {
    "resume_offer": frozenset({"name", "number", "title"}),
    "safety_net": frozenset({"emergency_number"}),
}

RoutinePromptId = Literal[
    "list", "list_reprompt", "next_question", "step_reprompt", "paused", "paused_reprompt", "slower", "faster",
    "slowest", "fastest", "first_step", "start_over", "skipped", "stopped", "finished_question", "help_reprompt",
    "not_understood", "no_routine", "which_routine", "settle_question", "settle_reprompt", "in_place", "waiting",
    "come_back", "question_reprompt", "pain_in_routine", "thanks_in_routine", "not_understood_move", "step_header",
    "back_to_routine", "help", "continue_offer", "offer", "continue_reprompt", "not_understood_again"
]

ROUTINE_PROMPT_PLACEHOLDERS: dict[str, frozenset[str]] = {
    "not_understood": frozenset({"name"}),
    "step_header": frozenset({"number", "title", "total"}),
    "back_to_routine": frozenset({"name"}),
    "help": frozenset({"name"}),
    "continue_offer": frozenset({"name"}),
    "offer": frozenset({"name"}),
    "continue_reprompt": frozenset({"name"}),
    "not_understood_again": frozenset({"name"}),
}

ScreenLabelId = Literal[
    "in_place", "hint_step", "hint", "next", "repeat", "stop", "next_accessibility", "repeat_accessibility",
    "stop_accessibility", "step_of", "hold"
]

SCREEN_LABEL_PLACEHOLDERS: dict[str, frozenset[str]] = {
    "step_of": frozenset({"number", "total"}),
    "hold": frozenset({"seconds"}),
}



def _table(ids: object, placeholders: dict[str, frozenset[str]]) -> dict[str, frozenset[str]]:
    return {name: placeholders.get(name, frozenset()) for name in get_args(ids)}


# What start-up checks a content file against: each id, with the placeholders its template may use.
PROMPTS = _table(PromptId, PROMPT_PLACEHOLDERS)
ROUTINE_PROMPTS = _table(RoutinePromptId, ROUTINE_PROMPT_PLACEHOLDERS)
SCREEN_LABELS = _table(ScreenLabelId, SCREEN_LABEL_PLACEHOLDERS)
