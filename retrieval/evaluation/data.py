"""Read an evaluation folder: corpora, questions and two-turn follow-up conversations."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class CorpusDoc:
    """One passage to ingest."""

    id: str
    title: str
    text: str
    published_at: str | None = None


@dataclass(frozen=True)
class Question:
    """One question with its gold answers; `doc` is None when nothing answers it."""

    id: str
    question: str
    lang: str
    answers: tuple[str, ...]
    doc: str | None
    corpus_lang: str


@dataclass(frozen=True)
class Conversation:
    """Two turns where the second leans on the first."""

    id: str
    lang: str
    corpus_lang: str
    doc: str | None
    first: str
    first_answers: tuple[str, ...]
    second: str
    second_answers: tuple[str, ...]


def _lines(path: Path) -> list[dict]:
    """The JSON objects of a JSON-lines file (blank lines skipped)."""
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def load_corpora(folder: Path) -> dict[str, list[CorpusDoc]]:
    """Every `NAME.corpus.jsonl` in the folder, by set name."""
    return {path.name.removesuffix(".corpus.jsonl"): [CorpusDoc(str(r["id"]), r.get("title") or "", r["text"],
                                                                r.get("published_at"))
                                                      for r in _lines(path)]
            for path in sorted(folder.glob("*.corpus.jsonl"))}


def load_questions(folder: Path) -> dict[str, list[Question]]:
    """Every `NAME.questions.jsonl` in the folder, by set name."""
    return {path.name.removesuffix(".questions.jsonl"): [_question(r) for r in _lines(path)]
            for path in sorted(folder.glob("*.questions.jsonl"))}


def _question(record: dict) -> Question:
    """A question record; its passages are in its own language unless `corpus_lang` says otherwise."""
    lang = record.get("lang", "id")
    return Question(str(record["id"]), record["question"], lang, tuple(record.get("answers") or ()),
                    record.get("doc"), record.get("corpus_lang", lang))


def load_conversations(folder: Path) -> list[Conversation]:
    """The follow-up conversations (`followups.dev.jsonl` or any `followups*.jsonl`)."""
    found: list[Conversation] = []
    for path in sorted(folder.glob("followups*.jsonl")):
        for r in _lines(path):
            first, second = r["turns"][0], r["turns"][1]
            found.append(Conversation(str(r["id"]), r.get("lang", "id"), r.get("corpus_lang", r.get("lang", "id")),
                                      r.get("doc"), first["question"], tuple(first.get("answers") or ()),
                                      second["question"], tuple(second.get("answers") or ())))
    return found
