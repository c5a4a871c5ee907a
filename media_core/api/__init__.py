"""The optional local HTTP API: scripts submit and watch jobs through the same job manager
the desktop app uses. Bound to 127.0.0.1 unless the user opts into LAN access with a token."""

from .app import create_app
from .server import ApiServer, ApiSettings

__all__ = ["ApiServer", "ApiSettings", "create_app"]
