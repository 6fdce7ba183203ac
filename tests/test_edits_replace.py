"""Edits replace: an article is known by its canonical link, and a changed text under that link replaces it."""

from sqlalchemy import text as sql

from retrieval.ingest.documents import ArticleDraft
from retrieval.ingest.urls import canonical_url
from retrieval.library import Library
from tests.conftest import second_process_library

LINK = "https://Berita.example/2026/12/banjir-bandung"
FIRST = ("Banjir setinggi 50 cm merendam 300 rumah di Kecamatan Dayeuhkolot, Bandung, pada Senin sore. "
         "BPBD mengerahkan perahu karet untuk mengevakuasi warga.")
EDITED = ("Banjir setinggi 120 cm merendam 900 rumah di Kecamatan Dayeuhkolot, Bandung, pada Senin sore. "
          "BPBD mengerahkan perahu karet dan helikopter untuk mengevakuasi warga.")


def draft(body: str, url: str = LINK, title: str = "Banjir di Bandung") -> ArticleDraft:
    """A linked article draft."""
    return ArticleDraft(text=body, title=title, url=url, source="Berita.example")


def test_canonical_link_drops_case_of_host_fragment_and_tracking_parameters():
    assert canonical_url("HTTPS://Berita.Example:443/a/B?utm_source=tg&id=7&fbclid=x&gclid=y#komentar") == \
        "https://berita.example/a/B?id=7"
    assert canonical_url("https://berita.example/a/B?id=7") == "https://berita.example/a/B?id=7"
    assert canonical_url("ftp://berita.example/a") is None and canonical_url(None) is None


def test_an_edited_article_replaces_the_stored_one_and_no_process_answers_from_its_old_text(settings, embedder, tmp_path):
    leader = Library(settings, embedder)
    follower = second_process_library(settings, embedder, tmp_path / "follower")
    try:
        added = leader.add_article(draft(FIRST), LINK)
        follower.sync()
        assert "300 rumah" in follower.ask("berapa rumah terendam banjir di Dayeuhkolot?").passages[0].text
        edited = leader.add_article(draft(EDITED, LINK + "?utm_source=telegram#atas", "Banjir besar di Bandung"))
        assert (edited.status, edited.article_id) == ("updated", added.article_id)
        stored = leader.get(added.article_id)
        assert (stored.title, stored.url, stored.text) == ("Banjir besar di Bandung", LINK, EDITED)
        assert leader.stats().articles == 1
        follower.sync()
        for library in (leader, follower):
            passages = library.ask("berapa rumah terendam banjir di Dayeuhkolot?").passages
            assert "900 rumah" in passages[0].text
            assert not any("300 rumah" in p.text for p in passages)
            assert set(library.indexes.lexical.ids()) == set(library.repo.chunk_ids())
    finally:
        follower.close()
        leader.close()


def test_the_same_text_under_the_same_link_is_a_duplicate(settings, hash_embedder):
    with Library(settings, hash_embedder) as library:
        first = library.add_article(draft(FIRST))
        again = library.add_article(draft(FIRST, LINK + "#x"))
        assert (again.status, again.article_id) == ("duplicate", first.article_id)


def test_two_versions_of_one_link_in_one_batch_keep_the_later(settings, hash_embedder):
    with Library(settings, hash_embedder) as library:
        results = list(library.add_articles([("v1", draft(FIRST)), ("v2", draft(EDITED))]))
        assert [r.status for r in results] == ["added", "updated"]
        assert library.stats().articles == 1 and library.get(results[0].article_id).text == EDITED


def test_a_new_version_whose_text_is_another_stored_article_changes_nothing(settings, hash_embedder):
    with Library(settings, hash_embedder) as library:
        library.add_article(draft(EDITED, "https://lain.example/berita"))
        mine = library.add_article(draft(FIRST))
        clash = library.add_article(draft(EDITED))
        assert clash.status == "duplicate" and library.get(mine.article_id).text == FIRST


def test_articles_stored_before_canonical_links_are_replaced_by_their_edits(settings, hash_embedder):
    with Library(settings, hash_embedder) as library:
        first = library.add_article(draft(FIRST))
        with library.engine.begin() as connection:
            connection.execute(sql("UPDATE articles SET canonical_url = NULL"))
            connection.execute(sql("DELETE FROM chat_settings"))
    with Library(settings, hash_embedder) as reopened:
        edited = reopened.add_article(draft(EDITED, LINK + "?utm_medium=social"))
        assert (edited.status, edited.article_id) == ("updated", first.article_id)
        assert reopened.stats().articles == 1


def test_upgrading_a_library_keeps_every_article_and_chunk_and_gives_old_links_their_canonical_form(settings,
                                                                                                  hash_embedder):
    from alembic import command
    from alembic.config import Config

    from storage.database import MIGRATIONS, make_engine

    engine = make_engine(settings.resolved_database_url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0005")
        connection.execute(sql("INSERT INTO articles (title, text, url, content_hash, ingested_at) VALUES "
                               "('Lama', 'Teks lama.', 'HTTPS://Berita.example/lama?utm_source=x', 'h1', '2026-01-01'),"
                               "('Salinan', 'Teks lain.', 'https://berita.example/lama#a', 'h2', '2026-01-01')"))
        connection.execute(sql("INSERT INTO chunks (article_id, ordinal, text, char_start, char_end) VALUES "
                               "(1, 0, 'Teks lama.', 0, 10), (2, 0, 'Teks lain.', 0, 10)"))
    engine.dispose()
    with Library(settings, hash_embedder, check_model=False) as library:
        with library.engine.connect() as connection:
            links = connection.execute(sql("SELECT id, canonical_url FROM articles ORDER BY id")).all()
        assert links == [(1, "https://berita.example/lama"), (2, None)]
        assert library.stats().chunks == 2 and library.stats().articles == 2


def test_a_link_sent_again_after_its_page_changed_is_reported_updated_in_telegram(tg, start_bot, bot_library):
    from tests.bot_harness import exchange
    from bench.web import LocalSite, page

    def article(body: str) -> bytes:
        """The news page with the given text."""
        return (f"<html><head><title>Banjir di Bandung</title></head><body><article><h1>Banjir di Bandung</h1>"
                f"<p>{body}</p></article></body></html>").encode()

    with LocalSite() as site, start_bot(bot_library):
        site.routes["/banjir"] = page("text/html", article(FIRST))
        added = exchange(tg, 5, lambda: tg.text_message(5, site.url("/banjir")))[0]["params"]["text"]
        site.routes["/banjir?utm_source=wa"] = page("text/html", article(EDITED))
        updated = exchange(tg, 5, lambda: tg.text_message(5, site.url("/banjir?utm_source=wa")))[0]["params"]["text"]
    assert added.startswith("Saved “Banjir di Bandung”") and added.endswith("article #1.")
    assert updated.startswith("Updated “Banjir di Bandung” with its new text") and updated.endswith("article #1.")
    assert bot_library.stats().articles == 1 and "900 rumah" in bot_library.get(1).text
