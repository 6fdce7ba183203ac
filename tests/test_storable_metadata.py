"""Whatever metadata arrives (forward, upload, link or JSON), it is stored the same way on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from retrieval.ingest.documents import ArticleDraft
from retrieval.ingest.extract import extract_file
from retrieval.library import Library

TEXT = "Pemerintah daerah membuka posko bantuan bagi warga yang terdampak banjir di tiga kecamatan."


def stored(library: Library, draft: ArticleDraft):
    """Add one draft, assert it was stored, and read it back."""
    result = library.add_article(draft, "uji")
    assert result.status == "added", result.error
    return library.get(result.article_id)


def test_over_long_source_and_author_are_cut_to_their_columns(library: Library) -> None:
    """An 800-character author and a 400-character source fit the 300-character columns on both backends."""
    info = stored(library, ArticleDraft(text=TEXT, title="Posko Banjir", source="Sumber " * 60, author="Penulis " * 100))
    assert len(info.source) <= 300 and info.source.startswith("Sumber Sumber")
    assert len(info.author) <= 300 and info.author.startswith("Penulis Penulis")


def test_nul_and_control_characters_leave_url_source_author_and_title(library: Library) -> None:
    """PostgreSQL cannot store NUL in text; SQLite could, so both drop it (and other control characters)."""
    draft = ArticleDraft(text=TEXT, title="Posko\x00 Banjir\x07", url="https://warta.example/\x00banjir",
                         source="Warta\x00\r\nContoh", author="Ani\x00\x1b[31m", added_by="tg:1\x00")
    info = stored(library, draft)
    assert (info.title, info.url, info.source, info.author) == (
        "Posko Banjir", "https://warta.example/banjir", "Warta Contoh", "Ani[31m")


@pytest.mark.parametrize(("given", "kept"), [("id", "id"), ("EN", "en"), ("pt_BR", "pt-br"), ("zh-Hant", "zh-hant"),
                                             ("indonesian", "id"), ("bahasa indonesia yang panjang", "id"),
                                             ("i\x00d", "id"), ("", "id")])
def test_language_is_a_short_code_or_guessed_from_the_text(library: Library, given: str, kept: str) -> None:
    """A language that is not a 2–8 character code is replaced by the guess from the (Indonesian) text."""
    assert stored(library, ArticleDraft(text=TEXT, title="Posko", language=given)).language == kept


def test_an_html_page_with_an_800_character_author_is_stored(library: Library) -> None:
    """An uploaded page whose author meta tag is absurdly long is stored (the author cut), not a database error."""
    page = (f'<html><head><title>Posko Banjir</title><meta name="author" content="{"Redaksi " * 100}"></head>'
            f"<body><article><h1>Posko Banjir</h1><p>{TEXT}</p><p>{TEXT.replace('tiga', 'empat')}</p>"
            "</article></body></html>").encode()
    draft = extract_file("posko.html", page, max_bytes=1_000_000)
    assert isinstance(draft, ArticleDraft) and len(draft.author or "") > 300
    info = stored(library, draft)
    assert info.author and len(info.author) <= 300


@pytest.mark.parametrize("text", ["\x00\x01\u200b\x02\u200b", "\u200b\u200b", "\u202e\u2066\ufeff \n\t", "\x00\x85\u2028\u2029\x7f"])
def test_text_of_only_invisible_characters_is_refused_as_no_text(library: Library, text: str) -> None:
    """Control, zero-width and bidi characters alone are not an article."""
    result = library.add_article(ArticleDraft(text=text, title="Kosong"), "pesan")
    assert result.status == "failed" and result.error.code == "no_text"
    assert library.stats().articles == 0
