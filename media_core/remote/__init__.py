"""Remote Reframe: heavy jobs sent to another Reframe server over its HTTP API.

- :mod:`.client`   the API client (httpx): submit, follow, upload, download
- :mod:`.token`    the server's token on this machine (a 0600 file or the environment)
- :mod:`.portable` job params made portable: local inputs uploaded, outputs placed on the server
- :mod:`.runner`   runs a local job row on the server (a JobManager ``run_elsewhere`` hook),
                   and :class:`~.runner.RemoteWatcher` resumes interrupted ones when it returns
"""

from .client import RemoteAuthError, RemoteClient, RemoteUnreachableError
from .runner import RemoteRunner, RemoteWatcher, remote_manager

__all__ = [
    "RemoteAuthError",
    "RemoteClient",
    "RemoteRunner",
    "RemoteUnreachableError",
    "RemoteWatcher",
    "remote_manager",
]
