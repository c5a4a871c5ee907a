"""Frozen-app entry point: one executable for the window and the command line.

``Reframe``                       opens the window (the headless demo when there is no display)
``Reframe --headless-demo``       captions the bundled sample without a window
``Reframe captions clip.mp4 …``   any ``reframe`` subcommand (also ``--version`` / ``--help``)
``Reframe cli …``                 the same, spelled explicitly
``Reframe clip.mp4``              opens the window with that file (the .desktop entry's ``%F``)
"""

import sys

CLI_FLAGS = {"--version", "-h", "--help", "--debug"}


def wants_cli(args: list[str]) -> bool:
    if not args:
        return False
    if args[0] == "cli" or args[0] in CLI_FLAGS:
        return True
    from media_core.cli import command_names

    return args[0] in command_names()


def main() -> int:
    args = sys.argv[1:]
    if wants_cli(args):
        from media_core.cli import main as cli_main

        return cli_main(args[1:] if args[0] == "cli" else args)
    from reframe_desktop.app import main as app_main

    return app_main()


if __name__ == "__main__":
    sys.exit(main())
