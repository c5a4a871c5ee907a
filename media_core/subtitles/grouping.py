"""Group timed words into subtitle cues that are easy to read.

Every cue respects hard limits (characters per row, rows, words, duration, and a
silence longer than ``max_gap`` always ends a cue). Within those limits the break
points are chosen by dynamic programming over each stretch of continuous speech, so
a cue ends at a sentence end when there is one in reach, else at a clause mark,
else before a conjunction, and never right after "the" or "of" — a greedy filler
would happily break "the | country". Words are atomic: nothing is ever split
inside a word.
"""

from __future__ import annotations

from pydantic import BaseModel, Field, model_validator

from ..models import SubtitleLine, Word
from .text import ends_clause, ends_sentence, join_words, needs_space, text_width

# -- break costs (in "cues": one extra cue costs 1.0) ----------------------------------------
_CUE_COST = 1.0
_BREAK_SENTENCE = 0.0
_BREAK_CLAUSE = 0.5
_BREAK_BEFORE_CONJUNCTION = 1.2
_BREAK_PLAIN = 1.6
_BREAK_AFTER_WEAK = 2.0
_BREAK_AFTER_DETERMINER = 3.0
#: Joining the end of one sentence and the start of the next in one cue is allowed but mildly discouraged.
_INTERNAL_SENTENCE_END = 0.25
#: A one-word cue inside a stretch of speech reads as a flash.
_ORPHAN = 0.6
#: Weight of (unused capacity)^2 per cue: splits a long stretch into even cues, not full + scrap.
_FILL = 0.3
#: Imbalance in characters that a clause break between rows is worth.
_ROW_BREAK_CHARS = 12.0

# Small closed-class English words: a row or cue should not end on them (they belong to what
# follows). Determiners are the worst place ("the | country"), prepositions and pronouns next.
_DETERMINERS = frozenset(
    ["a", "an", "the", "my", "your", "his", "her", "its", "our", "their", "this", "these", "those"]
)
_WEAK_WORDS = frozenset(
    [
        "of",
        "to",
        "in",
        "on",
        "at",
        "for",
        "with",
        "from",
        "by",
        "into",
        "onto",
        "about",
        "as",
        "than",
        "that",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "am",
        "i",
        "you",
        "he",
        "she",
        "we",
        "they",
        "it",
        "and",
        "or",
        "but",
        "nor",
        "so",
        "if",
        "because",
    ]
)
_CONJUNCTIONS = frozenset(
    [
        "and",
        "but",
        "or",
        "nor",
        "so",
        "because",
        "although",
        "though",
        "while",
        "whereas",
        "which",
        "who",
        "whom",
        "whose",
        "where",
        "when",
        "that",
        "unless",
        "until",
        "since",
        "if",
        "then",
    ]
)


class GroupingOptions(BaseModel):
    max_chars_per_line: int = Field(default=42, ge=4, le=200, description="characters per row")
    max_lines: int = Field(default=2, ge=1, le=2, description="rows per cue")
    max_words: int | None = Field(default=None, ge=1, description="words per cue (None = no limit)")
    max_duration: float = Field(default=6.0, gt=0, description="longest cue, seconds")
    min_duration: float = Field(default=0.7, ge=0, description="shortest cue, seconds (extended into the gap after it)")
    max_gap: float = Field(default=1.0, ge=0, description="a silence longer than this starts a new cue")
    split_on_punctuation: bool = True

    @model_validator(mode="after")
    def _check(self) -> GroupingOptions:
        if self.min_duration > self.max_duration:
            raise ValueError("min_duration must not exceed max_duration")
        return self


def _bare(text: str) -> str:
    return text.strip().strip("\"'“”‘’«»()[]").lower()


class _Run:
    """One stretch of continuous speech with precomputed widths for O(1) row measurements."""

    def __init__(self, words: list[Word]):
        self.words = words
        self.texts = [w.text.strip() for w in words]
        n = len(words)
        # sep[k] = 1 if a space goes between word k and k+1.
        self.sep = [1 if needs_space(self.texts[k], self.texts[k + 1]) else 0 for k in range(n - 1)] + [0]
        self.cum_w = [0] * (n + 1)
        self.cum_s = [0] * (n + 1)
        for k in range(n):
            self.cum_w[k + 1] = self.cum_w[k] + text_width(self.texts[k])
            self.cum_s[k + 1] = self.cum_s[k] + self.sep[k]

    def width(self, i: int, j: int) -> int:
        """Width of words[i:j] joined (j exclusive, j > i)."""
        return self.cum_w[j] - self.cum_w[i] + self.cum_s[j - 1] - self.cum_s[i]

    def break_cost(self, k: int, punctuation: bool) -> float:
        """Cost of a break right after word k (between k and k+1)."""
        if not punctuation:
            return 0.0
        text = self.texts[k]
        if ends_sentence(text):
            return _BREAK_SENTENCE
        if ends_clause(text):
            return _BREAK_CLAUSE
        bare = _bare(text)
        if bare in _DETERMINERS:
            return _BREAK_AFTER_DETERMINER
        if bare in _WEAK_WORDS:
            return _BREAK_AFTER_WEAK
        if k + 1 < len(self.texts) and _bare(self.texts[k + 1]) in _CONJUNCTIONS:
            return _BREAK_BEFORE_CONJUNCTION
        return _BREAK_PLAIN


def _fits(run: _Run, i: int, j: int, opts: GroupingOptions) -> bool:
    """Do words[i:j] fit in ``max_lines`` rows of ``max_chars_per_line``?"""
    limit = opts.max_chars_per_line
    if run.width(i, j) <= limit:
        return True
    if opts.max_lines < 2:
        return False
    # Greedy first row is optimal for feasibility: the longest first row leaves the shortest second row.
    k = i + 1
    if run.width(i, k) > limit:
        return False
    while k < j and run.width(i, k + 1) <= limit:
        k += 1
    return run.width(k, j) <= limit


def _layout(run: _Run, i: int, j: int, opts: GroupingOptions) -> str:
    """Text of words[i:j], broken into two balanced rows when one row is too long."""
    limit = opts.max_chars_per_line
    total = run.width(i, j)
    if opts.max_lines < 2 or total <= limit or j - i < 2:
        return join_words(run.texts[i:j])
    best_k, best_score = None, float("inf")
    for k in range(i + 1, j):
        top, bottom = run.width(i, k), run.width(k, j)
        if top > limit or bottom > limit:
            continue
        score = abs(top - bottom) + _ROW_BREAK_CHARS * run.break_cost(k - 1, opts.split_on_punctuation)
        if top > bottom:
            score += 1.0  # a slightly longer bottom row ("pyramid") reads more naturally
        if score < best_score:
            best_k, best_score = k, score
    if best_k is None:  # one over-long word: keep it whole rather than split it
        return join_words(run.texts[i:j])
    return join_words(run.texts[i:best_k]) + "\n" + join_words(run.texts[best_k:j])


def _cue_allowed(run: _Run, i: int, j: int, opts: GroupingOptions) -> bool:
    if j - i == 1:
        return True  # a single word always gets its own cue, however long
    if opts.max_words is not None and j - i > opts.max_words:
        return False
    if run.words[j - 1].end - run.words[i].start > opts.max_duration:
        return False
    return _fits(run, i, j, opts)


def _cue_cost(run: _Run, i: int, j: int, opts: GroupingOptions) -> float:
    n = len(run.words)
    punct = opts.split_on_punctuation
    cost = _CUE_COST
    if j < n:
        cost += run.break_cost(j - 1, punct)
    if punct:
        cost += _INTERNAL_SENTENCE_END * sum(1 for k in range(i, j - 1) if ends_sentence(run.texts[k]))
    if j - i == 1 and n > 1:
        cost += _ORPHAN
    capacity = opts.max_chars_per_line * opts.max_lines
    unused = max(0.0, 1.0 - run.width(i, j) / capacity)
    return cost + _FILL * unused * unused


def _split_run(run: _Run, opts: GroupingOptions) -> list[tuple[int, int]]:
    """Optimal cue boundaries for one run: best[j] = cheapest grouping of words[:j]."""
    n = len(run.words)
    best = [0.0] + [float("inf")] * n
    back = [0] * (n + 1)
    for j in range(1, n + 1):
        # Walk i backwards: once words[i:j] breaks a limit, every longer cue does too.
        for i in range(j - 1, -1, -1):
            if not _cue_allowed(run, i, j, opts):
                break
            cost = best[i] + _cue_cost(run, i, j, opts)
            if cost < best[j]:
                best[j], back[j] = cost, i
    spans = []
    j = n
    while j > 0:
        spans.append((back[j], j))
        j = back[j]
    return spans[::-1]


def _runs(words: list[Word], opts: GroupingOptions) -> list[list[Word]]:
    """Split at silences longer than ``max_gap`` and at speaker changes."""
    runs: list[list[Word]] = []
    for w in words:
        if runs:
            prev = runs[-1][-1]
            speaker_change = w.speaker is not None and prev.speaker is not None and w.speaker != prev.speaker
            if w.start - prev.end <= opts.max_gap and not speaker_change:
                runs[-1].append(w)
                continue
        runs.append([w])
    return runs


def group_words(words: list[Word], options: GroupingOptions | None = None) -> list[SubtitleLine]:
    """Subtitle lines for ``words`` (any order; empty tokens ignored). Times are in seconds, ms precision."""
    opts = options or GroupingOptions()
    clean = sorted((w for w in words if w.text.strip()), key=lambda w: (w.start, w.end))
    cues: list[tuple[_Run, int, int]] = []
    for words_of_run in _runs(clean, opts):
        run = _Run(words_of_run)
        cues.extend((run, i, j) for i, j in _split_run(run, opts))

    lines: list[SubtitleLine] = []
    for index, (run, i, j) in enumerate(cues):
        cue_words = run.words[i:j]
        start = cue_words[0].start
        end = max(cue_words[-1].end, start)
        next_start = cues[index + 1][0].words[cues[index + 1][1]].start if index + 1 < len(cues) else None
        if end - start < opts.min_duration:
            # Extend into the silence that follows, never into the next cue.
            end = start + opts.min_duration
            if next_start is not None:
                end = max(min(end, next_start), cue_words[-1].end)
        # A single word the recogniser stretched over many seconds still obeys max_duration.
        end = min(end, start + opts.max_duration)
        if next_start is not None:
            end = min(end, max(next_start, start))
        speakers = {w.speaker for w in cue_words}
        lines.append(
            SubtitleLine(
                start=round(start, 3),
                end=round(max(end, start), 3),
                text=_layout(run, i, j, opts),
                words=[w.model_copy() for w in cue_words],
                speaker=speakers.pop() if len(speakers) == 1 else None,
            )
        )
    return lines


def lines_text(lines: list[SubtitleLine]) -> str:
    """All cue texts as one string (rows joined the same way words are)."""
    return join_words([row for line in lines for row in line.text.split("\n")])
