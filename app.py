"""Entry point: `python app.py` serves the skill locally; gunicorn serves `app:app` (see gunicorn.conf.py)."""
import logging
import os
import sys

from skill import create_app
from skill.config import ConfigError
from skill.content import ContentError
from skill.store import StoreError

logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO").strip().upper() or "INFO",
                    format="%(asctime)s %(levelname)s %(name)s: %(message)s")
try:
    app = create_app()
except (ConfigError, ContentError, StoreError) as error:
    # A bad setting or file is one line naming it and the fix, never a traceback.
    sys.exit(f"back-spasm-helper: cannot start: {error}")

if __name__ == "__main__":
    app.run(host=os.environ.get("HOST", "127.0.0.1"), port=int(os.environ.get("PORT", "5000")))
