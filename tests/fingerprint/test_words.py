"""Visual words: the distinct words of a key frame, as np.unique gives them."""

from __future__ import annotations

import numpy as np
import pytest

from provenance.fingerprint import ORB_VOCABULARY, SIFT_VOCABULARY, distinct_words


@pytest.mark.parametrize("vocabulary", [ORB_VOCABULARY.size, SIFT_VOCABULARY.size])
@pytest.mark.parametrize("count", [0, 1, 50, 4800])
def test_distinct_words_are_np_unique_of_them(vocabulary: int, count: int) -> None:
    ids = np.random.default_rng(count).integers(0, vocabulary, (count, 6))
    found, expected = distinct_words(ids, vocabulary), np.unique(ids.ravel())
    assert np.array_equal(found, expected) and found.dtype == expected.dtype
    if count:
        assert found[0] == ids.min() and found[-1] == ids.max()
