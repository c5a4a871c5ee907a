"""Start an app on the current X display, wait until it reports its window shown, grab the
screen, stop the app. Run under ``xvfb-run``; used by tests/test_packaging.py and
benchmarks/startup.py.

    python tests/screen_grab.py OUT.png -- COMMAND [ARGS...]

Prints JSON: ``seconds_to_window`` (wall time from spawning COMMAND to its
``window shown after`` line, i.e. a cold start as a user sees it) and ``distinct_colors``.
An empty OUT ("") skips the screenshot and lets the app quit by itself (startup timing only).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

SHOWN = "window shown after"


def start_and_wait(command: list[str], quit_after: bool, timeout: float = 180.0):
    env = dict(os.environ, REFRAME_REPORT_STARTUP="quit" if quit_after else "1")
    env.pop("QT_QPA_PLATFORM", None)  # a real X display: the app must pick xcb by itself
    t0 = time.perf_counter()
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = []
    deadline = t0 + timeout
    assert proc.stdout is not None
    for line in proc.stdout:
        lines.append(line)
        if SHOWN in line:
            return proc, time.perf_counter() - t0, lines
        if time.perf_counter() > deadline:
            break
    proc.kill()
    raise SystemExit("the app never showed its window:\n" + "".join(lines[-40:]))


def grab(path: str) -> int:
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication(["screen_grab", "-platform", "xcb"])
    image = app.primaryScreen().grabWindow(0).toImage()
    image.save(path)
    step = 4  # sampled: enough to tell a drawn window from an empty screen
    colors = {image.pixel(x, y) for x in range(0, image.width(), step) for y in range(0, image.height(), step)}
    return len(colors)


def main() -> int:
    out, sep, *command = sys.argv[1:]
    assert sep == "--" and command, __doc__
    proc, seconds, _lines = start_and_wait(command, quit_after=not out)
    colors = 0
    if out:
        time.sleep(2.0)  # the first paint and the deferred start-up work
        colors = grab(out)
        proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    print(json.dumps({"seconds_to_window": round(seconds, 3), "distinct_colors": colors}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
