"""RSS 2.0, RSS 1.0 and Atom documents read by feedparser into plain entries, and feeds named by a web page."""

from __future__ import annotations

import calendar
import re
import xml.sax
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import urljoin

import feedparser
import lxml.html
from lxml import etree

from retrieval.ingest.documents import UserError

MAX_ENTRIES = 500
FULL_TEXT_WORDS = 150
FEED_TYPES = frozenset({"application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/feed+json"})
_BLOCKS = re.compile(r"(?i)<\s*(?:br|/p|/div|/li|/h[1-6]|/blockquote|/tr)\b[^>]*>")


@dataclass(frozen=True)
class FeedEntry:
    """One entry as the feed gives it; `is_summary` when its text is too short to be the whole article."""

    link: str | None
    title: str
    author: str | None
    published_at: datetime | None
    text: str
    is_summary: bool


@dataclass(frozen=True)
class ParsedFeed:
    """A feed's title and its first MAX_ENTRIES entries (feeds list the newest first)."""

    title: str
    entries: list[FeedEntry]


def parse_feed(body: bytes, url: str) -> ParsedFeed | UserError:
    """The feed in `body`, or why it is not one: not a feed at all, or a feed whose XML is broken."""
    parsed = feedparser.parse(body, response_headers={"content-location": url, "content-type": "application/xml"})
    if not parsed.version:
        return UserError("not_feed", "this address is not an RSS or Atom feed and names none", url)
    if parsed.bozo and isinstance(parsed.get("bozo_exception"), xml.sax.SAXException):
        return UserError("broken_feed", "the feed is not valid XML", url)
    title = _plain(parsed.feed.get("title", "")) or url
    return ParsedFeed(title[:300], [_entry(raw) for raw in parsed.entries[:MAX_ENTRIES]])


def feed_links(html: bytes, url: str) -> list[str]:
    """The feeds a web page names with `<link rel="alternate" type="application/rss+xml" href=…>`, in order."""
    try:
        page = lxml.html.fromstring(html)
    except (etree.ParserError, ValueError):
        return []
    found = []
    for link in page.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        if "alternate" in rel and (link.get("type") or "").lower() in FEED_TYPES and link.get("href"):
            address = urljoin(url, link.get("href").strip())
            if address not in found:
                found.append(address)
    return found


def _entry(raw: feedparser.FeedParserDict) -> FeedEntry:
    """An entry's link, title, author, date and text (full content when given, else the summary)."""
    contents = [c.get("value", "") for c in raw.get("content", [])]
    text = _plain(max(contents, key=len)) if contents else ""
    summary = _plain(raw.get("summary", ""))
    if len(summary) > len(text):
        text = summary
    moment = raw.get("published_parsed") or raw.get("updated_parsed")
    published = datetime.fromtimestamp(calendar.timegm(moment), timezone.utc) if moment else None
    return FeedEntry(raw.get("link") or None, _plain(raw.get("title", "")), raw.get("author") or None, published,
                     text, len(text.split()) < FULL_TEXT_WORDS)


def _plain(html: str) -> str:
    """Text of an HTML fragment, paragraphs kept apart, entities decoded."""
    if not html or not html.strip():
        return ""
    try:
        text = lxml.html.fragment_fromstring(_BLOCKS.sub(lambda m: m.group(0) + "\n", html),
                                             create_parent="div").text_content()
    except (etree.ParserError, ValueError):
        text = html
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())
