"""Specifications for the reasons a chat user is given when something cannot be stored: every reason the engine can
give is told as specifically in Indonesian as in English (what happened, with its status, host or limit), and both
say what the user can do."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest

from bot.messages import ERROR_TEXTS, TERMS_ID, error_reason
from retrieval.ingest import extract
from retrieval.ingest.documents import UserError

ROOT = Path(__file__).resolve().parent.parent
CLI_ONLY_CODES = {"malformed", "not_found", "internal"}
"""Codes only the command line gives (bad JSON lines, missing paths) or that no user causes; they stay English."""
CLI_ONLY_FILES = {"bot/cli.py", "retrieval/ingest/readers.py"}
"""Where the command line's own reasons (paths, JSON lines, questions read from a file) are built; they stay English."""
SAMPLES = {
    "status": "404", "settings.fetch_timeout_seconds": "10", "MAX_REDIRECTS": "5", "host": "contoh.example",
    "mime": "application/zip", "kind": "a ZIP archive", "extension": ".csv", "extension[1:].upper()": "PDF",
    "layers[0][:40]": "br", "limit": "5,000,000", "max_chars": "1,000", "self.settings.max_article_chars": "1,000",
    "_human_size(max_bytes)": "20 MB", "SEND_INSTEAD": extract.SEND_INSTEAD, "reason": "it has more than 2,000 pages",
    "str(url)": "https://contoh.example/x",
}
"""A value for each expression the engine fills into a reason, to build a sample of every reason."""
ADVICE = {"en": ("send", "try again", "check", "save", "/feeds"),
          "id": ("kirim", "coba lagi", "periksa", "simpan", "/feeds")}


def engine_reasons() -> list[tuple[str, str, str]]:
    """(file:line, code, a sample message) for every UserError (and extract._unreadable) built with a literal
    reason anywhere in the engine and the bot, f-strings filled from SAMPLES."""
    found = []
    for path in sorted([*ROOT.glob("retrieval/**/*.py"), *ROOT.glob("bot/**/*.py")]):
        if str(path.relative_to(ROOT)) in CLI_ONLY_FILES:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.Call) or len(node.args) < 2:
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            if name == "UserError" and isinstance(node.args[0], ast.Constant):
                code = node.args[0].value
            elif name == "_unreadable":
                code = "unreadable"
            else:
                continue
            message = None if code in CLI_ONLY_CODES else sample(node.args[1])
            if message is not None:
                found.append((f"{path.relative_to(ROOT)}:{node.lineno}", code, message))
    return found


def sample(node: ast.expr) -> str | None:
    """The text of a literal or f-string reason with its expressions filled from SAMPLES; None for other values."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if not isinstance(node, ast.JoinedStr):
        return None
    parts = []
    for part in node.values:
        if isinstance(part, ast.Constant):
            parts.append(part.value)
        else:
            expression = ast.unparse(part.value)  # type: ignore[attr-defined]
            assert expression in SAMPLES, f"add a sample value for {expression!r}"
            parts.append(SAMPLES[expression])
    return "".join(parts)


def told(error: UserError) -> bool:
    """Whether the catalogue has a specific text for this error (not only its code's general meaning)."""
    return any(reason.match(error) is not None for reason in ERROR_TEXTS)


@pytest.mark.parametrize("where, code, message", engine_reasons(), ids=lambda value: str(value)[:60])
def test_every_reason_the_engine_gives_has_a_specific_text_in_both_languages(where: str, code: str,
                                                                             message: str) -> None:
    """A reason added to the engine without its Indonesian text makes this fail, naming where it is built."""
    error = UserError(code, message, "item")
    assert told(error), f"{where}: no ERROR_TEXTS entry for {code}: {message!r}"


def test_the_reasons_are_found_in_the_code() -> None:
    """The scan above really sees the reasons (fetch's status, extract's kinds, the library's limits)."""
    codes = {code for _, code, _ in engine_reasons()}
    assert {"http_error", "timeout", "too_large", "unsupported", "unreadable", "no_text", "busy"} <= codes


def test_both_languages_fill_in_the_same_specifics() -> None:
    """No Indonesian text drops the status, host, address or limit its English text gives."""
    for reason in ERROR_TEXTS:
        fields = {lang: {field for _, field, _, _ in string.Formatter().parse(template) if field}
                  for lang, template in (("en", reason.en), ("id", reason.id))}
        assert fields["en"] == fields["id"], reason.pattern


def test_every_kind_of_file_and_address_named_in_a_reason_has_its_indonesian_words() -> None:
    """The kinds of file extract names and the kinds of address fetch refuses are translated, not left in English."""
    kinds = {kind for _, kind in (*extract._UNSUPPORTED_MAGIC, *extract._ZIP_KINDS, *extract._ZIP_MIMETYPES)}
    kinds |= {"a ZIP archive", "a damaged ZIP archive"}
    fetch_source = (ROOT / "retrieval/ingest/fetch.py").read_text()
    addresses = set(re.findall(r'"((?:a|an) [\w -]+ address)"', fetch_source))
    assert len(addresses) >= 8
    assert kinds | addresses <= set(TERMS_ID)


@pytest.mark.parametrize("error, specifics", [
    (UserError("http_error", "the site answered with HTTP status 404"), {"en": ("404", "not there"),
                                                                          "id": ("404", "tidak ada")}),
    (UserError("forbidden_address", "localhost resolves to 127.0.0.1, a loopback address, which is not fetched"),
     {"en": ("localhost", "127.0.0.1", "loopback"), "id": ("localhost", "127.0.0.1", "loopback")}),
    (UserError("unreadable", "the PDF is damaged or could not be read"), {"en": ("PDF", "damaged"),
                                                                           "id": ("PDF", "rusak")}),
    (UserError("too_large", "the file is larger than the 20 MB limit"), {"en": ("20 MB",), "id": ("20 MB",)}),
    (UserError("too_large", "the page is larger than the 5,000,000 byte limit"), {"en": ("5,000,000",),
                                                                                   "id": ("5.000.000",)}),
    (UserError("timeout", "the site took longer than 2.5 seconds to answer"), {"en": ("2.5 seconds",),
                                                                                "id": ("2,5 detik",)}),
    (UserError("unsupported", f"this is a ZIP archive, not an article; {extract.SEND_INSTEAD}"),
     {"en": ("ZIP archive", ".docx"), "id": ("arsip ZIP", ".docx")}),
])
def test_indonesian_reasons_say_what_happened_and_what_to_do_as_the_english_do(
        error: UserError, specifics: dict[str, tuple[str, ...]]) -> None:
    """The cases users saw: 404, a loopback address, a damaged file, too large, a timeout, a ZIP archive."""
    for lang in ("en", "id"):
        reason = error_reason(lang, error)
        assert all(part in reason for part in specifics[lang]), (lang, reason)
        assert any(advice in reason for advice in ADVICE[lang]), (lang, reason)
