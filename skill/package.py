"""`python -m skill.package`: Build the interaction models, the Lambda bundle, the release check (the tool lives in skill/dev/package.py)."""
import sys

from skill.dev.package import main

if __name__ == "__main__":
    sys.exit(main(sys.argv))
