"""The canonical form of an article's link, by which a re-sent or edited article is recognised."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from courlan import normalize_url

MAX_URL_CHARS = 2000


def canonical_url(url: str | None) -> str | None:
    """The link with scheme and host lower-cased, default port, fragment and tracking parameters (utm_*, fbclid,
    gclid, …) dropped and the remaining parameters sorted; None for anything that is not an http(s) link."""
    if not url or len(url) > MAX_URL_CHARS:
        return None
    try:
        if urlsplit(url.strip()).scheme.lower() not in ("http", "https"):
            return None
        scheme, host, path, query, _ = urlsplit(normalize_url(url.strip(), strict=False))
    except ValueError:
        return None
    return urlunsplit((scheme, host, path or "/", query, "")) if host else None
