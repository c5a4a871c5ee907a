"""Grouping words into cues: limits for fast and slow speech, run-on sentences, CJK, timing rules.

The words are real text (LibriVox transcripts, JFK, the Gettysburg Address, Chinese and
Japanese sentences) with synthetic timing at a chosen speech rate, so every limit can be
checked exactly.
"""

from __future__ import annotations

import itertools

import pytest
from pydantic import ValidationError

from media_core.models import SubtitleLine, Word
from media_core.subtitles import GroupingOptions, group_words, join_words, text_width
from media_core.subtitles.text import ends_clause, ends_sentence, is_spaceless
from media_core.transcription import normalize_words
from tests.assets import JFK_TEXT

# Public domain (1863).
GETTYSBURG = (
    "Four score and seven years ago our fathers brought forth on this continent, a new nation, conceived in "
    "Liberty, and dedicated to the proposition that all men are created equal. Now we are engaged in a great "
    "civil war, testing whether that nation, or any nation so conceived and so dedicated, can long endure. We "
    "are met on a great battle-field of that war. We have come to dedicate a portion of that field, as a final "
    "resting place for those who here gave their lives that that nation might live. It is altogether fitting "
    "and proper that we should do this."
)
RUN_ON = (
    "so what I want to tell you today is that the way we think about the future of our cities and the "
    "people who live in them has to change"
)
WEAK_ENDINGS = {"a", "an", "the", "of", "to", "my", "your", "our"}


def timed(
    texts: list[str], words_per_second: float, *, pause_every: int = 0, pause: float = 0.0, start: float = 0.0
) -> list[Word]:
    """Words at a steady rate (each word 80 % of its slot), optionally with a long pause every N words."""
    slot = 1.0 / words_per_second
    out, t = [], start
    for i, text in enumerate(texts):
        if pause_every and i and i % pause_every == 0:
            t += pause
        out.append(Word(text=text, start=round(t, 3), end=round(t + slot * 0.8, 3), probability=0.9))
        t += slot
    return out


def check_limits(lines: list[SubtitleLine], words: list[Word], opts: GroupingOptions) -> None:
    """Every hard rule of the grouping, checked on its output."""
    # Nothing lost, nothing split, order kept.
    assert [w.text for line in lines for w in line.words] == [w.text for w in words]
    for line in lines:
        rows = line.text.split("\n")
        assert len(rows) <= opts.max_lines, line.text
        if len(line.words) > 1:
            assert all(text_width(row) <= opts.max_chars_per_line for row in rows), line.text
            assert line.words[-1].end - line.words[0].start <= opts.max_duration + 1e-9
            if opts.max_words:
                assert len(line.words) <= opts.max_words
        # The text is exactly the words (rows joined back the same way), so no word was cut.
        assert join_words(rows) == join_words([w.text for w in line.words])
        assert line.end - line.start <= opts.max_duration + 1e-9
        assert line.start == line.words[0].start
        assert line.end >= line.words[-1].end or line.end == pytest.approx(line.start + opts.max_duration)
        for a, b in zip(line.words, line.words[1:], strict=False):
            assert b.start - a.end <= opts.max_gap + 1e-9, "a long silence inside one cue"
    for a, b in itertools.pairwise(lines):
        assert a.end <= b.start + 1e-9, f"overlap: {a.text!r} / {b.text!r}"
        # Too-short cues are stretched into the gap after them, up to the next cue.
        if a.duration < opts.min_duration - 1e-9:
            assert a.end == pytest.approx(b.start)


def test_fast_speech_librivox_words(librivox):
    words = timed(" ".join(text for _, text in librivox).split(), 5.0)
    opts = GroupingOptions()
    lines = group_words(words, opts)
    check_limits(lines, words, opts)
    # 5 words/s and 84 characters per cue: the character limit binds, so cues use most of it.
    assert len(lines) >= len(words) // 17
    assert sum(1 for ln in lines if "\n" in ln.text) >= len(lines) // 2


def test_fast_speech_breaks_at_punctuation():
    texts = GETTYSBURG.split()
    words = timed(texts, 5.0)
    opts = GroupingOptions()
    lines = group_words(words, opts)
    check_limits(lines, words, opts)
    ends = [ln.words[-1].text for ln in lines[:-1]]
    at_punct = sum(1 for t in ends if ends_sentence(t) or ends_clause(t))
    # A greedy filler (as many words as fit) for comparison: it ignores punctuation.
    greedy_ends, row = [], []
    for w in texts:
        if row and len(" ".join([*row, w])) > 2 * opts.max_chars_per_line:
            greedy_ends.append(row[-1])
            row = []
        row.append(w)
    greedy_punct = sum(1 for t in greedy_ends if ends_sentence(t) or ends_clause(t))
    assert at_punct >= 0.7 * len(ends), ends
    assert at_punct > greedy_punct
    assert not any(t.lower() in WEAK_ENDINGS for t in ends), ends


def test_two_sentences_in_one_cue_break_rows_at_the_full_stop():
    words = timed(
        [
            "Ask",
            "not",
            "what",
            "your",
            "country",
            "can",
            "do",
            "for",
            "you.",
            "Ask",
            "what",
            "you",
            "can",
            "do",
            "for",
            "your",
            "country.",
        ],
        5.0,
    )
    lines = group_words(words, GroupingOptions())
    assert [ln.text for ln in lines] == [
        ("Ask not what your country can do for you.\nAsk what you can do for your country.")
    ]


def test_rows_are_balanced_and_prefer_clause_marks():
    words = timed(JFK_TEXT.split(), 5.0)
    lines = group_words(words, GroupingOptions(max_chars_per_line=42))
    check_limits(lines, words, GroupingOptions(max_chars_per_line=42))
    first = lines[0].text.split("\n")
    assert first[0] == "And so my fellow Americans,"
    narrow = group_words(words, GroupingOptions(max_chars_per_line=20))
    for line in narrow:
        rows = line.text.split("\n")
        if len(rows) == 2:
            assert abs(len(rows[0]) - len(rows[1])) <= 12, rows


def test_slow_speech_with_long_pauses():
    texts = GETTYSBURG.split()
    # 1.5 words/s, and a 1.6 s silence every 7 words (longer than max_gap = 1.0).
    words = timed(texts, 1.5, pause_every=7, pause=1.6)
    opts = GroupingOptions()
    lines = group_words(words, opts)
    check_limits(lines, words, opts)
    # Slow speech: the duration limit binds long before the character limit does.
    assert max(ln.duration for ln in lines) <= opts.max_duration
    assert all(len(ln.words) <= 7 for ln in lines)  # never across a long pause
    starts = {ln.words[0].text for ln in lines}
    assert all(words[i].text in starts for i in range(0, len(words), 7))


def test_max_gap_is_configurable():
    words = timed(JFK_TEXT.split(), 2.0)  # 0.1 s gaps between words
    assert len(group_words(words, GroupingOptions(max_gap=0.05, min_duration=0))) == len(words)
    assert len(group_words(words, GroupingOptions(max_gap=1.0))) < len(words)


def test_thirty_word_run_on_sentence():
    texts = RUN_ON.split()
    assert len(texts) == 30
    words = timed(texts, 4.0)  # 7.5 s: longer than one cue may last
    for opts in (GroupingOptions(), GroupingOptions(max_lines=1, max_chars_per_line=32), GroupingOptions(max_words=8)):
        lines = group_words(words, opts)
        check_limits(lines, words, opts)
        assert len(lines) >= 2
        ends = [ln.words[-1].text.lower() for ln in lines[:-1]]
        assert not any(t in WEAK_ENDINGS for t in ends), (opts, [ln.text for ln in lines])
        # Even cues, not one full cue and a scrap.
        sizes = [len(ln.words) for ln in lines]
        assert min(sizes) >= max(sizes) / 3, sizes


def test_chinese_per_character_words():
    text = (
        "我们今天要讨论的是人工智能的发展，以及它对社会的影响。人工智能已经改变了我们的生活方式，"
        "未来还会带来更多变化。我们应该认真思考这些问题。"
    )
    # Whisper gives one token per character; the punctuation is glued on by the normaliser.
    words = normalize_words(timed(list(text), 5.0))
    assert all(is_spaceless(w.text) for w in words)
    opts = GroupingOptions(max_chars_per_line=16)
    lines = group_words(words, opts)
    check_limits(lines, words, opts)
    assert all(" " not in ln.text for ln in lines)
    assert "".join(ln.text.replace("\n", "") for ln in lines) == text
    assert all(len(row) <= 16 for ln in lines for row in ln.text.split("\n"))
    assert sum(1 for ln in lines if ln.words[-1].text[-1] in "。，") >= len(lines) - 1


def test_japanese_and_mixed_script_joining():
    words = normalize_words(timed(["今日", "は", "iPhone", "で", "撮影", "しました。", "Thank", "you."], 3.0))
    lines = group_words(words, GroupingOptions())
    assert [ln.text for ln in lines] == ["今日はiPhoneで撮影しました。Thank you."]
    assert join_words(["สวัสดี", "ครับ"]) == "สวัสดีครับ"
    assert text_width("สวัสดี") == 4  # Thai vowel/tone marks take no column


def test_min_duration_extends_into_the_gap_only():
    opts = GroupingOptions(min_duration=0.7, max_gap=0.3)
    words = [
        Word(text="Yes.", start=1.0, end=1.2),
        Word(text="No.", start=3.0, end=3.1),
        Word(text="Maybe.", start=3.5, end=3.6),
    ]
    lines = group_words(words, opts)
    assert [(ln.start, ln.end) for ln in lines] == [(1.0, 1.7), (3.0, 3.5), (3.5, 4.2)]
    check_limits(lines, words, opts)


def test_max_duration_clips_a_stretched_word():
    words = [Word(text="Heyyy", start=0.0, end=9.0), Word(text="there.", start=9.1, end=9.4)]
    lines = group_words(words, GroupingOptions(max_duration=6.0))
    assert lines[0].end == 6.0
    assert all(ln.duration <= 6.0 for ln in lines)


def test_speaker_change_starts_a_new_cue():
    words = timed(["Did", "you", "see", "it?", "Yes", "I", "did."], 4.0)
    words = [w.model_copy(update={"speaker": "A" if i < 4 else "B"}) for i, w in enumerate(words)]
    lines = group_words(words, GroupingOptions())
    assert [(ln.speaker, ln.text) for ln in lines] == [("A", "Did you see it?"), ("B", "Yes I did.")]


def test_unsorted_and_empty_words_are_handled():
    words = timed(JFK_TEXT.split(), 3.0)
    shuffled = [*words[5:], Word(text="  ", start=0.5, end=0.6), *words[:5]]
    assert [ln.text for ln in group_words(shuffled)] == [ln.text for ln in group_words(words)]
    assert group_words([]) == []


def test_options_are_validated():
    with pytest.raises(ValidationError):
        GroupingOptions(max_lines=3)
    with pytest.raises(ValidationError):
        GroupingOptions(min_duration=7.0, max_duration=6.0)
    with pytest.raises(ValidationError):
        GroupingOptions(max_words=0)
