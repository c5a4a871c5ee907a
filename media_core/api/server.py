"""Run the HTTP API in-process on a background thread (the desktop app) or in the
foreground (``reframe serve``). LAN access is an explicit opt-in and needs a token."""

from __future__ import annotations

import ipaddress
import logging
import threading
import time

import uvicorn

from ..errors import InvalidParameterError
from ..jobs.manager import JobManager
from ..settings import ApiSettings
from .app import create_app

log = logging.getLogger(__name__)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class ApiServer:
    """uvicorn on a daemon thread; ``start()`` returns once it accepts connections."""

    def __init__(self, manager: JobManager, settings: ApiSettings | None = None):
        """``settings`` default to the engine settings' ``api`` section."""
        if settings is None:
            from ..settings import engine_settings

            settings = engine_settings().api
        if settings.allow_lan and not settings.token:
            raise InvalidParameterError("LAN access to the API needs a token; create one in Settings first.")
        self.settings = settings
        self.host = "0.0.0.0" if settings.allow_lan else "127.0.0.1"
        app = create_app(manager, token=settings.token, loopback_only=_is_loopback(self.host))
        config = uvicorn.Config(
            app, host=self.host, port=settings.port, log_level="warning", access_log=False, lifespan="off"
        )
        self._server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        port = self.port
        return f"http://{'127.0.0.1' if self.host == '127.0.0.1' else self.host}:{port}"

    @property
    def port(self) -> int:
        servers = getattr(self._server, "servers", None) or []
        for server in servers:
            for sock in server.sockets:
                return sock.getsockname()[1]
        return self.settings.port

    def start(self, timeout: float = 10.0) -> ApiServer:
        self._thread = threading.Thread(target=self._server.run, daemon=True, name="reframe-api")
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise InvalidParameterError(f"The API could not listen on port {self.settings.port} (is it in use?).")
            time.sleep(0.02)
        log.info("Reframe API listening on %s", self.url)
        return self

    def serve_forever(self) -> None:
        self._server.run()

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=5)
