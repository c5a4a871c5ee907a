"""Sizes of the built bundle and installers, for packaging/build.sh and the release notes.

Prints JSON: the folder's size, each installer's size, the 10 largest parts of the bundle
(top-level packages/libraries of ``_internal``, and single files), what each pruning rule of
the spec removed, and how long each build step took.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

MB = 1e6


def tree_size(path: Path) -> int:
    """Bytes of the regular files under ``path`` (symlinks count as nothing, like on disk)."""
    if path.is_symlink():
        return 0
    if path.is_file():
        return path.stat().st_size
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            file = Path(root, name)
            if not file.is_symlink():
                total += file.stat().st_size
    return total


def largest_parts(folder: Path, count: int = 10) -> list[tuple[str, float]]:
    internal = folder / "_internal"
    parts = [(p.name, tree_size(p)) for p in internal.iterdir()] + [(folder.name, tree_size(folder / "Reframe"))]
    # Qt's own tree is one package for pip but several concerns here: split it.
    qt = internal / "PySide6" / "Qt"
    if qt.is_dir():
        parts = [p for p in parts if p[0] != "PySide6"]
        parts.append(("PySide6 (bindings)", tree_size(internal / "PySide6") - tree_size(qt)))
        parts += [(f"PySide6/Qt/{p.name}", tree_size(p)) for p in qt.iterdir()]
    parts.sort(key=lambda p: -p[1])
    return [(name, round(size / MB, 1)) for name, size in parts[:count]]


def largest_files(folder: Path, count: int = 10) -> list[tuple[str, float]]:
    files = [p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()]
    files.sort(key=lambda p: -p.stat().st_size)
    return [(str(p.relative_to(folder)), round(p.stat().st_size / MB, 1)) for p in files[:count]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--version", required=True)
    parser.add_argument("--dist", type=Path, default=Path("dist"))
    parser.add_argument("--prune", type=Path, help="the spec's prune-report.json")
    parser.add_argument("--times", nargs=5, type=float, metavar="T", help="epoch seconds between the build steps")
    args = parser.parse_args()
    folder = args.dist / "Reframe"
    installers = sorted(
        p for p in args.dist.iterdir() if p.name.endswith((".deb", ".tar.gz", ".AppImage", ".exe", ".dmg"))
    )
    report = {
        "version": args.version,
        "folder_mb": round(tree_size(folder) / MB, 1),
        "installers_mb": {p.name: round(p.stat().st_size / MB, 1) for p in installers},
        "largest_parts_mb": largest_parts(folder),
        "largest_files_mb": largest_files(folder),
        "pruned_mb": json.loads(args.prune.read_text()) if args.prune and args.prune.is_file() else {},
    }
    if args.times:
        t = args.times
        steps = ["pyinstaller", "deb", "tar.gz", "appdir"]
        report["build_seconds"] = {s: round(t[i + 1] - t[i], 1) for i, s in enumerate(steps)}
        report["build_seconds"]["total"] = round(t[-1] - t[0], 1)
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
