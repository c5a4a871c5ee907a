"""A client of another Reframe server's HTTP API (httpx): every failure is one clear error."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import httpx

from ..errors import ReframeError
from ..paths import atomic_output

CONNECT_TIMEOUT = 5.0
#: Uploads and downloads: the longest wait for the next chunk.
READ_TIMEOUT = 60.0
#: Status calls: a dropped network (no reset, just silence) must be noticed in seconds.
CALL_TIMEOUT = 10.0


class RemoteUnreachableError(ReframeError):
    """The server did not answer (down, restarting, network gone)."""

    code = "remote_unreachable"
    transient = True


class RemoteAuthError(ReframeError):
    code = "remote_token"


class RemoteRequestError(ReframeError):
    """The server answered with an error; carries its code and message."""

    def __init__(self, code: str, message: str, *, status: int, detail: str | None = None):
        super().__init__(message, detail=detail)
        self.code = code
        self.status = status


class RemoteClient:
    """``RemoteClient("http://gpu-box:8765", token)``; use as a context manager or call close()."""

    def __init__(
        self, url: str, token: str | None, *, timeout: float = READ_TIMEOUT, call_timeout: float = CALL_TIMEOUT
    ):
        self.url = url.rstrip("/")
        self.call_timeout = httpx.Timeout(min(timeout, call_timeout), connect=CONNECT_TIMEOUT)
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._http = httpx.Client(
            base_url=self.url, headers=headers, timeout=httpx.Timeout(timeout, connect=CONNECT_TIMEOUT)
        )

    def __enter__(self) -> RemoteClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def _request(self, method: str, path: str, **kw: Any) -> httpx.Response:
        try:
            response = self._http.request(method, path, **kw)
        except httpx.TransportError as exc:
            raise RemoteUnreachableError(
                f"The Reframe server at {self.url} cannot be reached.", detail=f"{type(exc).__name__}: {exc}"
            ) from exc
        self._raise_for(response)
        return response

    def _raise_for(self, response: httpx.Response) -> None:
        if response.status_code < 400:
            return
        if response.status_code == 401:
            raise RemoteAuthError(f"The Reframe server at {self.url} refused the token.")
        try:
            body = response.json()
        except ValueError:
            body = {}
        message = body.get("message") or body.get("detail") or response.text[:300] or response.reason_phrase
        code = body.get("error") or ("remote_busy" if response.status_code in (429, 503) else "remote_error")
        raise RemoteRequestError(str(code), f"The Reframe server said: {message}", status=response.status_code)

    # -- the API ----------------------------------------------------------------------
    def test_connection(self) -> dict:
        """Reachable, and the token accepted: returns ``{"version", "outputs_dir", "job_types"}``."""
        self._request("GET", "/health", timeout=self.call_timeout)
        return self.server_info()

    def server_info(self) -> dict:
        return self._request("GET", "/server-info", timeout=self.call_timeout).json()

    def upload(self, path: str | os.PathLike) -> str:
        """Upload a local file; returns the path to name it by on the server."""
        path = Path(path)
        with open(path, "rb") as fh:
            response = self._request("POST", "/files", files={"file": (path.name, fh)})
        return str(response.json()["path"])

    def submit(self, job_type: str, params: dict, *, title: str = "", priority: int = 0) -> dict:
        body = {"type": job_type, "params": params, "title": title, "priority": priority}
        return self._request("POST", "/jobs", json=body).json()

    def get(self, job_id: str) -> dict:
        return self._request("GET", f"/jobs/{job_id}", timeout=self.call_timeout).json()

    def resume(self, job_id: str) -> dict:
        return self._request("POST", f"/jobs/{job_id}/resume", timeout=self.call_timeout).json()

    def cancel(self, job_id: str) -> bool:
        return bool(self._request("POST", f"/jobs/{job_id}/cancel", timeout=self.call_timeout).json().get("cancelled"))

    def log(self, job_id: str) -> str:
        return self._request("GET", f"/jobs/{job_id}/log").text

    def download(self, job_id: str, index: int, dest: str | os.PathLike) -> Path:
        """Output ``index`` of the job into ``dest`` (written atomically: never a partial file)."""
        dest = Path(dest)
        try:
            with (
                self._http.stream("GET", f"/jobs/{job_id}/outputs/{index}") as response,
                atomic_output(dest) as tmp,
            ):
                if response.status_code >= 400:
                    response.read()
                    self._raise_for(response)
                with open(tmp, "wb") as fh:
                    for chunk in response.iter_bytes(1 << 20):
                        fh.write(chunk)
        except httpx.TransportError as exc:
            raise RemoteUnreachableError(
                f"The Reframe server at {self.url} went away during a download.", detail=str(exc)
            ) from exc
        return dest
