"""The `tanya` command line: a thin shell over the Library service."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections import Counter
from collections.abc import Callable
from datetime import date
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from bot.messages import text
from bot.render_text import render_answer, render_article_line, render_timeline
from retrieval.ingest.documents import UserError
from retrieval.ingest.readers import bounded_lines, decode_json_line, read_paths, validation_reason
from retrieval.settings import Settings

log = logging.getLogger("tanya")
INGEST_BATCH = 32
MAX_QUESTION_LINE_CHARS = 100_000


def engine_settings(args: argparse.Namespace) -> Settings:
    """Settings from the environment and `.env`, with `--data-dir` taking precedence."""
    overrides = {"data_dir": Path(args.data_dir)} if getattr(args, "data_dir", None) else {}
    return Settings(**overrides)


def open_library(settings: Settings, **kwargs):
    """Open the library, turning a model mismatch into a one-line error."""
    from retrieval.indexes.store import StaleEmbeddings
    from retrieval.library import Library
    from retrieval.indexes.vectors import ModelMismatch

    try:
        return Library(settings, **kwargs)
    except (ModelMismatch, StaleEmbeddings) as error:
        raise SystemExit(f"tanya: {error}") from None


def cmd_ingest(args: argparse.Namespace) -> int:
    """Ingest files, folders, links or JSON lines and print a summary.

    Articles are committed and reported INGEST_BATCH at a time, so stopping a long import loses at most that
    many articles' embedding work.
    """
    from tqdm import tqdm

    settings = engine_settings(args)
    library = open_library(settings)
    tally: Counter[str] = Counter()
    failures: list[UserError] = []
    items = ((name, _with_added_by(draft, args.added_by)) for name, draft in read_paths(args.paths, settings, sys.stdin))
    bar = tqdm(desc="ingesting", unit=" article", disable=args.quiet or not sys.stderr.isatty(), file=sys.stderr)
    with library:
        for result in library.add_articles(items, batch_size=INGEST_BATCH):
            tally[result.status] += 1
            bar.update()
            if result.error:
                failures.append(result.error)
            elif args.verbose:
                print(f"{result.status}: #{result.article_id} {result.title} ({result.chunks} chunks)")
    bar.close()
    for error in failures:
        print(f"failed: {error}", file=sys.stderr)
    updated = f", updated {tally['updated']}" if tally["updated"] else ""
    print(f"added {tally['added']}{updated}, duplicate {tally['duplicate']}, failed {tally['failed']}")
    return 1 if failures else 0


def _with_added_by(draft, added_by: str | None):
    """Record who added the article, when given."""
    if added_by and not isinstance(draft, UserError):
        draft.added_by = added_by
    return draft


def cmd_ask(args: argparse.Namespace) -> int:
    """Answer one question, or JSON lines / plain lines of questions from stdin."""
    from retrieval.answer import Answer
    from retrieval.ranking.followup import turn_of

    library = open_library(engine_settings(args))
    options = {"top_k": args.top_k, "per_article": args.per_article, "mode": args.mode, "since": args.since,
               "until": args.until}

    def shown(answer: Answer, color: bool) -> str:
        """One answer as a JSON line or as text for the terminal."""
        return (json.dumps(answer.as_dict(), ensure_ascii=False) if args.json
                else render_answer(answer, color, library.settings.excerpt_chars))

    with library:
        if args.question != "-":
            print(shown(library.ask(args.question, **options), sys.stdout.isatty()))
            return 0
        histories: dict[str, list] = {}
        failed = 0
        for number, line in bounded_lines(sys.stdin, MAX_QUESTION_LINE_CHARS):
            parsed = _parse_question_line(line, MAX_QUESTION_LINE_CHARS)
            if parsed is None:
                continue
            if isinstance(parsed, UserError):
                failed += 1
                _report_bad_line(number, parsed, args.json)
                continue
            question, conversation = parsed
            history = histories.setdefault(conversation, []) if conversation else None
            answer = library.ask(question, history=history, **options)
            if history is not None:
                history.append(turn_of(question, answer))
            print(shown(answer, False), flush=True)
    return 1 if failed else 0


class QuestionLine(BaseModel):
    """A stdin line given as JSON: the question and, optionally, the conversation it continues."""

    model_config = ConfigDict(coerce_numbers_to_str=True, extra="ignore")

    question: str
    conversation: str | None = None


def _parse_question_line(line: str | None, max_chars: int) -> tuple[str, str | None] | UserError | None:
    """A stdin line is either a JSON object {"question", "conversation"} or the question itself; None for a blank
    line, a UserError for a line that is too long or a JSON object that is not a question."""
    if line is None:
        return UserError("too_large", f"the line is longer than {max_chars:,} characters")
    line = line.strip()
    if not line.startswith("{"):
        return (line, None) if line else None
    try:
        record = QuestionLine.model_validate(decode_json_line(line))
    except ValidationError as error:
        return UserError("malformed", validation_reason(error))
    except ValueError as error:
        return UserError("malformed", str(error))
    if not record.question.strip():
        return UserError("no_question", "the line has no question")
    return record.question.strip(), record.conversation


def _report_bad_line(number: int, error: UserError, as_json: bool) -> None:
    """Say why a stdin line was not asked: a JSON error object in --json mode, else a line on stderr."""
    if as_json:
        print(json.dumps({"line": number, "error": {"code": error.code, "message": error.message}}), flush=True)
    else:
        print(f"tanya: line {number}: {error.message}", file=sys.stderr, flush=True)


def cmd_latest(args: argparse.Namespace) -> int:
    """List the newest stored articles, on a topic when one is given."""
    with open_library(engine_settings(args)) as library:
        found = library.latest(" ".join(args.topic) or None, args.offset, args.limit)
    for info in found:
        print(render_article_line(info, library.settings.timezone))
    if not found:
        print(text("en", "latest_none"))
    return 0


def cmd_timeline(args: argparse.Namespace) -> int:
    """The key sentences about a topic across articles, oldest first."""
    with open_library(engine_settings(args)) as library:
        answer = library.timeline(" ".join(args.topic), args.limit)
        print(render_timeline(answer) if answer.passages else text("en", "timeline_none"))
    return 0


def _day(value: str) -> date:
    """A YYYY-MM-DD day given on the command line."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value}") from None


def cmd_articles(args: argparse.Namespace) -> int:
    """List stored articles, newest first."""
    with open_library(engine_settings(args)) as library:
        for info in library.list(args.offset, args.limit):
            print(render_article_line(info, library.settings.timezone))
    return 0


def cmd_article(args: argparse.Namespace) -> int:
    """Show one article."""
    with open_library(engine_settings(args)) as library:
        info = library.get(args.id)
    if info is None:
        print(f"tanya: no article #{args.id}", file=sys.stderr)
        return 1
    print(render_article_line(info, library.settings.timezone))
    print()
    print(info.text)
    return 0


def cmd_delete(args: argparse.Namespace) -> int:
    """Delete one article from the database and the indexes."""
    with open_library(engine_settings(args)) as library:
        deleted = library.delete(args.id)
    print(f"deleted article #{args.id}" if deleted else f"tanya: no article #{args.id}", file=sys.stdout if deleted else sys.stderr)
    return 0 if deleted else 1


def cmd_reindex(args: argparse.Namespace) -> int:
    """Rebuild both indexes from the database (re-embedding only chunks from another model), re-chunking if asked."""
    approximate = True if args.approximate else (False if args.exact else None)
    with open_library(engine_settings(args), check_model=False) as library:
        if args.rechunk:
            from tqdm import tqdm

            with tqdm(desc="re-chunking", unit=" article", total=library.stats().articles,
                      disable=not sys.stderr.isatty(), file=sys.stderr) as bar:
                report = library.rechunk(progress=bar.update, rebuild=False)
            print(f"re-chunked {report.rechunked} of {report.articles} articles "
                  f"({report.chunks_before} chunks became {report.chunks_after})")
        count = library.reindex(approximate)
        kind = library.indexes.vectors.kind
    print(f"re-indexed {count} chunks ({kind} index)")
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    """Print library counts."""
    with open_library(engine_settings(args)) as library:
        stats = library.stats()
    if args.json:
        print(json.dumps({k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in stats.__dict__.items()}))
    else:
        for key, value in stats.__dict__.items():
            print(f"{key.replace('_', ' ')}: {value}")
    return 0


def _lazy(module: str, function: str) -> Callable[[argparse.Namespace], int]:
    """A command implemented in another module, imported only when run, given the arguments and the settings."""
    def run(args: argparse.Namespace) -> int:
        import importlib

        return getattr(importlib.import_module(module), function)(args, engine_settings(args))
    return run


def build_parser() -> argparse.ArgumentParser:
    """All subcommands and their options."""
    parser = argparse.ArgumentParser(prog="tanya", description="Tanya Berita: ask your stored news articles.")
    parser.add_argument("--data-dir", help="data directory (default: $TANYA_DATA_DIR or ./data)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="store articles from files, folders, links or JSON lines (- for stdin)")
    p.add_argument("paths", nargs="+")
    p.add_argument("--added-by", help="who added these articles")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("ask", help="ask a question (- reads questions or JSON lines from stdin)")
    p.add_argument("question")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--top-k", type=int, default=None, help="number of passages (default 3)")
    p.add_argument("--per-article", type=int, default=1, help="passages allowed from one article")
    p.add_argument("--mode", choices=("hybrid", "dense", "lexical"), default="hybrid")
    p.add_argument("--since", type=_day, help="only articles published on or after this day (YYYY-MM-DD)")
    p.add_argument("--until", type=_day, help="only articles published on or before this day (YYYY-MM-DD)")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("latest", help="list the newest articles, on a topic if given")
    p.add_argument("topic", nargs="*")
    p.add_argument("--limit", type=int, default=5)
    p.add_argument("--offset", type=int, default=0)
    p.set_defaults(func=cmd_latest)

    p = sub.add_parser("timeline", help="key sentences about a topic across articles, in date order")
    p.add_argument("topic", nargs="+")
    p.add_argument("--limit", type=int, default=8)
    p.set_defaults(func=cmd_timeline)

    p = sub.add_parser("articles", help="list stored articles")
    p.add_argument("--limit", type=int, default=20)
    p.add_argument("--offset", type=int, default=0)
    p.set_defaults(func=cmd_articles)

    p = sub.add_parser("article", help="show one article")
    p.add_argument("id", type=int)
    p.set_defaults(func=cmd_article)

    p = sub.add_parser("delete", help="delete an article")
    p.add_argument("id", type=int)
    p.set_defaults(func=cmd_delete)

    p = sub.add_parser("reindex", help="rebuild the indexes from the database")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--approximate", action="store_true", help="force an approximate (IVF) index")
    group.add_argument("--exact", action="store_true", help="force an exact (flat) index")
    p.add_argument("--rechunk", action="store_true",
                   help="first re-split articles whose chunks differ from CHUNK_WORDS / CHUNK_OVERLAP_SENTENCES")
    p.set_defaults(func=cmd_reindex)

    p = sub.add_parser("stats", help="show counts")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_stats)

    feeds = sub.add_parser("feeds", help="RSS/Atom feeds: add, list, remove, poll").add_subparsers(
        dest="feeds_command", required=True)
    p = feeds.add_parser("add", help="subscribe to a feed (or the feed a site page names)")
    p.add_argument("url")
    p.set_defaults(func=_lazy("bot.feeds_cli", "add"))
    p = feeds.add_parser("list", help="list feeds with their health")
    p.add_argument("--json", action="store_true", help="print JSON lines")
    p.set_defaults(func=_lazy("bot.feeds_cli", "list_feeds"))
    p = feeds.add_parser("remove", help="unsubscribe from a feed (its articles stay)")
    p.add_argument("id", type=int)
    p.set_defaults(func=_lazy("bot.feeds_cli", "remove"))
    p = feeds.add_parser("poll", help="poll the due feeds once: 'feed N: M new, K updated' per feed")
    p.add_argument("--every", type=float, metavar="MINUTES", help="keep polling every MINUTES (without the bot)")
    p.set_defaults(func=_lazy("bot.feeds_cli", "poll"))

    p = sub.add_parser("chat", help="talk to the library in the console, as in Telegram")
    p.set_defaults(func=_lazy("bot.console", "main"))

    p = sub.add_parser("bot", help="run the Telegram bot")
    p.add_argument("--webhook-url", help="run as a webhook server behind this public URL")
    p.set_defaults(func=_lazy("bot.startup", "main"))

    p = sub.add_parser("eval", help="measure answer quality on an evaluation folder")
    p.add_argument("directory")
    p.add_argument("--json", action="store_true")
    p.add_argument("--cache", help="embedding cache file (default: DATA_DIR/eval-cache.sqlite)")
    p.add_argument("--limit", type=int, default=None, help="ask at most N questions per set")
    p.set_defaults(func=_lazy("retrieval.evaluation.runner", "main"))

    p = sub.add_parser("bench", help="run the benchmarks and write a report")
    p.add_argument("--quick", action="store_true", help="small sizes only")
    p.add_argument("--output", default="bench/results")
    p.set_defaults(func=_lazy("bench.run", "main"))
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `tanya` console script."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
