"""Shared fixtures: an isolated data dir per test session and the real assets of tests/assets.py."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# No window opened by a test looks for updates on the internet (tests/test_gui_update.py does, locally).
os.environ.setdefault("REFRAME_NO_UPDATE_CHECK", "1")

from tests import assets


@pytest.fixture(scope="session", autouse=True)
def _isolated_dirs(tmp_path_factory):
    """Never touch the developer's real data/config dirs."""
    root = tmp_path_factory.mktemp("reframe-home")
    for var, sub in (("REFRAME_DATA_DIR", "data"), ("REFRAME_CONFIG_DIR", "config"), ("REFRAME_CACHE_DIR", "cache")):
        os.environ[var] = str(root / sub)
    # The face detector every "follow faces" path uses, built once from the mediapipe wheel.
    os.environ["REFRAME_FACE_MODELS"] = str(_asset(assets.face_model))
    yield root


def _asset(fn):
    try:
        return fn()
    except assets.AssetUnavailable as exc:  # fail loudly: nothing is skipped silently
        pytest.fail(f"test asset unavailable: {exc}")


@pytest.fixture(scope="session")
def jfk_wav() -> Path:
    return _asset(assets.jfk_wav)


@pytest.fixture(scope="session")
def librivox():
    return _asset(assets.librivox)


@pytest.fixture(scope="session")
def bikes_mp4() -> Path:
    return _asset(assets.bikes_mp4)


@pytest.fixture(scope="session")
def speech_video() -> Path:
    return _asset(assets.speech_video)


@pytest.fixture(scope="session")
def tiny_en_model() -> Path:
    return _asset(assets.tiny_en_model)


@pytest.fixture(scope="session")
def base_model() -> Path:
    return _asset(assets.base_model)


@pytest.fixture(scope="session")
def bbb_trailer() -> Path:
    return _asset(assets.bbb_trailer)


@pytest.fixture(scope="session")
def pyannote_sample() -> Path:
    return _asset(assets.pyannote_sample)


@pytest.fixture
def odd_dir(tmp_path) -> Path:
    """A folder whose name has spaces, quotes, a colon-free but bracketed and non-ASCII name."""
    path = tmp_path / 'my vidéos [it\'s "odd"] 日本'
    path.mkdir()
    return path
