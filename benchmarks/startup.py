"""Start-up benchmark: the frozen app (dist/Reframe, from packaging/build.sh) against the
checkout, from spawning the process to the main window shown, each with an empty HOME
(a user's first start: no settings, no caches of ours).

Prints each median, the ratio frozen / checkout (goal <= 1.5) and the frozen absolute time
(goal < 3 s). Runs itself under ``xvfb-run -a`` when there is no display.

Run: .venv/bin/python benchmarks/startup.py [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.screen_grab import start_and_wait  # noqa: E402

FROZEN = ROOT / "dist" / "Reframe" / "Reframe"


def seconds_to_window(command: list[str]) -> float:
    with tempfile.TemporaryDirectory(prefix="reframe-startup-") as home:
        saved = os.environ.get("HOME")
        os.environ["HOME"] = home
        try:
            proc, seconds, _ = start_and_wait(command, quit_after=True)
            proc.wait(timeout=60)
        finally:
            if saved is not None:
                os.environ["HOME"] = saved
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if not FROZEN.is_file():
        sys.exit(f"{FROZEN} is missing: run bash packaging/build.sh first")
    if not os.environ.get("DISPLAY"):
        xvfb = shutil.which("xvfb-run") or sys.exit("no display and no xvfb-run (apt-get install xvfb)")
        return subprocess.call([xvfb, "-a", "-s", "-screen 0 1280x800x24", sys.executable, *sys.argv])
    os.environ["PYTHONPATH"] = str(ROOT)  # the checkout run uses this tree, not an installed copy
    checkout = [sys.executable, "-m", "reframe_desktop.app"]
    frozen_times, checkout_times = [], []
    for _ in range(args.runs):  # interleaved, so a busy moment on the machine hits both
        frozen_times.append(seconds_to_window([str(FROZEN)]))
        checkout_times.append(seconds_to_window(checkout))
    frozen, source = statistics.median(frozen_times), statistics.median(checkout_times)
    print(f"frozen   to window: {frozen:.2f} s (runs: {', '.join(f'{t:.2f}' for t in frozen_times)})")
    print(f"checkout to window: {source:.2f} s (runs: {', '.join(f'{t:.2f}' for t in checkout_times)})")
    print(f"ratio frozen / checkout: {frozen / source:.2f} (goal <= 1.5); frozen absolute goal < 3 s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
