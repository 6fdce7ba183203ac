"""Figures typed without their thousands separators ("16200", "Rp16200") written as news text writes them ("Rp
16.200"), so that a question matches the article's figure word for word: "16.200" and "16,200" are both read as
the words "16" and "200", while "16200" is a word no article holds."""

from __future__ import annotations

import re
from collections.abc import Callable

_FIGURE = re.compile(r"(?:\b(rp\.?)|(?<![\w.,]))([1-9]\d{3,11})(?!\w|[.,:]\d)", re.IGNORECASE)
"""A run of 4 to 12 digits standing alone (or after "Rp"), not part of a decimal, a grouped figure, a time or a code
(no leading zero, as phone numbers have)."""
YEARS = range(1900, 2100)
"""Four digits in this range are a year ("tahun 2024"), written without a separator."""


def grouped(question: str, known: Callable[[str], bool]) -> str:
    """The question with each bare figure grouped by thousands with dots ("16200" → "16.200", "Rp16200" →
    "Rp 16.200"); years ("2024") and figures the library holds as typed (`known`: "1500" in a history of 1500) stay
    as typed."""
    def group(match: re.Match[str]) -> str:
        currency, digits = match.group(1), match.group(2)
        if len(digits) == 4 and int(digits) in YEARS or known(digits):
            return match.group(0)
        return f"{currency} " * bool(currency) + f"{int(digits):,}".replace(",", ".")

    return _FIGURE.sub(group, question)
