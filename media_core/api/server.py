"""Run the HTTP API in-process on a background thread (the desktop app) or in the
foreground (``reframe serve``). A token is always required (media_core.api.token);
LAN access is an explicit opt-in."""

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

    def __init__(self, manager: JobManager, settings: ApiSettings | None = None, *, token: str | None = None):
        """``settings`` default to the engine settings' ``api`` section; ``token`` defaults to
        the stored one (created on first use), re-read when Settings regenerate it."""
        if settings is None:
            from ..settings import engine_settings

            settings = engine_settings().api
        self.settings = settings
        self.host = "0.0.0.0" if settings.allow_lan else "127.0.0.1"
        app = create_app(manager, token=token, loopback_only=_is_loopback(self.host), settings=settings)
        config = uvicorn.Config(
            app,
            host=self.host,
            port=settings.port,
            log_level="warning",
            access_log=False,
            lifespan="off",
            server_header=False,
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
