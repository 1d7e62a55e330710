"""Configuration from the environment, checked at start-up: a mistake is one line naming the setting and the fix."""
from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

TRUE = ("1", "true", "yes", "on")
FALSE = ("0", "false", "no", "off")


class ConfigError(ValueError):
    """A setting is missing or wrong; the message names it and says how to fix it."""


def env_flag(name: str, default: bool = True, environ: Mapping[str, str] | None = None) -> bool:
    """A true/false setting: unset or empty means the default; anything not clearly true or false is an error."""
    value = (environ if environ is not None else os.environ).get(name, "").strip().lower()
    if not value:
        return default
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise ConfigError(f"{name}={value!r} is not true or false: use one of {', '.join(TRUE + FALSE)}")


def check(config: Mapping[str, Any]) -> None:
    """Refuse a configuration that would run unsafely without saying so."""
    if config["VERIFY_SIGNATURE"] and not config.get("SKILL_ID") and not config.get("ALLOW_ANY_SKILL_ID"):
        raise ConfigError(
            "SKILL_ID is not set: with signature verification on, Alexa requires the skill to check that each "
            "request is meant for it. Set SKILL_ID to your skill's id (developer console, 'Copy Skill ID'), "
            "or set ALLOW_ANY_SKILL_ID=true to serve requests for any skill on purpose"
        )
