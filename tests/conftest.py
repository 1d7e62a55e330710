"""Fixtures: the app (verification off unless a test turns it on), a client, and a conversation."""
from __future__ import annotations

import pytest

from skill import create_app
from skill.dev.fake_alexa_api import FakeAlexaApi, FakeApiClient

from .alexa import Alexa, UtteranceRouter

_ROUTER = UtteranceRouter()


@pytest.fixture
def store_path(tmp_path):
    """A fresh SQLite file for each test."""
    return tmp_path / "store.sqlite3"


@pytest.fixture
def app_config(store_path) -> dict:
    """Configuration for the app under test; override in a test module to change it."""
    # Alexa's APIs are the in-process fake unless a test serves it over HTTPS: no test reaches the network.
    return {"VERIFY_SIGNATURE": False, "VERIFY_TIMESTAMP": False, "SKILL_ID": None, "TESTING": True,
            "STORE": "sqlite", "STORE_PATH": str(store_path), "API_CLIENT": FakeApiClient(FakeAlexaApi())}


@pytest.fixture
def app(app_config):
    return create_app(app_config)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def router() -> UtteranceRouter:
    return _ROUTER


@pytest.fixture
def alexa(client) -> Alexa:
    """A fresh conversation with the skill."""
    return Alexa(client, _ROUTER)
