"""Decompression and complexity bombs, generated on the fly for tests and benchmarks (never stored in the repo)."""

from __future__ import annotations

import io
import random
import zlib

import docx


def gzip_bomb(size: int, layers: int = 2) -> bytes:
    """`size` zero bytes gzipped `layers` times: a few KB on the wire that decode to `size` bytes."""
    data = _gzip_zeros(size)
    for _ in range(layers - 1):
        data = _gzip(data)
    return data


def _gzip_zeros(size: int) -> bytes:
    """Gzip a run of zeros in 1 MB steps, so the run itself is never held in memory."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = bytes(1 << 20)
    parts = [compressor.compress(zeros[: min(1 << 20, size - start)]) for start in range(0, size, 1 << 20)]
    return b"".join(parts) + compressor.flush()


def _gzip(data: bytes) -> bytes:
    """One gzip layer."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()


def docx_paragraph_bomb(paragraphs: int, text: str = "Berita singkat") -> bytes:
    """A real .docx holding one short paragraph and then `paragraphs` empty ones, separated by random whitespace
    so the archive compresses only ~50:1, under the ZIP-bomb ratio limit."""
    document = docx.Document()
    document.add_paragraph(text)
    source = io.BytesIO()
    document.save(source)
    import zipfile

    chooser = random.Random(7)
    empties = "".join("<w:p/>" + chooser.choice((" ", "\n")) for _ in range(paragraphs))
    target = io.BytesIO()
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as bomb:
        for member in original.infolist():
            data = original.read(member.filename)
            if member.filename == "word/document.xml":
                data = data.replace(b"<w:sectPr", empties.encode() + b"<w:sectPr", 1)
            bomb.writestr(member.filename, data)
    return target.getvalue()


def html_paragraph_bomb(paragraphs: int, paragraph: bytes = b"<p>x</p>") -> bytes:
    """A web page of `paragraphs` tiny paragraphs ("<p>x</p>"), after one real one."""
    intro = b"<p>Sebuah paragraf berita yang cukup panjang untuk dianggap sebagai awal artikel.</p>"
    return b"<!DOCTYPE html><html><head><title>Bom</title></head><body><article>" + intro + paragraph * paragraphs + \
        b"</article></body></html>"


def pdf_pages(pages: int, line: str = "Halaman berita") -> bytes:
    """A PDF of `pages` pages that all share one small content stream with a line of text."""
    stream = f"BT /F1 12 Tf 72 720 Td ({line}) Tj ET".encode("latin-1")
    kids = " ".join(f"{5 + n} 0 R" for n in range(pages))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>".encode(),
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> /Contents 3 0 R >>"
    objects.extend([page] * pages)
    return pdf_document(objects)


def pdf_document(objects: list[bytes]) -> bytes:
    """A PDF file of the given objects (numbered from 1, the first being the catalog) with its cross-reference table."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)
