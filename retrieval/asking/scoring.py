"""Score stages: one score per candidate from the signals, adjusted for a follow-up, then the shortlist."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from retrieval.asking.query import Search
from retrieval.embedding.protocol import TextEmbedder
from retrieval.indexes.store import Indexes
from retrieval.ranking.followup import order_within_articles
from retrieval.ranking.fusion import FusionWeights, fuse, ranked


@dataclass(frozen=True)
class Fusion:
    """The cosine plus a lexical bonus as sure as BM25 is, off for passages in another language (see `fuse`)."""

    weights: FusionWeights = field(default_factory=FusionWeights)
    name: str = "fusion"

    def __call__(self, search: Search) -> Search:
        language = search.query.language
        same = {cid: (c.language or "id") == language for cid, c in search.stored.items()}
        return replace(search, scores=fuse(search.dense, search.lexical, search.coverage, same, self.weights))


@dataclass(frozen=True)
class DenseScores:
    """The cosines alone as scores (the dense search mode)."""

    name: str = "scores"

    def __call__(self, search: Search) -> Search:
        return replace(search, scores=search.dense)


@dataclass(frozen=True)
class LexicalScores:
    """The BM25 scores alone (the lexical search mode)."""

    name: str = "scores"

    def __call__(self, search: Search) -> Search:
        return replace(search, scores=search.lexical)


@dataclass(frozen=True)
class FollowUp:
    """A follow-up favours the chunks of the articles its context cited, ordered within each article by the
    follow-up's own wording (embedded only when such chunks are among the candidates)."""

    embedder: TextEmbedder
    indexes: Indexes
    name: str = "followup"

    def __call__(self, search: Search) -> Search:
        prefer, stored = search.query.resolved.prefer_articles, search.stored
        if not prefer:
            return search
        bonus = search.query.settings.followup_article_bonus
        cited = {cid for cid in search.scores if cid in stored and stored[cid].article_id in prefer}
        scores = {cid: s + (bonus if cid in cited else 0.0) for cid, s in search.scores.items()}
        if cited:
            own_vector = self.embedder.query(search.query.question)
            own = {cid: float(v @ own_vector) for cid, v in self.indexes.stored_vectors(list(cited)).items()}
            scores = order_within_articles(scores, {cid: stored[cid].article_id for cid in own}, own)
        return replace(search, scores=scores)


@dataclass(frozen=True)
class Shortlist:
    """The candidates ranked by score, and the stored chunks of the first `candidate_pool` of them: the only
    ones later stages may re-order into passages."""

    name: str = "shortlist"

    def __call__(self, search: Search) -> Search:
        ranking = ranked(search.scores)
        pool, stored = search.query.settings.candidate_pool, search.stored
        return replace(search, ranking=ranking,
                       shortlist={cid: stored[cid] for cid, _ in ranking[:pool] if cid in stored})
