"""Entry point of the ``reframe-desktop`` gui-script.

Shows the window fast: only Qt, pydantic and the settings are imported before the
window appears; the engine (PyAV, faster-whisper, CTranslate2) loads on first use.
Without a display (a server, CI), or with ``--headless-demo``, it runs the headless end-to-end
demo instead.
"""

from __future__ import annotations

import os
import sys
import time

_T0 = time.perf_counter()


def has_display() -> bool:
    if os.environ.get("QT_QPA_PLATFORM"):
        return True  # the caller chose a platform plugin (offscreen, xcb, wayland, …)
    if sys.platform.startswith("linux") or "bsd" in sys.platform:
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True  # Windows and macOS always have a window server


def run_headless_demo() -> int:
    print("Reframe: no display found, running the headless demo instead of the window.", flush=True)
    try:
        from media_core.cli import main as cli_main
    except ImportError as exc:
        print(f"Reframe: the command-line tools are missing from this build ({exc}).", file=sys.stderr)
        return 2
    code = cli_main(["demo"])
    from media_core.paths import outputs_dir

    print(f"Outputs are in {outputs_dir()}", flush=True)
    return int(code or 0)


def create_app(argv: list[str] | None = None):
    from PySide6.QtCore import QCoreApplication, Qt
    from PySide6.QtGui import QGuiApplication, QIcon
    from PySide6.QtWidgets import QApplication

    from media_core import __version__

    QCoreApplication.setApplicationName("Reframe")
    QCoreApplication.setOrganizationName("Reframe")
    QCoreApplication.setApplicationVersion(__version__)
    # Fractional scaling (150 %) without blurry rounding.
    app = QApplication.instance()
    if app is None:
        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
        app = QApplication(argv if argv is not None else sys.argv)
    from media_core.resources import resource

    icon = resource("icons", "reframe.png")
    if icon.is_file():
        app.setWindowIcon(QIcon(str(icon)))
    QGuiApplication.setDesktopFileName("reframe")
    return app


def build_window(app, settings=None):
    """The main window, wired to what the application owns: the HTTP API host (started,
    restarted after the Settings dialog, and stopped when the application quits)."""
    from .api_host import ApiHost
    from .i18n import install_translators
    from .main_window import MainWindow
    from .settings import load_settings
    from .theme import apply_theme

    settings = settings or load_settings()
    install_translators(settings.ui_language)
    apply_theme(app, settings.theme)
    window = MainWindow(settings)
    api = ApiHost(window.client, parent=app)
    window.show_api_host(api)
    window.settingsApplied.connect(api.apply_engine_settings)
    app.aboutToQuit.connect(api.stop)
    return window


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv if argv is None else argv)
    if "--headless-demo" in args[1:] or not has_display():
        return run_headless_demo()
    app = create_app(argv)
    window = build_window(app)
    window.show()
    # "Open with Reframe" from a file manager passes the files (the .desktop entry's %F).
    for path in app.arguments()[1:]:
        if os.path.isfile(path):
            window.route_file(path)
    from PySide6.QtCore import QTimer

    # After the first paint: the API imports uvicorn/FastAPI (on a worker thread) only if enabled.
    QTimer.singleShot(0, window.api_host.start_from_settings)
    if os.environ.get("REFRAME_REPORT_STARTUP"):

        def report():
            print(f"window shown after {time.perf_counter() - _T0:.3f} s", flush=True)
            if os.environ.get("REFRAME_REPORT_STARTUP") == "quit":
                QTimer.singleShot(0, app.quit)  # after the start-up callbacks queued below

        QTimer.singleShot(0, report)
    from .widgets.store_notice import show_store_notice

    QTimer.singleShot(0, lambda: show_store_notice(window))  # a damaged job history: say so once
    from .widgets.quick_start import show_quick_start_once

    QTimer.singleShot(0, lambda: show_quick_start_once(window))  # first launch: the quick-start card
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
