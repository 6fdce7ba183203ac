"""A feed round killed with SIGKILL loses nothing and stores nothing twice: the next round (once the dead round's
lease has run out) stores exactly the entries still missing."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import create_engine, text

from retrieval.embedding.hashing import HashEmbedder
from retrieval.library import Library
from retrieval.settings import Settings
from storage.database import integrity_ok
from bench.feed_site import FeedRoute, rss
from bench.web import LocalSite, respond

DRIVER = Path(__file__).with_name("feed_crash_driver.py")
ENTRIES = 24
NOW = datetime(2030, 1, 1, 12, 0, tzinfo=timezone.utc)


def slow_page(n: int):
    """An article page that takes a moment to answer, so a round lasts long enough to be killed in the middle."""
    body = (f"<html><head><title>Berita {n}</title></head><body><article><h1>Berita {n}</h1><p>"
            + f"Berita nomor {n} tentang jembatan desa yang diperbaiki warga secara gotong royong. " * 30
            + "</p></article></body></html>").encode()

    def handle(handler) -> None:
        """Answer after a pause."""
        time.sleep(0.15)
        respond(handler, 200, "text/html", body)

    return handle


def stored_count(data_dir: Path) -> int:
    """Articles committed so far, read straight from the database file."""
    engine = create_engine(f"sqlite:///{data_dir / 'tanya.db'}")
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT count(*) FROM articles")).scalar() or 0
    except Exception:
        return 0
    finally:
        engine.dispose()


def run_driver(data_dir: Path, now: datetime, kill_after: int | None) -> subprocess.Popen:
    """Start a round in a separate process; with `kill_after`, SIGKILL it once that many articles are committed."""
    env = {**os.environ, "PYTHONPATH": str(DRIVER.parent.parent)}
    process = subprocess.Popen([sys.executable, str(DRIVER), "--data-dir", str(data_dir), "--now", now.isoformat()],
                               stdout=subprocess.PIPE, text=True, env=env)
    if kill_after is not None:
        deadline = time.monotonic() + 120
        while stored_count(data_dir) < kill_after:
            assert process.poll() is None and time.monotonic() < deadline, "the round ended before the kill"
            time.sleep(0.02)
        process.kill()
    process.wait(timeout=120)
    return process


def test_a_round_killed_midway_is_finished_by_the_next_without_storing_an_entry_twice(tmp_path):
    data_dir = tmp_path / "data"
    settings = Settings(data_dir=data_dir, fetch_allow_private=True, _env_file=None)
    with LocalSite() as site:
        for n in range(ENTRIES):
            site.routes[f"/p/{n}"] = slow_page(n)
        site.routes["/rss"] = FeedRoute(rss("Desa", [{"link": site.url(f"/p/{n}"), "title": f"Berita {n}",
                                                      "summary": f"Ringkasan berita {n}."} for n in range(ENTRIES)]))
        with Library(settings, HashEmbedder()) as library:
            library.feeds.subscribe(site.url("/rss"))
        killed = run_driver(data_dir, NOW, kill_after=1)
        before_restart = stored_count(data_dir)
        blocked = run_driver(data_dir, NOW + timedelta(minutes=5), kill_after=None)
        finished = run_driver(data_dir, NOW + timedelta(minutes=31), kill_after=None)
    assert killed.returncode == -9 and 0 < before_restart < ENTRIES
    assert blocked.stdout.read().split() == ["ready", "done", "0"]
    assert finished.stdout.read().split() == ["ready", "done", str(ENTRIES - before_restart)]
    with Library(settings, HashEmbedder()) as library:
        titles = sorted(info.title for info in library.list(limit=100))
        assert titles == sorted(f"Berita {n}" for n in range(ENTRIES))
        assert library.feeds.list()[0].entries_stored == ENTRIES
        assert set(library.indexes.vectors.ids()) == set(library.repo.chunk_ids())
        assert integrity_ok(library.engine)
