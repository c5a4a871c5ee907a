"""Frozen-app entry point: ``Reframe`` opens the window, ``Reframe cli ...`` runs the CLI."""

import sys

if len(sys.argv) > 1 and sys.argv[1] == "cli":
    from media_core.cli import main as cli_main

    sys.exit(cli_main(sys.argv[2:]))

from reframe_desktop.app import main

sys.exit(main())
