"""Turn the bytes of an uploaded or fetched document into an ArticleDraft, or a UserError saying why not.

Every public function here returns a value and never raises: the parsers (trafilatura, lxml, pypdf,
python-docx, zipfile) see hostile input, so their failures become UserError("unreadable", ...).
The type of a file is decided by sniffing its content (a PDF named .txt is read as a PDF); the name decides only
for plain text, which is read when the name is one of the listed kinds (or has none), so a .csv is not an article.
The WORK is bounded as well as the bytes: elements are counted before a parser builds its tree, PDF pages
are capped, and the loops over pages and paragraphs check a deadline; past a budget the answer is
UserError("too_complex", ...), because a small file can still hold millions of empty paragraphs.
"""

from __future__ import annotations

import io
import re
import time
import zipfile
from dataclasses import replace
from pathlib import PurePosixPath
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from retrieval.ingest.documents import ArticleDraft, UserError
from retrieval.ingest.text import (MAX_ARTICLE_CHARS, clean_text, parse_iso_date, rejoin_wrapped_lines, shortened,
                                   strip_control)

if TYPE_CHECKING:
    from datetime import datetime

    from docx.document import Document as DocxDocument
    from docx.table import Table
    from pypdf import PageObject, PdfReader

MIN_ARTICLE_CHARS = 40
MAX_TITLE_CHARS = 200
SHORT_TITLE_CHARS = 120
MAX_ZIP_UNCOMPRESSED = 50 * 1024 * 1024
MAX_ZIP_RATIO = 100
ZIP_RATIO_FLOOR = 1024 * 1024
MAX_ZIP_MEMBERS = 5_000
MAX_BINARY_RATIO = 0.05
MAX_HTML_ELEMENTS = 50_000
MAX_DOCX_ELEMENTS = 200_000
MAX_PDF_PAGES = 2_000
EXTRACT_SECONDS = 30.0
TITLE_SCAN_PARAGRAPHS = 50

ARTICLE_FILE_NAMES = frozenset({"", ".txt", ".text", ".md", ".markdown", ".html", ".htm", ".xhtml", ".pdf", ".docx"})
"""Endings of the file names whose plain text is read as an article (a .pdf or .docx may hold plain text too)."""
SEND_INSTEAD = "send the article as a .txt, .md, .html, .pdf or .docx file"
"""What the user can send instead of a file that is not an article (the list the README gives)."""

_ZIP_KINDS: tuple[tuple[str, str], ...] = (
    ("xl/", "an Excel workbook"),
    ("ppt/", "a PowerPoint presentation"),
)
_ZIP_MIMETYPES: tuple[tuple[bytes, str], ...] = (
    (b"application/epub", "an EPUB e-book"),
    (b"application/vnd.oasis.opendocument", "an OpenDocument file"),
)
_EXTENSION = re.compile(r"\.[a-z][a-z0-9]{0,7}")
_BINARY_CHARS = re.compile("[\x00-\x08\x0e-\x1f\x7f]")
_SETEXT_UNDERLINE = re.compile(r"^\s*(=+|-+)\s*$")
_HTML_START = re.compile(rb"\s*(?:<\?xml[^>]*>\s*)?(?:<!--(?:[^-]|-(?!->))*-->\s*)*<(?:!doctype\s+html|html)[\s>]", re.IGNORECASE)

_UNSUPPORTED_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"RIFF", "a media file"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!", "a RAR archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old-style Office file (.doc) or a password-protected one"),
    (b"{\\rtf", "an RTF document"),
)


class _TooComplex(Exception):
    """Internal: the document needs more work than its budget allows; becomes UserError("too_complex")."""


class _Deadline:
    """A time budget for one extraction, checked inside the loops over pages and paragraphs."""

    def __init__(self) -> None:
        """Start the clock at EXTRACT_SECONDS."""
        self.seconds = EXTRACT_SECONDS
        self.ends = time.monotonic() + self.seconds

    def check(self) -> None:
        """Give up once the budget is spent."""
        if time.monotonic() > self.ends:
            raise _TooComplex(f"reading it took longer than {self.seconds:g} seconds")


def extract_file(name: str, data: bytes, *, max_bytes: int, max_chars: int = MAX_ARTICLE_CHARS) -> ArticleDraft | UserError:
    """Read an uploaded file of any supported type (text, Markdown, HTML, PDF, DOCX), judged by content not name."""
    try:
        return _extract_file(name, data, max_bytes, max_chars)
    except _TooComplex as reason:
        return _too_complex(name, reason)
    except Exception:
        return _unreadable(name, "the file could not be read")


def extract_text(data: bytes | str, name: str = "", *, max_chars: int = MAX_ARTICLE_CHARS) -> ArticleDraft | UserError:
    """Read plain text or Markdown: the first non-empty line is the title, the rest is the text."""
    try:
        text = data if isinstance(data, str) else _decode_text(data)
        if text is None:
            return UserError("binary", f"this looks like a binary file, not text; {SEND_INSTEAD}", name)
        return _text_draft(clean_text(text), name, max_chars)
    except Exception:
        return _unreadable(name, "the text file could not be read")


def extract_html(html: str | bytes, url: str | None = None, *, max_chars: int = MAX_ARTICLE_CHARS) -> ArticleDraft | UserError:
    """Pull the main article text and metadata out of a web page, falling back to plain tag stripping."""
    item = url or ""
    try:
        return _extract_html(html, url, item, max_chars)
    except _TooComplex as reason:
        return _too_complex(item, reason)
    except Exception:
        return _unreadable(item, "the web page could not be read")


def extract_pdf(data: bytes, name: str = "", *, max_chars: int = MAX_ARTICLE_CHARS) -> ArticleDraft | UserError:
    """Read the text layer of a PDF; a PDF without one (a scan) is refused rather than stored empty."""
    try:
        return _extract_pdf(data, name, max_chars)
    except _TooComplex as reason:
        return _too_complex(name, reason)
    except Exception:
        return _unreadable(name, "the PDF is damaged or could not be read")


def extract_docx(data: bytes, name: str = "", *, max_chars: int = MAX_ARTICLE_CHARS) -> ArticleDraft | UserError:
    """Read a Word .docx file after checking its ZIP container is not a decompression bomb."""
    try:
        return _extract_docx(data, name, max_chars)
    except _TooComplex as reason:
        return _too_complex(name, reason)
    except Exception:
        return _unreadable(name, "the Word document is damaged or could not be read")


def _extract_file(name: str, data: bytes, max_bytes: int, max_chars: int) -> ArticleDraft | UserError:
    """Check size, then dispatch on the sniffed kind of content."""
    if len(data) > max_bytes:
        return UserError("too_large", f"the file is larger than the {_human_size(max_bytes)} limit", name)
    if not data.strip():
        return UserError("empty", "the file is empty", name)
    kind = _sniff(data)
    if kind == "pdf":
        return extract_pdf(data, name, max_chars=max_chars)
    if kind == "zip":
        return extract_docx(data, name, max_chars=max_chars)
    if kind == "html":
        return _named(extract_html(data, max_chars=max_chars), name)
    if kind != "text":
        return _not_an_article(kind, name)
    return _extract_text_file(name, data, max_chars)


def _extract_text_file(name: str, data: bytes, max_chars: int) -> ArticleDraft | UserError:
    """Decode a file that has no known binary signature and read it as text, HTML or Markdown."""
    text = _decode_text(data)
    extension = _extension(name)
    if text is None:
        if extension in {".pdf", ".docx"}:
            return _unreadable(name, f"the file is named {extension} but is not a readable {extension[1:].upper()} file")
        return UserError("binary", f"this looks like a binary file, not text; {SEND_INSTEAD}", name)
    if (extension in {".html", ".htm", ".xhtml"} and "<" in text) or _HTML_START.match(text[:4096].encode("utf-8", "replace")):
        return _named(extract_html(text, max_chars=max_chars), name)
    if extension not in ARTICLE_FILE_NAMES:
        return UserError("unsupported", f"{extension} files are not read as articles; {SEND_INSTEAD}", name)
    return _text_draft(clean_text(text), name, max_chars)


def _sniff(data: bytes) -> str:
    """Name the kind of content from its first bytes: pdf, zip, html, text, or a description of an unsupported type."""
    if data[:1024].lstrip().startswith(b"%PDF-"):
        return "pdf"
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "zip"
    for magic, description in _UNSUPPORTED_MAGIC:
        if data.startswith(magic):
            return description
    if _HTML_START.match(data[:4096]):
        return "html"
    return "text"


def _decode_text(data: bytes) -> str | None:
    """Decode UTF-8 (with or without BOM), UTF-16/32 with BOM, or cp1252; None when the bytes are not text."""
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return _looks_like_text(data.decode("utf-32", "replace"))
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _looks_like_text(data.decode("utf-16", "replace"))
    if b"\x00" in data:
        return None
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return _looks_like_text(data.decode(encoding))
        except UnicodeDecodeError:
            continue
    return None


def _looks_like_text(text: str) -> str | None:
    """Return the text if few of its characters are control codes, else None (it was binary)."""
    sample = text[:100_000]
    if not sample:
        return sample
    if len(_BINARY_CHARS.findall(sample)) / len(sample) > MAX_BINARY_RATIO:
        return None
    return text


def _text_draft(text: str, name: str, max_chars: int, title: str = "") -> ArticleDraft | UserError:
    """Build a draft from cleaned text, taking the title from the first line when none is given."""
    if not text:
        return UserError("empty", "the document contains no text", name)
    if title:
        body = body_without_title(text, title)
    else:
        title, body = _split_title(text)
    return ArticleDraft(text=_limit(body, max_chars), title=title)


def _split_title(text: str) -> tuple[str, str]:
    """Split off the first non-empty line as a title (Markdown heading marks removed); long first lines stay in the text."""
    first, _, rest = text.lstrip("\n").partition("\n")
    title = _strip_heading_marks(first.strip())
    rest_lines = rest.lstrip("\n").split("\n", 1)
    if _SETEXT_UNDERLINE.match(rest_lines[0]):
        rest = rest_lines[1] if len(rest_lines) > 1 else ""
    rest = rest.strip()
    if len(title) > MAX_TITLE_CHARS or not rest:
        return shortened(title, SHORT_TITLE_CHARS), text
    return title, rest


def _strip_heading_marks(line: str) -> str:
    """Remove a Markdown ATX heading prefix ("## Title ##" -> "Title"); other lines are returned unchanged."""
    hashes = len(line) - len(line.lstrip("#"))
    if not 1 <= hashes <= 6 or (len(line) > hashes and not line[hashes].isspace()):
        return line
    return line[hashes:].strip().rstrip("#").strip()


def body_without_title(text: str, title: str) -> str:
    """Drop the first line of the text when it merely repeats the title, so the title is not stored twice."""
    start = body_start(text, title)
    return text[start:].rstrip() if start else text


def body_start(text: str, title: str) -> int:
    """Where the text's body starts: after its first line when that line merely repeats the title (a forwarded
    post opens with its title line), else 0."""
    first, _, rest = text.partition("\n")
    if rest.strip() and first.strip().casefold() == title.strip().casefold():
        return len(text) - len(rest.lstrip())
    return 0


def _title(raw: str | None) -> str:
    """A one-line title from metadata or a heading, shortened only when it is implausibly long."""
    title = " ".join(clean_text(raw or "").split())
    return shortened(title, SHORT_TITLE_CHARS) if len(title) > MAX_TITLE_CHARS else title


def _limit(text: str, max_chars: int) -> str:
    """Keep at most max_chars characters, cut at whitespace when possible."""
    if len(text) <= max_chars:
        return text
    cut = text[:max_chars]
    space = max(cut.rfind(" "), cut.rfind("\n"))
    return (cut[:space] if space > max_chars // 2 else cut).rstrip()


def _extract_html(html: str | bytes, url: str | None, item: str, max_chars: int) -> ArticleDraft | UserError:
    """Run trafilatura on the page, fall back to lxml, and refuse pages without enough text to be an article."""
    if isinstance(html, str):
        html = strip_control(html)
    if not html.strip():
        return UserError("empty", "the page is empty", item)
    _check_elements(_element_count(html), MAX_HTML_ELEMENTS, "HTML elements")
    draft = _trafilatura_draft(html, url) or _lxml_draft(html)
    if draft is None or len(draft.text) < MIN_ARTICLE_CHARS:
        return UserError("not_article", "the page has too little text to be an article", item)
    draft.text = _limit(draft.text, max_chars)
    draft.url = url
    return draft


def _element_count(markup: str | bytes) -> int:
    """Roughly how many elements a parser would build: start tags (and comments), counted without parsing."""
    if isinstance(markup, str):
        return markup.count("<") - markup.count("</")
    return markup.count(b"<") - markup.count(b"</")


def _check_elements(count: int, limit: int, what: str) -> None:
    """Refuse a document with more elements than its budget, before any tree is built."""
    if count > limit:
        raise _TooComplex(f"it has more than {limit:,} {what}")


def _trafilatura_draft(html: str | bytes, url: str | None) -> ArticleDraft | None:
    """Extract main text and metadata with trafilatura; None when it finds nothing or fails."""
    import trafilatura

    try:
        document = trafilatura.bare_extraction(html, url=url, with_metadata=True, include_comments=False)
    except Exception:
        return None
    text = clean_text(getattr(document, "text", None) or "")
    if not text:
        return None
    title = _title(document.title)
    return ArticleDraft(
        text=body_without_title(text, title) if title else text,
        title=title,
        source=_site_name(document.sitename, url),
        author=clean_text(document.author or "") or None,
        published_at=_published_at(document.date, html, url),
    )


def _published_at(found: str | None, html: str | bytes, url: str | None) -> datetime | None:
    """The date trafilatura found, except a 1 January that the page's metadata and link do not give: that is how a
    bare year in its text ("© 2024", "Laporan 2024") comes back, and citing it as the day of publication would be
    false."""
    published = parse_iso_date(found)
    if published is None or (published.month, published.day) != (1, 1):
        return published
    from htmldate import find_date

    try:
        stated = find_date(html, url=url, extensive_search=False, original_date=True)
    except Exception:
        return None
    return published if stated == published.date().isoformat() else None


def _lxml_draft(html: str | bytes) -> ArticleDraft | None:
    """Strip tags with lxml and take the <title>; the last resort for pages trafilatura cannot handle."""
    import lxml.html

    try:
        root = lxml.html.document_fromstring(html.encode("utf-8") if isinstance(html, str) else html)
    except Exception:
        return None
    title = _title(root.findtext(".//title"))
    for element in list(root.iter("script", "style", "noscript", "template", "head")):
        element.drop_tree()
    for element in root.iter("p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "section", "article"):
        element.tail = "\n" + (element.tail or "")
    text = clean_text(root.text_content())
    return ArticleDraft(text=body_without_title(text, title) if title else text, title=title) if text else None


def _site_name(sitename: str | None, url: str | None) -> str | None:
    """The page's own site name; None when trafilatura merely copied the URL's host, so callers can do better."""
    name = clean_text(sitename or "").replace("\n", " ")
    if not name or not url:
        return name or None
    netloc = urlsplit(url).netloc.lower().rsplit("@", 1)[-1]
    return None if name.lower() in {netloc, netloc.removeprefix("www.")} else name


def _extract_pdf(data: bytes, name: str, max_chars: int) -> ArticleDraft | UserError:
    """Open the PDF with pypdf, decrypting with an empty password if needed, and gather page text; lines the PDF
    wrapped (within a page or across pages) are rejoined, so its sentences stay whole."""
    import pypdf

    reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
    if reader.is_encrypted and not _decrypt_with_empty_password(reader):
        return _unreadable(name, "the PDF is password-protected")
    _check_elements(len(reader.pages), MAX_PDF_PAGES, "pages")
    deadline = _Deadline()
    pages: list[str] = []
    size = 0
    for page in reader.pages:
        deadline.check()
        text = _page_text(page)
        pages.append(text)
        size += len(text)
        if size > max_chars:
            break
    text = rejoin_wrapped_lines(clean_text("\n".join(page.strip() for page in pages)))
    if not text:
        return UserError("no_text", "the PDF has no text layer (scanned image?)", name)
    draft = _text_draft(text, name, max_chars)
    if isinstance(draft, ArticleDraft):
        draft.author = _pdf_author(reader)
    return draft


def _decrypt_with_empty_password(reader: PdfReader) -> bool:
    """Try the empty user password, which opens PDFs that only restrict printing or copying."""
    try:
        return bool(reader.decrypt(""))
    except Exception:
        return False


def _page_text(page: PageObject) -> str:
    """Extract one page's text, treating a broken page as empty instead of failing the whole file."""
    try:
        return page.extract_text() or ""
    except Exception:
        return ""


def _pdf_author(reader: PdfReader) -> str | None:
    """The author from the PDF metadata, when readable."""
    try:
        author = reader.metadata.author if reader.metadata else None
    except Exception:
        return None
    return (clean_text(str(author)) or None) if author else None


def _extract_docx(data: bytes, name: str, max_chars: int) -> ArticleDraft | UserError:
    """Vet the ZIP container, then read paragraphs and tables in document order with python-docx. A ZIP that
    is not a Word document is named for what it is (an archive, a workbook, ...), by its members and file name."""
    import docx

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError):
        if _extension(name) == ".docx":
            return _unreadable(name, "the Word document is damaged (its ZIP container cannot be opened)")
        return _not_an_article("a damaged ZIP archive", name)
    with archive:
        problem = _zip_bomb_problem(archive)
        if problem:
            return UserError("too_large", problem, name)
        if "word/document.xml" not in archive.namelist():
            return _not_an_article(_zip_kind(archive), name)
        _check_elements(_zip_xml_elements(archive), MAX_DOCX_ELEMENTS, "XML elements")
    deadline = _Deadline()
    document = docx.Document(io.BytesIO(data))
    text = clean_text("\n".join(_docx_blocks(document, deadline)))
    if not text:
        return UserError("empty", "the Word document contains no text", name)
    title = _docx_title(document, deadline)
    draft = _text_draft(text, name, max_chars, title)
    if isinstance(draft, ArticleDraft):
        draft.author = clean_text(document.core_properties.author or "") or None
    return draft


def _zip_kind(archive: zipfile.ZipFile) -> str:
    """What a ZIP file that is not a Word document holds, by its members: a workbook, a slide deck, an e-book..."""
    names = archive.namelist()
    for prefix, kind in _ZIP_KINDS:
        if any(member.startswith(prefix) for member in names):
            return kind
    if "mimetype" in names:
        with archive.open("mimetype") as stream:
            mimetype = stream.read(100)
        for start, kind in _ZIP_MIMETYPES:
            if mimetype.startswith(start):
                return kind
    return "a ZIP archive"


def _zip_bomb_problem(archive: zipfile.ZipFile) -> str | None:
    """Describe why the archive would expand too much (by its declared sizes, which zipfile enforces), or None."""
    members = archive.infolist()
    if len(members) > MAX_ZIP_MEMBERS:
        return "the document contains too many parts"
    total = sum(member.file_size for member in members)
    if total > MAX_ZIP_UNCOMPRESSED:
        return f"the document would expand to more than {_human_size(MAX_ZIP_UNCOMPRESSED)}"
    for member in members:
        if member.file_size > ZIP_RATIO_FLOOR and member.file_size > MAX_ZIP_RATIO * max(member.compress_size, 1):
            return "the document is compressed suspiciously well (a ZIP bomb?)"
    return None


def _zip_xml_elements(archive: zipfile.ZipFile) -> int:
    """The elements in all XML parts of a (size-vetted) archive, counted while streaming, so no tree is built."""
    count = 0
    for member in archive.infolist():
        if member.filename.endswith((".xml", ".rels")):
            with archive.open(member) as stream:
                while chunk := stream.read(1 << 20):
                    count += _element_count(chunk)
    return count


def _docx_blocks(document: DocxDocument, deadline: _Deadline) -> list[str]:
    """Paragraph texts and table rows in reading order; merged cells are not repeated."""
    blocks: list[str] = []
    for block in document.iter_inner_content():
        deadline.check()
        if hasattr(block, "rows"):
            blocks.extend(_table_rows(block))
        else:
            blocks.append(block.text)
    return blocks


def _table_rows(table: Table) -> list[str]:
    """One ' | '-joined line per table row."""
    rows: list[str] = []
    for row in table.rows:
        cells: list[str] = []
        for cell in row.cells:
            text = cell.text.strip()
            if text and (not cells or cells[-1] != text):
                cells.append(text)
        rows.append(" | ".join(cells))
    return rows


def _docx_title(document: DocxDocument, deadline: _Deadline) -> str:
    """The first Title/Heading paragraph among the first few with text, else the core-properties title, else empty
    (the first line is used). Only paragraphs with text have their style looked up: that lookup is slow."""
    candidates = (paragraph for paragraph in document.paragraphs if paragraph.text.strip())
    for _, paragraph in zip(range(TITLE_SCAN_PARAGRAPHS), candidates):
        deadline.check()
        style = getattr(getattr(paragraph, "style", None), "name", "") or ""
        text = _title(paragraph.text)
        if text and (style == "Title" or style.startswith("Heading")):
            return text
    return _title(document.core_properties.title)


def _extension(name: str) -> str:
    """The lower-case extension of a file name, with its dot; "" when the name has none (or "report 2.1 final")."""
    suffix = PurePosixPath(name.replace("\\", "/")).suffix.lower()
    return suffix if _EXTENSION.fullmatch(suffix) else ""


def _human_size(size: int) -> str:
    """A byte count as a short human phrase, for messages."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.0f} MB"
    if size >= 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size} bytes"


def _named(result: ArticleDraft | UserError, name: str) -> ArticleDraft | UserError:
    """Attach the file name to an error that came back without one."""
    if isinstance(result, UserError) and not result.item:
        return replace(result, item=name)
    return result


def _too_complex(item: str, reason: _TooComplex) -> UserError:
    """The error for a document that would take too much work to read."""
    return UserError("too_complex", f"the document is too complex to read: {reason}", item)


def _not_an_article(kind: str, item: str) -> UserError:
    """The error for a file of a kind that is not read as an article, saying what it is and what to send."""
    return UserError("unsupported", f"this is {kind}, not an article; {SEND_INSTEAD}", item)


def _unreadable(item: str, message: str) -> UserError:
    """The error for input a parser choked on."""
    return UserError("unreadable", message, item)
