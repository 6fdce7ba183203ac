"""Keeping the bot token out of logs and error lines, in every spelling it may take (any letter case included:
some errors echo the request path in lower case)."""

from __future__ import annotations

import logging
import re
from urllib.parse import quote

REDACTED = "<token>"
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def token_pattern(token: str) -> re.Pattern[str] | None:
    """A case-insensitive pattern for the token, its percent-encoded form and its secret half (longest first)."""
    if not token:
        return None
    forms = {token, quote(token, safe=""), token.split(":", 1)[-1]}
    ordered = sorted((f for f in forms if len(f) >= 8), key=len, reverse=True)
    return re.compile("|".join(re.escape(f) for f in ordered), re.IGNORECASE) if ordered else None


def redact(value: str, token: str) -> str:
    """`value` with every form of the token replaced by <token>."""
    pattern = token_pattern(token)
    return pattern.sub(REDACTED, value) if pattern else value


class RedactingFormatter(logging.Formatter):
    """A log formatter that never prints the bot token (in messages or tracebacks)."""

    def __init__(self, secret: str, fmt: str) -> None:
        super().__init__(fmt)
        self.pattern = token_pattern(secret)

    def format(self, record: logging.LogRecord) -> str:
        """Format as usual, then blank out the token in every form it may appear in."""
        formatted = super().format(record)
        return self.pattern.sub(REDACTED, formatted) if self.pattern else formatted


def hide_token_in_logs(token: str) -> None:
    """Make every root log handler redact the token, and keep httpx's request lines (with URLs) out."""
    logging.getLogger("httpx").setLevel(logging.WARNING)
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(level=logging.INFO)
    for handler in root.handlers:
        handler.setFormatter(RedactingFormatter(token, LOG_FORMAT))
