"""What this install remembers between update checks, and the version rules built on it.

``<data dir>/updates/state.json`` keeps the highest release version this install has seen in
a valid signed manifest and when it last checked. A manifest older than that is a replay
(an attacker serving an old, genuinely signed release to hold users on a known bug) and is
refused even when it is newer than the installed version.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from packaging.version import Version
from pydantic import BaseModel, ValidationError

from ..paths import data_dir, write_text_atomic
from .errors import UpdateRejectedError
from .manifest import Manifest, parse_version

#: The automatic check at start runs at most this often.
CHECK_INTERVAL_S = 24 * 3600


class UpdateState(BaseModel):
    highest_seen: str = "0"
    last_check: float = 0.0


def state_path() -> Path:
    return data_dir() / "updates" / "state.json"


def load_state(path: Path | None = None) -> UpdateState:
    path = path or state_path()
    try:
        return UpdateState.model_validate_json(path.read_bytes())
    except FileNotFoundError:
        return UpdateState()
    except (OSError, ValidationError, ValueError):
        # A damaged file must not lower the bar: keep what can be read, never less than nothing.
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            return UpdateState(highest_seen=str(parse_version(str(raw.get("highest_seen", "0")))))
        except (OSError, ValueError, AttributeError, UpdateRejectedError):
            return UpdateState()


def save_state(state: UpdateState, path: Path | None = None) -> None:
    write_text_atomic(path or state_path(), state.model_dump_json(indent=2))


def check_due(state: UpdateState, now: float | None = None) -> bool:
    """Whether the automatic check at start should run (at most once a day)."""
    now = time.time() if now is None else now
    return not (0 <= now - state.last_check < CHECK_INTERVAL_S)


def accept_offer(manifest: Manifest, installed: str, state: UpdateState) -> bool:
    """True when ``manifest`` is an update to take, False when it is the installed version;
    a downgrade, a replay or a skipped required step is refused (one sentence)."""
    offered = manifest.parsed_version
    current = Version(installed)
    if offered == current:
        return False
    if offered < current:
        raise UpdateRejectedError(
            f"The update feed offers {offered}, older than the installed {current} (a downgrade); refused."
        )
    highest = parse_version(state.highest_seen)
    if offered < highest:
        raise UpdateRejectedError(
            f"The update feed offers {offered}, older than {highest} which this install has already seen "
            "(a replayed old release); refused."
        )
    if current < parse_version(manifest.min_version):
        raise UpdateRejectedError(
            f"Reframe {current} is too old to update to {offered} in place (it needs {manifest.min_version} "
            "or newer); install the new version by hand."
        )
    return True


def remember(manifest: Manifest, state: UpdateState, now: float | None = None) -> UpdateState:
    """The state after seeing a valid signed ``manifest`` (never lowers the highest version)."""
    highest = max(parse_version(state.highest_seen), manifest.parsed_version)
    return UpdateState(highest_seen=str(highest), last_check=time.time() if now is None else now)
