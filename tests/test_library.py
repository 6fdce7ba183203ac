"""The Library service: storing, duplicates, deleting, and indexes that stay in step with the database."""

from dataclasses import replace

import pytest

from retrieval.ingest.documents import ArticleDraft, UserError
from retrieval.library import Library
from retrieval.indexes.vectors import ModelMismatch
from storage.database import integrity_ok
from tests.conftest import sample_draft, second_process_library
from tests.corpus import BELOUSOV, WEATHER


def test_the_users_example_is_answered_with_its_citation(sample_library):
    answer = sample_library.ask("siapa yang mendampingi Putin?")
    first = answer.passages[0]
    assert answer.found and BELOUSOV in first.text
    assert first.article.source == "Tribunnews.com" and first.article.title
    assert first.text == sample_library.get(first.article.id).text[first.char_start : first.char_end]


def test_the_same_article_with_different_spacing_is_stored_once(library):
    first = library.add_article(sample_draft())
    respaced = sample_draft()
    respaced.text = "  " + respaced.text.replace(" ", "   ").replace("\n", "\n\n") + "\n"
    second = library.add_article(respaced)
    assert first.status == "added" and second.status == "duplicate"
    assert second.article_id == first.article_id
    assert library.stats().articles == 1


def test_context_shows_the_article_text_around_a_passage_and_which_sides_go_on(sample_library):
    passage = sample_library.ask("siapa yang mendampingi Putin?").passages[0]
    text = sample_library.get(passage.article.id).text
    start, end = passage.char_start, passage.char_end
    around = sample_library.context(passage.article.id, start, end, window=40)
    shown_from = max(0, start - 40)
    assert around.text == text[shown_from : end + 40]
    assert around.text[around.start : around.end] == text[start:end]
    assert (around.cut_before, around.cut_after) == (start > 40, end + 40 < len(text))
    opening = sample_library.context(passage.article.id, 0, 10, window=len(text))
    assert (opening.text, opening.cut_before, opening.cut_after) == (text, False, False)
    assert sample_library.context(passage.article.id + 99, 0, 10) is None


def test_a_deleted_article_no_longer_answers(sample_library):
    sample_library.add_article(WEATHER)
    article_id = sample_library.ask("siapa yang mendampingi Putin?").passages[0].article.id
    assert sample_library.delete(article_id)
    answer = sample_library.ask("siapa yang mendampingi Putin?")
    assert all(BELOUSOV not in p.text for p in answer.passages)
    assert not sample_library.delete(article_id)


def test_at_most_one_passage_per_article_unless_asked(sample_library):
    sample_library.add_article(WEATHER)
    answer = sample_library.ask("Putin Kim Jong Un Korea Utara", top_k=3)
    assert len({p.article.id for p in answer.passages}) == len(answer.passages)
    several = sample_library.ask("Putin Kim Jong Un Korea Utara", top_k=3, per_article=3)
    ids = [p.article.id for p in several.passages]
    assert len(ids) > len(set(ids)) or len(several.passages[0].chunk_ids) > 1


def test_adjacent_chunks_of_one_article_are_merged_not_repeated(sample_library):
    answer = sample_library.ask("Putin Kim Jong Un Korea Utara", top_k=1, per_article=4)
    texts = [p.text for p in answer.passages]
    for i, a in enumerate(texts):
        for b in texts[i + 1 :]:
            assert a not in b and b not in a
    merged = [p for p in answer.passages if len(p.chunk_ids) > 1]
    article = sample_library.get(answer.passages[0].article.id).text
    for passage in merged:
        assert article[passage.char_start : passage.char_end] == passage.text


def test_bad_items_are_reported_and_the_rest_of_the_batch_is_stored(library):
    items = [
        ("empty.txt", ArticleDraft(text="   \n  ")),
        ("broken.jsonl:2", UserError("malformed", "not valid JSON", "broken.jsonl:2")),
        ("good", WEATHER),
    ]
    results = list(library.add_articles(items))
    assert [r.status for r in results] == ["failed", "failed", "added"]
    assert results[0].error.code == "no_text" and "no text" in str(results[0].error)
    assert library.stats().articles == 1


def test_an_article_over_the_size_limit_is_refused(settings, embedder):
    small = Library(settings.model_copy(update={"max_article_chars": 100}), embedder)
    result = small.add_article(sample_draft(), "big.txt")
    small.close()
    assert result.status == "failed" and result.error.code == "too_large"


def test_index_files_deleted_are_rebuilt_from_the_database_at_start(settings, embedder, sample_library):
    sample_library.close()
    for name in ("vectors.idx", "lexical.idx"):
        (settings.data_dir / "index" / name).unlink()
    reopened = Library(settings, embedder)
    assert "added" in (reopened.repair_note or "")
    assert BELOUSOV in reopened.ask("siapa yang mendampingi Putin?").passages[0].text
    reopened.close()


def test_an_index_out_of_step_is_repaired_at_start(settings, embedder, sample_library, caplog):
    sample_library.add_article(WEATHER)
    sample_library.close()
    stale = Library(settings, embedder)
    weather_chunks = [c.id for c in stale.repo.article_chunks(2)]
    stale.indexes.remove(weather_chunks)
    stale.indexes.vectors.add([999_999], stale.embedder.passages(["ghost"]))
    stale.indexes.lexical.add(999_999, ["ghost"])
    stale.indexes.save()
    stale.engine.dispose()
    with caplog.at_level("WARNING"):
        repaired = Library(settings, embedder)
    assert "index repair" in caplog.text
    assert set(repaired.indexes.vectors.ids()) == set(repaired.repo.chunk_ids())
    assert set(repaired.indexes.lexical.ids()) == set(repaired.repo.chunk_ids())
    assert repaired.ask("banjir di Bandung").passages[0].article.id == 2
    repaired.close()


def test_an_index_built_by_another_model_is_refused(settings, embedder, sample_library):
    sample_library.close()

    class OtherModel:
        name, dim = "another-model", embedder.dim

    with pytest.raises(ModelMismatch, match="tanya reindex"):
        Library(settings, OtherModel())


def test_reindex_rebuilds_without_losing_answers(sample_library):
    assert sample_library.reindex(approximate=False) == sample_library.stats().chunks
    assert BELOUSOV in sample_library.ask("siapa yang mendampingi Putin?").passages[0].text


def test_the_database_passes_an_integrity_check_after_ingest_and_delete(sample_library):
    sample_library.add_article(replace(WEATHER))
    sample_library.delete(1)
    assert integrity_ok(sample_library.engine)


def test_listing_shows_newest_first_with_each_articles_passage_count(sample_library):
    sample_library.add_article(ArticleDraft(text="Harga beras naik di Jakarta pekan ini.", title="Harga beras"), "short")
    listed = sample_library.list()
    assert [a.title for a in listed][0] == "Harga beras"
    assert [a.chunks for a in listed] == [1, sample_library.stats().chunks - 1]


def test_rechunking_resplits_older_articles_and_every_process_follows(settings, embedder, tmp_path):
    with Library(settings.model_copy(update={"chunk_words": 60}), embedder) as old:
        old.add_article(sample_draft(), "sample")
        small = old.stats().chunks
    follower = second_process_library(settings, embedder, tmp_path / "follower")
    with Library(settings, embedder) as current:
        checked: list[int] = []
        report = current.rechunk(progress=checked.append)
        assert (report.articles, report.rechunked, report.chunks_before) == (1, 1, small) and sum(checked) == 1
        assert report.chunks_after == current.stats().chunks < small
        text = current.get(1).text
        assert all(text[c.char_start : c.char_end] == c.text for c in current.repo.article_chunks(1))
        assert set(current.indexes.vectors.ids()) == set(current.repo.chunk_ids())
        assert BELOUSOV in current.ask("siapa yang mendampingi Putin?").passages[0].text
        assert current.rechunk().rechunked == 0
    follower.sync()
    assert set(follower.indexes.lexical.ids()) == set(follower.repo.chunk_ids())
    assert BELOUSOV in follower.ask("who accompanied Putin?").passages[0].text
    follower.close()
    with Library(settings, embedder) as reopened:
        assert reopened.repair_note is None



def test_a_following_process_weighs_words_as_if_deleted_articles_were_never_there(settings, embedder, tmp_path):
    leader = Library(settings, embedder)
    leader.add_article(sample_draft(), "sample")
    for n in range(3):
        leader.add_article(ArticleDraft(title=f"Kabar {n}", text=f"Putin menerima tamu ke-{n} di Kremlin. "
                                        "Pertemuan itu membahas perdagangan gandum."))
    follower = second_process_library(settings, embedder, tmp_path / "follower")
    for article_id in (2, 3, 4):
        leader.delete(article_id)
    follower.sync()
    questions = ("siapa yang mendampingi Putin?", "who accompanied Putin?", "Putin gandum Kremlin")
    followed = [[(p.chunk_ids, round(p.score, 6)) for p in follower.ask(q).passages] for q in questions]
    assert followed == [[(p.chunk_ids, round(p.score, 6)) for p in leader.ask(q).passages] for q in questions]
    follower.close()
    leader.close()


def test_reindex_after_a_model_change_re_embeds_every_chunk_and_answers_with_the_new_model(settings, embedder, sample_library):
    sample_library.add_article(WEATHER)
    sample_library.close()

    class RenamedModel:
        """The same model under another name, as if EMBEDDING_MODEL had changed."""

        name, dim = "renamed-e5", embedder.dim

        def __getattr__(self, attribute):
            return getattr(embedder, attribute)

    with Library(settings, RenamedModel(), check_model=False) as switching:
        assert switching.reindex() == switching.stats().chunks
        models = {row.model for rows in switching.repo.iter_embeddings() for row in rows}
    assert models == {"renamed-e5"}
    with Library(settings, RenamedModel()) as renamed:
        assert renamed.repair_note is None
        assert BELOUSOV in renamed.ask("siapa yang mendampingi Putin?").passages[0].text
        assert renamed.ask("banjir di Bandung").passages[0].article.id == 2


def test_a_rechunk_cut_short_after_a_commit_loses_no_article_and_is_finished_by_running_it_again(settings, embedder):
    with Library(settings.model_copy(update={"chunk_words": 60}), embedder) as old:
        old.add_article(sample_draft(), "sample")
        old.add_article(WEATHER)
        old.add_article(ArticleDraft(title="Harga beras", text=" ".join(["Harga beras naik di pasar induk Cipinang."] * 30)))
    dying = Library(settings, embedder)
    swap = dying.repo.replace_chunks

    def swap_once_then_crash(*args, **kwargs):
        swap(*args, **kwargs)
        raise KeyboardInterrupt("the process dies after its first swap committed, before the indexes hear of it")

    dying.repo.replace_chunks = swap_once_then_crash
    with pytest.raises(KeyboardInterrupt):
        dying.rechunk()
    dying.engine.dispose()
    with Library(settings, embedder) as restarted:
        assert restarted.repair_note
        assert set(restarted.indexes.vectors.ids()) == set(restarted.repo.chunk_ids())
        assert restarted.stats().articles == 3
        assert BELOUSOV in restarted.ask("siapa yang mendampingi Putin?").passages[0].text
        assert restarted.rechunk().rechunked == 1
        assert restarted.rechunk().rechunked == 0
        assert set(restarted.indexes.lexical.ids()) == set(restarted.repo.chunk_ids())
        assert restarted.ask("banjir di Bandung").passages[0].article.id == 2


def test_a_conversation_keeps_its_turns_passages_and_preferences_until_reset(settings, hash_embedder):
    with Library(settings, hash_embedder) as library:
        library.add_article(WEATHER)
        library.settings = library.settings.model_copy(update={"history_turns": 1})
        library.ask("hujan di Bandung", conversation="chat-1")
        answer = library.ask("banjir di Dayeuhkolot", conversation="chat-1")
        assert [turn.question for turn in library.history("chat-1")] == ["banjir di Dayeuhkolot"]
        kept = library.turn_passages("chat-1", answer.turn_id)
        assert [p.as_dict() for p in kept] == [p.as_dict() for p in answer.passages]
        assert library.turn_passages("chat-2", answer.turn_id) is None
        library.set_chat_setting("chat-1", "lang", "en")
        assert library.chat_setting("chat-1", "lang") == "en" and library.chat_setting("chat-2", "lang") is None
        assert library.reset_conversation("chat-1") == 1 and library.history("chat-1") == []
