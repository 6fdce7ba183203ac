"""Understand a follow-up question from the conversation so far."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Protocol

from retrieval.answer import Answer, AnswerPassage
from retrieval.indexes.lexical import STOPWORDS, query_terms, word_stems
from retrieval.ingest.text import joined_figures, words

_PRONOUNS = re.compile(
    r"\b(dia|ia|beliau|mereka|tersebut|he|she|it|they|them|him|her|his|hers|their|theirs|its|this|these|those)\b"
    r"|(?<!\bapa )(?<!\bapakah )\b(itu|ini)\b",
    re.IGNORECASE,
)
_SOURCE_QUESTION = re.compile(
    r"^(apa |mana |dan )?(sumber|link|tautan)(nya)?( (apa|mana|dari mana|beritanya))?"
    r"|^(beritanya |infonya |ini |itu )?dari (mana|media apa|siapa)( (beritanya|infonya|sumbernya))?"
    r"|^(siapa yang )?(melaporkan|menulis|memberitakan)(nya)?"
    r"|^(and |so )?(what('s| is| are) the )?(source|sources|link)( of (this|that|it))?"
    r"|^where (is|was|does|did) (this|that|it|the story) (from|come from)"
    r"|^who (reported|wrote) (this|that|it)$",
    re.IGNORECASE)
"""A question about where the previous answer came from ("sumbernya apa?", "dari mana beritanya?", "what's the
source?"), and nothing more."""


def asks_for_source(question: str) -> bool:
    """Whether the question only asks where the previous answer came from: its answer is that answer's citation."""
    words = question.strip().rstrip("?!. ")
    return bool(words) and _SOURCE_QUESTION.fullmatch(words) is not None


_OPENERS = re.compile(r"^\s*(dan|kalau|lalu|terus|bagaimana dengan|and|what about|how about)\b", re.IGNORECASE)
_NYA = re.compile(r"\b(\w{2,}?)-?nya\b", re.IGNORECASE)
_LEXICAL_NYA = frozenset(
    "hanya tanya bertanya punya lainnya biasanya sebenarnya selanjutnya akhirnya umumnya misalnya khususnya "
    "seharusnya sebaiknya setidaknya sesungguhnya rupanya agaknya tampaknya nampaknya kiranya sepertinya "
    "bahwasanya selebihnya sebaliknya terutamanya pertamanya keduanya masing-masingnya".split()
)
_CAPITALISED = re.compile(r"\b[A-Z][\w-]+(?:\s+[A-Z][\w-]+)*")
_WORD = re.compile(r"[^\W_][\w-]*")
_SENTENCE_END = re.compile(r"[.!?]\W*$")
_REFERRING = frozenset(
    "dia ia beliau mereka tersebut itu ini dan kalau lalu terus bagaimana dengan aku saya kamu kami kita "
    "he she it they them him her his hers their theirs its this these those and what about how i you we".split()
)

Word = tuple[str, str]
"""A word as its (Indonesian, English) stems."""


class Library(Protocol):
    """What the library tells about words, for reading a follow-up."""

    def article_words(self, article_id: int) -> frozenset[str]:
        """The stems of a stored article (none once it is gone)."""

    def names_something(self, word: Word) -> bool:
        """Whether the library holds the word in so few passages that it names a thing rather than being common."""

    def knows(self, word: Word) -> bool:
        """Whether any passage of the library holds the word."""


@dataclass(frozen=True)
class HistoryTurn:
    """A previous question in the chat, the articles its answer cited (only a found answer cites), and the first
    passage its reply showed, with its key sentence and citation (what "where is this from?" answers with)."""

    question: str
    article_ids: tuple[int, ...] = ()
    answer: str = ""
    shown: AnswerPassage | None = field(default=None, compare=False)


def turn_of(question: str, answer: Answer) -> HistoryTurn:
    """What a chat remembers of one turn: the question, the cited article, its key sentence and the first passage."""
    cited = tuple(p.article.id for p in answer.passages[:1]) if answer.found else ()
    summary = answer.passages[0].key_sentence if answer.found and answer.passages else ""
    return HistoryTurn(question, cited, summary, answer.passages[0] if answer.passages else None)


@dataclass(frozen=True)
class ResolvedQuestion:
    """The text to retrieve with, and the articles to prefer, for one question in context."""

    text: str
    is_followup: bool
    prefer_articles: frozenset[int] = field(default_factory=frozenset)
    alone_first: bool = False
    """The follow-up names something the library holds but no recent turn does: read alone, it is answered when
    that reading is found; only otherwise does the conversation fill it in."""
    passed_over: bool = False
    """It continues an older turn than the latest, about another article, on the strength of lowercase words alone
    ("terjadinya" beside that turn's "menjadi"): a guess, so its answer is at most unsure."""


def _refers_with_nya(question: str) -> bool:
    """Whether a word carries a -nya that points back (not fixed words like 'hanya')."""
    return any(match.group(0).lower() not in _LEXICAL_NYA for match in _NYA.finditer(question))


SELF_CONTAINED_WORDS = 25
"""A message this long brings its own context: its pronouns point inside it ("the bank kept its rate"). The longest
follow-up of the dev conversations has 15 words."""


def leans_on_history(question: str, typed: str | None = None) -> bool:
    """True when the question refers back (pronouns, -nya, 'dan …?', 'what about …?') or is one or two words; a
    message of `SELF_CONTAINED_WORDS` or more leans on the conversation only when it opens like a follow-up ('dan …',
    'lalu …', 'what about …'). Words are counted as `typed` (before time words were taken out of `question`); the
    cues are read without the time words, whose "ini"/"this" ("minggu ini", "this week") point at a time."""
    words = len((typed or question).split())
    if words >= SELF_CONTAINED_WORDS:
        return bool(_OPENERS.search(question))
    return _refers_back(question) or words <= 2


def _refers_back(question: str) -> bool:
    """Whether the question points back in so many words: a pronoun, -nya, or an opener ('dan …', 'what about …')."""
    return bool(_PRONOUNS.search(question)) or bool(_OPENERS.search(question)) or _refers_with_nya(question)


def resolve(question: str, history: list[HistoryTurn], library: Library | None = None,
            typed: str | None = None) -> ResolvedQuestion:
    """Read a question that leans on the conversation in the light of the recent turn it is about.

    The follow-up's own words come first. Of the recent turns, the one whose cited article (or question and answer)
    holds most of the names the follow-up brings, then most of its other words, is the one it continues (the latest
    on a tie): its question, the names in its answer and its article fill in what the follow-up lacks. A name is a
    word written with a capital inside a sentence, or one the library holds in only a few passages. A capitalised
    name the library holds that no recent turn does may start a new topic: the follow-up is then answered alone
    first, and so are bare keywords ("pengunjung ragunan") when one is a word the library holds in few passages that
    no recent turn holds and none was in a recent question ("gempa susulan" after a question on a quake asks on
    about that quake). (Otherwise a rare lowercase word only chooses between turns: in a small library "lagi" is
    rare too; passing over the latest turn on such words alone leaves the answer unsure.)
    Without `library`, only the turns' questions and answers are looked at and only capitals make names.
    When time words were taken out of `question`, its words are counted as `typed` ("terbaru tentang banjir?" is a
    search of its own, though "tentang banjir?" is two words).
    """
    if not history or not leans_on_history(question, typed):
        return ResolvedQuestion(question, False)
    own, capitalised = _own_words(question)
    names = [word for word in own if word in capitalised or (library is not None and library.names_something(word))]
    held = [(turn, _turn_words(turn, library)) for turn in reversed(history)]
    turn, turn_words = max(held, key=lambda pair: (sum(_holds(pair[1], w) for w in names),
                                                   sum(_holds(pair[1], w) for w in own)))
    latest = held[0][0]
    passed_over = (turn is not latest and set(turn.article_ids) != set(latest.article_ids)
                   and not any(_holds(turn_words, w) for w in capitalised))
    unheld = [name for name in names if not any(_holds(stems, name) for _, stems in held)]
    keywords = _keywords_only(question) and not _asked_before(held, own)
    elsewhere = library is not None and any(library.knows(name) if name in capitalised else keywords
                                            for name in unheld)
    asked = set(_CAPITALISED.findall(turn.question))
    entities = " ".join(e for e in dict.fromkeys(_CAPITALISED.findall(turn.answer)) if e not in asked)[:200]
    context = f"{turn.question} {entities}".strip()
    return ResolvedQuestion(f"{question} ({context})", True, frozenset(turn.article_ids), elsewhere, passed_over)


def _keywords_only(question: str) -> bool:
    """Whether the message is bare keywords, typed as a search ("pengunjung ragunan", "gempa garut"): no stop word
    (question words among them: "siapa lagi?" asks on about the turn), nothing pointing back."""
    return not _refers_back(question) and all(word not in STOPWORDS for word in words(question))


def _asked_before(held: list[tuple[HistoryTurn, frozenset[str]]], own: list[Word]) -> bool:
    """Whether a recent question already used one of the follow-up's words ("gempa susulan" after "… gempa …?")."""
    asked = frozenset(query_terms(" ".join(turn.question for turn, _ in held)))
    return any(_holds(asked, word) for word in own)


def _own_words(question: str) -> tuple[list[Word], list[Word]]:
    """The follow-up's content words as (Indonesian, English) stems, and those of them that are names: written
    with a capital letter where a sentence does not start."""
    text = joined_figures(question)
    found = [(m.group(0), m.start()) for m in _WORD.finditer(text) if m.group(0).lower() not in _REFERRING]
    named = [word for word, at in found if word[0].isupper() and not _starts_sentence(text, at)]
    return word_stems(" ".join(word for word, _ in found)), word_stems(" ".join(named))


def _starts_sentence(text: str, at: int) -> bool:
    """Whether the word at `at` opens the text or a sentence in it (so its capital says nothing)."""
    before = text[:at].strip()
    return not before or bool(_SENTENCE_END.search(before))


def _turn_words(turn: HistoryTurn, library: Library | None) -> frozenset[str]:
    """The stems a turn holds: its question, its answer and its cited articles."""
    stems = set(query_terms(f"{turn.question} {turn.answer}"))
    if library is not None:
        for article_id in turn.article_ids:
            stems |= library.article_words(article_id)
    return frozenset(stems)


def _holds(stems: frozenset[str], word: Word) -> bool:
    """Whether a word (by either of its stems) is among the stems."""
    return word[0] in stems or word[1] in stems


def order_within_articles(scores: dict[int, float], owners: dict[int, int], own: dict[int, float]) -> dict[int, float]:
    """Re-order the chunks of each cited article by the follow-up's own wording, keeping the article's best score.

    `owners` maps the cited articles' candidate chunks to their article and `own` gives each one's cosine with
    the follow-up alone. The carried context picks the article; within it, the chunk that answers the new
    question should win over the one that answered the previous question.
    """
    adjusted = dict(scores)
    by_article: dict[int, list[int]] = {}
    for chunk_id, article in owners.items():
        by_article.setdefault(article, []).append(chunk_id)
    for ids in by_article.values():
        top, best = max(scores[i] for i in ids), max(own[i] for i in ids)
        adjusted.update({i: top - (best - own[i]) for i in ids})
    return adjusted
