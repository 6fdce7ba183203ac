"""What counts as an article, for every way one arrives: text with substance, not a question or a chat remark.

A short news post ("Ganjil genap berlaku lagi di Jakarta mulai Senin.") is a full sentence, or names or counts
something; a remark a friend typed ("siapa yang menang?", "udah sampai rumah nih") asks, or talks like chat. Texts of
PLAIN_WORDS words or more are taken as they come. Measured: no passage of the eval corpora is refused.
"""

from __future__ import annotations

import re

from retrieval.ingest.documents import UserError
from retrieval.ingest.sentences import sentences

MIN_WORDS = 4
"""Fewer words than this are never an article (a headline alone, "ok siap", "mantap")."""
SENTENCE_WORDS = 8
"""A text this long is a full sentence of news even when it names or counts nothing."""
PLAIN_WORDS = 20
"""A text this long is taken as an article on its words alone; a shorter one must not be a question or read like
chat."""
ARTICLE_SENTENCES = 3
"""A pasted message needs at least this many sentences to be stored rather than asked ..."""
ARTICLE_WORDS = 40
"""... and at least this many words."""
BRIEF_SENTENCES = 2
"""A news brief pasted whole (two sentences) is stored too ..."""
BRIEF_WORDS = 30
"""... from this many words, when it asks nothing and speaks to no one ("tolong", "I", "you"): that is a request."""

_WORD = re.compile(r"\w+(?:['’]\w+)?", re.UNICODE)
_INNER_NAME = re.compile(r"(?<=[\w,;:)\]”’\"'] )[A-Z]\w*|\b[A-Z]{2,}\b")
_STATEMENT_END = re.compile(r"\.[\"'”’)\]»]*$")
_QUESTION_END = re.compile(r"\?[\"'”’)\]»]*$")
_QUESTION_START = re.compile(
    r"^\W*(apa|apakah|siapa|siapakah|kapan|kapankah|dimana|di mana|mana|berapa|berapakah|bagaimana|mengapa|kenapa|"
    r"who|whom|whose|what|when|where|why|how|which)\b", re.IGNORECASE)
_ADDRESSING = re.compile(
    r"\b(saya|aku|kamu|anda|kalian|tolong|mohon|coba|carikan|jelaskan|i|me|my|you|your|please)\b", re.IGNORECASE)
_CHAT_WORDS = frozenset(
    "gue gua gw lu lo loe elu nih sih dong deh kok yuk gak ga nggak ngga udah udh blm bgt banget emang kyk "
    "aja wkwk wkwkwk haha hahaha hehe hihi anjir btw lol omg guys pls plz thx".split()
)
_CLOSING_YA = re.compile(r"\bya\W*$", re.IGNORECASE)
""""ya" closing a sentence ("Jangan lupa sarapan ya 😊") is chat; "Ya, BI menahan …" and "naik ya di …" are not."""
GREETINGS = r"halo|hai|hello|selamat (pagi|siang|sore|malam)|good (morning|afternoon|evening|night)"
"""Greetings that open a message (small talk counts more, such as a bare "pagi")."""
_GREETING_FIRST = re.compile(rf"^\W*({GREETINGS})\b", re.IGNORECASE)


def substance_refusal(text: str, item: str = "") -> UserError | None:
    """Why `text` is not worth storing as an article (too short, a question, a chat remark), or None when it is."""
    tokens = _WORD.findall(text)
    if len(tokens) >= PLAIN_WORDS:
        return None
    if is_question(text):
        return UserError("question", "it is a question, not an article", item)
    chatty = any(_is_chat_word(token) for token in tokens) or _greets(text) or any(
        _CLOSING_YA.search(sentence) for sentence in sentences(text))
    if len(tokens) < MIN_WORDS and not chatty:
        return UserError("too_short", "it is too short to be an article (only a few words)", item)
    if chatty or not _written_as_news(text, tokens):
        return UserError("chat_remark", "it reads like a chat message, not news", item)
    return None


def is_question(text: str) -> bool:
    """Whether every sentence of `text` asks something (ends with a question mark)."""
    said = sentences(text)
    return bool(said) and all(_QUESTION_END.search(sentence) for sentence in said)


def asks(text: str) -> bool:
    """Whether a few typed words ask something: a question mark, or a question word first ("siapa", "how")."""
    return "?" in text or bool(_QUESTION_START.search(text))


def reads_like_article(text: str) -> bool:
    """Whether a typed message is an article being pasted rather than a question: several sentences, enough words,
    not ending in a question; or a brief of two sentences that asks nothing and addresses no one (its length alone
    is substance: `BRIEF_WORDS` is above `PLAIN_WORDS`)."""
    said, words = sentences(text), len(_WORD.findall(text))
    if len(said) >= ARTICLE_SENTENCES and words >= ARTICLE_WORDS:
        return not _QUESTION_END.search(said[-1])
    return (len(said) >= BRIEF_SENTENCES and words >= BRIEF_WORDS and not any(asks(sentence) for sentence in said)
            and not _ADDRESSING.search(text))


def _written_as_news(text: str, tokens: list[str]) -> bool:
    """Whether a short text (without words of chat) is news: a full sentence, or written like news — a capital first,
    then a closing full stop, a name (a capitalised word inside a sentence, an acronym) or a number."""
    if len(tokens) >= SENTENCE_WORDS:
        return True
    written = bool(_STATEMENT_END.search(text)) or any(c.isdigit() for c in text) or bool(_INNER_NAME.search(text))
    return (tokens[0][0].isupper() or tokens[0][0].isdigit()) and written


def _greets(text: str) -> bool:
    """A hello ("Selamat malam semuanya, semoga …"): a greeting first, and no figure or name that would make it
    news ("Selamat pagi, gempa M 5,0 guncang Cianjur pukul 05.12 WIB.", "Halo Jakarta: banjir surut di 12 RT.")."""
    return (bool(_GREETING_FIRST.search(text)) and not any(c.isdigit() for c in text)
            and not _INNER_NAME.search(text))


def _is_chat_word(token: str) -> bool:
    """A word of chat (particles like "nih", "dong", slang pronouns, laughter) as people type it ("nih", "Banget"); upper-case tokens ("GA-181", "LOL") are codes, not chat."""
    return (token.islower() or token.istitle()) and token.lower() in _CHAT_WORDS
