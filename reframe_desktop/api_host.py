"""The in-process HTTP API, owned by the application (reframe_desktop.app), not a window.

uvicorn binds and waits for its socket on a worker thread; the jobs it receives run on
the desktop's job manager (through the job client), so they show in the Jobs tab."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from .workers import run_in_background


class ApiHost(QObject):
    #: The server started or stopped: its URL, or "" when it is off.
    statusChanged = Signal(str)

    def __init__(self, client, parent: QObject | None = None):
        super().__init__(parent)
        self.client = client
        self.server = None
        self.error = ""

    @property
    def url(self) -> str:
        return self.server.url if self.server is not None else ""

    def start_from_settings(self) -> None:
        from media_core.settings import engine_settings

        api = engine_settings().api
        if api.enabled:
            self.apply(api)

    def apply_engine_settings(self) -> None:
        """Follow the saved engine settings (the Settings dialog was accepted)."""
        from media_core.settings import engine_settings

        self.apply(engine_settings().api)

    def apply(self, api) -> None:
        """Run the API as ``api`` (media_core.settings.ApiSettings) says: (re)start, or stop it."""
        old, self.server = self.server, None
        if old is not None and old.settings == api:
            self.server = old
            return
        manager = self.client.manager if api.enabled else None

        def work():
            if old is not None:
                old.stop()
            if manager is None:
                return None
            from media_core.api.server import ApiServer

            return ApiServer(manager, api).start()

        def done(server):
            self.server, self.error = server, ""
            self.statusChanged.emit(self.url)

        def failed(exc):
            self.server, self.error = None, str(exc)
            self.statusChanged.emit("")

        run_in_background(work, done, failed)

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None
