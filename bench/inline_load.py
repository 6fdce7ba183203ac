"""Inline-mode load test: questions "typed" word by word into the real Application over the fake Bot API, timing
each inline query from its update to the bot's answerInlineQuery.

    PYTHONPATH=. python -m bench.inline_load [EVAL_DIR] [QUESTIONS]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from bot.settings import BotSettings
from bot.telegram_app import build_application
from retrieval.embedding.embedder import Embedder
from retrieval.evaluation.data import load_corpora, load_questions
from retrieval.evaluation.runner import build_library
from retrieval.settings import Settings
from tests.fake_telegram import FakeTelegram, run_application

TYPING_GAP = 0.15
"""Seconds between two words typed."""


def main(argv: list[str]) -> int:
    """Print p50/p95 seconds from an inline query's update to its answer, over every prefix typed."""
    folder = Path(argv[0]) if argv else Path("/work/shared/eval")
    count = int(argv[1]) if len(argv) > 1 else 30
    settings = Settings(data_dir=Path(tempfile.mkdtemp()), _env_file=None)
    embedder = Embedder.from_settings(settings, vector_cache=Path("/tmp/eval-cache.sqlite"))
    docs = [("facqa-id", d) for d in load_corpora(folder)["facqa-id"]]
    questions = [q.question for q in load_questions(folder)["facqa-id"][:count]]
    library = build_library(Path(tempfile.mkdtemp()), embedder, docs, settings)
    waits: list[float] = []
    with FakeTelegram() as tg:
        bot = BotSettings(_env_file=None, telegram_bot_token=tg.token, telegram_base_url=tg.base_url,
                          telegram_base_file_url=tg.base_file_url)
        with run_application(build_application(bot, library)):
            for number, question in enumerate(questions):
                words = question.split()
                for end in range(1, len(words) + 1):
                    started = time.perf_counter()
                    tg.inline_answer(tg.inline_query(1000 + number, " ".join(words[:end])))
                    waits.append(time.perf_counter() - started)
                    time.sleep(TYPING_GAP)
    library.close()
    waits.sort()
    print(f"{len(waits)} inline queries from {len(questions)} typed questions: "
          f"p50 {waits[len(waits) // 2]:.3f} s, p95 {waits[int(len(waits) * 0.95)]:.3f} s, max {waits[-1]:.3f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
