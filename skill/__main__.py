"""`python -m skill`: points to the ways in."""
import sys

print(
    "Back Spasm Helper.\n"
    "  Talk to it (typed, in this terminal):  python -m skill.simulate\n"
    "  Serve it locally over HTTP:            python app.py   (see README for the settings)\n"
    "  Run the tests:                         python -m pytest -q tests",
    file=sys.stderr,
)
sys.exit(0)
