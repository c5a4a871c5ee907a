"""Speaker turns in shorts: cuts fall between turns, and the ranking can favour one speaker.

A transcript labelled by :func:`media_core.diarization.label_transcript` (or loaded from a
captions JSON made with speakers) carries its turns in ``meta["speaker_turns"]`` and a speaker
on every word; a transcript without them passes through unchanged.
"""

from __future__ import annotations

import numpy as np

from ..models import Transcript, Word
from ..progress import CancelToken, ProgressFn
from ..reframe.models import SpeakerHint
from .models import ShortClip

#: A cut closer than this to a turn's start or end counts as between turns.
TURN_MARGIN = 0.25
#: Score multiplier for a clip without a word of the preferred speaker; all theirs gets 1.0.
NO_PREFERRED_SPEECH = 0.25


def label_with_speakers(
    transcript: Transcript,
    audio: np.ndarray,
    *,
    num_speakers: int | None = None,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
) -> Transcript:
    """The transcript with speakers, diarizing the already decoded 16 kHz ``audio`` offline."""
    from ..diarization import DiarizationOptions, get_diarizer, label_transcript

    result = get_diarizer("offline").diarize(
        audio, DiarizationOptions(num_speakers=num_speakers), progress=progress, cancel=cancel
    )
    return label_transcript(transcript, result.turns)


def _turns(transcript: Transcript) -> list[tuple[float, float]]:
    return [(float(t["start"]), float(t["end"])) for t in transcript.meta.get("speaker_turns") or []]


def inside_a_turn(t: float, turns: list[tuple[float, float]], margin: float = TURN_MARGIN) -> bool:
    return any(start + margin < t < end - margin for start, end in turns)


def respect_turns(candidates: list[ShortClip], transcript: Transcript) -> list[ShortClip]:
    """Candidates whose start and end both fall between speaker turns (nobody cut off mid-speech).

    When no candidate qualifies (one long monologue the diarizer kept as a single turn) the
    candidates are returned unchanged rather than leaving the user with nothing.
    """
    turns = _turns(transcript)
    if not turns:
        return candidates
    kept = [c for c in candidates if not inside_a_turn(c.start, turns) and not inside_a_turn(c.end, turns)]
    return kept or candidates


def prefer_speaker(clips: list[ShortClip], words: list[Word], speaker: str | None) -> list[ShortClip]:
    """Scale each clip's score by how much of it ``speaker`` says (share of its words)."""
    if not speaker:
        return clips
    out = []
    for clip in clips:
        span = words[clip.first_word : clip.last_word + 1]
        share = sum(1 for w in span if w.speaker == speaker) / len(span) if span else 0.0
        factor = NO_PREFERRED_SPEECH + (1 - NO_PREFERRED_SPEECH) * share
        features = {**clip.features, "preferred_speaker": round(share, 3)}
        reason = f"{clip.reason}; {share:.0%} {speaker}" if clip.reason else f"{share:.0%} {speaker}"
        out.append(clip.model_copy(update={"score": clip.score * factor, "features": features, "reason": reason}))
    return out


def speaker_hints(words: list[Word], *, max_gap: float = 1.0) -> list[SpeakerHint]:
    """Who speaks when, from the speaker of each word (source timeline): what face following
    needs to keep the active speaker in the frame. Words of one speaker less than ``max_gap``
    apart form one turn."""
    hints: list[SpeakerHint] = []
    for word in words:
        if not word.speaker:
            continue
        last = hints[-1] if hints else None
        if last is not None and last.speaker == word.speaker and word.start - last.end < max_gap:
            hints[-1] = last.model_copy(update={"end": max(last.end, word.end)})
        else:
            hints.append(SpeakerHint(start=word.start, end=max(word.end, word.start), speaker=word.speaker))
    return hints
