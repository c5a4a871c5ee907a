"""Screenshot of Utilities › Cut / reframe with "Follow faces" and its crop preview.

    xvfb-run -a -s "-screen 0 1280x900x24" .venv/bin/python docs/reframe/make_desktop_screenshot.py

Writes docs/reframe/desktop-follow-faces.png (two real faces: the preview shows the split windows).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent))
_home = Path(tempfile.mkdtemp(prefix="reframe-shots-"))
for var, sub in (("REFRAME_DATA_DIR", "data"), ("REFRAME_CONFIG_DIR", "config"), ("REFRAME_CACHE_DIR", "cache")):
    os.environ[var] = str(_home / sub)

from PySide6.QtTest import QTest  # noqa: E402

from tests import assets  # noqa: E402

OUT = Path(__file__).resolve().parent / "desktop-follow-faces.png"


def main() -> int:
    from reframe_desktop.app import build_window, create_app
    from reframe_desktop.settings import AppSettings
    from reframe_desktop.theme import apply_theme

    app = create_app([])
    settings = AppSettings()
    apply_theme(app, settings.theme)
    window = build_window(app, settings)
    window.resize(1280, 900)
    window.show()
    QTest.qWait(500)
    util = window.tabs_by_name["utilities"]
    window.tabs.setCurrentWidget(util)
    util.sections.setCurrentIndex(3)
    util.cut_input.set_path(str(assets.two_faces_video()))
    util.cut_start.setValue(3.0)
    util.cut_aspect.setCurrentIndex(util.cut_aspect.findData("9:16"))
    util.cut_strategy.setCurrentIndex(util.cut_strategy.findData("crop"))
    util.cut_faces.follow.setChecked(True)
    util.cut_faces.preview_button.click()
    end = time.monotonic() + 300
    while time.monotonic() < end and not util.cut_faces.picture.isVisible():
        QTest.qWait(100)
    QTest.qWait(500)
    window.grab().save(str(OUT))
    print(OUT, util.cut_faces.status.text())
    window.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
