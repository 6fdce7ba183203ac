"""Multi-process index sync: this process's indexes catch up with what any process committed to the database,
on demand or from a background thread, and the change feed is pruned now and then."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from retrieval.indexes.store import Indexes
from retrieval.settings import Settings
from storage.repository import Repository

log = logging.getLogger(__name__)
PRUNE_EVERY_SECONDS = 3600.0


class IndexSync:
    """Keeps one process's indexes in step with the database's change feed; `on_change` hears of applied changes."""

    def __init__(self, indexes: Indexes, repo: Repository, settings: Settings, on_change: Callable[[], None]) -> None:
        self.indexes = indexes
        self.repo = repo
        self.settings = settings
        self.on_change = on_change
        self._last_sync = time.monotonic()
        self._last_prune = -PRUNE_EVERY_SECONDS
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        """Whether the background thread is syncing."""
        return self._thread is not None

    def sync(self) -> int:
        """Catch up with changes any process committed to the database; returns chunks added or removed."""
        applied = self.indexes.catch_up()
        self._last_sync = time.monotonic()
        self._prune_feed()
        if applied:
            self.on_change()
        return applied

    def _prune_feed(self) -> None:
        """Now and then, drop change-feed rows older than the retention; a process that far behind re-syncs in full."""
        if time.monotonic() - self._last_prune < PRUNE_EVERY_SECONDS:
            return
        self._last_prune = time.monotonic()
        cutoff = datetime.now(timezone.utc) - timedelta(days=self.settings.feed_retention_days)
        pruned = self.repo.prune_changes(cutoff)
        if pruned:
            log.info("pruned %d change-feed rows older than %s", pruned, cutoff.isoformat(timespec="seconds"))

    def sync_if_stale(self, max_age_seconds: float | None = None) -> int:
        """Sync if the last sync is older than `max_age_seconds` (default: the sync interval); cheap otherwise."""
        limit = self.settings.sync_interval_seconds if max_age_seconds is None else max_age_seconds
        return self.sync() if time.monotonic() - self._last_sync >= limit else 0

    def start(self, interval_seconds: float | None = None) -> None:
        """Sync every `interval_seconds` (default: the sync interval setting) in a background thread."""
        if self._thread is not None:
            return
        interval = self.settings.sync_interval_seconds if interval_seconds is None else interval_seconds
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, args=(interval,), name="tanya-sync", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the background sync thread, if running, and wait for it."""
        thread, self._thread = self._thread, None
        if thread is not None:
            self._stop.set()
            thread.join()

    def _loop(self, interval: float) -> None:
        """Sync until stopped; a failed round (say, the database restarting) is logged and retried."""
        while not self._stop.wait(interval):
            try:
                self.sync()
            except Exception:
                log.exception("index sync failed; retrying in %.0f s", interval)
