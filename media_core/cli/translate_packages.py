"""``reframe translate-packages``: manage the offline Argos Translate language packages.

    reframe translate-packages list                      installed packages (+ pairs through English)
    reframe translate-packages available [--index URL]   what the Argos package list offers
    reframe translate-packages install FILE.argosmodel   install a package file
    reframe translate-packages download FROM TO          download from the package list and install
    reframe translate-packages remove FROM TO            delete an installed package

The desktop's Settings → Translation page uses the same engine calls (media_core.translation.argos).
Downloads and installs show a progress bar and stop cleanly on Ctrl-C.
"""

from __future__ import annotations

import argparse
import sys


def register(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "translate-packages",
        help="list, install, download or remove offline translation packages (Argos)",
        description="Manage Argos Translate language packages for offline translation. Pairs without a "
        "package of their own are translated through English when both halves are installed.",
    )
    _add_arguments(parser)
    parser.set_defaults(func=run)
    return parser


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    actions.add_parser("list", help="installed packages, and the pairs they reach through English")
    available = actions.add_parser("available", help="packages offered by the Argos package list (network)")
    available.add_argument("--index", default=None, help="URL of another package list (index.json)")
    install = actions.add_parser("install", help="install a .argosmodel file")
    install.add_argument("file", metavar="FILE.argosmodel")
    download = actions.add_parser("download", help="download a package from the package list and install it")
    download.add_argument("src", metavar="FROM", help="source language code, e.g. en")
    download.add_argument("tgt", metavar="TO", help="target language code, e.g. es")
    download.add_argument("--index", default=None, help="URL of another package list (index.json)")
    remove = actions.add_parser("remove", help="delete an installed package")
    remove.add_argument("src", metavar="FROM")
    remove.add_argument("tgt", metavar="TO")
    for sub in (install, download):
        sub.add_argument("-q", "--quiet", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    from media_core.translation import argos

    if args.action == "list":
        return _list(argos)
    if args.action == "available":
        return _available(argos, args.index)
    if args.action == "remove":
        if not argos.remove_package(args.src, args.tgt):
            print(
                f"error: no {args.src}→{args.tgt} package is installed (see `reframe translate-packages list`).",
                file=sys.stderr,
            )
            return 2
        print(f"Removed {args.src}→{args.tgt}.")
        return 0
    from .interrupt import run_with_cancel
    from .progress_bar import ProgressBar

    bar = ProgressBar(enabled=not args.quiet)
    try:
        if args.action == "install":
            pkg = run_with_cancel(lambda token: argos.install_package(args.file, progress=bar, cancel=token))
        else:
            pkg = run_with_cancel(
                lambda token: argos.download_pair(args.src, args.tgt, index=args.index, progress=bar, cancel=token)
            )
    finally:
        bar.close()
    print(f"Installed {pkg.pair[0]}→{pkg.pair[1]}: {pkg.label}")
    return 0


def _list(argos) -> int:
    installed = argos.list_installed()
    if not installed:
        print(
            "No translation packages installed. Add one with "
            "`reframe translate-packages download FROM TO` or `install FILE.argosmodel`."
        )
        return 0
    for pkg in installed:
        a, b = pkg.pair
        print(f"{a}→{b}\t{pkg.label}\t{pkg.path}")
    pivots = argos.pivot_pairs(installed)
    if pivots:
        print(
            "Also translated through English (two packages, slower): " + ", ".join(f"{p.src}→{p.tgt}" for p in pivots)
        )
    return 0


def _available(argos, index: str | None) -> int:
    offered = argos.fetch_index(index)
    installed = {p.pair: p.package_version for p in argos.list_installed()}
    if not offered:
        print("The package list is empty.")
        return 0
    for pkg in sorted(offered, key=lambda p: p.pair):
        a, b = pkg.pair
        mark = ""
        if pkg.pair in installed:
            mark = (
                "installed"
                if installed[pkg.pair] == pkg.package_version
                else f"installed {installed[pkg.pair] or '?'}, update available"
            )
        size = f"{pkg.size / 1e6:.0f} MB" if pkg.size else ""
        print("\t".join(x for x in (f"{a}→{b}", pkg.label, size, mark) if x))
    return 0


def main(argv: list[str] | None = None) -> int:
    from . import main as reframe_main

    return reframe_main(["translate-packages", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    sys.exit(main())
