"""Entry point: `python app.py` serves the skill locally; gunicorn serves `app:app`."""
import logging
import os

from skill import create_app

logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO").strip().upper() or "INFO", format="%(asctime)s %(levelname)s %(name)s: %(message)s")
app = create_app()

if __name__ == "__main__":
    app.run(host=os.environ.get("HOST", "127.0.0.1"), port=int(os.environ.get("PORT", "5000")))
