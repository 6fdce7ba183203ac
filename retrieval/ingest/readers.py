"""Turn what the user points at (files, folders, JSON lines, links) into article drafts or reasons."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

from retrieval.ingest.documents import ArticleDraft, UserError
from retrieval.ingest.text import parse_iso_date
from retrieval.settings import Settings

Item = tuple[str, ArticleDraft | UserError]
FILE_SUFFIXES = {".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx", ".json", ".jsonl"}


def draft_from_record(record: object, item: str) -> ArticleDraft | UserError:
    """An article from a JSON object with title, text and optional url, source, author, published_at."""
    if not isinstance(record, dict):
        return UserError("malformed", "expected a JSON object with at least a \"text\" field", item)
    text = record.get("text")
    if not isinstance(text, str) or not text.strip():
        return UserError("no_text", "the article has no text", item)
    return ArticleDraft(
        text=text, title=str(record.get("title") or ""), url=record.get("url") or None,
        source=record.get("source") or None, author=record.get("author") or None,
        published_at=parse_iso_date(record.get("published_at")), language=record.get("language") or None,
        extra={"id": record["id"]} if "id" in record else {},
    )


def read_jsonl(stream: IO[str], name: str) -> Iterator[Item]:
    """One draft per line; a malformed line becomes a reason naming its line number."""
    for number, line in enumerate(stream, 1):
        if not line.strip():
            continue
        item = f"{name}:{number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            yield item, UserError("malformed", f"not valid JSON ({error.msg})", item)
            continue
        yield item, draft_from_record(record, item)


def read_json_file(path: Path, settings: Settings) -> Iterator[Item]:
    """A .json file (one object or a list) or a .jsonl file, streamed line by line."""
    if path.suffix.lower() == ".jsonl":
        with open(path, encoding="utf-8", errors="replace") as stream:
            yield from read_jsonl(stream, str(path))
        return
    if path.stat().st_size > settings.max_article_bytes * 20:
        yield str(path), UserError("too_large", "the JSON file is too large; use JSON lines for bulk imports", str(path))
        return
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        yield str(path), UserError("malformed", f"not valid JSON ({error})", str(path))
        return
    records = data if isinstance(data, list) else [data]
    for number, record in enumerate(records, 1):
        item = f"{path}[{number}]" if isinstance(data, list) else str(path)
        yield item, draft_from_record(record, item)


def read_file(path: Path, settings: Settings) -> Iterator[Item]:
    """One file as one or more drafts."""
    from retrieval.ingest.extract import extract_file

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
                yield from read_jsonl(stdin, "stdin")
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
