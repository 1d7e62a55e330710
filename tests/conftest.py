"""Fixtures: the app (verification off unless a test turns it on), a client, and a conversation."""
from __future__ import annotations

import gc
import logging
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import settings

from skill import create_app
from skill.dev.fake_alexa_api import FakeAlexaApi, FakeApiClient

from .alexa import Alexa, UtteranceRouter
from .fake_api_server import serve

_ROUTER = UtteranceRouter()

# Property tests draw their examples the same way on every run (tests stay deterministic), and as many as the profile
# says: "default" for every run, "deep" (HYPOTHESIS_PROFILE=deep) for a thorough one, at least as many as any test
# ever asked for. Tests set only what their subject needs (no deadline, a health check off), never the count.
settings.register_profile("default", derandomize=True, max_examples=30)
settings.register_profile("deep", derandomize=True, max_examples=600)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


# A fresh SQLite file for each test is made in memory-backed /dev/shm where there is one: creating one on disk
# waits for the disk to sync (about 30 ms of every test that talks to the skill); in /dev/shm it takes 3 ms.
MEMORY_DISK = Path("/dev/shm")


@pytest.fixture
def store_path(request):
    """A fresh SQLite file for each test."""
    if not (MEMORY_DISK.is_dir() and os.access(MEMORY_DISK, os.W_OK)):
        yield request.getfixturevalue("tmp_path") / "store.sqlite3"  # pytest's folder only where it is needed: a ms each
        return
    with tempfile.TemporaryDirectory(dir=MEMORY_DISK, prefix="back-spasm-test-") as folder:
        yield Path(folder) / "store.sqlite3"


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


def pytest_collection_finish(session):
    """What importing and collecting made (the skill, its content, the model's samples compiled, hypothesis's
    strategies: most objects of the run) lives to the end: the garbage collector leaves it out from here on, so each
    full collection looks at what the tests made (full collections took 5.0 s of the run without this, 3.6 s with it)."""
    gc.collect()
    gc.freeze()


def pytest_sessionfinish(session):
    gc.unfreeze()  # pytest's last collection, looking for objects that fail as they go, sees everything


@pytest.fixture(autouse=True)
def skill_log_level():
    """The simulator quiets the skill's log for its console; tests that run it in-process leave the level as found."""
    logger = logging.getLogger("skill")
    level = logger.level
    yield
    logger.setLevel(level)


@pytest.fixture
def fake():
    """Alexa's APIs as a fake that keeps to their documented contract (token "api-token-abc")."""
    return FakeAlexaApi(token="api-token-abc")


@pytest.fixture
def served(fake):
    """That fake served over HTTPS on loopback: its URL, for the envelopes' apiEndpoint."""
    with serve(fake) as (url, _):
        yield url
