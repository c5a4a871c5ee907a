"""Probing and audio decoding on real media, and the clear errors for unusable files."""

from __future__ import annotations

import shutil
import subprocess
import wave

import numpy as np
import pytest

from media_core import errors
from media_core.audio import decode_audio
from media_core.probe import probe
from tests import assets


def test_probe_speech_video(speech_video):
    info = probe(speech_video)
    assert info.has_video and info.has_audio
    assert info.video.codec == "h264" and info.audio.codec == "aac"
    assert (info.video.width, info.video.height) == (640, 272)
    assert info.video.fps == pytest.approx(25, abs=1)
    assert info.audio.duration == pytest.approx(11.0, abs=0.05)
    assert info.duration == pytest.approx(11.0, abs=0.05)  # the asset is cut to the speech's length
    assert info.display_size == (640, 272)


def test_probe_silent_footage_has_no_audio(bikes_mp4):
    info = probe(bikes_mp4)
    assert info.has_video and not info.has_audio


def test_probe_reports_phone_rotation(speech_video, tmp_path):
    rotated = tmp_path / "phone.mp4"
    assets._run(
        [
            assets.ffmpeg(),
            "-hide_banner",
            "-y",
            "-display_rotation",
            "90",
            "-i",
            str(speech_video),
            "-c",
            "copy",
            str(rotated),
        ]
    )
    info = probe(rotated)
    assert info.video.rotation in (90, 270)
    assert info.display_size == (272, 640)


def test_decode_audio_matches_the_wav_samples(jfk_wav):
    audio = decode_audio(jfk_wav)
    with wave.open(str(jfk_wav)) as wf:
        assert wf.getframerate() == 16000 and wf.getnchannels() == 1
        ref = np.frombuffer(wf.readframes(wf.getnframes()), dtype="<i2").astype(np.float32) / 32768
    assert audio.dtype == np.float32 and audio.ndim == 1
    assert len(audio) == pytest.approx(len(ref), abs=160)
    n = min(len(audio), len(ref))
    assert np.max(np.abs(audio[:n] - ref[:n])) < 1e-3


def test_decode_audio_from_video_resamples_to_16k(speech_video, jfk_wav):
    audio = decode_audio(speech_video)
    assert len(audio) / 16000 == pytest.approx(11.0, abs=0.1)
    assert np.sqrt(np.mean(audio**2)) > 0.01  # real speech, not silence


def test_decode_audio_window(jfk_wav):
    part = decode_audio(jfk_wav, start=2.0, end=5.0)
    whole = decode_audio(jfk_wav)
    assert len(part) == pytest.approx(3 * 16000, abs=200)
    # the window is the same samples as the whole file's slice
    corr = np.correlate(whole[2 * 16000 - 800 : 5 * 16000 + 800], part[:16000], mode="valid")
    assert abs(int(np.argmax(corr)) - 800) <= 40


def test_decode_audio_cancel(speech_video):
    from media_core.progress import CancelToken

    token = CancelToken()
    token.cancel()
    with pytest.raises(errors.CancelledError):
        decode_audio(speech_video, cancel=token)


@pytest.mark.parametrize("case", ["text", "empty", "missing", "folder"])
def test_unusable_inputs_give_clear_errors(tmp_path, case):
    path = tmp_path / "clip.mp4"
    if case == "text":
        path.write_text("this is not a video\n" * 50)
    elif case == "empty":
        path.touch()
    elif case == "folder":
        path.mkdir()
    expected = errors.InputNotFoundError if case == "missing" else errors.NotMediaError
    with pytest.raises(expected) as info:
        probe(path)
    assert "clip.mp4" in str(info.value)
    with pytest.raises(expected):
        decode_audio(path)


@pytest.mark.parametrize("faststart", [True, False], ids=["index-first", "index-last"])
def test_truncated_video_is_a_clear_error_not_partial_audio(speech_video, tmp_path, faststart):
    """A copy cut at a third must never pass for the whole file: index-first MP4s still open
    and decode their first seconds, index-last ones do not open at all."""
    source = speech_video
    if faststart:
        source = tmp_path / "faststart.mp4"
        subprocess.run(
            [
                assets.ffmpeg(),
                "-v",
                "error",
                "-i",
                str(speech_video),
                "-c",
                "copy",
                "-movflags",
                "+faststart",
                str(source),
            ],
            check=True,
        )
    data = source.read_bytes()
    cut = tmp_path / "truncated.mp4"
    cut.write_bytes(data[: len(data) // 3])
    with pytest.raises((errors.NotMediaError, errors.CorruptMediaError)) as info:
        decode_audio(cut)
    assert "truncated.mp4" in str(info.value)
    if faststart:
        assert isinstance(info.value, errors.CorruptMediaError) and "truncated" in str(info.value)


def test_no_audio_stream_error(bikes_mp4):
    with pytest.raises(errors.NoAudioStreamError) as info:
        decode_audio(bikes_mp4)
    assert "no audio" in str(info.value)


def test_odd_path_works(odd_dir, jfk_wav):
    target = odd_dir / "JFK's “speech”, 1961 [take 1].wav"
    shutil.copy(jfk_wav, target)
    assert probe(target).has_audio
    assert len(decode_audio(target)) > 16000 * 10


def test_audio_without_a_decoder_is_an_unsupported_codec(tmp_path):
    """A WAV whose format tag no FFmpeg decoder knows: the container opens, the audio cannot."""
    import struct

    data = bytes(range(256)) * 125
    fmt = struct.pack("<HHIIHH", 0x7777, 1, 16000, 32000, 2, 16)
    odd = tmp_path / "strange codec.wav"
    odd.write_bytes(
        b"RIFF"
        + struct.pack("<I", 4 + 8 + len(fmt) + 8 + len(data))
        + b"WAVE"
        + b"fmt "
        + struct.pack("<I", len(fmt))
        + fmt
        + b"data"
        + struct.pack("<I", len(data))
        + data
    )
    assert probe(odd).has_audio
    with pytest.raises(errors.UnsupportedCodecError) as info:
        decode_audio(odd)
    assert "strange codec.wav" in str(info.value) and "cannot decode" in str(info.value)
