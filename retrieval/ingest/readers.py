"""Turn what the user points at (files, folders, JSON lines, links) into article drafts or reasons."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import IO

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from retrieval.ingest.documents import ArticleDraft, UserError
from retrieval.ingest.extract import ARTICLE_FILE_NAMES, extract_file
from retrieval.ingest.text import parse_iso_date
from retrieval.settings import Settings

Item = tuple[str, ArticleDraft | UserError]
FILE_SUFFIXES = (ARTICLE_FILE_NAMES - {""}) | {".json", ".jsonl"}
"""The files a folder is searched for: the kinds read as articles, and JSON (lines) of article records."""


class ArticleRecord(BaseModel):
    """One article given as a JSON object: `text` and optional title, url, source, author, published_at, language.

    Checked at the edge so a value of the wrong kind (a list for `url`, an object for `author`) is refused with a
    reason naming the field instead of failing deep in the database; unknown fields (such as `id`) are ignored.
    """

    model_config = ConfigDict(coerce_numbers_to_str=True, extra="ignore")

    text: str
    title: str | None = None
    url: str | None = None
    source: str | None = None
    author: str | None = None
    published_at: datetime | None = None
    language: str | None = None

    @field_validator("published_at", mode="before")
    @classmethod
    def _lenient_date(cls, value: object) -> datetime | None:
        """An ISO date or datetime; anything else is dropped rather than refusing the article."""
        return parse_iso_date(value)


def draft_from_record(record: object, item: str) -> ArticleDraft | UserError:
    """An article from a decoded JSON value, or a UserError naming what is wrong with it."""
    if not isinstance(record, dict):
        return UserError("malformed", "expected a JSON object with at least a \"text\" field", item)
    text = record.get("text")
    if text is None or (isinstance(text, str) and not text.strip()):
        return UserError("no_text", "the article has no text", item)
    try:
        article = ArticleRecord.model_validate(record)
    except ValidationError as error:
        return UserError("malformed", validation_reason(error), item)
    return ArticleDraft(text=article.text, title=article.title or "", url=article.url or None,
                        source=article.source or None, author=article.author or None,
                        published_at=article.published_at, language=article.language or None)


def validation_reason(error: ValidationError) -> str:
    """The first problems of a pydantic validation error as one short line ("url: Input should be a valid string")."""
    problems = [f"{'.'.join(str(part) for part in problem['loc']) or 'value'}: {problem['msg']}"
                for problem in error.errors(include_url=False)[:3]]
    return "; ".join(problems)


def bounded_lines(stream: IO[str], max_chars: int) -> Iterator[tuple[int, str | None]]:
    """(line number, line) for each line of the stream; None instead of a line longer than max_chars, which is
    skipped in max_chars pieces so no more than that is ever held in memory."""
    number = 0
    while True:
        line = stream.readline(max_chars + 1)
        if not line:
            return
        number += 1
        if len(line) <= max_chars or line.endswith("\n"):
            yield number, line
            continue
        while line and not line.endswith("\n"):
            line = stream.readline(max_chars + 1)
        yield number, None


def decode_json_line(line: str) -> object:
    """One JSON value; ValueError with a short reason when the line is not JSON or nests too deeply to read."""
    try:
        return json.loads(line)
    except json.JSONDecodeError as error:
        raise ValueError(f"not valid JSON ({error.msg})") from None
    except RecursionError:
        raise ValueError("not valid JSON (nested too deeply)") from None
    except ValueError as error:
        raise ValueError(f"not valid JSON ({error})") from None


def read_jsonl(stream: IO[str], name: str, max_chars: int) -> Iterator[Item]:
    """One draft per line; a malformed or over-long line becomes a reason naming its line number, and the
    lines after it are still read."""
    for number, line in bounded_lines(stream, max_chars):
        item = f"{name}:{number}"
        if line is None:
            yield item, UserError("too_large", f"the line is longer than {max_chars:,} characters", item)
            continue
        if not line.strip():
            continue
        try:
            record = decode_json_line(line)
        except ValueError as error:
            yield item, UserError("malformed", str(error), item)
            continue
        yield item, draft_from_record(record, item)


def read_json_file(path: Path, settings: Settings) -> Iterator[Item]:
    """A .json file (one object or a list) or a .jsonl file, streamed line by line."""
    if path.suffix.lower() == ".jsonl":
        with open(path, encoding="utf-8", errors="replace") as stream:
            yield from read_jsonl(stream, str(path), settings.max_article_bytes)
        return
    if path.stat().st_size > settings.max_article_bytes * 20:
        yield str(path), UserError("too_large", "the JSON file is too large; use JSON lines for bulk imports", str(path))
        return
    try:
        data = decode_json_line(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as error:
        yield str(path), UserError("malformed", f"not valid JSON ({error.reason})", str(path))
        return
    except ValueError as error:
        yield str(path), UserError("malformed", str(error), str(path))
        return
    records = data if isinstance(data, list) else [data]
    for number, record in enumerate(records, 1):
        item = f"{path}[{number}]" if isinstance(data, list) else str(path)
        yield item, draft_from_record(record, item)


def read_file(path: Path, settings: Settings) -> Iterator[Item]:
    """One file as one or more drafts."""
    if path.suffix.lower() in (".json", ".jsonl"):
        yield from read_json_file(path, settings)
        return
    size = path.stat().st_size
    if size > settings.max_article_bytes:
        yield str(path), UserError("too_large", f"the file is larger than {settings.max_article_bytes:,} bytes", str(path))
        return
    result = extract_file(path.name, path.read_bytes(), max_bytes=settings.max_article_bytes)
    if isinstance(result, UserError):
        result = UserError(result.code, result.message, str(path))
    yield str(path), result


def read_paths(targets: Iterable[str], settings: Settings, stdin: IO[str] | None = None) -> Iterator[Item]:
    """Expand files, folders (recursively), links and `-` (JSON lines on stdin) into drafts."""
    for target in targets:
        if target == "-":
            if stdin is not None:
                yield from read_jsonl(stdin, "stdin", settings.max_article_bytes)
        elif target.startswith(("http://", "https://")):
            from retrieval.ingest.fetch import fetch_article_sync

            yield target, fetch_article_sync(target, settings)
        else:
            path = Path(target)
            if path.is_dir():
                for child in sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in FILE_SUFFIXES):
                    yield from read_file(child, settings)
            elif path.is_file():
                yield from read_file(path, settings)
            else:
                yield target, UserError("not_found", "no such file, folder or link", target)
