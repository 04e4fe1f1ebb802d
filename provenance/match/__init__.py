"""Stage 3a: compare fingerprints (pure): which media an item repeats, which it sees again.

Three matchers, each run once per new item against the whole archive, whose
results the nightly job stores and the findings of stage 3b read both ways:

- the copy matcher (:class:`CopyMatcher`, ``copies-v3``): frame hashes in one
  Hamming index aligned over time, and, for crops and insets, key-frame
  geometry then the window's hashes over time;
- the other-angle matcher (:class:`ViewIndex`, ``views-v1``): a shortlist by
  SIFT words, epipolar geometry, the launch's track and its sound;
- the airframe matcher (:class:`AirframeIndex`, ``airframes-v2``): identifying
  close-ups shortlisted by SIFT words, registered, and their marks compared.

One implementation of each idea is shared: the visual-word shortlist and
key-frame pair ranking (:mod:`._shortlist`), the robust fits, usable-homography
test and parallax rule (:mod:`._geometry`), the time alignment (:mod:`._timing`).
"""

from ._airframes import (
    AGREE,
    AIRFRAME_MATCHER,
    AirframeComparison,
    AirframeIndex,
    AirframeItem,
    AirframeMatch,
    MarkPatch,
    closeup_word_index,
    compare_airframes,
)
from ._copies import match_fingerprint
from ._copy_matcher import COPY_MATCHER, CopyMatcher, Matched, MediaMatch
from ._geometry import (
    PairGeometry,
    has_parallax,
    hull_share,
    mapped_box,
    usable_homography,
    verify_orb,
    verify_sift,
)
from ._index import FaissHashIndex, HashIndex, Hits, NumpyHashIndex, make_index
from ._relations import (
    VIEW_MATCHER,
    RelatedItem,
    ViewEvidence,
    ViewIndex,
    ViewRelation,
    describe,
    match_views,
    relate_items,
    same_place,
    sift_word_index,
)
from ._shortlist import WordIndex, pairs_by_shared_words
from ._sound import SoundMatch, sound_agreement
from ._table import FrameTable, TableColumns, orb_word_index
from ._timing import RADIUS_BITS, CopyMatch, required_span_s
from ._views import EventMatch, co_occurrence, relate_views

__all__ = [
    "AGREE",
    "AIRFRAME_MATCHER",
    "COPY_MATCHER",
    "RADIUS_BITS",
    "VIEW_MATCHER",
    "AirframeComparison",
    "AirframeIndex",
    "AirframeItem",
    "AirframeMatch",
    "CopyMatch",
    "CopyMatcher",
    "EventMatch",
    "FaissHashIndex",
    "FrameTable",
    "HashIndex",
    "Hits",
    "MarkPatch",
    "Matched",
    "MediaMatch",
    "NumpyHashIndex",
    "PairGeometry",
    "RelatedItem",
    "SoundMatch",
    "TableColumns",
    "ViewEvidence",
    "ViewIndex",
    "ViewRelation",
    "WordIndex",
    "closeup_word_index",
    "co_occurrence",
    "compare_airframes",
    "describe",
    "has_parallax",
    "hull_share",
    "make_index",
    "mapped_box",
    "match_fingerprint",
    "match_views",
    "orb_word_index",
    "pairs_by_shared_words",
    "relate_items",
    "relate_views",
    "required_span_s",
    "same_place",
    "sift_word_index",
    "sound_agreement",
    "usable_homography",
    "verify_orb",
    "verify_sift",
]
