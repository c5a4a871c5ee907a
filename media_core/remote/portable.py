"""Job params made portable to another server, and its outputs brought back.

Which fields of a job type are inputs and outputs is the API's own table
(media_core.api.path_policy.POLICIES), so the desktop and the server agree by construction:
- a local input file is uploaded (``POST /files``) and its field names the upload;
- an output field is moved under the server's outputs folder (``remote/<local job id>/``),
  and remembered, so each downloaded output lands where the local job asked for it;
- outputs the server chose itself (no output field given) land in the local outputs folder
  at the same place relative to it.
"""

from __future__ import annotations

import copy
import posixpath
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any

from ..api.path_policy import POLICIES
from ..errors import InvalidParameterError
from ..paths import outputs_dir


def _map_field(params: Any, dotted: str, fn: Callable[[Any], Any]) -> None:
    """Replace, in place, every value the dotted name reaches (``a[].b`` walks lists)."""
    head, _, rest = dotted.partition(".")
    if not isinstance(params, dict):
        return
    if head.endswith("[]"):
        for item in params.get(head[:-2]) or []:
            _map_field(item, rest, fn)
        return
    if head not in params or params[head] in (None, ""):
        return
    if rest:
        _map_field(params[head], rest, fn)
    elif isinstance(params[head], list):
        params[head] = [fn(v) for v in params[head]]
    else:
        params[head] = fn(params[head])


def _is_folder_field(dotted: str) -> bool:
    last = dotted.rsplit(".", 1)[-1]
    return last.endswith(("_dir", "_root")) or last in ("outputs_dir",)


@dataclass
class OutputPlaces:
    """Where the server's outputs go on this machine."""

    server_outputs: str
    #: server path (file or folder) → local path, from the output fields of the params.
    mapped: dict[str, str] = field(default_factory=dict)

    def local_path(self, server_path: str) -> Path:
        for remote, local in self.mapped.items():
            if server_path == remote:
                return Path(local)
            if server_path.startswith(remote.rstrip("/") + "/"):
                return Path(local) / server_path[len(remote.rstrip("/")) + 1 :]
        root = self.server_outputs.rstrip("/") + "/"
        if server_path.startswith(root):
            return outputs_dir() / server_path[len(root) :]
        return outputs_dir() / PurePath(server_path).name

    def to_json(self) -> dict:
        return {"server_outputs": self.server_outputs, "mapped": self.mapped}


def make_portable(
    job_type: str, params: dict, *, job_id: str, server_outputs: str, upload: Callable[[str], str]
) -> tuple[dict, OutputPlaces]:
    """Params for the server (inputs uploaded, outputs on the server) and where outputs come back."""
    policy = POLICIES.get(job_type)
    if policy is None or policy.in_place:
        raise InvalidParameterError(f"{job_type!r} jobs cannot run on a Reframe server (they change files in place).")
    portable = copy.deepcopy(params)
    uploaded: dict[str, str] = {}

    def send(value: Any) -> Any:
        if isinstance(value, str) and Path(value).is_file():
            if value not in uploaded:
                uploaded[value] = upload(value)
            return uploaded[value]
        return value  # not a file here: a path the server knows (or nothing to send)

    for name in policy.inputs:
        _map_field(portable, name, send)
    places = OutputPlaces(server_outputs=server_outputs)
    base = posixpath.join(server_outputs.rstrip("/"), "remote", job_id)
    for name in policy.outputs:

        def place(value: Any, folder: bool = _is_folder_field(name)) -> Any:
            if not isinstance(value, str) or not value:
                return value
            remote = base if folder else posixpath.join(base, PurePath(value).name)
            places.mapped[remote] = value
            return remote

        _map_field(portable, name, place)
    return portable, places
