"""Give every word the speaker who talks over it most, and carry the speakers into segments."""

from __future__ import annotations

from ..models import Segment, Transcript, Word
from ..subtitles.text import join_words
from .base import SpeakerTurn

#: A word in a gap between turns takes the nearest turn's speaker if that turn is this close.
NEAREST_WITHIN = 1.0


def speaker_for(start: float, end: float, turns: list[SpeakerTurn]) -> str | None:
    """The speaker whose turns overlap [start, end] the longest; else the nearest turn's speaker."""
    overlap: dict[str, float] = {}
    for turn in turns:
        shared = min(end, turn.end) - max(start, turn.start)
        if shared > 0:
            overlap[turn.speaker] = overlap.get(turn.speaker, 0.0) + shared
    if overlap:
        return max(overlap.items(), key=lambda item: item[1])[0]
    best, best_distance = None, NEAREST_WITHIN
    for turn in turns:
        distance = max(turn.start - end, start - turn.end)
        if distance <= best_distance:
            best, best_distance = turn.speaker, distance
    return best


def assign_words(words: list[Word], turns: list[SpeakerTurn]) -> list[Word]:
    return [w.model_copy(update={"speaker": speaker_for(w.start, w.end, turns)}) for w in words]


def _split_by_speaker(seg: Segment, words: list[Word]) -> list[Segment]:
    """One segment per run of same-speaker words, so a segment never mixes two voices."""
    runs: list[list[Word]] = []
    for word in words:
        if runs and runs[-1][-1].speaker == word.speaker:
            runs[-1].append(word)
        else:
            runs.append([word])
    if len(runs) <= 1:
        return [seg.model_copy(update={"words": words, "speaker": words[0].speaker if words else seg.speaker})]
    return [
        Segment(
            start=run[0].start if i else seg.start,
            end=run[-1].end if i < len(runs) - 1 else seg.end,
            text=join_words([w.text.strip() for w in run]),
            words=run,
            speaker=run[0].speaker,
        )
        for i, run in enumerate(runs)
    ]


def label_transcript(transcript: Transcript, turns: list[SpeakerTurn]) -> Transcript:
    """A copy whose words carry speakers; segments are split where the speaker changes.

    The turns themselves go into ``meta["speaker_turns"]`` so the JSON and RTTM exports keep them.
    """
    segments = []
    for seg in transcript.segments:
        if not seg.words:
            segments.append(seg.model_copy(update={"speaker": speaker_for(seg.start, seg.end, turns)}))
            continue
        segments.extend(_split_by_speaker(seg, assign_words(seg.words, turns)))
    meta = dict(transcript.meta)
    meta["speaker_turns"] = [{"start": round(t.start, 3), "end": round(t.end, 3), "speaker": t.speaker} for t in turns]
    return transcript.model_copy(update={"segments": segments, "meta": meta})


def rename_speakers(transcript: Transcript, names: dict[str, str]) -> Transcript:
    """Rename speakers everywhere in a transcript (words, segments, stored turns)."""
    if not names:
        return transcript
    segments = []
    for seg in transcript.segments:
        words = [
            w.model_copy(update={"speaker": names.get(w.speaker, w.speaker)}) if w.speaker else w for w in seg.words
        ]
        speaker = names.get(seg.speaker, seg.speaker) if seg.speaker else None
        segments.append(seg.model_copy(update={"words": words, "speaker": speaker}))
    meta = dict(transcript.meta)
    if "speaker_turns" in meta:
        meta["speaker_turns"] = [
            {**turn, "speaker": names.get(turn["speaker"], turn["speaker"])} for turn in meta["speaker_turns"]
        ]
    return transcript.model_copy(update={"segments": segments, "meta": meta})
