"""Explainable clip scoring: every point of the 0–100 score comes from a named feature.

Features (each 0..1):
- ``hook``: the opening sentence asks a question, starts with a number, speaks to
  "you", opens with an imperative or carries an emphasis word;
- ``complete``: the clip ends on a finished sentence;
- ``density``: words per second inside a comfortable range for short-form video;
- ``pauses``: little dead air (long silences inside the clip);
- ``signals``: questions, numbers and emphasis words anywhere in the clip;
- ``keywords``: the clip concentrates terms that are salient for this transcript (TF-IDF);
- ``prompt``: relevance to the user's prompt — BM25 with a light stemmer, blended
  with sentence-embedding similarity when the model is installed (see :mod:`.embeddings`).

The weights are plain constants below so the behaviour can be read, not guessed.
"""

from __future__ import annotations

import bisect
import itertools
import logging
import math
import re
from collections import Counter
from typing import TYPE_CHECKING

from ..models import Word
from .candidates import Sentence, ends_sentence, split_sentences
from .models import ShortClip
from .text_features import BM25, content_terms, surface_forms, tokens

if TYPE_CHECKING:  # pragma: no cover
    from .embeddings import PromptMatch

log = logging.getLogger(__name__)

WEIGHTS = {"hook": 0.22, "complete": 0.15, "density": 0.13, "pauses": 0.10, "signals": 0.10, "keywords": 0.30}
#: Share of the final score taken by prompt relevance when a prompt is given.
PROMPT_SHARE = 0.55

IMPERATIVES = frozenset(
    [
        "imagine",
        "look",
        "listen",
        "think",
        "stop",
        "remember",
        "ask",
        "let",
        "here's",
        "watch",
        "try",
        "don't",
        "never",
        "start",
        "consider",
        "picture",
        "notice",
        "forget",
        "check",
        "learn",
        "meet",
        "take",
        "make",
        "give",
        "tell",
        "believe",
        "trust",
        "see",
        "keep",
    ]
)
EMPHASIS = frozenset(
    [
        "never",
        "always",
        "secret",
        "best",
        "worst",
        "most",
        "biggest",
        "important",
        "amazing",
        "incredible",
        "actually",
        "truth",
        "really",
        "huge",
        "mistake",
        "wrong",
        "only",
        "every",
        "nobody",
        "everyone",
        "everything",
        "must",
        "crazy",
        "shocking",
        "surprising",
        "key",
        "finally",
        "first",
        "simple",
        "easy",
        "hard",
        "free",
    ]
)
NUMBER_WORDS = frozenset(
    [
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "twenty",
        "thirty",
        "forty",
        "fifty",
        "hundred",
        "thousand",
        "million",
        "billion",
        "percent",
        "half",
    ]
)
_DIGIT = re.compile(r"\d")

#: Speech rate (words/s) that reads well in a short: full marks inside, linear fall-off outside.
GOOD_RATE = (2.0, 3.6)
MAX_REASONS = 4
#: A silence inside a clip longer than this counts as dead air.
LONG_PAUSE = 1.0
#: Semantic relevance of a clip: its whole text (mean of its sentence vectors) against the
#: prompt, plus its single best sentence, so one sharp on-topic moment counts but a passing
#: mention inside unrelated talk does not win.
SEMANTIC_WHOLE, SEMANTIC_BEST = 0.6, 0.4
#: Longest sentence quoted in a reason line.
QUOTE_CHARS = 48


def _has_number(toks: list[str]) -> bool:
    return any(_DIGIT.search(t) or t in NUMBER_WORDS for t in toks)


def hook_score(first_sentence: str) -> tuple[float, list[str]]:
    toks = tokens(first_sentence)
    if not toks:
        return 0.0, []
    points, notes = 0.0, []
    if first_sentence.strip().endswith("?"):
        points += 0.45
        notes.append("opens with a question")
    if _has_number(toks[:6]):
        points += 0.25
        notes.append("opens with a number")
    if toks[0] in IMPERATIVES:
        points += 0.25
        notes.append(f"opens with '{toks[0]}'")
    if any(t in ("you", "your", "you're", "yourself") for t in toks):
        points += 0.2
        notes.append("speaks to 'you'")
    emph = [t for t in toks if t in EMPHASIS]
    if emph:
        points += 0.15
        notes.append(f"emphasis '{emph[0]}'")
    # A short first sentence is punchier than a long winding one.
    if len(toks) <= 12:
        points += 0.1
    return min(1.0, points), notes


def density_score(n_words: int, speech_seconds: float) -> float:
    if speech_seconds <= 0:
        return 0.0
    rate = n_words / speech_seconds
    lo, hi = GOOD_RATE
    if lo <= rate <= hi:
        return 1.0
    if rate < lo:
        return max(0.0, 1 - (lo - rate) / lo)
    return max(0.0, 1 - (rate - hi) / hi)


def pause_score(words: list[Word]) -> tuple[float, float]:
    """(score, seconds of dead air) for the gaps between consecutive words."""
    dead = sum(max(0.0, b.start - a.end) for a, b in itertools.pairwise(words) if b.start - a.end >= LONG_PAUSE)
    span = (words[-1].end - words[0].start) if words else 0.0
    if span <= 0:
        return 0.0, 0.0
    return max(0.0, 1 - dead / (0.25 * span)), dead


def signal_score(text: str) -> tuple[float, list[str]]:
    toks = tokens(text)
    questions = text.count("?")
    numbers = sum(1 for t in toks if _DIGIT.search(t) or t in NUMBER_WORDS)
    emphasis = sum(1 for t in toks if t in EMPHASIS)
    notes = []
    if questions:
        notes.append(f"{questions} question{'s' if questions > 1 else ''}")
    if numbers:
        notes.append("numbers")
    per_100 = 100.0 * (questions * 2 + numbers + emphasis) / max(1, len(toks))
    return min(1.0, per_100 / 8.0), notes


class KeywordModel:
    """TF-IDF salience of terms, with the transcript's sentences as the documents."""

    def __init__(self, sentences: list[str]):
        docs = [set(content_terms(s)) for s in sentences]
        df: Counter[str] = Counter()
        for d in docs:
            df.update(d)
        n = max(1, len(docs))
        self.idf = {t: math.log((n + 1) / (f + 0.5)) for t, f in df.items()}

    def salience(self, text: str) -> tuple[float, list[str]]:
        terms = content_terms(text)
        if not terms:
            return 0.0, []
        tf = Counter(terms)
        # A term repeated inside the clip that is rare elsewhere is what the clip is "about".
        weights = {t: (1 + math.log(c)) * self.idf.get(t, 0.0) for t, c in tf.items() if c >= 2}
        top = sorted(weights.items(), key=lambda kv: -kv[1])[:5]
        value = sum(w for _, w in top) / (5 * max(self.idf.values(), default=1.0))
        return value, [t for t, _ in top[:2]]


def _words_of(clip: ShortClip, words: list[Word]) -> list[Word]:
    return words[clip.first_word : clip.last_word + 1]


def sentence_spans(clips: list[ShortClip], sentences: list[Sentence]) -> list[tuple[int, int]]:
    """Index of the first and last sentence each clip touches (clips may start mid-sentence)."""
    firsts = [s.first for s in sentences]
    spans = []
    for clip in clips:
        a = max(0, bisect.bisect_right(firsts, clip.first_word) - 1)
        b = max(a, bisect.bisect_right(firsts, clip.last_word) - 1)
        spans.append((a, b))
    return spans


def _quote(text: str, limit: int = QUOTE_CHARS) -> str:
    text = text.strip().rstrip(".,;:")
    if len(text) > limit:
        text = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"
    return f"“{text}”"


def score_clips(
    clips: list[ShortClip],
    words: list[Word],
    *,
    prompt: str | None = None,
    semantic: PromptMatch | None = None,
    pause_threshold: float = 0.6,
) -> list[ShortClip]:
    """Score every candidate; returns new clips with ``score``, ``reason`` and ``features`` set.

    ``semantic`` (optional) holds the prompt's similarity to every sentence of
    ``split_sentences(words, pause_threshold)`` from the embedding model; it is blended
    into the prompt feature.
    """
    if not clips:
        return []
    sentences_all = split_sentences(words, pause_threshold=pause_threshold)
    # Candidates start on sentence starts, so each one's opening sentence is looked up, not re-split.
    first_sentence = {s.first: s.text for s in sentences_all}
    keywords = KeywordModel([s.text for s in sentences_all])
    prompt_terms = content_terms(prompt) if prompt else []
    bm25 = BM25([content_terms(c.text) for c in clips]) if prompt_terms else None
    spans = sentence_spans(clips, sentences_all)
    sem_raw = sem_best_idx = None
    if semantic is not None and prompt:
        if len(semantic.sentence_similarity) != len(sentences_all):
            raise ValueError("the prompt match was computed on other sentences than these words'")
        whole, best, sem_best_idx = semantic.spans(spans)
        sem_raw = SEMANTIC_WHOLE * whole + SEMANTIC_BEST * best

    raw = []
    for index, clip in enumerate(clips):
        cw = _words_of(clip, words)
        first = first_sentence.get(clip.first_word)
        if first is None:  # a hand-made clip that starts mid-sentence
            sentences = split_sentences(cw, pause_threshold=pause_threshold)
            first = sentences[0].text if sentences else clip.text
        f: dict[str, float] = {}
        notes: dict[str, list[str]] = {}
        f["hook"], notes["hook"] = hook_score(first)
        f["complete"] = 1.0 if ends_sentence(clip.text) else 0.4
        speech = sum(w.end - w.start for w in cw) or clip.duration
        f["density"] = density_score(len(cw), max(speech, 0.5 * clip.duration))
        f["pauses"], dead = pause_score(cw)
        f["signals"], notes["signals"] = signal_score(clip.text)
        f["keywords"], notes["keywords"] = keywords.salience(clip.text)
        f["dead_air_s"] = round(dead, 2)
        f["words_per_s"] = round(len(cw) / clip.duration, 2) if clip.duration else 0.0
        if bm25 is not None:
            f["prompt_bm25"] = bm25.score(prompt_terms, index)
        raw.append((clip, f, notes))

    # Keyword and BM25 values are relative: normalise by the best candidate so both reach 1.
    kw_max = max((f["keywords"] for _, f, _ in raw), default=0.0) or 1.0
    bm_max = max((f.get("prompt_bm25", 0.0) for _, f, _ in raw), default=0.0) or 1.0
    lexical_hits = any(f.get("prompt_bm25", 0.0) > 0 for _, f, _ in raw)
    sem_lo = float(sem_raw.min()) if sem_raw is not None else 0.0
    sem_hi = float(sem_raw.max()) if sem_raw is not None else 0.0
    out = []
    for index, (clip, f, notes) in enumerate(raw):
        f["keywords"] = f["keywords"] / kw_max
        base = sum(WEIGHTS[k] * f[k] for k in WEIGHTS)
        reasons: list[str] = []
        reasons += notes["hook"][:2]
        if f["complete"] >= 1.0:
            reasons.append("complete thought")
        if f["density"] >= 0.95:
            reasons.append(f"lively pace ({f['words_per_s']:.1f} words/s)")
        if f["dead_air_s"] >= LONG_PAUSE:
            reasons.append(f"{f['dead_air_s']:.0f} s of pauses")
        reasons += notes["signals"][:1]
        if f["keywords"] >= 0.5 and notes["keywords"]:
            forms = surface_forms(clip.text)
            reasons.append("about " + ", ".join(f"'{forms.get(t, t)}'" for t in notes["keywords"]))
        total = base
        if prompt_terms or sem_raw is not None:
            lexical = f.get("prompt_bm25", 0.0) / bm_max
            rel = lexical
            if sem_raw is not None:
                # Cosine values bunch together (0.1–0.4 for related speech), so rank them relative
                # to the candidates and square to separate the best matches from the merely similar.
                sem = ((sem_raw[index] - sem_lo) / (sem_hi - sem_lo)) ** 2 if sem_hi > sem_lo else 0.0
                f["prompt_semantic"] = round(float(sem), 3)
                f["prompt_cosine"] = round(float(sem_raw[index]), 3)
                # Without any lexical hit the prompt is only matched in meaning: rely on that alone.
                rel = 0.5 * lexical + 0.5 * sem if lexical_hits else sem
            f["prompt"] = float(rel)
            total = (1 - PROMPT_SHARE) * base + PROMPT_SHARE * rel
            forms = surface_forms(clip.text)
            hits = [forms[t] for t in dict.fromkeys(prompt_terms) if t in forms]
            if hits:
                reasons.insert(0, "mentions " + ", ".join(f"'{h}'" for h in hits[:3]) + " (prompt)")
            elif sem_raw is not None and sem_best_idx is not None and f.get("prompt_semantic", 0) >= 0.6:
                # Quote the sentence that carries the match, so the user can judge it at a glance.
                best_sentence = sentences_all[int(sem_best_idx[index])].text
                reasons.insert(0, f"{_quote(best_sentence)} is close to the prompt in meaning")
        # One line: the prompt match first, then the strongest few observations.
        text = "; ".join(reasons[:MAX_REASONS]) if reasons else "steady speech"
        text = text[0].upper() + text[1:]
        out.append(
            clip.model_copy(
                update={
                    "score": round(100.0 * max(0.0, min(1.0, total)), 1),
                    "reason": text,
                    "features": {k: round(v, 3) for k, v in f.items()},
                }
            )
        )
    return out


def suggest_title(text: str, limit: int = 60) -> str:
    """The clip's first sentence, cut at a word boundary to ``limit`` characters."""
    words = text.split()
    first: list[str] = []
    for w in words:
        first.append(w)
        if ends_sentence(w):
            break
    title = " ".join(first).rstrip(".…").strip()
    if len(title) <= limit:
        return title
    cut = title[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "…"
