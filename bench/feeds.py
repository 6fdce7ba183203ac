"""Feed polling figures (issue 13): what a round over 100 unchanged feeds costs in time and bytes on the wire, and how
long a round of 50 new full-text entries takes until every one is answerable.

Feeds are served by a real HTTP server on 127.0.0.1 (bench/feed_site.py, shared with the tests) that counts every
byte it writes; each library lives in its own folder under the bench work folder and may fetch from loopback.
"""

from __future__ import annotations

import shutil
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from xml.sax.saxutils import escape

from bench import synthetic
from retrieval.embedding.hashing import HashEmbedder
from retrieval.feeds.parsing import FULL_TEXT_WORDS
from bench.feed_site import FeedRoute, long_text, rss
from bench.web import Handler, LocalSite

UNCHANGED_FEEDS = 100
ENTRIES_PER_FEED = 3
NEW_ENTRIES = 50
TITLE_WORDS = 12
ASK_PASSES = 3


class _CountingWriter:
    """A response stream that adds every byte written through it (status line, headers, body) to its meter."""

    def __init__(self, stream, meter: ByteMeter) -> None:
        self.stream, self.meter = stream, meter

    def write(self, data: bytes) -> int:
        """Write and count."""
        self.meter.add(len(data))
        return self.stream.write(data)

    def __getattr__(self, name: str):
        """Everything else (flush, closed…) as the real stream has it."""
        return getattr(self.stream, name)


class ByteMeter:
    """Counts the response bytes a server's routes write, across its threads."""

    def __init__(self) -> None:
        self.bytes = 0
        self._lock = threading.Lock()

    def add(self, count: int) -> None:
        """Add `count` bytes written."""
        with self._lock:
            self.bytes += count

    def counted(self, route: Handler) -> Handler:
        """The route with its whole response (headers and body) counted."""

        def handle(handler) -> None:
            """Serve through a counting stream."""
            handler.wfile = _CountingWriter(handler.wfile, self)
            route(handler)

        return handle


def _settings(settings, folder: Path):
    """Bench settings for a feed library in `folder`: its own SQLite file, loopback allowed, room for 50 entries."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return settings.model_copy(update={"data_dir": folder, "database_url": None, "fetch_allow_private": True,
                                       "feed_max_new": max(NEW_ENTRIES, settings.feed_max_new)})


def bench_unchanged(work: Path, settings) -> dict:
    """Subscribe 100 feeds, store them in a first round, then time a second round where every feed is unchanged.

    The second round is the figure: its wall time, the response bytes the server wrote and how many feeds answered
    304. The texts embedded in the first round do not matter here, so it uses the hashing embedder.
    """
    from retrieval.library import Library

    settings = _settings(settings, work / "feeds" / "unchanged")
    meter = ByteMeter()
    with LocalSite() as site, Library(settings, HashEmbedder()) as library:
        routes = []
        for n in range(UNCHANGED_FEEDS):
            items = [{"link": site.url(f"/f{n}/a{i}"), "title": f"Kabar {n}-{i}",
                      "content": long_text(f"Laporan {i} dari kanal {n}")} for i in range(ENTRIES_PER_FEED)]
            routes.append(FeedRoute(rss(f"Kanal {n}", items), etag=f'"f{n}-v1"'))
            site.routes[f"/f{n}"] = meter.counted(routes[-1])
            library.feeds.subscribe(site.url(f"/f{n}"))
        now = datetime.now(timezone.utc)
        first = library.feeds.poll_due(now=now)
        before = meter.bytes
        started = time.perf_counter()
        second = library.feeds.poll_due(now=now + timedelta(minutes=settings.feed_poll_minutes + 1))
        seconds = time.perf_counter() - started
        stored = library.stats().articles
    return {"feeds": UNCHANGED_FEEDS, "entries_stored_first_round": stored,
            "first_round_new": sum(r.new for r in first), "second_round_s": seconds,
            "second_round_bytes": meter.bytes - before, "polled": len(second),
            "not_modified": sum(route.not_modified for route in routes),
            "errors": sum(1 for r in second if r.error), "new_in_second_round": sum(r.new for r in second)}


def new_entries(count: int) -> list[dict[str, str]]:
    """`count` real full-text passages of the evaluation corpora (deterministic, distinct), each titled by its first
    words, as feed items."""
    items, titles = [], set()
    for record in synthetic.real_articles():
        words = record["text"].split()
        title = " ".join(words[:TITLE_WORDS]).rstrip(",.;:")
        if len(words) < FULL_TEXT_WORDS or title in titles:
            continue
        titles.add(title)
        items.append({"title": title, "content": escape(record["text"])})
        if len(items) == count:
            break
    return items


def bench_new_round(work: Path, settings, embedder) -> dict:
    """Poll one feed carrying 50 new full-text entries with the real embedder; time the poll and, from its start,
    until each entry's title asked through `library.ask` returns that entry at rank 1."""
    from retrieval.library import Library

    settings = _settings(settings, work / "feeds" / "new-round")
    items = new_entries(NEW_ENTRIES)
    embedder.passages(["warm up"] * 4)
    with LocalSite() as site, Library(settings, embedder) as library:
        for n, item in enumerate(items):
            item["link"] = site.url(f"/berita/{n}")
        feed = [{**item, "title": escape(item["title"])} for item in items]
        site.routes["/feed"] = FeedRoute(rss("Kanal Baru", feed))
        library.feeds.subscribe(site.url("/feed"))
        started = time.perf_counter()
        report = library.feeds.poll_due()[0]
        poll_s = time.perf_counter() - started
        waiting = {item["title"]: item["link"] for item in items}
        asks = []
        for _ in range(ASK_PASSES):
            for title, link in list(waiting.items()):
                asked = time.perf_counter()
                answer = library.ask(title)
                asks.append(time.perf_counter() - asked)
                if answer.passages and answer.passages[0].article.url == link:
                    del waiting[title]
            if not waiting:
                break
        answerable_s = time.perf_counter() - started if not waiting else None
    return {"entries": len(items), "new": report.new, "error": report.error.message if report.error else None,
            "embedder": embedder.name, "poll_s": poll_s, "all_answerable_s": answerable_s,
            "answerable": len(items) - len(waiting), "not_rank_1": sorted(waiting), "asks": len(asks),
            "ask_mean_ms": sum(asks) / len(asks) * 1000 if asks else None}


def run(work: Path, settings, embedder) -> dict:
    """Both feed figures."""
    return {"unchanged": bench_unchanged(work, settings), "new_round": bench_new_round(work, settings, embedder)}
