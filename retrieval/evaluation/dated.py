"""Build a dated evaluation set from the Indonesian dev sets: time-bound questions whose answer is only in the
passage of the right date.

Every Indonesian passage gets a publication date. For a sample of answerable questions, the two passages sharing
most words with the question that do not contain its answer become same-topic stories of other dates, and the
question is asked "… pada tahun Y?", "… pada bulan M Y?", "… menurut berita terbaru?" (the gold passage being
the newest of its story) or as it was, the gold passage being the newest ('plain') or the oldest ('older') of its
story: the small preference for new stories is tuned to help the first without hurting the second. Each form is its own question set over one corpus. Deterministic: choices follow
hashes of the ids, nobody picks answers.

    python -m retrieval.evaluation.dated /work/shared/eval /tmp/dated-eval
    tanya eval /tmp/dated-eval
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from datetime import date
from pathlib import Path

from retrieval.evaluation.data import CorpusDoc, Question, load_corpora, load_questions
from retrieval.evaluation.metrics import contains_answer

SETS = ("facqa-id", "tydiqa-id")
POOL = ("facqa-id", "tydiqa-id", "distractors-id")
FORMS = ("year", "month", "latest", "plain", "older")
SAMPLE = 250
MONTHS_ID = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
             "November", "Desember")
FIRST_YEAR, YEARS = 2018, 7
STOP = frozenset("apa apakah siapa kapan dimana mana berapa bagaimana mengapa yang dan di ke dari pada dengan untuk "
                 "dalam adalah ini itu oleh sebagai atau juga tahun nama".split())


def _hash(text: str) -> int:
    return int.from_bytes(hashlib.sha1(text.encode()).digest()[:8], "big")


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"\w+", text.lower()) if len(w) > 3 and w not in STOP and not w.isdigit()}


def _default_date(doc_id: str) -> date:
    """A passage's date when no question places it: any day of the covered years."""
    h = _hash(doc_id)
    return date(FIRST_YEAR + h % YEARS, 1 + (h >> 8) % 12, 1 + (h >> 16) % 28)


def build(folder: Path) -> tuple[list[dict], dict[str, list[dict]]]:
    """The dated corpus, and the questions of each form, built from the dev sets in `folder`."""
    corpora, question_sets = load_corpora(folder), load_questions(folder)
    pool: dict[str, CorpusDoc] = {d.id: d for name in POOL for d in corpora.get(name, [])}
    answerable = sorted((q for name in SETS for q in question_sets.get(name, []) if q.doc in pool and q.answers),
                        key=lambda q: _hash(q.id))
    chosen: list[Question] = []
    golds: set[str] = set()
    for question in answerable:
        if question.doc not in golds and len(chosen) < SAMPLE:
            chosen.append(question)
            golds.add(question.doc)
    dates = {doc_id: _default_date(doc_id) for doc_id in pool}
    used: set[str] = set(golds)
    words = {doc_id: _words(doc.title + " " + doc.text) for doc_id, doc in pool.items()}
    questions: dict[str, list[dict]] = {form: [] for form in FORMS}
    for index, question in enumerate(chosen):
        form = FORMS[index % len(FORMS)]
        asked = _words(question.question)
        rivals = sorted((d for d in pool if d not in used and not contains_answer(pool[d].text, question.answers)),
                        key=lambda d: (-len(asked & words[d]), _hash(question.id + d)))[:2]
        used.update(rivals)
        gold_date, rival_dates = _story_dates(question.id, form)
        dates[question.doc] = gold_date
        dates.update(zip(rivals, rival_dates))
        questions[form].append({"id": f"dated-{form}-{question.id}", "lang": "id", "answers": list(question.answers),
                                "question": _phrase(question.question, form, gold_date), "doc": question.doc})
    corpus = [{"id": d.id, "title": d.title, "text": d.text, "published_at": dates[d.id].isoformat()}
              for d in pool.values()]
    return corpus, questions


def _story_dates(key: str, form: str) -> tuple[date, list[date]]:
    """The gold passage's date and its two rivals': other years ('year'), the same year's other months and another
    year ('month'), later dates ('older'), earlier dates (the other forms)."""
    h = _hash(key)
    year, month, day = FIRST_YEAR + 2 + h % (YEARS - 2), 1 + (h >> 8) % 12, 1 + (h >> 16) % 28
    gold = date(year, month, day)
    if form == "year":
        return gold, [date(year - 1, month, day), date(year + 1, month, day)]
    if form == "month":
        return gold, [date(year, 1 + month % 12, day), date(year - 1, month, day)]
    if form == "older":
        return gold, [date(year + 1, month, day), date(year + 1, 1 + month % 12, day)]
    return gold, [date(year - 1, month, day), date(year - 2, 1 + month % 12, day)]


def _phrase(question: str, form: str, when: date) -> str:
    """The question bound to a time, in Indonesian."""
    base = question.rstrip(" ?")
    if form == "year":
        return f"{base} pada tahun {when.year}?"
    if form == "month":
        return f"{base} pada bulan {MONTHS_ID[when.month - 1]} {when.year}?"
    if form == "latest":
        return f"{base} menurut berita terbaru?"
    return question


def main(argv: list[str]) -> int:
    """Write dated-id.corpus.jsonl and a dated-FORM-id.questions.jsonl per form into the output folder."""
    if len(argv) != 2:
        print("usage: python -m retrieval.evaluation.dated EVAL_DIR OUT_DIR", file=sys.stderr)
        return 2
    corpus, questions = build(Path(argv[0]))
    out = Path(argv[1])
    out.mkdir(parents=True, exist_ok=True)
    files = {"dated-id.corpus.jsonl": corpus,
             **{f"dated-{form}-id.questions.jsonl": rows for form, rows in questions.items()}}
    for name, rows in files.items():
        with open(out / name, "w", encoding="utf-8") as handle:
            handle.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    print(f"{len(corpus)} passages, {sum(map(len, questions.values()))} questions in {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
