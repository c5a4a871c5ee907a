"""The shorts manifest as typed models: one reader/writer, tolerant of what is on disk."""

from __future__ import annotations

import json

from media_core.shorts.exports import (
    ClipText,
    ManifestClip,
    read_manifest,
    save_manifest,
    write_manifest,
)
from media_core.shorts.models import ShortClip


def _clips(folder) -> list[ShortClip]:
    video = folder / "clip-01.mp4"
    video.write_bytes(b"\0")
    return [
        ShortClip(
            id="clip-01", start=1.23456, end=21.5, first_word=3, last_word=40, text="Ask not", score=0.8,
            reason="hook", title="Ask not", rank=1, features={"hook": 0.9}, video_path=str(video),
        ),
        ShortClip(id="clip-02", start=30, end=55, title="Home", rank=2),
    ]  # fmt: skip


def test_written_manifest_reads_back_typed_and_saves_unchanged(tmp_path):
    path = write_manifest(tmp_path / "manifest.json", tmp_path / "talk.mp4", _clips(tmp_path), request={"num_clips": 2})
    on_disk = path.read_text(encoding="utf-8")
    manifest = read_manifest(path, resolve_files=False)
    assert all(isinstance(c, ManifestClip) for c in manifest.clips)
    first = manifest.clips[0]
    assert (first.id, first.start, first.duration, first.video) == (
        "clip-01",
        1.235,
        20.265,
        str(tmp_path / "clip-01.mp4"),
    )
    assert manifest.short_clips()[0].video_path == first.video and manifest.short_clips()[0].first_word == 3
    save_manifest(path, manifest)
    assert path.read_text(encoding="utf-8") == on_disk


def test_foreign_keys_and_older_entries_are_kept(tmp_path):
    """A version-1 entry (no word indices, relative files) and keys another tool added survive an edit."""
    path = tmp_path / "manifest.json"
    entry = {"id": "a", "start": 1.0, "end": 5.0, "title": "T", "text": "x", "video": "a.mp4", "rating": 5}
    path.write_text(json.dumps({"input": "talk.mp4", "clips": [entry], "editor": {"k": 1}}), encoding="utf-8")
    (tmp_path / "a.mp4").write_bytes(b"\0")

    resolved = read_manifest(path)
    assert resolved.clips[0].video == str(tmp_path / "a.mp4")  # relative to the manifest's folder
    assert resolved.clips[0].model_extra == {"rating": 5} and resolved.extras() == {"editor": {"k": 1}}

    manifest = read_manifest(path, resolve_files=False)
    manifest.clips[0].translations = {"es": ClipText(title="T es", text="x es")}
    save_manifest(path, manifest)
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert saved["clips"][0] == {**entry, "translations": {"es": {"title": "T es", "text": "x es"}}}
    assert "version" not in saved and saved["editor"] == {"k": 1}

    # Rewriting the run keeps the translation while the title/text it was made from stay the same.
    extras = read_manifest(path).clip_extras()["a"]
    assert extras["translations"]["es"]["title"] == "T es" and extras["rating"] == 5
