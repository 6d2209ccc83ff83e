"""``python -m tui`` runs Parlons."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
