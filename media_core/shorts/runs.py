"""A shorts run on disk: its own folder, its manifest, and edits made after it finished.

Every run gets a folder of its own ("<video> shorts", then "<video> shorts 2", …), claimed
with a marker file created exclusively, so two runs never write into the same folder and
a later run never overwrites an earlier one. The manifest is written last: a folder with
a manifest holds a finished run; a run that fails or is cancelled removes what it wrote.

Edits after the run (remove a clip, re-render one, export everything) rewrite the manifest,
CSV, EDL and FCPXML together under a lock on the manifest, so two edits of the same run
(the desktop, the CLI or the HTTP API) cannot lose each other's changes.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock, Timeout

from ..errors import InvalidParameterError, ReframeError
from ..ffmpeg import LogFn
from ..jobs.store import owner_alive, process_owner
from ..paths import TEMP_MARKER, atomic_output, cache_dir, outputs_dir
from ..probe import MediaInfo, probe
from ..progress import CancelToken, ProgressFn, as_progress, as_token
from . import exports
from .exports import ShortsManifest, SourceInfo
from .models import ShortClip, ShortsRequest, ShortsResult

MANIFEST = "manifest.json"
CSV, EDL, FCPXML = "clips.csv", "clips.edl", "clips.fcpxml"
#: Present while a run is writing into its folder: claims the folder against other runs.
RUN_MARKER = ".reframe-shorts-run"
CLIP_SUFFIXES = (".mp4", ".srt", ".ass", ".jpg")
_CLIP_FILE = re.compile(r"^clip-\d+\.(mp4|srt|ass|jpg)$")
LOCK_TIMEOUT = 60.0


class RunLockedError(ReframeError):
    code = "run_locked"
    transient = True


# --- run folders ---------------------------------------------------------------------------------


def safe_stem(path: Path) -> str:
    return re.sub(r"[\\/:*?\"<>|]+", "_", path.stem).strip() or "video"


def run_folder_base(input_path: Path, request: ShortsRequest) -> Path:
    """The folder a run would like; :func:`claim_run_dir` numbers it when it is taken."""
    if request.output_dir:
        return Path(request.output_dir)
    root = Path(request.output_root) if request.output_root else outputs_dir()
    return root / f"{safe_stem(input_path)} shorts"


def holds_run(folder: Path) -> bool:
    """True when ``folder`` has a finished run, a run in progress, or clip files of one."""
    if not folder.is_dir():
        return False
    if (folder / MANIFEST).exists() or (folder / RUN_MARKER).exists():
        return True
    return any(_CLIP_FILE.match(p.name) for p in folder.iterdir())


@dataclass
class RunDir:
    path: Path
    #: This run made the folder, so a failed run removes it again.
    created: bool

    def release(self) -> None:
        (self.path / RUN_MARKER).unlink(missing_ok=True)

    def discard(self, clip_ids: list[str]) -> None:
        """Remove everything this run wrote (clips, exports, the marker; the folder if it made it)."""
        for clip_id in clip_ids:
            for suffix in CLIP_SUFFIXES:
                (self.path / f"{clip_id}{suffix}").unlink(missing_ok=True)
        for name in (CSV, EDL, FCPXML, MANIFEST):
            (self.path / name).unlink(missing_ok=True)
        self.release()
        if self.created:
            with contextlib.suppress(OSError):  # not empty: someone else put files there
                self.path.rmdir()


def claim_run_dir(input_path: Path, request: ShortsRequest) -> RunDir:
    """A folder for a new run of ``input_path`` that holds no other run; claimed for this run."""
    base = run_folder_base(input_path, request)
    for n in range(1, 10_000):
        folder = base if n == 1 else base.with_name(f"{base.name} {n}")
        if holds_run(folder):
            continue
        created = not folder.exists()
        folder.mkdir(parents=True, exist_ok=True)
        try:
            # O_EXCL: of two runs racing for this folder, exactly one creates the marker. It names
            # this process, so recovery can tell a run killed mid-way from one still going.
            fd = os.open(folder / RUN_MARKER, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            continue
        try:
            os.write(fd, process_owner().encode("ascii"))
        finally:
            os.close(fd)
        if (folder / MANIFEST).exists():  # a run finished here between the check and the claim
            (folder / RUN_MARKER).unlink(missing_ok=True)
            continue
        return RunDir(folder, created)
    raise InvalidParameterError(f"Too many shorts runs next to {base}; choose another output folder.")


def sweep_abandoned_runs(*folders: Path) -> list[Path]:
    """Run folders among ``folders`` (or directly under them) whose run was killed mid-way (a
    crash, a power cut: its marker names a process that is gone) lose what that run wrote;
    a finished run is never touched. Returns the folders cleaned."""
    cleaned: list[Path] = []
    markers = {
        m
        for folder in folders
        if folder.is_dir()
        for m in (folder / RUN_MARKER, *folder.glob(f"*/{RUN_MARKER}"))
        if m.is_file()
    }
    for marker in sorted(markers):
        try:
            owner = marker.read_text(encoding="ascii", errors="replace").strip()
        except OSError:
            continue
        if owner_alive(owner):
            continue
        folder = marker.parent
        if (folder / MANIFEST).exists():  # finished; only the marker's removal was cut short
            marker.unlink(missing_ok=True)
            continue
        clip_ids = sorted(
            {
                p.name.split(".", 1)[0].split(TEMP_MARKER, 1)[0]
                for p in folder.iterdir()
                if _CLIP_FILE.match(p.name) or (p.name.startswith("clip-") and TEMP_MARKER in p.name)
            }
        )
        for temp in folder.glob(f"*{TEMP_MARKER}*"):
            temp.unlink(missing_ok=True)
        RunDir(folder, created=True).discard(clip_ids)
        cleaned.append(folder)
    return cleaned


# --- the manifest and its companions ---------------------------------------------------------------


def source_info(info: MediaInfo) -> SourceInfo:
    video = info.video
    width, height = info.display_size or (1920, 1080)
    return SourceInfo(
        fps=(video.fps if video and video.fps else 25.0),
        width=width,
        height=height,
        duration=info.duration or 0.0,
        has_audio=info.has_audio,
    )


def write_run(
    out_dir: Path,
    input_path: str | Path,
    clips: list[ShortClip],
    *,
    request: dict,
    source: SourceInfo,
    transcript: str | os.PathLike | None = None,
    scorer: str | None = None,
    extra: dict | None = None,
    clip_extra: dict[str, dict] | None = None,
) -> ShortsResult:
    """Write CSV, EDL, FCPXML and then the manifest (last: it marks the run as finished).

    ``extra``/``clip_extra``: keys other tools added to the manifest / to clip entries, kept.
    """
    csv_path = exports.write_csv(out_dir / CSV, clips)
    edl = exports.write_edl(out_dir / EDL, input_path, clips, source.fps)
    fcpxml = exports.write_fcpxml(
        out_dir / FCPXML,
        input_path,
        clips,
        fps=source.fps,
        width=source.width,
        height=source.height,
        duration=source.duration,
        has_audio=source.has_audio,
    )
    manifest = exports.write_manifest(
        out_dir / MANIFEST,
        input_path,
        clips,
        request=request,
        transcript=transcript,
        source=source,
        scorer=scorer,
        extra=extra,
        clip_extra=clip_extra,
    )
    return ShortsResult(
        input=str(input_path),
        clips=sorted(clips, key=lambda c: c.rank or 1e9),
        manifest_path=str(manifest),
        csv_path=str(csv_path),
        edl_path=str(edl),
        fcpxml_path=str(fcpxml),
        output_dir=str(out_dir),
    )


def manifest_source(manifest: ShortsManifest) -> SourceInfo:
    """The manifest's source facts; a version-1 manifest has none, so the input is probed."""
    return manifest.source or source_info(probe(manifest.input))


def rewrite_run(
    manifest_path: Path, manifest: ShortsManifest, clips: list[ShortClip], dest: Path | None = None
) -> ShortsResult:
    """The run's exports for ``clips`` (into ``dest``, default the run's folder), keeping what other
    tools added to the manifest."""
    return write_run(
        dest or manifest_path.parent,
        manifest.input,
        clips,
        request=manifest.request,
        source=manifest_source(manifest),
        transcript=manifest.transcript,
        scorer=manifest.scorer,
        extra=manifest.extras(),
        clip_extra=manifest.clip_extras(),
    )


@contextlib.contextmanager
def manifest_lock(manifest_path: str | os.PathLike) -> Iterator[Path]:
    """Hold the run's lock (for every process) while its manifest is read, changed and rewritten."""
    path = Path(manifest_path).resolve()
    key = hashlib.sha1(str(path).encode("utf-8")).hexdigest()[:20]
    folder = cache_dir() / "locks"
    folder.mkdir(parents=True, exist_ok=True)
    # The lock file lives in the cache dir, not beside the clips the user hands to an editor.
    lock = FileLock(str(folder / f"shorts-{key}.lock"), timeout=LOCK_TIMEOUT)
    try:
        with lock:
            yield path
    except Timeout as exc:
        raise RunLockedError(
            "Another edit of these shorts is still running; try again in a moment.", detail=str(path)
        ) from exc


@contextlib.contextmanager
def locked_manifest(manifest_path: str | os.PathLike) -> Iterator[tuple[Path, ShortsManifest]]:
    """:func:`manifest_lock`, with the manifest read."""
    with manifest_lock(manifest_path) as path:
        yield path, exports.read_manifest(path)


def clip_files(clip: ShortClip) -> list[Path]:
    return [Path(p) for p in (clip.video_path, clip.srt_path, clip.ass_path, clip.thumbnail_path) if p]


# --- edits -------------------------------------------------------------------------------------------


def remove_clips(
    manifest_path: str | os.PathLike, clip_ids: list[str], *, delete_files: bool = True, log: LogFn | None = None
) -> ShortsResult:
    """Take clips out of a run: their files go, and manifest/CSV/EDL/FCPXML are rewritten without them."""
    emit = log or (lambda line: None)
    with locked_manifest(manifest_path) as (path, manifest):
        clips = manifest.short_clips()
        unknown = set(clip_ids) - {c.id for c in clips}
        if unknown:
            raise InvalidParameterError(f"This run has no clip {', '.join(sorted(unknown))}.", detail=str(path))
        keep = [c for c in clips if c.id not in clip_ids]
        # Exports first: if they cannot be written the clip stays listed with its files intact.
        result = rewrite_run(path, manifest, keep)
        if delete_files:
            for clip in clips:
                if clip.id in clip_ids:
                    for file in clip_files(clip):
                        # Only the run's own folder is touched, whatever a manifest says.
                        if file.parent.resolve() == path.parent:
                            file.unlink(missing_ok=True)
                            emit(f"removed {file}")
    emit(f"removed {', '.join(clip_ids)} from {path}")
    return result


def export_run(
    manifest_path: str | os.PathLike,
    dest: str | os.PathLike,
    *,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
    log: LogFn | None = None,
) -> ShortsResult:
    """Copy everything an editor needs to ``dest``: each clip's video, SRT, ASS and thumbnail, plus a
    manifest, CSV, EDL and FCPXML naming the copies. Each file appears complete or not at all."""
    token = as_token(cancel)
    report = as_progress(progress)
    emit = log or (lambda line: None)
    dest = Path(dest)
    with locked_manifest(manifest_path) as (path, manifest):
        clips = manifest.short_clips()
        sources = [f for c in clips for f in clip_files(c)]
        missing = [f for f in sources if not f.is_file()]
        if missing:
            raise InvalidParameterError(
                f"{missing[0].name} of this run is missing; re-render that clip first.",
                detail="\n".join(map(str, missing)),
            )
        if dest.resolve() == path.parent:
            return rewrite_run(path, manifest, clips)
        dest.mkdir(parents=True, exist_ok=True)
        total = sum(f.stat().st_size for f in sources) or 1
        done = 0
        copied: list[ShortClip] = []
        written: list[Path] = []
        try:
            for clip in clips:
                update = {}
                for field in ("video_path", "srt_path", "ass_path", "thumbnail_path"):
                    src = getattr(clip, field)
                    if not src:
                        continue
                    token.raise_if_cancelled()
                    target = dest / Path(src).name
                    with atomic_output(target) as tmp:
                        shutil.copyfile(src, tmp)
                    written.append(target)
                    emit(f"copied {src} -> {target}")
                    update[field] = str(target)
                    done += Path(src).stat().st_size
                    report(0.95 * done / total, "Copying clips")
                copied.append(clip.model_copy(update=update))
            token.raise_if_cancelled()
            result = rewrite_run(path, manifest, copied, dest)
        except BaseException:
            # A cancelled export leaves no partial set of copies behind.
            for target in written:
                target.unlink(missing_ok=True)
            raise
    report(1.0, "Exported")
    return result


def staged_files(out_dir: Path, clip_id: str) -> dict[str, Path]:
    """Temporary names for a clip being re-rendered next to its final files (swept if orphaned)."""
    tag = os.urandom(4).hex()
    return {suffix: out_dir / f"{clip_id}{TEMP_MARKER}{tag}{suffix}" for suffix in CLIP_SUFFIXES}
