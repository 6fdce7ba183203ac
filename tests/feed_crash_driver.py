"""Feed crash-test driver: open the library on a data directory and run one feed round, as `tanya feeds poll`.

Run as a script by tests/test_feeds_crash.py, which SIGKILLs it mid-round:

    python tests/feed_crash_driver.py --data-dir DIR --now ISO-TIME

It prints `ready` once the library is open and `done <new>` after the round.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def main() -> None:
    """Poll the due feeds once at the given time."""
    from retrieval.embedding.hashing import HashEmbedder
    from retrieval.library import Library
    from retrieval.settings import Settings

    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--now", required=True)
    args = parser.parse_args()
    settings = Settings(data_dir=Path(args.data_dir), fetch_allow_private=True, _env_file=None)
    with Library(settings, HashEmbedder()) as library:
        print("ready", flush=True)
        reports = library.feeds.poll_due(now=datetime.fromisoformat(args.now))
        print("done", sum(report.new for report in reports), flush=True)


if __name__ == "__main__":
    main()
