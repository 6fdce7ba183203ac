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


def shortened(text: str, limit: int) -> str:
    """Text cut at a word boundary (a hard cut when it has none) to at most `limit` characters, marked with … (a
    sentence's own full stop too): a title out of a long first line, an article preview."""
    text = text.strip()
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] or text[:limit]
    return cut.rstrip(" ,.;:") + "…"


_DIGIT_GROUP = re.compile(r"(?<=\d)[.,](?=\d{3}(?!\d))")
"""A separator before a group of three digits: "16.200" and "2,500" are the numbers 16200 and 2500, as people type
them in questions; "5,2" and "21.05" keep their parts."""
_A_DIGIT = re.compile(r"\d")
_CURRENCY_ON_FIGURE = re.compile(r"\b(rp|idr|usd|us\$)(?=\d)", re.IGNORECASE)
"""A currency written onto its figure ("Rp16.200", as several outlets write prices)."""


def joined_figures(text: str) -> str:
    """The text with its thousands separators dropped and a currency set apart from its figure ("Rp16.200" and
    "Rp 16.200" -> "Rp 16200"): how every tokenizer of questions and sentences sees figures, so a figure a question
    gives is the same token in the passage. (A text without a digit, most sentences, is returned at once: this runs on
    every sentence a question is compared with.)"""
    if not _A_DIGIT.search(text):
        return text
    return _DIGIT_GROUP.sub("", _CURRENCY_ON_FIGURE.sub(r"\1 ", text))


def words(text: str) -> list[str]:
    """Lower-cased word tokens, a number written with thousands separators as one token."""
    return _WORD.findall(joined_figures(text.lower()))


def guess_language(text: str) -> str:
    """'id' or 'en' by counting frequent function words; Indonesian when unsure."""
    tokens = words(text[:5000])
    id_hits = sum(t in _ID_WORDS for t in tokens)
    en_hits = sum(t in _EN_WORDS for t in tokens)
    return "en" if en_hits > id_hits else "id"


WRAP_WIDTH_SHARE = 0.7
"""A line at least this share of the text's usual line width that stops without punctuation was wrapped."""

_PARAGRAPH_END = tuple(".!?:;\"”’)]»…")
_LIST_ITEM = re.compile(r"(?:[-•*–—·▪]|\d{1,3}[.)]|[a-z][.)])\s")
_LINE_END_HYPHEN = re.compile(r"(\w+)-$")
_FIRST_WORD = re.compile(r"\w+")
_HYPHENATED = re.compile(r"\w+-\w+")
_HYPHEN_PREFIXES = frozenset("anti non pro pra pasca semi multi eks ex self co pseudo neo mini".split())


def rejoin_wrapped_lines(text: str) -> str:
    """Undo hard line wraps (as in PDFs), so sentences and words cut at a line end are whole again.

    A line is joined to the next when the next starts in lower case, when it ends with a comma, or when it is
    about as wide as the text's full lines and stops without punctuation (a short unpunctuated line is a heading;
    so is the first line, the title, unless the next line plainly continues it).
    A word hyphenated across lines is rejoined ("pemba-" + "ngunan"); a real hyphen stays: before a capital or a
    digit ("2-" + "1"), in reduplication ("anak-" + "anak"), after a prefix such as "anti-", or when the text
    writes that compound with its hyphen elsewhere. Blank lines (paragraph breaks) and list items stay breaks.
    """
    lines = text.split("\n")
    width = _usual_line_width(lines)
    lower = text.lower()
    hyphenated = set(_HYPHENATED.findall(lower))
    joined_words = set(_WORD.findall(lower))
    paragraphs: list[list[str]] = []
    previous = ""
    for number, line in enumerate(lines):
        if previous and line and _continues(previous, line, width, heading=number == 1):
            pieces = paragraphs[-1]
            drop_last, glue = _meeting(previous, line, hyphenated, joined_words)
            if drop_last:
                pieces[-1] = pieces[-1][:-1]
            pieces.append(glue + line)
        else:
            paragraphs.append([line])
        previous = line
    return "\n".join("".join(pieces) for pieces in paragraphs)


def _usual_line_width(lines: list[str]) -> int:
    """The width of a full line: the 90th percentile of the non-empty lines' lengths."""
    lengths = sorted(len(line) for line in lines if line.strip())
    return lengths[int(0.9 * (len(lengths) - 1))] if lengths else 0


def _continues(previous: str, line: str, width: int, *, heading: bool) -> bool:
    """Whether `line` carries on the sentence or word that the line before it, `previous`, was cut in."""
    if _LIST_ITEM.match(line):
        return False
    if previous.endswith(("\u00ad", ",")) or line[0].islower():
        return True
    if _LINE_END_HYPHEN.search(previous):
        return True
    return not heading and not previous.endswith(_PARAGRAPH_END) and len(previous) >= WRAP_WIDTH_SHARE * width


def _meeting(previous: str, line: str, hyphenated: set[str], joined_words: set[str]) -> tuple[bool, str]:
    """How a line joins the one before it: whether that one's last character goes (a soft hyphen, or a hyphen
    that only split a word), and what goes between them (nothing inside a word, else a space)."""
    if previous.endswith("\u00ad"):
        return True, ""
    hyphen = _LINE_END_HYPHEN.search(previous)
    first = _FIRST_WORD.match(line)
    if not hyphen or not first:
        return False, " "
    head, tail = hyphen.group(1).lower(), first.group(0).lower()
    return not _real_hyphen(head, tail, line, hyphenated, joined_words), ""


def _real_hyphen(head: str, tail: str, line: str, hyphenated: set[str], joined_words: set[str]) -> bool:
    """Whether "head-" + "tail" across a line end is a hyphenated compound rather than one word split to fit."""
    if not line[0].islower() or head.endswith(tail) or head in _HYPHEN_PREFIXES:
        return True
    return f"{head}-{tail}" in hyphenated and f"{head}{tail}" not in joined_words
