"""The key sentence of the first passage is the one that answers, even when another repeats more of the question.

Known gap, kept as a specification: today's scorer (question stems + answer type) bolds the sentence that repeats the
question's topic (the 2-1 lead, "412 children sickened", "700 homes"). Adding the model's sentence-level closeness
does not fix it: multilingual-e5-small also ranks those sentences closest to the question, and on the dev sets it
moves key-sentence hit@1 by at most a point either way, so it is not used.
"""

from __future__ import annotations

import pytest

from retrieval.ingest.documents import ArticleDraft

FOOTBALL = ArticleDraft(title="Timnas Indonesia kalahkan Vietnam", source="Bola", text=(
    "Timnas Indonesia mengalahkan Vietnam 2-1 dalam laga kualifikasi Piala Dunia di Stadion Utama Gelora Bung Karno, "
    "Jakarta, Selasa malam. Vietnam sempat unggul lebih dulu pada babak pertama. "
    "Gol kemenangan dicetak Marselino Ferdinan pada menit ke-78 setelah menerima umpan panjang. "
    "Pelatih tim memuji kerja keras para pemain sepanjang pertandingan."))
SYRUP = ArticleDraft(title="Cough syrup deaths", source="Wire", text=(
    "Health officials said 412 children sickened after taking the contaminated cough syrup were treated in hospitals "
    "across the province. Eleven children have died, the ministry said on Friday. "
    "The syrup's maker has recalled every batch sold since March and its factory was closed."))
SOLAR = ArticleDraft(title="Floating solar farm opens", source="Energy Desk", text=(
    "The floating solar farm on the Cirata reservoir will power about 700 homes in the nearby town. "
    "It cost $11 million, paid by a regional development fund and two private investors. "
    "Construction took eighteen months and employed local workers."))


@pytest.mark.xfail(strict=True, reason="the key-sentence scorer prefers the sentence repeating the question's topic")
@pytest.mark.parametrize(("question", "key"), [
    ("who scored the winning goal against Vietnam?", "Marselino Ferdinan"),
    ("how many children died after taking the cough syrup?", "Eleven children have died"),
    ("how much did the floating solar farm cost?", "$11 million"),
])
def test_the_first_passage_bolds_the_sentence_that_answers(library, question, key):
    for number, draft in enumerate((FOOTBALL, SYRUP, SOLAR)):
        library.add_article(draft, f"article-{number}")
    assert key in library.ask(question).passages[0].key_sentence
