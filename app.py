"""Entry point: `python app.py` serves the skill locally; gunicorn serves `app:app` (see gunicorn.conf.py)."""
from __future__ import annotations

import argparse
import logging
import os
import sys

from flask import Flask

from skill import create_app
from skill.config import ConfigError
from skill.storage.store import StoreError
from skill.words.content import ContentError

USAGE = """settings (environment variables; README, "Configuration", has them all):
  HOST, PORT                   where to listen (default 127.0.0.1:5000)
  ASK_SDK_VERIFY_SIGNATURE     true/false; false only for local trials (then also ASK_SDK_VERIFY_TIMESTAMP=false)
  SKILL_ID                     your skill's id; required while verification is on
  SKILL_STORE, SKILL_DB_PATH   where users are remembered: sqlite (default), dynamodb, none
  LOG_LEVEL                    debug, info (default), warning, error

For a typed conversation without a server: python -m skill.simulate"""


def build() -> Flask:
    """The app; a bad setting or file is one line naming it and the fix, exit status 1, never a traceback."""
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO").strip().upper() or "INFO",
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        return create_app()
    except (ConfigError, ContentError, StoreError) as error:
        sys.exit(f"back-spasm-helper: cannot start: {error}")


def main(argv: list[str] | None = None) -> int:
    """`python app.py`: the skill on HOST:PORT with Flask's development server (gunicorn for production)."""
    argparse.ArgumentParser(prog="python app.py", description="Serve Back Spasm Helper locally over HTTP.",
                            epilog=USAGE, formatter_class=argparse.RawDescriptionHelpFormatter).parse_args(argv)
    port = os.environ.get("PORT", "5000")
    if not port.isdigit() or not 0 < int(port) < 65536:
        sys.exit(f"back-spasm-helper: cannot start: PORT={port!r} is not a port number (1 to 65535), e.g. PORT=5000")
    build().run(host=os.environ.get("HOST", "127.0.0.1"), port=int(port))
    return 0


if __name__ == "__main__":
    sys.exit(main())
app = build()  # gunicorn serves app:app
