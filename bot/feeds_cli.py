"""`tanya feeds add|list|remove|poll`: the feed commands of the command line, over the library's feed service."""

from __future__ import annotations

import argparse
import json
import sys
import time

from bot.cli import open_library
from bot.messages import clock
from retrieval.feeds.service import FeedInfo
from retrieval.ingest.documents import UserError
from retrieval.settings import Settings


def add(args: argparse.Namespace, settings: Settings) -> int:
    """Subscribe to a feed, or to the feed a site page names."""
    with open_library(settings) as library:
        feed = library.feeds.subscribe(args.url, added_by="cli")
    if isinstance(feed, UserError):
        print(f"tanya: {feed}", file=sys.stderr)
        return 1
    print(f"feed {feed.id}: {feed.title} ({feed.url})")
    return 0


def list_feeds(args: argparse.Namespace, settings: Settings) -> int:
    """Every feed with its articles stored, last success and last error."""
    with open_library(settings) as library:
        feeds = library.feeds.list()
    for feed in feeds:
        print(json.dumps(_record(feed), ensure_ascii=False) if args.json else _line(feed, settings.timezone))
    return 0


def remove(args: argparse.Namespace, settings: Settings) -> int:
    """Unsubscribe from a feed; its articles stay."""
    with open_library(settings) as library:
        removed = library.feeds.unsubscribe(args.id)
    print(f"removed feed {args.id}" if removed else f"tanya: no feed {args.id}",
          file=sys.stdout if removed else sys.stderr)
    return 0 if removed else 1


def poll(args: argparse.Namespace, settings: Settings) -> int:
    """One round over the due feeds (exit 1 only if every feed polled failed), or rounds every --every minutes."""
    with open_library(settings) as library:
        while True:
            reports = library.feeds.poll_due()
            for report in reports:
                if report.error:
                    print(f"feed {report.feed_id}: failed: {report.error.message}", file=sys.stderr)
                else:
                    print(f"feed {report.feed_id}: {report.new} new, {report.updated} updated", flush=True)
            if args.every is None:
                return 1 if reports and all(report.error for report in reports) else 0
            time.sleep(args.every * 60)


def _record(feed: FeedInfo) -> dict[str, object]:
    """A feed as a JSON object."""
    return {"id": feed.id, "url": feed.url, "title": feed.title, "entries_stored": feed.entries_stored,
            "last_success_at": feed.last_success_at.isoformat() if feed.last_success_at else None,
            "last_error": feed.last_error.message if feed.last_error else None, "failures": feed.failures,
            "next_due_at": feed.next_due_at.isoformat()}


def _line(feed: FeedInfo, zone: str) -> str:
    """A feed as one line of text, its last success on the readers' clock (`zone`) as in the bot's /feeds."""
    last = clock(feed.last_success_at, zone, "en")
    error = f"; last error: {feed.last_error.message}" if feed.last_error else ""
    return f"{feed.id}\t{feed.title}\t{feed.entries_stored} articles, last success {last}{error}\t{feed.url}"
