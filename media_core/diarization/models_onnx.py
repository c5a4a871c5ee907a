"""Where the offline diarization networks live, and their onnxruntime sessions.

The two ONNX files are built once from published weights by
``packaging/export_diarization_onnx.py`` (they are not committed: 17 MB). Their weights are
stored as float16 and cast to float32 when onnxruntime loads them; the ``.f16w`` in the names
keeps a folder of the older float32 files from being taken for the current ones. The app looks in
``REFRAME_DIARIZATION_MODELS`` (packagers, tests), then ``<models dir>/diarization`` (what the
export script and ``packaging/dev/setup.sh`` fill), then the bundled ``resources/models/
diarization`` (installers ship them there).
"""

from __future__ import annotations

import functools
import threading
from pathlib import Path
from typing import Any

from ..errors import ModelMissingError
from ..paths import models_dir
from ..resources import built_model_dirs

SEGMENTATION_FILE = "segmentation-3.0.f16w.onnx"
EMBEDDING_FILE = "campplus-192.f16w.onnx"
#: The segmentation network was trained on 10 s chunks at 16 kHz.
SEGMENTATION_SAMPLES = 160_000


def default_model_dir() -> Path:
    return models_dir() / "diarization"


def candidate_dirs() -> list[Path]:
    return built_model_dirs("diarization", "REFRAME_DIARIZATION_MODELS")


def has_models(folder: Path) -> bool:
    """Whether ``folder`` holds both ONNX files (setup.sh, build.sh and the spec ask this too)."""
    return all((folder / name).is_file() for name in (SEGMENTATION_FILE, EMBEDDING_FILE))


def find_model_dir() -> Path:
    """The first folder holding both ONNX files, or one clear error saying how to build them."""
    for folder in candidate_dirs():
        if has_models(folder):
            return folder
    looked = ", ".join(str(d) for d in candidate_dirs())
    raise ModelMissingError(
        "The speaker diarization models are not installed. Build them with "
        "'python packaging/export_diarization_onnx.py' (needs torch once) or reinstall Reframe.",
        detail=f"looked in: {looked}",
    )


_lock = threading.Lock()


@functools.cache
def _session(path: str, threads: int) -> Any:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    return ort.InferenceSession(path, sess_options=options, providers=["CPUExecutionProvider"])


def sessions(folder: Path | None = None, threads: int = 1) -> tuple[Any, Any]:
    """(segmentation, embedding) onnxruntime sessions, created once per folder and thread count."""
    folder = folder or find_model_dir()
    with _lock:
        return (
            _session(str(folder / SEGMENTATION_FILE), threads),
            _session(str(folder / EMBEDDING_FILE), threads),
        )
