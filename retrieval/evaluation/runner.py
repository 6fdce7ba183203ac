"""`tanya eval DIR`: measure retrieval quality on an evaluation folder through the normal ingest and ask paths."""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from retrieval.answer import Answer, Certainty
from retrieval.asking.query import SearchMode
from retrieval.ingest.documents import ArticleDraft
from retrieval.embedding.embedder import Embedder
from retrieval.embedding.protocol import TextEmbedder
from retrieval.evaluation.data import Conversation, CorpusDoc, Question, load_conversations, load_corpora, load_questions
from retrieval.evaluation.metrics import Tally, contains_answer, first_hit, normalise, share
from retrieval.evaluation.report import render
from retrieval.ranking.followup import turn_of
from retrieval.library import Library
from retrieval.settings import Settings
from retrieval.ingest.text import guess_language

MODES = (SearchMode.HYBRID, SearchMode.LEXICAL, SearchMode.DENSE)
DEPTH = 10
LATENCY_SAMPLE = 60


@dataclass
class SetResult:
    """Per-mode tallies and key-sentence hits for one question set."""

    tallies: dict[SearchMode, Tally] = field(default_factory=lambda: {m: Tally() for m in MODES})
    key_sentence: list[bool] = field(default_factory=list)
    outcomes: list[Certainty] = field(default_factory=list)
    shown: ShownTally = field(default_factory=lambda: ShownTally())

    def merge(self, other: SetResult) -> None:
        """Add another set's observations to this one (for combined rows)."""
        for mode in MODES:
            self.tallies[mode].ranks.extend(other.tallies[mode].ranks)
        self.key_sentence.extend(other.key_sentence)
        self.outcomes.extend(other.outcomes)
        self.shown.merge(other.shown)

    def summary(self) -> dict:
        """Figures per mode plus key-sentence hit@1, the share flagged as not found (unsure or not found) and
        the share in each outcome band, and the passages worth reading."""
        out = {mode: tally.summary() for mode, tally in self.tallies.items() if tally.ranks}
        out["key_sentence@1"] = round(share(self.key_sentence), 4)
        out["flagged_not_found"] = flagged_share(self.outcomes)
        out["bands"] = bands(self.outcomes)
        out["n"] = len(self.outcomes)
        if self.shown.counts:
            out["shown"] = self.shown.summary()
        return out


@dataclass
class ShownTally:
    """Of the first `top_k` passages, those worth reading: how many, and whether the answer is among them (and
    among all `top_k`, for comparison)."""

    counts: list[int] = field(default_factory=list)
    hit_shown: list[bool] = field(default_factory=list)
    hit_top: list[bool] = field(default_factory=list)

    def add(self, answer: Answer, rank: int | None, top_k: int) -> None:
        """Record one answered question whose first hit is at `rank`."""
        count = min(len(answer.shown), top_k)
        self.counts.append(count)
        self.hit_shown.append(rank is not None and rank <= count)
        self.hit_top.append(rank is not None and rank <= top_k)

    def merge(self, other: ShownTally) -> None:
        """Add another tally's observations."""
        self.counts.extend(other.counts)
        self.hit_shown.extend(other.hit_shown)
        self.hit_top.extend(other.hit_top)

    def summary(self) -> dict:
        """Average passages shown and the hit rate within them, next to the hit rate within all `top_k`."""
        return {"passages": round(statistics.mean(self.counts), 3), "hit": round(share(self.hit_shown), 4),
                "hit_top_k": round(share(self.hit_top), 4)}


def bands(outcomes: list[Certainty]) -> dict[str, float]:
    """The share of answers in each outcome band."""
    return {band.value: round(share([o is band for o in outcomes]), 4) for band in Certainty}


class PrecomputedQueries:
    """An embedder whose question vectors were computed in one batch up front (much faster than one by one)."""

    def __init__(self, embedder: TextEmbedder, questions: list[str]) -> None:
        self._embedder = embedder
        unique = list(dict.fromkeys(questions))
        self._vectors = dict(zip(unique, embedder.queries(unique))) if unique else {}

    def query(self, text: str):
        """The precomputed vector, or a fresh one for a question not seen before."""
        vector = self._vectors.get(text)
        return vector if vector is not None else self._embedder.query(text)

    def __getattr__(self, name: str):
        return getattr(self._embedder, name)


def corpus_language(name: str, docs: list[CorpusDoc]) -> str:
    """'en' or 'id' from the set name's tag (xquad-en, facqa-id, …), else from the text."""
    tags = name.split("-")
    if "en" in tags:
        return "en"
    if "id" in tags:
        return "id"
    return guess_language(" ".join(d.text for d in docs[:20]))


def build_library(folder: Path, embedder: TextEmbedder, docs: Iterable[tuple[str, CorpusDoc]],
                  settings: Settings) -> Library:
    """A fresh library in `folder` (the user's settings otherwise) holding the given (set name, passage) pairs,
    ingested the normal way."""
    library = Library(settings.model_copy(update={"data_dir": folder, "database_url": None}), embedder)
    drafts = ((doc.id, ArticleDraft(text=doc.text, title=doc.title, source=name,
                                    published_at=datetime.fromisoformat(doc.published_at) if doc.published_at else None))
              for name, doc in docs)
    for result in library.add_articles(drafts):
        if result.status == "failed":
            print(f"eval: could not ingest {result.item}: {result.error}", file=sys.stderr)
    return library


def texts_of(answer: Answer) -> list[str]:
    """The returned passage texts, best first."""
    return [p.text for p in answer.passages]


def ask_question(library: Library, question: Question, result: SetResult) -> None:
    """Ask one question in every mode and record ranks, the key sentence, the outcome and the passages shown."""
    for mode in MODES:
        answer = library.ask(question.question, top_k=DEPTH, mode=mode, highlight=mode is SearchMode.HYBRID)
        rank = first_hit(texts_of(answer), question.answers) if question.answers else None
        if mode is SearchMode.HYBRID:
            result.outcomes.append(answer.confidence)
            if question.answers:
                top = answer.passages[0].key_sentence if answer.passages else ""
                result.key_sentence.append(contains_answer(top, question.answers))
                result.shown.add(answer, rank, library.settings.top_k)
        if question.answers:
            result.tallies[mode].add(rank)


def run_conversations(libraries: dict[str, Library], conversations: list[Conversation]) -> dict:
    """Turn 1 alone, turn 2 with turn 1 as history, and turn 2 alone."""
    first, with_history, alone = Tally(), Tally(), Tally()
    for talk in conversations:
        library = libraries.get(talk.corpus_lang)
        if library is None:
            continue
        opening = library.ask(talk.first, top_k=DEPTH)
        first.add(first_hit(texts_of(opening), talk.first_answers))
        followed = library.ask(talk.second, top_k=DEPTH, history=[turn_of(talk.first, opening)])
        with_history.add(first_hit(texts_of(followed), talk.second_answers))
        alone.add(first_hit(texts_of(library.ask(talk.second, top_k=DEPTH)), talk.second_answers))
    return {"turn1": first.summary(), "turn2_with_history": with_history.summary(), "turn2_alone": alone.summary()}


def held_out(doc_id: str) -> bool:
    """A stable half of the gold passages, left out of the abstention library."""
    return hashlib.sha1(doc_id.encode()).digest()[0] % 2 == 1


def abstention_run(folder: Path, embedder: TextEmbedder, docs: list[tuple[str, CorpusDoc]],
                   groups: dict[str, list[Question]], settings: Settings) -> dict[str, dict]:
    """Ask answerable questions against a library missing half of their gold passages, per group of questions
    (those in the library's language, and those asked in another language over it).

    Questions whose gold passage was left out, and whose answer no remaining passage contains,
    are out of the library and should be flagged; questions whose passage stayed should not be.
    """
    gold = {q.doc for questions in groups.values() for q in questions if q.doc}
    dropped = {normalise(d.text) for _, d in docs if d.id in gold and held_out(d.id)}
    kept = [(n, d) for n, d in docs if normalise(d.text) not in dropped]
    library = build_library(folder, embedder, kept, settings)
    kept_texts = [normalise(d.text) for _, d in kept]
    try:
        return {name: _abstention_group(library, questions, kept_texts) for name, questions in groups.items()}
    finally:
        library.close()


def _abstention_group(library: Library, questions: list[Question], kept_texts: list[str]) -> dict:
    """The outcome bands of one group of questions in the held-out library."""
    outside, inside, skipped = [], [], 0
    for question in questions:
        if not question.doc:
            continue
        missing = held_out(question.doc)
        if missing and any(normalise(a) in t for a in question.answers for t in kept_texts):
            skipped += 1
            continue
        outcome = library.ask(question.question, top_k=DEPTH, highlight=False).confidence
        (outside if missing else inside).append(outcome)
    return {"out_of_library": {"n": len(outside), "flagged": flagged_share(outside), "bands": bands(outside)},
            "answerable": {"n": len(inside), "flagged": flagged_share(inside), "bands": bands(inside)},
            "skipped_answer_elsewhere": skipped}


def abstention_groups(question_sets: dict[str, list[Question]], language: str) -> dict[str, list[Question]]:
    """The answerable questions over one language's library: those asked in its language (named by it) and those
    asked in another ("en→id")."""
    groups: dict[str, list[Question]] = {}
    for questions in question_sets.values():
        for q in questions:
            if q.answers and q.corpus_lang == language:
                groups.setdefault(language if q.lang == language else f"{q.lang}→{language}", []).append(q)
    return groups


def flagged_share(outcomes: list[Certainty]) -> float:
    """The share of answers not shown as found (the two-way abstention figure)."""
    return round(share([o is not Certainty.FOUND for o in outcomes]), 4)


def latency(library: Library, questions: list[Question]) -> dict:
    """Median warm ask time: hybrid with highlight versus plain dense search, same cached query vector."""
    sample = [q.question for q in questions[:LATENCY_SAMPLE]]
    plain, full = [], []
    for text in sample:
        library.ask(text, mode=SearchMode.DENSE, highlight=False)
        started = time.perf_counter()
        library.ask(text, mode=SearchMode.DENSE, highlight=False)
        plain.append(time.perf_counter() - started)
        started = time.perf_counter()
        library.ask(text)
        full.append(time.perf_counter() - started)
    if not sample:
        return {}
    base, hybrid = statistics.median(plain) * 1000, statistics.median(full) * 1000
    return {"chunks": library.stats().chunks, "dense_plain_ms": round(base, 1), "hybrid_ms": round(hybrid, 1),
            "added_ms": round(hybrid - base, 1)}


def combined(results: dict[str, SetResult], names: list[str]) -> SetResult:
    """One result holding the observations of several sets."""
    total = SetResult()
    for name in names:
        total.merge(results[name])
    return total


def evaluate(folder: Path, embedder: TextEmbedder, limit: int | None, workdir: Path, settings: Settings) -> dict:
    """Run the whole evaluation and return the report as one dictionary."""
    corpora, question_sets = load_corpora(folder), load_questions(folder)
    conversations = load_conversations(folder)[:limit] if limit else load_conversations(folder)
    question_sets = {n: qs[:limit] if limit else qs for n, qs in question_sets.items()}
    by_language: dict[str, list[tuple[str, CorpusDoc]]] = {}
    for name, docs in corpora.items():
        by_language.setdefault(corpus_language(name, docs), []).extend((name, d) for d in docs)
    libraries: dict[str, Library] = {}
    report: dict = {"libraries": {}, "sets": {}}
    started = time.monotonic()
    _progress("embedding the questions")
    embedder = PrecomputedQueries(embedder, [q.question for qs in question_sets.values() for q in qs]
                                  + [t for c in conversations for t in (c.first, c.second)])
    try:
        for language, docs in by_language.items():
            _progress(f"ingesting {len(docs)} {language} passages")
            libraries[language] = build_library(workdir / f"library-{language}", embedder, docs, settings)
            stats = libraries[language].stats()
            report["libraries"][language] = {"articles": stats.articles, "chunks": stats.chunks}
        results = {}
        for name, questions in question_sets.items():
            library = libraries.get(questions[0].corpus_lang) if questions else None
            if library is None:
                continue
            _progress(f"asking {len(questions)} questions of {name}")
            results[name] = SetResult()
            for question in questions:
                ask_question(library, question, results[name])
        report["sets"] = {name: r.summary() for name, r in results.items()}
        for language in libraries:
            group = [n for n, qs in question_sets.items() if n in results and qs
                     and all(q.answers and q.lang == q.corpus_lang == language for q in qs)]
            if len(group) > 1:
                report["sets"][" + ".join(group)] = combined(results, group).summary()
        _progress(f"asking {len(conversations)} follow-up conversations")
        report["followups"] = run_conversations(libraries, conversations)
        report["abstention"] = {"in_library_flagged": {}, "near_miss_unanswerable": {}, "held_out": {}}
        for name, r in results.items():
            answerable = all(q.answers for q in question_sets[name])
            key = "in_library_flagged" if answerable else "near_miss_unanswerable"
            summary = r.summary()
            report["abstention"][key][name] = {"n": summary["n"], "flagged": summary["flagged_not_found"],
                                               "bands": summary["bands"]}
        for language, docs in by_language.items():
            groups = abstention_groups(question_sets, language)
            if language in groups:
                _progress(f"abstention run for {language}: {sum(map(len, groups.values()))} questions, half their "
                          "passages left out")
                report["abstention"]["held_out"].update(abstention_run(
                    workdir / f"abstain-{language}", embedder, docs, groups, settings))
        biggest = max(libraries, key=lambda lang: report["libraries"][lang]["chunks"], default=None)
        if biggest:
            sample = [q for qs in question_sets.values() for q in qs if q.corpus_lang == biggest]
            report["latency"] = latency(libraries[biggest], sample)
    finally:
        for library in libraries.values():
            library.close()
    report["seconds"] = round(time.monotonic() - started, 1)
    return report


def _progress(message: str) -> None:
    """A status line on stderr."""
    print(f"eval: {message}", file=sys.stderr, flush=True)


def settings_summary(settings: Settings) -> dict:
    """The retrieval settings the run used."""
    names = ("chunk_words", "chunk_overlap_sentences", "candidate_pool", "abstain_threshold", "unsure_threshold",
             "passage_margin", "top_k",
             "rerank_depth", "rerank_weight", "rerank_within_article", "followup_article_bonus")
    return {k: getattr(settings, k) for k in names if hasattr(settings, k)}


def main(args: argparse.Namespace, settings: Settings) -> int:
    """Entry point of `tanya eval DIR [--json] [--cache FILE] [--limit N]`."""
    folder = Path(args.directory)
    if not folder.is_dir():
        raise SystemExit(f"tanya: {folder} is not a folder")
    cache = Path(args.cache) if args.cache else settings.data_dir / "eval-cache.sqlite"
    embedder = Embedder.from_settings(settings, vector_cache=cache)
    with tempfile.TemporaryDirectory(prefix="tanya-eval-") as workdir:
        report = evaluate(folder, embedder, args.limit, Path(workdir), settings)
    report["settings"] = settings_summary(settings)
    print(json.dumps(report, ensure_ascii=False, indent=None) if args.json else render(report))
    return 0
