"""The tf-idf shortlist over visual words, against a dense computation of the same."""

from __future__ import annotations

import numpy as np

from provenance.fingerprint import WordBag
from provenance.match import WordIndex, _shortlist

VOCABULARY = 64


def _bags(seed: int, n: int) -> list[WordBag]:
    rng = np.random.default_rng(seed)
    bags = []
    for i in range(n):
        size = 0 if i % 7 == 3 else int(rng.integers(1, 20))  # some items have no words
        words = np.unique(rng.integers(0, VOCABULARY, size)).astype(np.uint32)
        bags.append(WordBag(words, rng.integers(1, 4, len(words)).astype(np.uint8)))
    return bags


def _dense(bags: list[WordBag]) -> tuple[np.ndarray, np.ndarray]:
    """tf-idf rows of unit length and the idf, the textbook way."""
    counts = np.zeros((len(bags), VOCABULARY))
    for i, bag in enumerate(bags):
        counts[i, bag.words] = bag.counts
    idf = np.log((1 + len(bags)) / (1 + (counts > 0).sum(axis=0))) + 1.0
    weighted = counts * idf
    norms = np.linalg.norm(weighted, axis=1, keepdims=True)
    return weighted / np.maximum(norms, 1e-9), idf


def test_the_index_is_the_dense_tf_idf_matrix():
    bags = _bags(1, 40)
    index = WordIndex(bags, vocabulary=VOCABULARY)
    rows, idf = _dense(bags)
    np.testing.assert_allclose(index.idf, idf)
    assert index.matrix.dtype == np.float32  # kept and multiplied in single precision
    np.testing.assert_allclose(index.matrix.toarray(), rows, atol=6e-8)  # float32's rounding


def test_the_shortlist_ranks_by_cosine_similarity_and_leaves_out_what_is_excluded():
    bags = _bags(2, 30)
    index = WordIndex(bags, vocabulary=VOCABULARY)
    rows, idf = _dense(bags)
    query = bags[5]
    vector = np.zeros(VOCABULARY)
    vector[query.words] = query.counts
    vector *= idf
    scores = rows @ (vector / np.linalg.norm(vector))
    expected = [int(i) for i in np.argsort(-scores, kind="stable") if scores[i] > 0 and i != 5][:4]
    found = index.shortlist(query, top=4, exclude=frozenset({5}))
    assert [i for i, _ in found] == expected
    np.testing.assert_allclose([s for _, s in found], scores[expected], rtol=1e-6)


def test_an_empty_archive_or_an_empty_query_shortlists_nothing():
    empty = WordIndex([], vocabulary=VOCABULARY)
    assert empty.matrix.shape == (0, VOCABULARY)
    assert empty.shortlist(_bags(3, 1)[0]) == []
    nothing = WordBag(np.zeros(0, np.uint32), np.zeros(0, np.uint8))
    assert WordIndex(_bags(4, 5), vocabulary=VOCABULARY).shortlist(nothing) == []
    only_empty = WordIndex([nothing, nothing], vocabulary=VOCABULARY)
    assert only_empty.shortlist(_bags(5, 1)[0]) == []


def test_an_index_built_in_small_blocks_has_the_very_weights_of_one_block(monkeypatch):
    """Weights are made a block of rows at a time; each row's sums as in one pass."""
    bags = _bags(6, 300)
    whole = WordIndex(bags, vocabulary=VOCABULARY)
    monkeypatch.setattr(_shortlist, "BLOCK_WEIGHTS", 7)  # rows cut across every block
    blocks = WordIndex(bags, vocabulary=VOCABULARY)
    for field in ("data", "indices", "indptr"):
        assert np.array_equal(getattr(blocks.matrix, field), getattr(whole.matrix, field))
    assert blocks.matrix.data.tobytes() == whole.matrix.data.tobytes()  # bit for bit
    assert blocks.matrix.indices.dtype == np.int32 == blocks.matrix.indptr.dtype
    query = bags[3] if len(bags[3].words) else bags[4]
    assert blocks.shortlist(query, top=50) == whole.shortlist(query, top=50)
