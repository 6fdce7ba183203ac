"""Text normalisation, content hashing and a light Indonesian/English language guess."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import datetime

MAX_ARTICLE_CHARS = 2_000_000
"""Default longest article text kept (`MAX_ARTICLE_CHARS`): the extractors' cut and the library's refusal."""

_LINE_BREAKS = re.compile("\r\n|[\r\x0b\x0c\x85\u2028\u2029]")
_CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufeff\ufffe\uffff\ud800-\udfff]")
_SPACES = re.compile(r"[ \t\u00a0]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")
_WORD = re.compile(r"\w+", re.UNICODE)
_VISIBLE = re.compile(
    "[^\\s\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u2060-\u206f\u3164"
    "\ufe00-\ufe0f\ufeff\uffa0\U000e0000-\U000e0fff]"
)

_ID_WORDS = frozenset(
    "yang dan di ke dari ini itu dengan untuk pada adalah dalam tidak akan juga oleh sebagai telah "
    "atau karena bahwa mereka kami kita saya ada bisa sudah lebih para tersebut siapa apa kapan "
    "dimana mengapa bagaimana berapa antara saat setelah masih secara kata menurut tahun".split()
)
_EN_WORDS = frozenset(
    "the and of to in is was for on that with as by at from it his her are were be this which "
    "who what when where why how an or not have has had their they he she its been also after "
    "said did does do".split()
)


def strip_control(text: str) -> str:
    """Unify line ends and drop control, bidi-override and lone-surrogate characters."""
    return _CONTROL.sub("", _LINE_BREAKS.sub("\n", text))


def clean_text(text: str) -> str:
    """Unify line ends, drop control, bidi-override and lone-surrogate characters, squeeze blank runs.

    Zero-width joiners and marks stay: emoji sequences and some scripts need them. A text with no visible
    character at all (only spaces, zero-width and other invisible marks) cleans to "", so it counts as no text.
    """
    text = strip_control(text)
    if not _VISIBLE.search(text):
        return ""
    text = unicodedata.normalize("NFC", text)
    text = _SPACES.sub(" ", text)
    text = "\n".join(line.strip() for line in text.split("\n"))
    return _BLANK_LINES.sub("\n\n", text).strip()


def content_hash(text: str) -> str:
    """SHA-256 of the article text with all whitespace collapsed, so re-spaced copies match."""
    canonical = " ".join(text.split()).casefold()
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def parse_iso_date(value: object) -> datetime | None:
    """An ISO date or datetime string (a trailing Z meaning UTC) as a datetime; None when absent or odd."""
    if not value or not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None


def words(text: str) -> list[str]:
    """Lower-cased word tokens."""
    return _WORD.findall(text.lower())


def guess_language(text: str) -> str:
    """'id' or 'en' by counting frequent function words; Indonesian when unsure."""
    tokens = words(text[:5000])
    id_hits = sum(t in _ID_WORDS for t in tokens)
    en_hits = sum(t in _EN_WORDS for t in tokens)
    return "en" if en_hits > id_hits else "id"
