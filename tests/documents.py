"""Documents of every supported kind built in memory for the tests: one-page PDFs, Word files and ZIP archives,
and the two checks on what extraction returns."""

from __future__ import annotations

import io
import zipfile

import docx

from retrieval.ingest.documents import ArticleDraft, UserError
from tests.bombs import pdf_document


def one_page_pdf(stream: bytes) -> bytes:
    """A one-page PDF (Helvetica as /F1) whose page draws the given content stream."""
    return pdf_document([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >>"
        b" /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ])


def make_pdf(lines: list[str]) -> bytes:
    """Build a one-page PDF whose text layer holds the given lines (no lines: only a drawn line, like a scan)."""
    escaped = [line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") for line in lines]
    text_ops = ["BT", "/F1 12 Tf", "14 TL", "72 720 Td", *[f"({line}) Tj T*" for line in escaped], "ET"]
    stream = "\n".join(text_ops).encode("latin-1") if lines else b"0 0 m 100 100 l S"
    return one_page_pdf(stream)


def two_column_pdf(left: list[str], right: list[str]) -> bytes:
    """A one-page PDF with two columns of lines side by side, the left column written first (as layout programs do)."""
    ops = ["BT", "/F1 10 Tf"]
    for x, column in ((50, left), (320, right)):
        ops.extend(f"1 0 0 1 {x} {720 - 12 * row} Tm ({line}) Tj" for row, line in enumerate(column))
    stream = "\n".join([*ops, "ET"]).encode("latin-1")
    return one_page_pdf(stream)


def make_docx(heading: str | None, paragraphs: list[str], *, core_title: str = "", author: str = "") -> bytes:
    """Build a real .docx with python-docx: optional heading, paragraphs, a small table and core properties."""
    document = docx.Document()
    if heading:
        document.add_heading(heading, level=1)
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "Korban"
    table.cell(0, 1).text = "3.000 keluarga"
    document.core_properties.title = core_title
    document.core_properties.author = author
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def make_zip(members: dict[str, int]) -> bytes:
    """A deflated ZIP whose members are runs of zero bytes of the given sizes, written in 1 MB chunks."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        for name, size in members.items():
            with archive.open(name, "w") as member:
                for start in range(0, size, 1 << 20):
                    member.write(bytes(min(1 << 20, size - start)))
    return buffer.getvalue()


def draft(result: ArticleDraft | UserError) -> ArticleDraft:
    """Assert the result is a draft (showing the error otherwise) and return it."""
    assert isinstance(result, ArticleDraft), result
    return result


def error(result: ArticleDraft | UserError) -> UserError:
    """Assert the result is a UserError (showing the draft otherwise) and return it."""
    assert isinstance(result, UserError), result
    return result
