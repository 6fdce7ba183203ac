"""Feeds: RSS 2.0, RSS 1.0 and Atom polled into articles with conditional requests, bounded rounds, back-off on
failure, a lease so two processes never poll one feed at once, and bad input refused with nothing stored."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone

import pytest

from retrieval.library import Library
from tests.conftest import second_process_library
from bench.feed_site import FeedRoute, atom, failing, long_text, rdf, rss
from bench.web import LocalSite, page, redirect

NOW = datetime(2030, 1, 1, 12, 0, tzinfo=timezone.utc)
ARTICLE_PAGE = (b"<html><head><title>Banjir Bandung</title></head><body><article><h1>Banjir Bandung meluas</h1><p>"
                + long_text("Banjir di Bandung meluas ke enam kecamatan").encode() + b"</p></article></body></html>")


@pytest.fixture
def site():
    """A local web server for feeds and pages."""
    with LocalSite() as served:
        yield served


@pytest.fixture
def feed_library(settings, hash_embedder):
    """A library that may fetch from 127.0.0.1, with a 10-minute poll interval."""
    with Library(settings.model_copy(update={"fetch_allow_private": True, "feed_poll_minutes": 10}),
                 hash_embedder) as opened:
        yield opened


def test_an_rss_feed_is_stored_once_and_an_unchanged_feed_costs_one_304(site, feed_library):
    route = FeedRoute(rss("Kabar Bandung", [
        {"link": f"{site.url('/a/1')}?utm_source=rss", "title": "Banjir Dayeuhkolot", "author": "Rina",
         "date": "Mon, 30 Nov 2026 10:00:00 +0700", "content": long_text("Banjir merendam Dayeuhkolot")},
        {"link": site.url("/a/2"), "title": "Dapur umum", "date": "Mon, 30 Nov 2026 11:00:00 +0700",
         "content": long_text("Dapur umum didirikan")}]))
    site.routes["/feed"] = route
    feed = feed_library.feeds.subscribe(site.url("/feed"))
    first = feed_library.feeds.poll_due(now=NOW)
    downloads = route.full
    again = feed_library.feeds.poll_due(now=NOW + timedelta(minutes=11))
    assert [(r.new, r.updated, r.error) for r in first] == [(2, 0, None)]
    assert [(r.new, r.updated, r.error) for r in again] == [(0, 0, None)]
    assert (route.full, route.not_modified) == (downloads, 1)
    stored = {info.title: info for info in feed_library.list()}
    assert stored["Banjir Dayeuhkolot"].source == "Kabar Bandung" and stored["Banjir Dayeuhkolot"].author == "Rina"
    assert stored["Banjir Dayeuhkolot"].published_at == datetime(2026, 11, 30, 10, 0)  # as the feed gives it, WIB
    listed = feed_library.feeds.list()[0]
    assert (listed.id, listed.title, listed.entries_stored, listed.last_error) == (feed.id, "Kabar Bandung", 2, None)


def test_summaries_are_fetched_in_full_keeping_the_entrys_title_author_and_date(site, feed_library):
    site.routes["/berita/banjir"] = page("text/html", ARTICLE_PAGE)
    site.routes["/rdf"] = FeedRoute(rdf("Kanal RDF", [
        {"link": site.url("/berita/banjir"), "title": "Banjir meluas", "summary": "Banjir meluas ke enam kecamatan.",
         "date": "2026-11-30T08:00:00Z", "author": "Dedi"}]), "application/rdf+xml")
    feed_library.feeds.subscribe(site.url("/rdf"))
    assert [r.new for r in feed_library.feeds.poll_due(now=NOW)] == [1]
    stored = feed_library.get(feed_library.list()[0].id)
    assert (stored.title, stored.author, stored.url) == ("Banjir meluas", "Dedi", site.url("/berita/banjir"))
    assert stored.published_at == datetime(2026, 11, 30, 15, 0) and "Petugas gabungan" in stored.text  # 08:00Z, WIB


def test_an_edited_atom_entry_replaces_its_article(site, feed_library):
    entry = {"link": site.url("/atom/1"), "title": "Jembatan putus", "date": "2026-11-30T08:00:00Z",
             "content": long_text("Jembatan Citarum putus diterjang arus")}
    route = FeedRoute(atom("Atom Kabar", [entry]), "application/atom+xml")
    site.routes["/atom"] = route
    feed_library.feeds.subscribe(site.url("/atom"))
    feed_library.feeds.poll_due(now=NOW)
    route.update(atom("Atom Kabar", [dict(entry, content=long_text("Jembatan Citarum putus, dua warga hilang"))]),
                 '"v2"')
    edited = feed_library.feeds.poll_due(now=NOW + timedelta(minutes=11))
    assert [(r.new, r.updated) for r in edited] == [(0, 1)]
    assert feed_library.stats().articles == 1 and "dua warga hilang" in feed_library.get(1).text


def test_a_huge_feed_stores_at_most_the_new_entry_limit_per_round(site, settings, hash_embedder):
    items = [{"link": site.url(f"/n/{n}"), "title": f"Kabar {n}", "summary": f"Kabar pendek nomor {n} dari desa {n}."}
             for n in range(10_000)]
    site.routes["/huge"] = FeedRoute(rss("Banyak", items))
    limited = settings.model_copy(update={"fetch_allow_private": True, "feed_max_new": 5, "feed_poll_minutes": 10})
    with Library(limited, hash_embedder) as library:
        library.feeds.subscribe(site.url("/huge"))
        started = time.monotonic()
        first = library.feeds.poll_due(now=NOW)[0].new
        took = time.monotonic() - started
        site.routes["/huge"].etag = '"v2"'
        second = library.feeds.poll_due(now=NOW + timedelta(minutes=11))[0].new
        assert (first, second) == (5, 5) and library.stats().articles == 10
        assert sorted(info.title for info in library.list()) == [f"Kabar {n}" for n in range(10)]
        assert took < 60


def test_a_failing_feed_backs_off_doubling_and_says_why(site, feed_library):
    site.routes["/feed"] = FeedRoute(rss("Sementara", []))
    feed_library.feeds.subscribe(site.url("/feed"))
    site.routes["/feed"] = failing(503)
    first = feed_library.feeds.poll_due(now=NOW)
    early = feed_library.feeds.poll_due(now=NOW + timedelta(minutes=19))
    second = feed_library.feeds.poll_due(now=NOW + timedelta(minutes=21))
    listed = feed_library.feeds.list()[0]
    assert [r.error.code for r in first] == ["http_error"] and early == [] and len(second) == 1
    assert listed.failures == 2 and listed.next_due_at == (NOW + timedelta(minutes=21 + 40)).replace(tzinfo=None)
    assert "503" in listed.last_error.message
    site.routes["/feed"] = FeedRoute(rss("Pulih", []))
    feed_library.feeds.poll_due(now=NOW + timedelta(days=1))
    assert (feed_library.feeds.list()[0].failures, feed_library.feeds.list()[0].last_error) == (0, None)


def test_two_processes_never_poll_one_feed_at_once_nor_store_an_entry_twice(site, settings, hash_embedder, tmp_path):
    route = FeedRoute(rss("Bersama", [{"link": site.url(f"/b/{n}"), "title": f"Berita {n}",
                                       "content": long_text(f"Berita bersama nomor {n}")} for n in range(3)]))

    def slow(handler) -> None:
        """Answer after a pause, so both processes are polling at once."""
        time.sleep(0.5)
        route(handler)

    site.routes["/feed"] = slow
    allowed = settings.model_copy(update={"fetch_allow_private": True})
    first = Library(allowed, hash_embedder)
    second = second_process_library(allowed, hash_embedder, tmp_path / "second")
    try:
        first.feeds.subscribe(site.url("/feed"))
        subscribed = route.full
        reports: list = []
        threads = [threading.Thread(target=lambda lib=lib: reports.extend(lib.feeds.poll_due(now=NOW)))
                   for lib in (first, second)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert [r.new for r in reports] == [3] and route.full == subscribed + 1
        assert first.stats().articles == 3 and first.feeds.list()[0].entries_stored == 3
    finally:
        second.close()
        first.close()


def test_bad_feed_addresses_are_refused_in_one_line_and_nothing_is_stored(site, settings, hash_embedder):
    site.routes["/page"] = page("text/html", b"<html><head><title>Beranda</title></head><body>Halo</body></html>")
    site.routes["/broken"] = page("application/rss+xml", b'<?xml version="1.0"?><rss version="2.0"><channel>'
                                  b"<title>Rusak</title><item><title>a</title></channel>")
    site.routes["/private"] = redirect(site.url("/feed", host="localhost"))
    guarded = settings.model_copy(update={"fetch_allow_private": False})
    with Library(guarded, hash_embedder) as library:
        allow = frozenset({"127.0.0.1"})
        refused = {path: library.feeds.subscribe(site.url(path), allow_hosts=allow)
                   for path in ("/page", "/broken", "/private")}
        refused["unreachable"] = library.feeds.subscribe("http://feeds.invalid/rss", allow_hosts=allow)
        assert {key: error.code for key, error in refused.items()} == {
            "/page": "not_feed", "/broken": "broken_feed", "/private": "forbidden_address",
            "unreachable": "unreachable"}
        assert all("\n" not in str(error) for error in refused.values())
        assert library.feeds.list() == [] and library.stats().articles == 0


def test_a_site_page_naming_its_feed_subscribes_to_that_feed(site, feed_library):
    site.routes["/rss.xml"] = FeedRoute(rss("Situs Berita", []))
    site.routes["/"] = page("text/html", b'<html><head><link rel="alternate" type="application/rss+xml" '
                                         b'href="/rss.xml"></head><body>Beranda</body></html>')
    feed = feed_library.feeds.subscribe(site.url("/"))
    assert (feed.title, feed.url) == ("Situs Berita", site.url("/rss.xml"))
    assert feed_library.feeds.subscribe(site.url("/rss.xml")).code == "feed_exists"
