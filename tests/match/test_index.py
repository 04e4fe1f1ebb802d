import numpy as np
import pytest

from provenance.match import make_index
from provenance.match._index import search_unique


def triples(hits):
    columns = (hits.query.tolist(), hits.entry.tolist(), hits.distance.tolist())
    return sorted(zip(*columns, strict=True))


@pytest.fixture
def table() -> np.ndarray:
    rng = np.random.default_rng(3)
    return rng.integers(0, 2**63, 20_000, dtype=np.uint64) * 2 + rng.integers(
        0, 2, 20_000, dtype=np.uint64
    )


def queries(table: np.ndarray) -> np.ndarray:
    rng = np.random.default_rng(4)
    flips = np.uint64(0b1011) | (np.uint64(1) << np.uint64(63))  # 4 bits, top bit included
    near = table[:40] ^ flips
    far = table[40:50] ^ np.uint64(0xFFF)  # 12 bits away
    return np.concatenate([near, far, rng.integers(0, 2**63, 30, dtype=np.uint64)])


def test_numpy_index_finds_exactly_the_hashes_within_the_radius(table: np.ndarray) -> None:
    index = make_index("numpy")
    index.add(table[:10_000])
    index.add(table[10_000:])
    assert len(index) == len(table)
    q = queries(table)
    hits = index.search(q, radius=10)
    expected = []
    for i, h in enumerate(q):
        distance = np.bitwise_count(table ^ h)
        expected += [(i, int(j), int(distance[j])) for j in np.flatnonzero(distance <= 10)]
    assert triples(hits) == sorted(expected)
    assert {(i, j) for i, j, _ in triples(hits)} >= {(i, i) for i in range(40)}


def test_faiss_index_gives_the_same_hits(table: np.ndarray) -> None:
    pytest.importorskip("faiss")
    a, b = make_index("numpy"), make_index("faiss")
    a.add(table)
    b.add(table)
    q = queries(table)
    for radius in (0, 4, 10, 12):
        assert triples(a.search(q, radius=radius)) == triples(b.search(q, radius=radius))


def test_search_unique_expands_to_every_duplicate_query(table: np.ndarray) -> None:
    index = make_index("numpy")
    index.add(table)
    q = np.concatenate([queries(table), queries(table)[::3], table[:5]])
    assert triples(search_unique(index, q, 10)) == triples(index.search(q, radius=10))


def test_empty_index_and_queries() -> None:
    index = make_index("numpy")
    assert len(index.search(np.array([1, 2], np.uint64), radius=5).query) == 0
    index.add(np.array([1], np.uint64))
    assert len(index.search(np.zeros(0, np.uint64), radius=5).query) == 0


def test_auto_takes_faiss_only_for_large_archives() -> None:
    from provenance.match import NumpyHashIndex
    from provenance.match._index import FAISS_FROM_HASHES

    assert isinstance(make_index("auto", expected_size=1000), NumpyHashIndex)
    pytest.importorskip("faiss")
    assert type(make_index("auto", expected_size=FAISS_FROM_HASHES)).__name__ == "FaissHashIndex"
