"""Indonesian chat shorthand in questions ("brp", "yg", "kpn") written out, so that a question typed as people type
is read as the same question in full: its kind ("brp" asks a figure, as "berapa" does) and its words."""

from __future__ import annotations

import re

SHORTHAND = {
    "brp": "berapa", "brapa": "berapa", "bbrp": "beberapa", "kpn": "kapan", "gmn": "bagaimana",
    "gimana": "bagaimana", "knp": "mengapa", "dmn": "di mana", "yg": "yang", "dgn": "dengan", "utk": "untuk",
    "krn": "karena", "ttg": "tentang", "tgl": "tanggal", "thn": "tahun", "jt": "juta", "rb": "ribu", "org": "orang",
    "sdh": "sudah", "udh": "sudah", "blm": "belum", "tdk": "tidak", "gak": "tidak", "nggak": "tidak",
}
"""Shorthand that stands for one word only, whatever the sentence (no word of its own in news text)."""

_WORD = re.compile(r"\w+")


def written_out(question: str) -> str:
    """The question with each shorthand word replaced by the word it stands for."""
    return _WORD.sub(lambda match: SHORTHAND.get(match.group(0).lower(), match.group(0)), question)
