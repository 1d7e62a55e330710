"""`python -m skill.simulate`: Talk to the skill in a terminal (the tool lives in skill/dev/simulate.py)."""
import sys

from skill.dev.simulate import main

if __name__ == "__main__":
    sys.exit(main())
