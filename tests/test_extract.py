"""Specifications for retrieval.ingest.extract: documents of every supported kind become drafts, bad input becomes UserError."""

from __future__ import annotations

import io
import threading
import time
import unicodedata
import zipfile
from collections.abc import Callable
from datetime import datetime

import docx
import pypdf
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from retrieval.ingest import extract
from retrieval.ingest.documents import ArticleDraft, UserError
from retrieval.ingest.extract import clean_text, extract_file, extract_html
from retrieval.ingest.text import rejoin_wrapped_lines
from tests.bombs import docx_paragraph_bomb, html_paragraph_bomb, pdf_pages
from tests.documents import draft, error, make_docx, make_pdf, make_zip, two_column_pdf

LIMIT = 5_000_000

ARTICLE_HTML = """<!DOCTYPE html>
<html lang="id"><head>
<meta charset="utf-8">
<title>Banjir Rendam Ribuan Rumah di Semarang</title>
<meta property="og:site_name" content="Warta Contoh">
<meta property="article:published_time" content="2024-03-14T08:00:00+07:00">
<meta name="author" content="Sari Wulandari">
</head><body>
<nav><ul><li><a href="/">Beranda</a></li><li><a href="/olahraga">Olahraga</a></li></ul></nav>
<article>
<h1>Banjir Rendam Ribuan Rumah di Semarang</h1>
<p>Hujan deras yang turun sejak Selasa malam membuat sungai di Semarang meluap dan merendam ribuan rumah warga.</p>
<p>Badan Penanggulangan Bencana Daerah mencatat lebih dari tiga ribu keluarga terdampak dan ratusan orang mengungsi.</p>
<p>Petugas gabungan mengerahkan perahu karet untuk mengevakuasi warga lanjut usia dan anak-anak dari daerah terparah.</p>
</article>
<footer>Hak cipta Warta Contoh. Semua hak dilindungi.</footer>
</body></html>"""


def test_text_file_first_line_is_title_and_rest_is_text() -> None:
    """Plain text: the first non-empty line names the article."""
    result = draft(extract_file("berita.txt", b"\n\nHarga Beras Naik\n\nHarga beras naik 5 persen.\r\nPedagang mengeluh.", max_bytes=LIMIT))
    assert result.title == "Harga Beras Naik"
    assert result.text == "Harga beras naik 5 persen.\nPedagang mengeluh."


def test_markdown_heading_marks_are_stripped_from_the_title() -> None:
    """Markdown '# ' prefixes (and closing hashes) are not part of the title."""
    result = draft(extract_file("catatan.md", "## Rapat Kabinet ##\n\nPresiden memimpin rapat.".encode(), max_bytes=LIMIT))
    assert result.title == "Rapat Kabinet"
    assert result.text == "Presiden memimpin rapat."


def test_markdown_setext_underline_is_not_left_in_the_text() -> None:
    """A 'Title' line underlined with '=' is a heading; the underline is dropped."""
    result = draft(extract_file("catatan.md", b"Rapat Kabinet\n=============\nPresiden memimpin rapat.", max_bytes=LIMIT))
    assert (result.title, result.text) == ("Rapat Kabinet", "Presiden memimpin rapat.")


def test_single_long_line_keeps_all_its_text_and_gets_a_short_title() -> None:
    """A one-paragraph file is not emptied by taking its only line as the title."""
    line = "Pemerintah mengumumkan kebijakan baru tentang subsidi energi " * 5
    result = draft(extract_file("a.txt", line.encode(), max_bytes=LIMIT))
    assert result.text == line.strip()
    assert len(result.title) <= 121 and result.title.endswith("…")


def test_utf8_bom_and_utf16_files_are_decoded() -> None:
    """Windows editors write BOMs; both UTF-8 and UTF-16 files are read correctly."""
    text = "Kabar Café\nWarga menikmati kopi — dan teh ☕."
    for data in (b"\xef\xbb\xbf" + text.encode(), text.encode("utf-16"), text.encode("utf-16-be").join([b"\xfe\xff", b""])):
        result = draft(extract_file("a.txt", data, max_bytes=LIMIT))
        assert (result.title, result.text) == ("Kabar Café", "Warga menikmati kopi — dan teh ☕.")


def test_cp1252_text_is_accepted_when_it_is_not_utf8() -> None:
    """Legacy Windows text files decode as cp1252 instead of being rejected."""
    result = draft(extract_file("a.txt", "Résumé\nHarga naik – kata “pedagang”.".encode("cp1252"), max_bytes=LIMIT))
    assert result.title == "Résumé" and "“pedagang”" in result.text


def test_binary_file_is_refused_as_binary() -> None:
    """Random bytes are not stored as text."""
    result = error(extract_file("data.txt", bytes(range(256)) * 40, max_bytes=LIMIT))
    assert result.code == "binary" and result.item == "data.txt"


def test_text_with_nul_bytes_is_binary() -> None:
    """NUL bytes (without a UTF-16 BOM) mean the file is not text."""
    assert error(extract_file("a.txt", b"Judul\nIsi\x00\x00\x00", max_bytes=LIMIT)).code == "binary"


@pytest.mark.parametrize("data", [b"", b"   \n\t\r\n  ", b"\xef\xbb\xbf", "\n \n".encode("utf-16")])
def test_empty_or_blank_file_is_refused_as_empty(data: bytes) -> None:
    """Nothing to store means an 'empty' error, whatever the encoding."""
    assert error(extract_file("kosong.txt", data, max_bytes=LIMIT)).code == "empty"


def test_file_over_the_size_limit_is_refused_as_too_large() -> None:
    """The caller's byte limit is enforced before any parsing."""
    result = error(extract_file("a.txt", b"x" * 1001, max_bytes=1000))
    assert result.code == "too_large" and "limit" in result.message


def test_text_longer_than_max_chars_is_cut_at_a_word() -> None:
    """The text size limit is a parameter; the cut falls between words."""
    result = draft(extract_file("a.txt", ("Judul\n" + "kata " * 1000).encode(), max_bytes=LIMIT, max_chars=100))
    assert len(result.text) <= 100 and set(result.text.split()) == {"kata"}


def test_control_zero_width_and_bidi_characters_are_cleaned_without_error() -> None:
    """Terminal escapes, bell, BOMs and bidi overrides go; joiners needed by scripts and emoji stay."""
    raw = "Judul\u202e\x07\r\nIsi \x1b[31mmerah\x1b[0m\ufeff, kata\u200bkata, 👩\u200d💻 dan \u2066isolasi\u2069.\x0cHalaman 2"
    result = draft(extract_file("a.txt", raw.encode(), max_bytes=LIMIT))
    assert result.title == "Judul"
    assert result.text == "Isi [31mmerah[0m, kata\u200bkata, 👩\u200d💻 dan isolasi.\nHalaman 2"


def test_clean_text_removes_lone_surrogates_so_text_is_storable() -> None:
    """Strings from Telegram or HTML can hold lone surrogates, which cannot be encoded as UTF-8."""
    cleaned = clean_text("a\ud800b\r\nc\u2028d")
    assert cleaned == "ab\nc\nd"
    cleaned.encode("utf-8")


def test_html_main_text_title_site_author_and_date_are_extracted() -> None:
    """A news page yields its article body without navigation, plus its metadata."""
    result = draft(extract_html(ARTICLE_HTML, "https://warta.example/banjir"))
    assert result.title == "Banjir Rendam Ribuan Rumah di Semarang"
    assert "tiga ribu keluarga terdampak" in result.text and "perahu karet" in result.text
    assert "Olahraga" not in result.text
    assert result.source == "Warta Contoh"
    assert result.published_at is not None and result.published_at.date() == datetime(2024, 3, 14).date()
    assert result.url == "https://warta.example/banjir"


def test_a_new_years_day_page_keeps_its_date_and_a_page_with_only_a_year_gets_none() -> None:
    """1 January in the page's metadata is a real date; a year alone (copyright line) is no day of publication."""
    new_year = ARTICLE_HTML.replace("2024-03-14T08:00", "2025-01-01T08:00")
    year_only = ARTICLE_HTML.replace('<meta property="article:published_time" content="2024-03-14T08:00:00+07:00">', "")
    dated = draft(extract_html(new_year, "https://warta.example/banjir"))
    undated = draft(extract_html(year_only.replace("Hak cipta", "&copy; 2024"), "https://warta.example/banjir"))
    assert dated.published_at is not None and dated.published_at.date() == datetime(2025, 1, 1).date()
    assert undated.published_at is None


def test_a_new_years_day_given_by_the_link_alone_is_kept() -> None:
    """A page without a date in its metadata whose link says /2025/01/01/ was published that day."""
    undated_page = ARTICLE_HTML.replace('<meta property="article:published_time" content="2024-03-14T08:00:00+07:00">',
                                        "")
    found = draft(extract_html(undated_page, "https://warta.example/2025/01/01/banjir"))
    assert found.published_at is not None and found.published_at.date() == datetime(2025, 1, 1).date()


def test_html_file_is_read_through_the_html_extractor() -> None:
    """An uploaded .html file is treated as a web page, not as text full of tags."""
    result = draft(extract_file("banjir.html", ARTICLE_HTML.encode(), max_bytes=LIMIT))
    assert result.title == "Banjir Rendam Ribuan Rumah di Semarang" and "<p>" not in result.text


def test_html_with_too_little_text_is_not_an_article() -> None:
    """A page with a few words (a login wall, an error page) is refused."""
    result = error(extract_html("<html><head><title>Masuk</title></head><body><p>Silakan masuk.</p></body></html>"))
    assert result.code == "not_article"


@pytest.mark.parametrize(
    "html",
    [
        "<html><body><p>" + "Unclosed <b>bold <i>italic <div> text " * 10,
        "<<<>>></p></div><p <p>" + "isi berita panjang sekali " * 5 + "<!-- never closed",
        "<?xml version='1.0' encoding='latin-1'?><html><body>" + "<p>kalimat berita yang cukup panjang</p>" * 3,
        "\x00\x01<html>\x0b<body>\ud800" + "teks yang aneh namun cukup panjang " * 3,
    ],
)
def test_malformed_html_never_raises_and_still_yields_text(html: str) -> None:
    """Broken markup is read as well as possible instead of crashing the bot."""
    result = extract_html(html)
    assert isinstance(result, ArticleDraft) and len(result.text) >= 40


def test_html_fallback_strips_tags_when_trafilatura_finds_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """If trafilatura returns nothing, lxml tag stripping with the <title> is used."""
    import trafilatura

    monkeypatch.setattr(trafilatura, "bare_extraction", lambda *args, **kwargs: None)
    result = draft(extract_html(ARTICLE_HTML))
    assert result.title == "Banjir Rendam Ribuan Rumah di Semarang"
    assert "perahu karet" in result.text and "<p>" not in result.text


def test_html_start_sniffing_is_fast_on_a_comment_flood() -> None:
    """Thousands of empty HTML comments before the text must not make content sniffing backtrack for ages."""
    started = time.monotonic()
    result = extract_file("a.txt", b"<!---->" * 2000 + b"\nJudul\nIsi", max_bytes=LIMIT)
    assert isinstance(result, (ArticleDraft, UserError)) and time.monotonic() - started < 2


def test_unexpected_parser_failure_becomes_unreadable(monkeypatch: pytest.MonkeyPatch) -> None:
    """Even an exception type nobody anticipated comes back as a value, not a crash."""

    def explode(*args: object, **kwargs: object) -> None:
        """Stand-in for a parser bug."""
        raise RecursionError("parser bug")

    files = (("a.docx", make_docx("Judul", ["Isi"])), ("a.pdf", make_pdf(["Judul", "Isi"])))
    monkeypatch.setattr(docx, "Document", explode)
    monkeypatch.setattr(pypdf, "PdfReader", explode)
    for name, data in files:
        result = error(extract_file(name, data, max_bytes=LIMIT))
        assert result.code == "unreadable" and result.item == name


def test_pdf_text_layer_is_extracted() -> None:
    """A PDF with text gives its first line as title and the rest as text."""
    pdf = make_pdf(["Laporan Inflasi Maret", "Inflasi tahunan tercatat 2,8 persen (yoy).", "Harga pangan stabil."])
    result = draft(extract_file("laporan.pdf", pdf, max_bytes=LIMIT))
    assert result.title == "Laporan Inflasi Maret"
    assert "2,8 persen (yoy)" in result.text and "Harga pangan stabil." in result.text


def test_pdf_without_text_layer_is_refused_as_no_text() -> None:
    """Scanned PDFs would store nothing searchable, so the user is told why."""
    result = error(extract_file("scan.pdf", make_pdf([]), max_bytes=LIMIT))
    assert result.code == "no_text" and "scanned" in result.message


def test_password_protected_pdf_is_unreadable() -> None:
    """A PDF that needs a password cannot be read."""
    writer = pypdf.PdfWriter()
    writer.add_blank_page(200, 200)
    writer.encrypt("rahasia", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    result = error(extract_file("rahasia.pdf", buffer.getvalue(), max_bytes=LIMIT))
    assert result.code == "unreadable" and "password" in result.message


@pytest.mark.parametrize("cut", [20, 200, -40])
def test_truncated_pdf_is_unreadable_not_a_crash(cut: int) -> None:
    """A damaged PDF gives an error value, never an exception."""
    result = extract_file("rusak.pdf", make_pdf(["Judul", "Isi laporan"])[:cut], max_bytes=LIMIT)
    assert isinstance(result, (ArticleDraft, UserError))
    if isinstance(result, UserError):
        assert result.code in {"unreadable", "no_text"}


def test_real_docx_gives_heading_title_paragraphs_tables_and_author() -> None:
    """A Word file made by python-docx is read in order, tables included."""
    data = make_docx("Gempa di Cianjur", ["Gempa magnitudo 5,6 mengguncang Cianjur.", "Warga diminta waspada."], author="Ani")
    result = draft(extract_file("gempa.docx", data, max_bytes=LIMIT))
    assert result.title == "Gempa di Cianjur"
    assert result.text == "Gempa magnitudo 5,6 mengguncang Cianjur.\nWarga diminta waspada.\nKorban | 3.000 keluarga"
    assert result.author == "Ani"


def test_docx_without_heading_uses_core_properties_title() -> None:
    """When no paragraph is styled as a heading, the document's Title property is used."""
    data = make_docx(None, ["Paragraf pertama berita.", "Paragraf kedua."], core_title="Judul dari Properti")
    result = draft(extract_file("a.docx", data, max_bytes=LIMIT))
    assert result.title == "Judul dari Properti" and result.text.startswith("Paragraf pertama berita.")


def test_docx_without_any_title_uses_its_first_line() -> None:
    """With neither heading nor Title property, the first line is the title."""
    result = draft(extract_file("a.docx", make_docx(None, ["Judul Biasa", "Isinya di sini."]), max_bytes=LIMIT))
    assert result.title == "Judul Biasa" and result.text.startswith("Isinya di sini.")


@pytest.mark.parametrize(
    "data",
    [
        b"PK\x03\x04" + bytes(range(200)),
        b"\x13\x37garbage\x00\x01\x02 not a zip at all",
        None,
    ],
)
def test_corrupted_docx_is_unreadable(data: bytes | None) -> None:
    """Broken Word files, including a real one cut in half, are reported as unreadable."""
    if data is None:
        real = make_docx("Judul", ["Isi"])
        data = real[: len(real) // 2]
    result = error(extract_file("rusak.docx", data, max_bytes=LIMIT))
    assert result.code == "unreadable" and result.item == "rusak.docx"


def test_docx_zip_bomb_by_total_size_is_refused_as_too_large() -> None:
    """A 200 MB member that compresses to ~200 KB is refused before python-docx expands it."""
    bomb = make_zip({"word/document.xml": 200 << 20})
    assert len(bomb) < 1 << 20
    result = error(extract_file("bom.docx", bomb, max_bytes=LIMIT))
    assert result.code == "too_large" and "50 MB" in result.message


def test_docx_zip_bomb_by_compression_ratio_is_refused_as_too_large() -> None:
    """A member under the total cap but compressed ~1000:1 is also refused."""
    result = error(extract_file("bom.docx", make_zip({"word/document.xml": 20 << 20}), max_bytes=LIMIT))
    assert result.code == "too_large" and "ZIP bomb" in result.message


def finished_within(seconds: float, function: Callable[[], object]) -> object:
    """Run function in a worker thread and fail the test if it has not returned in time (left running, as a daemon)."""
    box: list[object] = []
    worker = threading.Thread(target=lambda: box.append(function()), daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), f"still working after {seconds:g} s"
    return box[0]


def test_docx_of_a_million_empty_paragraphs_is_refused_as_too_complex_in_seconds() -> None:
    """A 2 MB .docx whose document.xml is ~7 MB of empty <w:p/> (well under the ZIP-bomb limits) holds a 14-character
    article; reading it paragraph by paragraph would take hours, so it is refused before python-docx parses it."""
    bomb = docx_paragraph_bomb(1_200_000)
    result = error(finished_within(20, lambda: extract_file("bom.docx", bomb, max_bytes=LIMIT)))
    assert result.code == "too_complex" and "too complex" in result.message and result.item == "bom.docx"


def test_docx_of_many_empty_paragraphs_within_the_budget_is_still_read_quickly() -> None:
    """Under the element budget an odd but legal document is read; only paragraphs with text have their style read."""
    bomb = docx_paragraph_bomb(60_000)
    result = draft(finished_within(20, lambda: extract_file("kosong.docx", bomb, max_bytes=LIMIT)))
    assert result.title == "Berita singkat"


def test_html_of_a_hundred_thousand_tiny_paragraphs_is_refused_as_too_complex_in_seconds() -> None:
    """800 KB of <p>x</p> would keep the extractor busy for minutes; it is refused by counting tags first."""
    bomb = html_paragraph_bomb(100_000)
    result = error(finished_within(20, lambda: extract_file("bom.html", bomb, max_bytes=LIMIT)))
    assert result.code == "too_complex" and result.item == "bom.html"


def test_pdf_with_thousands_of_pages_is_refused_as_too_complex_in_seconds() -> None:
    """A 5,000-page PDF (one line per page) is refused before its pages are read."""
    bomb = pdf_pages(5_000)
    result = error(finished_within(20, lambda: extract_file("bom.pdf", bomb, max_bytes=LIMIT)))
    assert result.code == "too_complex" and "pages" in result.message


def test_a_slow_pdf_is_cut_off_by_the_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever makes reading slow, the loop over pages gives up once the time budget is spent."""
    monkeypatch.setattr(extract, "EXTRACT_SECONDS", 0.2)
    monkeypatch.setattr(pypdf.PageObject, "extract_text", lambda self, *a, **k: time.sleep(0.1) or "Baris")
    result = error(finished_within(20, lambda: extract_file("lambat.pdf", pdf_pages(50), max_bytes=LIMIT)))
    assert result.code == "too_complex" and "longer than" in result.message


def test_zip_that_is_not_a_word_document_is_unsupported() -> None:
    """Other ZIP-based formats are named as unsupported rather than unreadable."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    assert error(extract_file("tabel.docx", buffer.getvalue(), max_bytes=LIMIT)).code == "unsupported"


@pytest.mark.parametrize(
    "name, data",
    [
        ("foto.png", b"\x89PNG\r\n\x1a\n" + bytes(64)),
        ("foto.txt", b"\xff\xd8\xff\xe0" + bytes(64)),
        ("lama.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(64)),
    ],
)
def test_known_unsupported_formats_are_refused_by_name(name: str, data: bytes) -> None:
    """Images and old .doc files get an 'unsupported' error that says what they are."""
    result = error(extract_file(name, data, max_bytes=LIMIT))
    assert result.code == "unsupported" and result.message.startswith("this is ")


def test_file_with_lying_extension_is_read_by_its_content() -> None:
    """A PDF named .txt, a Word file named .pdf, HTML named .txt and text named .pdf are all read correctly."""
    pdf_as_txt = draft(extract_file("laporan.txt", make_pdf(["Judul PDF", "Isi PDF."]), max_bytes=LIMIT))
    docx_as_pdf = draft(extract_file("dokumen.pdf", make_docx("Judul Word", ["Isi Word."]), max_bytes=LIMIT))
    html_as_txt = draft(extract_file("halaman.txt", ARTICLE_HTML.encode(), max_bytes=LIMIT))
    text_as_pdf = draft(extract_file("catatan.pdf", b"Judul Teks\nIsi teks biasa.", max_bytes=LIMIT))
    assert (pdf_as_txt.title, pdf_as_txt.text) == ("Judul PDF", "Isi PDF.")
    assert (docx_as_pdf.title, docx_as_pdf.text) == ("Judul Word", "Isi Word.\nKorban | 3.000 keluarga")
    assert html_as_txt.title == "Banjir Rendam Ribuan Rumah di Semarang" and "<" not in html_as_txt.text
    assert html_as_txt.author == "Sari Wulandari"
    assert (text_as_pdf.title, text_as_pdf.text) == ("Judul Teks", "Isi teks biasa.")


def test_extracted_text_has_no_control_characters_except_newline_and_tab() -> None:
    """Whatever the source format, stored text is free of control codes."""
    body = "Isi berita yang cukup panjang untuk dibaca sebagai teks biasa oleh siapa saja. " * 3
    data = ("Judul\x00\n" + body + "\x01\x02\x1f\x7f\x85 lanjut\tkolom").encode("utf-16")
    result = draft(extract_file("a.txt", data, max_bytes=LIMIT))
    assert all(ch in "\n\t" or unicodedata.category(ch) != "Cc" for ch in result.title + result.text)


INTERESTING_PREFIXES = [
    b"",
    b"%PDF-1.4\n",
    b"PK\x03\x04",
    b"<!DOCTYPE html><html><body>",
    b"\xef\xbb\xbf",
    b"\xff\xfe",
    b"\xfe\xff",
    b"# ",
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
]


@hypothesis_settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(["a.txt", "a.md", "a.html", "a.pdf", "a.docx", "a", "a.exe", "../x.TXT"]),
    prefix=st.sampled_from(INTERESTING_PREFIXES),
    data=st.binary(max_size=2048),
)
def test_extract_file_never_raises_for_arbitrary_bytes(name: str, prefix: bytes, data: bytes) -> None:
    """Any upload gives a draft or a UserError, never an exception."""
    result = extract_file(name, prefix + data, max_bytes=LIMIT)
    assert isinstance(result, (ArticleDraft, UserError))
    if isinstance(result, ArticleDraft):
        (result.title + result.text).encode("utf-8")


HTML_PIECES = st.sampled_from(
    ["<html>", "<body>", "<p>", "</p>", "<div", ">", "<!--", "-->", "<script>", "</script>", "<title>", "&amp;", "&#0;", "<![CDATA[", "\x00", " kata berita "]
)


@hypothesis_settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(html=st.one_of(st.text(max_size=2000), st.binary(max_size=2000), st.lists(st.one_of(HTML_PIECES, st.text(max_size=20)), max_size=60).map("".join)))
def test_extract_html_never_raises_for_arbitrary_input(html: str | bytes) -> None:
    """Any page content gives a draft or a UserError, never an exception."""
    result = extract_html(html, "https://contoh.example/x")
    assert isinstance(result, (ArticleDraft, UserError))
    if isinstance(result, ArticleDraft):
        assert len(result.text) >= 40
        (result.title + result.text).encode("utf-8")


WRAPPED_REPORT = (
    "Target Pertumbuhan Ekonomi\n"
    "Pemerintah menargetkan pertumbuhan ekonomi tahun depan\n"
    "mencapai 5,2 persen, kata Menteri Keuangan di Jakarta pada\n"
    "Senin. Program pemba-\n"
    "ngunan jalan tol berlanjut dan gerakan anti-\n"
    "korupsi didukung warga; anak-\n"
    "anak ikut menanam pohon di bantaran sungai yang kini\n"
    "sudah bersih kembali.\n"
    "Belanja Negara\n"
    "Belanja negara dinaikkan menjadi Rp 3.600 triliun, dan skor\n"
    "tim nasional semalam 2-\n"
    "1 disebut dalam pidato itu."
)


def test_pdf_lines_wrapped_mid_sentence_are_rejoined_into_whole_sentences() -> None:
    """A PDF cuts its lines to the page width (and breaks words with a hyphen); the stored text has each sentence
    whole on one line, words unbroken, real hyphens kept, and headings still on lines of their own."""
    result = draft(extract_file("laporan.pdf", make_pdf(WRAPPED_REPORT.split("\n")), max_bytes=LIMIT))
    assert result.title == "Target Pertumbuhan Ekonomi"
    lines = result.text.split("\n")
    assert "Pemerintah menargetkan pertumbuhan ekonomi tahun depan mencapai 5,2 persen, kata Menteri Keuangan di " \
           "Jakarta pada Senin." in lines[0]
    assert "Program pembangunan jalan tol" in lines[0] and "gerakan anti-korupsi" in lines[0]
    assert "anak-anak ikut menanam pohon di bantaran sungai yang kini sudah bersih kembali." in lines[0]
    assert lines[1] == "Belanja Negara"
    assert lines[2] == "Belanja negara dinaikkan menjadi Rp 3.600 triliun, dan skor tim nasional semalam 2-1 disebut " \
                       "dalam pidato itu."


def test_pdf_sentence_cut_at_a_page_end_goes_on_over_the_page() -> None:
    """The last line of a page and the first of the next are one sentence when the next page starts mid-sentence."""
    pages = [["Laporan Target Ekonomi", "Kementerian menyatakan ekspor diharapkan mencapai 1.2"],
             ["miliar dolar pada akhir tahun ini."]]
    result = draft(extract_file("dua.pdf", pdf_of_pages(pages), max_bytes=LIMIT))
    assert "ekspor diharapkan mencapai 1.2 miliar dolar pada akhir tahun ini." in result.text


def test_rejoining_keeps_paragraph_breaks_lists_and_short_lines() -> None:
    """Only wrapped lines are joined: a blank line, a list item, a short unpunctuated heading and a sentence end
    followed by a capital stay breaks."""
    text = ("Judul Singkat\nKalimat pertama yang cukup panjang sampai ke tepi halaman ini.\nKalimat kedua mulai di "
            "baris baru.\n\nParagraf baru yang juga panjang sekali sampai ke tepi\n- butir satu\n- butir dua")
    assert rejoin_wrapped_lines(text) == text


def pdf_of_pages(pages: list[list[str]]) -> bytes:
    """A PDF with one page per list of lines, written by pypdf from single-page PDFs made by make_pdf."""
    writer = pypdf.PdfWriter()
    for lines in pages:
        writer.add_page(pypdf.PdfReader(io.BytesIO(make_pdf(lines))).pages[0])
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("name, data", [
    ("data.csv", b"a,b\n1,2\n"),
    ("catatan.json", b'{"text": "isi"}'),
    ("skrip.py", b"print('halo dunia, ini bukan artikel')\n"),
])
def test_text_files_of_unlisted_types_are_refused_naming_what_can_be_sent(name: str, data: bytes) -> None:
    """Only .txt, .md, .html, .pdf and .docx are read as articles; a .csv is not stored as an article "a,b"."""
    result = error(extract_file(name, data, max_bytes=LIMIT))
    assert result.code == "unsupported" and result.item == name
    assert result.message.startswith(name[name.rfind("."):] + " files are not read as articles")
    assert ".txt, .md, .html, .pdf or .docx" in result.message


def test_names_without_a_real_extension_are_read_as_text() -> None:
    """A name with no extension, or a dot that is not one ("laporan 2.1 final"), is read as plain text."""
    for name in ("document", "laporan 2.1 final"):
        assert draft(extract_file(name, b"Judul\nIsi berita.", max_bytes=LIMIT)).title == "Judul"


def zip_of(members: dict[str, bytes]) -> bytes:
    """A ZIP archive of the given members."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize("name, data, kind", [
    ("berita.zip", zip_of({"berita.txt": b"Judul\nIsi", "data.csv": b"a,b"}), "a ZIP archive"),
    ("berita.zip", b"PK\x03\x04" + bytes(range(200)), "a damaged ZIP archive"),
    ("tabel.xlsx", zip_of({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"}),
     "an Excel workbook"),
    ("buku.epub", zip_of({"mimetype": b"application/epub+zip"}), "an EPUB e-book"),
])
def test_zip_files_that_are_not_word_documents_are_named_for_what_they_are(name: str, data: bytes, kind: str) -> None:
    """A .zip is an archive, not a damaged Word document; the reply says what it is and what to send instead."""
    result = error(extract_file(name, data, max_bytes=LIMIT))
    assert result.code == "unsupported"
    assert result.message == f"this is {kind}, not an article; send the article as a .txt, .md, .html, .pdf or " \
                             ".docx file"


def test_a_word_document_named_zip_is_read_by_its_content() -> None:
    """Content decides: a real .docx uploaded under a .zip name is still read as the Word document it is."""
    result = draft(extract_file("kiriman.zip", make_docx("Judul Word", ["Isi Word."]), max_bytes=LIMIT))
    assert result.title == "Judul Word"


def test_two_column_pdf_is_read_column_by_column_with_whole_sentences() -> None:
    """Columns are not interleaved line by line (as a layout-preserving reading would), and each column's
    wrapped lines are rejoined, so both columns' sentences come out whole."""
    left = ["Pemerintah menargetkan pertumbuhan", "ekonomi tahun depan mencapai 5,2 persen,",
            "kata Menteri Keuangan di Jakarta pada", "Senin."]
    right = ["Program pembangunan jalan tol di luar", "Jawa berlanjut dengan anggaran yang", "lebih besar."]
    result = draft(extract_file("kolom.pdf", two_column_pdf(left, right), max_bytes=LIMIT))
    whole = (result.title + "\n" + result.text).split("\n")
    assert "Pemerintah menargetkan pertumbuhan ekonomi tahun depan mencapai 5,2 persen, kata Menteri Keuangan di " \
           "Jakarta pada Senin." in whole
    assert "Program pembangunan jalan tol di luar Jawa berlanjut dengan anggaran yang lebih besar." in whole
