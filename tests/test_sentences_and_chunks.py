"""Sentence boundaries and chunk spans on Indonesian and English news text."""

from retrieval.ingest.chunking import chunk_text
from retrieval.ingest.sentences import sentences
from tests.conftest import sample_draft


def test_indonesian_abbreviations_do_not_end_a_sentence():
    text = "Dr. Budi dan Prof. Sari hadir di rapat. Surat No. 5 dikirim a.n. Menteri, dll. kemarin. Ia tiba."
    assert sentences(text) == [
        "Dr. Budi dan Prof. Sari hadir di rapat.",
        "Surat No. 5 dikirim a.n. Menteri, dll. kemarin.",
        "Ia tiba.",
    ]


def test_numbers_with_dots_and_commas_stay_inside_their_sentence():
    text = "Sebanyak 11.000 warga mengungsi. Harga naik 3,5 persen menjadi Rp 12.500. Angka itu tercatat."
    assert sentences(text) == [
        "Sebanyak 11.000 warga mengungsi.",
        "Harga naik 3,5 persen menjadi Rp 12.500.",
        "Angka itu tercatat.",
    ]


def test_quotes_and_ellipses_do_not_cut_a_sentence():
    text = "“Kami siap... kapan saja,” kata Putin. Ia tersenyum. St. Louis menang 3-1! Lalu?"
    assert sentences(text) == ["“Kami siap... kapan saja,” kata Putin.", "Ia tersenyum.", "St. Louis menang 3-1!", "Lalu?"]


def test_english_titles_and_initials_are_not_boundaries():
    assert sentences("Mr. J. K. Rowling met Dr. Smith on Baker St. in London. They talked.") == [
        "Mr. J. K. Rowling met Dr. Smith on Baker St. in London.",
        "They talked.",
    ]


def test_a_line_break_ends_a_sentence_even_without_punctuation():
    assert sentences("Respon Amerika\nTentu saja AS berang.") == ["Respon Amerika", "Tentu saja AS berang."]


def test_chunk_spans_slice_back_to_the_chunk_text():
    text = sample_draft().text
    chunks = chunk_text(text, target_words=60, overlap_sentences=1)
    assert len(chunks) > 3
    for chunk in chunks:
        assert text[chunk.start : chunk.end] == chunk.text


def test_chunks_never_cut_a_sentence_and_overlap_by_whole_sentences():
    text = sample_draft().text
    whole = set(sentences(text))
    chunks = chunk_text(text, target_words=60, overlap_sentences=1)
    for chunk in chunks:
        assert set(sentences(chunk.text)) <= whole
    for before, after in zip(chunks, chunks[1:]):
        assert sentences(before.text)[-1] == sentences(after.text)[0]


def test_chunk_size_follows_the_word_target():
    text = " ".join(f"Kalimat nomor {i} berisi beberapa kata biasa saja." for i in range(200))
    for target in (60, 120, 200):
        chunks = chunk_text(text, target_words=target, overlap_sentences=0)
        assert all(len(c.text.split()) <= target for c in chunks)
        assert all(len(c.text.split()) > target - 10 for c in chunks[:-1])


def test_a_one_megabyte_line_is_chunked_into_bounded_pieces():
    text = "kata " * 200_000
    chunks = chunk_text(text, target_words=120)
    assert chunks and max(len(c.text) for c in chunks) < 5000
    assert all(text[c.start : c.end] == c.text for c in chunks)
