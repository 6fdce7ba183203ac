"""Indonesian chat shorthand in questions ("brp", "yg", "kpn") written out, so that a question typed as people type
is read as the same question in full: its kind ("brp" asks a figure, as "berapa" does) and its words."""

from __future__ import annotations

import re

SHORTHAND = {
    "brp": "berapa", "brapa": "berapa", "bbrp": "beberapa", "kpn": "kapan", "gmn": "bagaimana",
    "gimana": "bagaimana", "knp": "mengapa", "dmn": "di mana", "yg": "yang", "dgn": "dengan", "utk": "untuk",
    "krn": "karena", "ttg": "tentang", "tgl": "tanggal", "thn": "tahun", "jt": "juta", "rb": "ribu", "org": "orang",
    "sdh": "sudah", "udh": "sudah", "blm": "belum", "tdk": "tidak", "gak": "tidak", "nggak": "tidak",
    "ngga": "tidak", "gk": "tidak", "skrg": "sekarang", "trs": "terus", "jg": "juga",
    "bgt": "banget", "jd": "jadi",
}
"""Shorthand that stands for one word only, whatever the sentence (no word of its own in news text)."""

_SAPA = re.compile(r"^(\W*)(s)apa\b|\bsapa(?=\s+(yg|yang)\b)", re.IGNORECASE)
""""sapa" is "siapa" only where a question word stands: first, or before "yang" ("sapa yg menang?"); elsewhere it
is the word to greet ("Prabowo sapa warga di mana?")."""
_WORD = re.compile(r"(?<![\w./@])[A-Za-z][a-z]*(?![\w@]|[./]\w)")
"""A word, not part of a link, an address or a code."""
_SENTENCE_END = re.compile(r"[.!?]\s+$")


def written_out(question: str) -> str:
    """The question with each shorthand word replaced by the word it stands for: words typed in lower case, or
    capitalised where a sentence starts (as phones type "Brp …?"); "example.org", "Lion Air JT 610", "RB Leipzig"
    or "saham KPN" stay as typed."""
    def full(match: re.Match[str]) -> str:
        word = match.group(0)
        if word.islower():
            return SHORTHAND.get(word, word)
        start = match.start()
        opens = start == 0 or bool(_SENTENCE_END.search(question[max(0, start - 8):start]))
        if opens and word.lower() in SHORTHAND:
            return SHORTHAND[word.lower()].capitalize()
        return word

    return _WORD.sub(full, _SAPA.sub(_siapa, question))


def _siapa(match: re.Match[str]) -> str:
    """The word "siapa" for a "sapa" standing where a question word does, its case kept ("Sapa" -> "Siapa")."""
    lead, first = match.group(1) or "", match.group(2)
    return f"{lead}{first}iapa" if first else "siapa"
