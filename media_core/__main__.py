"""``python -m media_core …`` is the same as the ``reframe`` command."""

import sys

from media_core.cli import main

if __name__ == "__main__":
    sys.exit(main())
