"""Feed subscriptions and polling: one round leases the due feeds (so no two processes poll one feed), downloads
each with its validators, stores at most FEED_MAX_NEW new entries (summaries fetched in full through the link
fetcher) and schedules the next poll, backing off while a feed fails."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from retrieval.feeds.download import Download, download_sync
from retrieval.feeds.parsing import FeedEntry, ParsedFeed, feed_links, parse_feed
from retrieval.ingest.documents import ArticleDraft, UserError
from retrieval.ingest.fetch import fetch_article_sync
from retrieval.ingest.urls import canonical_url
from retrieval.settings import Settings
from storage.models import Feed
from storage.repository import Repository

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=30)
MAX_BACKOFF = timedelta(days=1)
STORE_BATCH = 8  # entries stored per batch, so a long round of full-text fetches commits as it goes
AddArticles = Callable[[Iterable[tuple[str, ArticleDraft | UserError]], int], Iterator[Any]]


@dataclass(frozen=True)
class FeedInfo:
    """A subscribed feed as shown to users."""

    id: int
    url: str
    title: str
    entries_stored: int
    last_success_at: datetime | None
    last_error: UserError | None
    failures: int
    next_due_at: datetime


@dataclass(frozen=True)
class PollReport:
    """What one feed's poll did: entries newly stored, entries updated, or why it failed."""

    feed_id: int
    title: str
    new: int = 0
    updated: int = 0
    error: UserError | None = None


class FeedService:
    """Subscribe, list, unsubscribe and poll feeds over one library's repository and ingestion."""

    def __init__(self, repo: Repository, settings: Settings, add_articles: AddArticles) -> None:
        self.repo = repo
        self.settings = settings
        self.add_articles = add_articles

    def subscribe(self, url: str, added_by: str | None = None,
                  allow_hosts: frozenset[str] = frozenset()) -> FeedInfo | UserError:
        """Subscribe to a feed, or to the feed a web page names; nothing is stored unless it reads as a feed."""
        found = self._feed_at(url, allow_hosts)
        if isinstance(found, UserError):
            return found
        address, parsed = found
        feed = self.repo.add_feed(canonical_url(address) or address, parsed.title, added_by)
        if feed is None:
            return UserError("feed_exists", "this feed is already subscribed", url)
        return _info(feed)

    def _feed_at(self, url: str, allow_hosts: frozenset[str]) -> tuple[str, ParsedFeed] | UserError:
        """(feed address, feed) for a feed URL or a page whose `<link rel="alternate">` names a feed."""
        got = download_sync(url, self.settings, allow_hosts=allow_hosts)
        if isinstance(got, UserError):
            return got
        parsed = parse_feed(got.body, got.url)
        if isinstance(parsed, UserError) and parsed.code == "not_feed":
            for named in feed_links(got.body, got.url)[:1]:
                got = download_sync(named, self.settings, allow_hosts=allow_hosts)
                if isinstance(got, UserError):
                    return got
                parsed = parse_feed(got.body, got.url)
        return UserError(parsed.code, parsed.message, url) if isinstance(parsed, UserError) else (got.url, parsed)

    def list(self) -> list[FeedInfo]:
        """Every subscribed feed."""
        return [_info(feed) for feed in self.repo.feeds()]

    def unsubscribe(self, feed_id: int) -> bool:
        """Stop polling a feed (its articles stay); False if there was none."""
        return self.repo.remove_feed(feed_id)

    def poll_due(self, allow_hosts: frozenset[str] = frozenset(), now: datetime | None = None) -> list[PollReport]:
        """One round: poll every due feed no other process is polling; a feed's failure never stops the round."""
        now = now or datetime.now(timezone.utc)
        reports = []
        for feed in self.repo.claim_due_feeds(now, LEASE):
            try:
                reports.append(self._poll(feed, allow_hosts, now))
            except Exception:
                log.exception("polling feed %s failed", feed.id)
                reports.append(self._failed(feed, UserError("internal", "an internal error stopped the poll",
                                                            feed.url), now))
        return reports

    def _poll(self, feed: Feed, allow_hosts: frozenset[str], now: datetime) -> PollReport:
        """Download one feed conditionally and store its new (and changed full-text) entries."""
        got = download_sync(feed.url, self.settings, etag=feed.etag, last_modified=feed.last_modified,
                            allow_hosts=allow_hosts)
        if isinstance(got, UserError):
            return self._failed(feed, got, now)
        if got.not_modified:
            self._succeeded(feed, got, feed.title, now)
            return PollReport(feed.id, feed.title)
        parsed = parse_feed(got.body, got.url)
        if isinstance(parsed, UserError):
            return self._failed(feed, parsed, now)
        chosen = self._worth_storing(parsed.entries)
        results = list(self.add_articles(self._drafts(feed, parsed.title, chosen, allow_hosts), STORE_BATCH))
        new = sum(1 for r in results if r.status == "added")
        updated = sum(1 for r in results if r.status == "updated")
        self._succeeded(feed, got, parsed.title, now)
        return PollReport(feed.id, parsed.title, new, updated)

    def _worth_storing(self, entries: list[FeedEntry]) -> list[FeedEntry]:
        """Entries with a link not stored yet (at most FEED_MAX_NEW), then stored ones whose full text the feed
        carries, which replace their article if the text changed; summaries already stored are not fetched again."""
        linked = [(entry, link) for entry in entries if (link := canonical_url(entry.link))]
        stored = self.repo.stored_links([link for _, link in linked])
        limit = self.settings.feed_max_new
        fresh = [entry for entry, link in linked if link not in stored][:limit]
        known = [entry for entry, link in linked if link in stored and not entry.is_summary][:limit]
        return fresh + known

    def _drafts(self, feed: Feed, title: str, entries: list[FeedEntry],
                allow_hosts: frozenset[str]) -> Iterator[tuple[str, ArticleDraft | UserError]]:
        """Each entry as a draft (a summary fetched in full, keeping the entry's own title, author and date)."""
        for entry in entries:
            text, fetched = entry.text, None
            if entry.is_summary and entry.link:
                fetched = fetch_article_sync(entry.link, self.settings, allow_hosts=allow_hosts)
                if isinstance(fetched, ArticleDraft) and len(fetched.text) > len(text):
                    text = fetched.text
            if not text:
                yield entry.link or title, UserError("no_text", "the entry has no text", entry.link or title)
                continue
            full = fetched if isinstance(fetched, ArticleDraft) else None
            yield entry.link or title, ArticleDraft(
                text=text, title=entry.title or (full.title if full else ""), url=entry.link, source=title,
                author=entry.author or (full.author if full else None),
                published_at=entry.published_at or (full.published_at if full else None), added_by=_adder(feed))

    def _succeeded(self, feed: Feed, got: Download, title: str, now: datetime) -> None:
        """Record a good poll: new validators, health restored, entries recounted, next poll after the usual
        interval."""
        self.repo.finish_feed_poll(feed.id, {
            "etag": got.etag or feed.etag, "last_modified": got.last_modified or feed.last_modified,
            "title": title[:300], "last_success_at": now, "last_error": None, "last_error_code": None, "failures": 0,
            "next_due_at": now + timedelta(minutes=self.settings.feed_poll_minutes)}, _adder(feed))

    def _failed(self, feed: Feed, error: UserError, now: datetime) -> PollReport:
        """Record a failed poll and back off: the wait doubles with each failure in a row, up to a day."""
        failures = feed.failures + 1
        wait = min(timedelta(minutes=self.settings.feed_poll_minutes) * 2 ** min(failures, 20), MAX_BACKOFF)
        self.repo.finish_feed_poll(feed.id, {"last_error": error.message, "last_error_code": error.code,
                                             "failures": failures, "next_due_at": now + wait})
        log.info("feed %s failed (%d in a row): %s", feed.id, failures, error.message)
        return PollReport(feed.id, feed.title, error=error)


def _adder(feed: Feed) -> str:
    """How the articles of a feed record who added them (and so are counted)."""
    return f"feed:{feed.id}"


def _info(feed: Feed) -> FeedInfo:
    """A stored feed as shown to users."""
    error = UserError(feed.last_error_code or "failed", feed.last_error, feed.url) if feed.last_error else None
    return FeedInfo(feed.id, feed.url, feed.title, feed.entries_stored, feed.last_success_at, error, feed.failures,
                    feed.next_due_at)
