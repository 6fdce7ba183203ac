"""`tanya feeds add|list|remove|poll` on a local feed server."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from bot import cli
from retrieval.embedding.embedder import Embedder
from bench.feed_site import FeedRoute, failing, long_text, rss
from bench.web import LocalSite, page


@pytest.fixture
def tanya(settings, hash_embedder, monkeypatch, capsys):
    """Run `tanya ...` in-process (links on 127.0.0.1 allowed); returns (exit code, stdout, stderr)."""
    monkeypatch.setattr(Embedder, "from_settings", staticmethod(lambda *a, **k: hash_embedder))
    monkeypatch.setenv("FETCH_ALLOW_PRIVATE", "true")

    def run(*argv: str) -> tuple[int, str, str]:
        code = cli.main(["--data-dir", str(settings.data_dir), *argv])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_feeds_are_added_polled_listed_and_removed_from_the_command_line(tanya):
    with LocalSite() as site:
        site.routes["/rss"] = FeedRoute(rss("Kabar Lokal", [
            {"link": site.url(f"/k/{n}"), "title": f"Kabar {n}", "content": long_text(f"Kabar lokal nomor {n}")}
            for n in range(2)]))
        site.routes["/mati"] = FeedRoute(rss("Segera Mati", []))
        site.routes["/beranda"] = page("text/html", b"<html><body>Beranda tanpa feed</body></html>")
        tanya("feeds", "add", site.url("/mati"))
        site.routes["/mati"] = failing(500)
        all_failing = tanya("feeds", "poll")
        added = tanya("feeds", "add", site.url("/rss"))
        not_feed = tanya("feeds", "add", site.url("/beranda"))
        polled = tanya("feeds", "poll")
        listed = tanya("feeds", "list", "--json")
        removed = tanya("feeds", "remove", "2")
        missing = tanya("feeds", "remove", "9")
    assert all_failing[:2] == (1, "") and "feed 1: failed: the site answered with HTTP status 500" in all_failing[2]
    assert added == (0, f"feed 2: Kabar Lokal ({site.url('/rss')})\n", "")
    assert not_feed[0] == 1 and not_feed[2].count("\n") == 1 and "not an RSS or Atom feed" in not_feed[2]
    assert polled == (0, "feed 2: 2 new, 0 updated\n", "")
    records = [json.loads(line) for line in listed[1].splitlines()]
    assert [(r["id"], r["entries_stored"], r["last_error"]) for r in records] == [
        (1, 0, "the site answered with HTTP status 500"), (2, 2, None)]
    assert removed[:2] == (0, "removed feed 2\n") and missing[0] == 1


def test_poll_every_keeps_polling_until_interrupted(tanya, monkeypatch):
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        """Let two rounds run, then stop as Ctrl-C would."""
        waits.append(seconds)
        if len(waits) == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr("bot.feeds_cli.time.sleep", sleep)
    with LocalSite() as site:
        site.routes["/rss"] = FeedRoute(rss("Kabar Lokal", [
            {"link": site.url("/k/1"), "title": "Kabar", "content": long_text("Kabar lokal")}]))
        tanya("feeds", "add", site.url("/rss"))
        code, out, _ = tanya("feeds", "poll", "--every", "0.5")
    assert code == 130 and out == "feed 1: 1 new, 0 updated\n" and waits == [30.0, 30.0]


def test_feeds_list_tells_the_last_success_on_the_readers_clock(tanya):
    """The stored UTC time of the last poll is shown in TIMEZONE (Asia/Jakarta by default), as the bot's /feeds
    shows it: a poll at 20:00 UTC is at 03:00 the next day in Jakarta."""
    with LocalSite() as site:
        site.routes["/rss"] = FeedRoute(rss("Kabar Lokal", [
            {"link": site.url("/k/1"), "title": "Kabar 1", "content": long_text("Kabar lokal nomor satu")}]))
        tanya("feeds", "add", site.url("/rss"))
        tanya("feeds", "poll")
        utc = json.loads(tanya("feeds", "list", "--json")[1])["last_success_at"]
        listed = tanya("feeds", "list")[1]
    jakarta = (datetime.fromisoformat(utc) + timedelta(hours=7)).strftime("%Y-%m-%d %H:%M")
    assert f"last success {jakarta}" in listed
