"""What `ask` returns: passages with citations and highlights, and how chunks become passages."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from retrieval.ranking.coverage import QuestionWords
from retrieval.ranking.timeframe import TimeRange
from storage.repository import StoredChunk


class Certainty(StrEnum):
    """How sure an answer is: the passage answers (found), may be related (unsure), or nothing fits (not found)."""

    FOUND = "found"
    UNSURE = "unsure"
    NOT_FOUND = "not_found"

    @classmethod
    def of(cls, found: bool | Certainty) -> Certainty:
        """The outcome itself, or found / not found for a plain flag."""
        if isinstance(found, Certainty):
            return found
        return cls.FOUND if found else cls.NOT_FOUND


@dataclass(frozen=True)
class Citation:
    """Where a passage comes from."""

    id: int
    title: str
    url: str | None
    source: str | None
    published_at: datetime | None

    def as_dict(self) -> dict:
        return {"id": self.id, "title": self.title, "url": self.url, "source": self.source,
                "published_at": self.published_at.isoformat() if self.published_at else None}

    @classmethod
    def from_dict(cls, data: dict) -> Citation:
        """The citation `as_dict` described."""
        published = data.get("published_at")
        return cls(int(data["id"]), data.get("title") or "", data.get("url"), data.get("source"),
                   datetime.fromisoformat(published) if published else None)


@dataclass
class AnswerPassage:
    """One returned passage: article text[char_start:char_end] (one stored chunk, or neighbouring ones merged),
    its key sentence and citation."""

    rank: int
    score: float
    text: str
    char_start: int
    char_end: int
    article: Citation
    chunk_ids: tuple[int, ...]
    highlight: tuple[int, int] | None = None
    also_in: tuple[Citation, ...] = ()
    """Other articles telling the same story in nearly the same words, folded into this passage."""

    def as_dict(self) -> dict:
        return {
            "rank": self.rank, "score": round(self.score, 4), "text": self.text,
            "char_start": self.char_start, "char_end": self.char_end,
            "highlight": {"start": self.highlight[0], "end": self.highlight[1]} if self.highlight else None,
            "article": self.article.as_dict(),
            "also_in": [c.as_dict() for c in self.also_in],
        }

    @classmethod
    def from_dict(cls, data: dict) -> AnswerPassage:
        """The passage `as_dict` described (without its chunk ids, which only the search needs)."""
        mark = data.get("highlight")
        return cls(int(data["rank"]), float(data["score"]), data["text"], int(data["char_start"]),
                   int(data["char_end"]), Citation.from_dict(data["article"]), (),
                   (int(mark["start"]), int(mark["end"])) if mark else None,
                   tuple(Citation.from_dict(c) for c in data.get("also_in") or ()))

    @property
    def key_sentence(self) -> str:
        """The highlighted sentence, or the whole passage when none is marked."""
        return self.text[self.highlight[0] : self.highlight[1]] if self.highlight else self.text


@dataclass
class Answer:
    """The result of one question: `found` only when the first passage answers it; `certainty` tells an unsure
    answer (related passages) from one where nothing fits."""

    question: str
    found: bool
    passages: list[AnswerPassage] = field(default_factory=list)
    resolved_question: str | None = None
    turn_id: int | None = None
    timings: dict[str, float] = field(default_factory=dict)
    """Seconds each stage of the ask pipeline took, by stage name (not part of `as_dict`)."""
    by_date: bool = False
    """The passages are in date order, newest first (a question asking for the newest, or for a time only)."""
    certainty: Certainty | None = None
    worth_reading: int | None = None
    """How many passages, best first, are close enough to the first to be shown (None: all of them)."""
    vague: bool = False
    """The question names nothing to look for ("siapa?", "what is it?") and no earlier turn fills it in: nothing
    was searched, and the asker is best told to say what they mean."""
    empty_time: TimeRange | None = None
    """The time the question named when no stored article is from it: the passages are from other times (there are
    none when the question asked only for that time's articles)."""
    pageable: list[AnswerPassage] | None = None
    """The passages a chat can page through with 'more passages', set when the answer is remembered as a turn: the
    shown ones, then the others holding one of the question's rarer words (`coverage.mentions_telling`)."""
    unanswered_time: TimeRange | None = None
    """The time the question named when articles from it are stored but none answers it: the passage is the nearest
    of another time."""
    words: QuestionWords | None = None
    """The question's words as the search weighed them (None when nothing was searched); not part of `as_dict`."""

    @property
    def confidence(self) -> Certainty:
        """The answer's outcome; an answer built without one is found or not found by its `found` flag."""
        return self.certainty or Certainty.of(self.found)

    @property
    def shown(self) -> list[AnswerPassage]:
        """The passages worth reading, best first."""
        return self.passages if self.worth_reading is None else self.passages[:self.worth_reading]

    def as_dict(self) -> dict:
        return {"question": self.question, "found": self.found, "confidence": self.confidence.value,
                "passages": [p.as_dict() for p in self.passages]}


@dataclass(frozen=True)
class PassageContext:
    """The text around a passage: where the passage lies in it, whether the article goes on either side, and the
    article's citation."""

    article: Citation
    text: str
    start: int
    end: int
    cut_before: bool
    cut_after: bool


def _merge(chunks: list[StoredChunk]) -> tuple[str, int, int]:
    """Join overlapping or adjacent chunks of one article back into one exact slice of its text."""
    chunks = sorted(chunks, key=lambda c: c.char_start)
    text, start, end = chunks[0].text, chunks[0].char_start, chunks[0].char_end
    for chunk in chunks[1:]:
        if chunk.char_end > end:
            gap = " " if chunk.char_start > end else ""
            text += gap + chunk.text[max(0, end - chunk.char_start):]
            end = chunk.char_end
    return text, start, end


def select_passages(ranked: list[tuple[int, float]], chunks: dict[int, StoredChunk], top_k: int,
                    per_article: int) -> list[AnswerPassage]:
    """Best chunks first, at most `per_article` per article, with neighbouring picks merged."""
    picked: dict[int, list[tuple[StoredChunk, float]]] = {}
    order: list[int] = []
    for chunk_id, score in ranked:
        chunk = chunks.get(chunk_id)
        if chunk is None:
            continue
        group = picked.setdefault(chunk.article_id, [])
        if not group:
            if len(order) >= top_k:
                continue
            order.append(chunk.article_id)
        if len(group) < per_article:
            group.append((chunk, score))
    passages: list[AnswerPassage] = []
    for article_id in order:
        for run in _adjacent_runs(picked[article_id]):
            best = max(score for _, score in run)
            text, start, end = _merge([c for c, _ in run])
            first = run[0][0]
            citation = Citation(article_id, first.title, first.url, first.source, first.published_at)
            passages.append(AnswerPassage(0, best, text, start, end, citation, tuple(c.id for c, _ in run)))
    passages.sort(key=lambda p: -p.score)
    for rank, passage in enumerate(passages, 1):
        passage.rank = rank
    return passages


def _adjacent_runs(group: list[tuple[StoredChunk, float]]) -> list[list[tuple[StoredChunk, float]]]:
    """Split one article's picked chunks into runs of consecutive ordinals."""
    runs: list[list[tuple[StoredChunk, float]]] = []
    for item in sorted(group, key=lambda it: it[0].ordinal):
        if runs and item[0].ordinal - runs[-1][-1][0].ordinal <= 1:
            runs[-1].append(item)
        else:
            runs.append([item])
    return runs
