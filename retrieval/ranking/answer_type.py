"""What kind of answer a question expects (person, time, number, place) and how much a sentence offers one."""

from __future__ import annotations

import re

PERSON, TIME, NUMBER, PLACE = "person", "time", "number", "place"

_TYPE_CUES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (TIME, re.compile(r"\b(kapan(kah)?|when|tahun berapa(kah)?|(what|which) year|pada tahun|tanggal berapa(kah)?|"
                      r"what date|abad ke\s?berapa|which century|bulan apa(kah)?|what month)\b")),
    (NUMBER, re.compile(r"\b(berapa(kah)?|how (many|much|long|old|far|tall|big|large)|jumlah|what percentage)\b")),
    (PERSON, re.compile(r"\b(siapa(kah)?|who|whom|whose)\b")),
    (PLACE, re.compile(r"\b(di ?mana(kah)?|ke ?mana(kah)?|dari ?mana(kah)?|where|"
                       r"(which|what) (country|city|province|region)|"
                       r"(negara|kota|provinsi|daerah|wilayah) (apa|mana)(kah)?|in which)\b")),
)
_MONTHS = ("januari februari maret april mei juni juli agustus september oktober november desember january "
           "february march may june july august october december").split()
_YEAR = re.compile(r"\b(1[0-9]{3}|20[0-9]{2})\b")
_DATE = re.compile(r"\b(" + "|".join(_MONTHS) + r"|abad|century|masehi|hijriah|bc|ad)\b", re.IGNORECASE)
_NUMBER = re.compile(r"\b\d[\d.,]*\b|\b(satu|dua|tiga|empat|lima|enam|tujuh|delapan|sembilan|sepuluh|belas|puluh|"
                     r"ratus|ribu|juta|miliar|triliun|persen|one|two|three|four|five|six|seven|eight|nine|ten|"
                     r"hundred|thousand|million|billion|percent)\b", re.IGNORECASE)
_TOKEN = re.compile(r"[\w'’-]+")


def expected_type(question: str) -> str | None:
    """The answer type a question asks for, from its question words in Indonesian or English."""
    lowered = question.lower()
    for kind, cue in _TYPE_CUES:
        if cue.search(lowered):
            return kind
    return None


def _new_tokens(sentence: str, question_words: set[str]) -> list[str]:
    """Tokens of the sentence that the question does not already contain."""
    return [t for t in _TOKEN.findall(sentence) if t.lower() not in question_words]


def name_density(tokens: list[str]) -> float:
    """Share of tokens after the first that look like name parts (capital, then lower case): lists of people."""
    rest = tokens[1:]
    return sum(len(t) > 1 and t[0].isupper() and t[1].islower() for t in rest) / len(rest) if rest else 0.0


def evidence(sentence: str, kind: str | None, question_words: set[str]) -> float:
    """0..1: how much the sentence offers an answer of the expected kind that the question does not contain."""
    if kind is None:
        return 0.0
    tokens = _new_tokens(sentence, question_words)
    fresh = " ".join(tokens)
    if kind == TIME:
        return 1.0 if _YEAR.search(fresh) or _DATE.search(fresh) else 0.0
    if kind == NUMBER:
        return 1.0 if _NUMBER.search(fresh) else 0.0
    return name_density(tokens)
