"""Back Spasm Helper: an Alexa skill for people in the middle of a back-muscle spasm.

``create_app`` builds the Flask app that serves the skill at ``POST /``.
"""
from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any

from flask import Flask

from skill import config as config_module
from skill.config import env_flag
from skill.conversation import screen
from skill.conversation.builder import MODEL_DIR, build_skill, check_against_model
from skill.server.verification import SeenRequests, build_verifiers, fetch_url
from skill.server.web import SkillEndpoint
from skill.storage.store import build_adapter
from skill.words import content as content_module

log = logging.getLogger(__name__)


def default_config() -> dict[str, Any]:
    """Configuration read from the environment (see README: Configuration)."""
    return {
        "VERIFY_SIGNATURE": env_flag("ASK_SDK_VERIFY_SIGNATURE"),
        "VERIFY_TIMESTAMP": env_flag("ASK_SDK_VERIFY_TIMESTAMP"),
        "SKILL_ID": os.environ.get("SKILL_ID") or None,
        # With verification on and no SKILL_ID, start-up refuses unless this says so on purpose.
        "ALLOW_ANY_SKILL_ID": env_flag("ALLOW_ANY_SKILL_ID", default=False),
        "LOCALES": None,  # None: every locale the content has (skill/content/locales.yaml)
        # Memory: "sqlite" (default), "dynamodb" (SKILL_DYNAMODB_TABLE), or "none".
        "STORE": os.environ.get("SKILL_STORE") or "sqlite",
        "STORE_PATH": os.environ.get("SKILL_DB_PATH") or None,  # default: <instance folder>/back-spasm-helper.sqlite3
        "DYNAMODB_TABLE": os.environ.get("SKILL_DYNAMODB_TABLE") or None,
        # Alexa's APIs are called only at Alexa's own hosts; tests name their fake's HTTPS address here.
        "ALEXA_API_TEST_ENDPOINT": os.environ.get("ALEXA_API_TEST_ENDPOINT") or None,
        # Alexa's requests are a few kilobytes; anything far larger is not one.
        "MAX_CONTENT_LENGTH": 128 * 1024,
    }


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the Flask app: configuration first, then the skill and its endpoint."""
    app = Flask(__name__, instance_relative_config=True, static_folder=None)  # it serves no files: no route for them
    app.config.update(default_config())
    if config:
        app.config.update(config)
    config_module.check(app.config)

    contents = content_module.Contents(app.config["LOCALES"] or content_module.locales())
    for locale in contents:  # every locale loaded and checked now: a mistake stops start-up, not a request
        model = MODEL_DIR / f"{locale}.json"
        check_against_model(contents[locale], model if model.is_file() else MODEL_DIR / f"{content_module.DEFAULT_LOCALE}.json")
        contents[locale].warning_screen.prepare()  # ready before the first words, not during them
    screen.document()  # the APL document for devices with a screen: a broken file stops start-up, in one line
    store_path = app.config["STORE_PATH"] or os.path.join(app.instance_path, "back-spasm-helper.sqlite3")
    store = build_adapter(app.config["STORE"], store_path, app.config["DYNAMODB_TABLE"])
    # Tests and the simulator inject the client that reaches Alexa's APIs (a fake); production uses HTTPS.
    skill = build_skill(contents, store, api_client=app.config.get("API_CLIENT"),
                        api_test_endpoint=app.config.get("ALEXA_API_TEST_ENDPOINT"))
    verifiers = build_verifiers(
        app.config["VERIFY_SIGNATURE"],
        app.config["VERIFY_TIMESTAMP"],
        # Tests inject a certificate fetcher and trust roots; production uses HTTPS and the system's roots.
        fetch=app.config.get("CERT_FETCH") or fetch_url,
        trust_roots=app.config.get("CERT_TRUST_ROOTS"),
    )
    endpoint = SkillEndpoint(
        skill, verifiers, skill_id=app.config["SKILL_ID"], max_bytes=app.config["MAX_CONTENT_LENGTH"],
        unsigned_hint="For local trials only, start the skill with ASK_SDK_VERIFY_SIGNATURE=false" if verifiers.raw else None,
        # Replays matter only where signatures are checked: without that, anyone can send any request anyway.
        seen=SeenRequests() if verifiers.raw else None,
    )
    endpoint.register(app)
    app.extensions["back_spasm_helper.store"] = store
    off = [check for check, on in (("signature", app.config["VERIFY_SIGNATURE"]),
                                   ("timestamp", app.config["VERIFY_TIMESTAMP"])) if not on]
    if off:
        log.warning("Request %s verification is OFF. Use this only for local trials; Alexa requires both on any "
                    "public endpoint.", " and ".join(off))
    log.info("Back Spasm Helper ready: users remembered %s; request verification %s; SKILL_ID %s.",
             _where(app.config["STORE"], store_path, app.config["DYNAMODB_TABLE"]),
             "off" if len(off) == 2 else f"on ({', '.join(off)} check off)" if off else "on",
             "set" if app.config["SKILL_ID"] else "not set (requests for any skill are served)")
    return app


def _where(kind: str, path: str, table: str | None) -> str:
    kind = (kind or "sqlite").lower()
    if kind == "none":
        return "nowhere (SKILL_STORE=none)"
    return f"in DynamoDB table {table}" if kind == "dynamodb" else f"in {path}"
