"""The three matchers over one archive, built from what they match against.

A matcher needs two things: its :class:`MatchingState` (the claims, the index
columns and the word indexes: what the archive holds as a whole) and a
:class:`~.prints.FingerprintReader` for the few items it looks at in detail.
The state is made once per run where the archive is; the reader is the
archive itself, or on a cluster's worker what its task carried
(:mod:`provenance.jobs.carried`). Both paths build the matchers here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..archive import Archive, matching_stage
from ..findings import copy_findings, derived_items
from ..fingerprint import WordBag, codecs
from ..match import (
    AIRFRAME_MATCHER,
    COPY_MATCHER,
    VIEW_MATCHER,
    AirframeIndex,
    AirframeMatch,
    CopyMatcher,
    MediaMatch,
    TableColumns,
    ViewIndex,
    ViewRelation,
    WordIndex,
    closeup_word_index,
    orb_word_index,
    sift_word_index,
)
from ..model import MediaRecord, Problem, StoredClaim
from .item_index import kept_word_index
from .prints import (
    FingerprintReader,
    full_prints,
    light_prints,
    stored_closeup_words,
    stored_picture,
    stored_views,
)

# What each matcher reads of one item in detail: of the item it matches, and
# (light, then complete) of the archived items it verifies.
OWN_KINDS = {
    COPY_MATCHER: codecs.COPY_KINDS,
    VIEW_MATCHER: codecs.VIEW_KINDS,
    AIRFRAME_MATCHER: codecs.PICTURE_KINDS,
}

ReadAhead = Callable[[Sequence[str], Sequence[str]], None]  # (sha256s, kinds) read next


@dataclass(frozen=True, eq=False)
class MatchingState:
    """What one matcher matches items against, the items' own fingerprints aside.

    ``columns`` (copies: the frame table) and ``bags`` (other angles: each
    item's visual words) come from the persisted index; ``words`` is the word
    index the shortlist ranks by (ORB for copies, the originals' SIFT for other
    angles, the close-ups' SIFT for airframes, whose items are ``closeups``);
    ``derived`` are the items that copy others (other angles leave them out).
    ``token`` names this state: a worker builds its matcher once per token.
    """

    matcher: str
    token: str
    claims: tuple[StoredClaim, ...]
    media: Mapping[str, MediaRecord]
    words: WordIndex
    columns: TableColumns | None = None
    bags: Mapping[str, WordBag] | None = None
    derived: frozenset[str] = frozenset()
    closeups: tuple[str, ...] = ()


@dataclass(frozen=True)
class ItemMatches:
    """What one matcher found for one item, in stored form, and what it failed on.

    ``stored`` holds (other sha256, match JSON). With ``problems`` the item
    stays unmatched and is matched again at the next run.
    """

    sha256: str
    stored: tuple[tuple[str, str], ...]
    problems: tuple[Problem, ...] = ()


def matching_state(
    matcher: str,
    archive: Archive,
    claims: Sequence[StoredClaim],
    media: Mapping[str, MediaRecord],
    columns: TableColumns,
    *,
    persist: bool = True,
    token: str = "",
) -> MatchingState:
    """``matcher``'s state for ``archive`` with index ``columns``; with ``persist``, the
    word index it builds is kept beside the archive (a reader only reads)."""
    claims = tuple(claims)
    if matcher == COPY_MATCHER:
        words = kept_word_index(
            archive, "orb", columns.shas, lambda: orb_word_index(columns), persist=persist
        )
        return MatchingState(matcher, token, claims, media, words, columns=columns)
    if matcher == VIEW_MATCHER:
        # the copy matches stored by now: their derived items stay out
        found_copies = copy_findings(claims, media, copy_matches(archive))
        derived = derived_items(claims, found_copies)
        bags = columns.view_words()
        originals = ViewIndex.originals_among(claims, media, bags, derived)
        words = kept_word_index(
            archive,
            "sift",
            list(originals),
            lambda: sift_word_index(list(originals), list(originals.values())),
            persist=persist,
        )
        return MatchingState(matcher, token, claims, media, words, bags=bags, derived=derived)
    if matcher == AIRFRAME_MATCHER:
        shas = sorted(archive.fingerprint_seqs((codecs.CLOSEUP_WORDS,)))

        def build() -> WordIndex:
            stored = stored_closeup_words(archive)
            return closeup_word_index([stored[sha] for sha in shas])

        words = kept_word_index(archive, "closeups", shas, build, persist=persist)
        return MatchingState(matcher, token, claims, media, words, closeups=tuple(shas))
    raise ValueError(f"no matcher {matcher!r}")


def copy_matcher(
    state: MatchingState, reader: FingerprintReader, read_ahead: ReadAhead | None = None
) -> CopyMatcher:
    """The copy matcher of ``state``: items' frames and complete fingerprints (no views:
    copy matching needs none) read from ``reader`` when a match needs them."""
    assert state.columns is not None, "a copy matcher's state holds the frame table"
    return CopyMatcher.from_columns(
        state.claims,
        state.columns,
        light=lambda sha: light_prints(reader, sha),
        load=lambda sha: full_prints(reader, sha, with_views=False),
        words=state.words,
        read_ahead=None
        if read_ahead is None
        else (
            lambda shas, full: read_ahead(shas, codecs.COPY_KINDS if full else codecs.TABLE_KINDS)
        ),
    )


def view_index(
    state: MatchingState, reader: FingerprintReader, read_ahead: ReadAhead | None = None
) -> ViewIndex:
    """The archive's original videos of ``state`` for other-angle matching, their views
    read from ``reader`` when verified."""
    return ViewIndex(
        state.claims,
        state.media,
        state.bags or {},
        lambda sha: stored_views(reader, sha),
        state.derived,
        lambda shas, bags: state.words,
        None if read_ahead is None else (lambda shas: read_ahead(shas, codecs.VIEW_KINDS)),
    )


def airframe_index(
    state: MatchingState, reader: FingerprintReader, read_ahead: ReadAhead | None = None
) -> AirframeIndex:
    """The archive's identifying close-ups of ``state``, their pictures read from
    ``reader`` when compared."""
    return AirframeIndex(
        state.closeups,
        state.words,
        lambda sha: stored_picture(reader, sha),
        None if read_ahead is None else (lambda shas: read_ahead(shas, codecs.PICTURE_KINDS)),
    )


def item_matcher(
    state: MatchingState, reader: FingerprintReader, read_ahead: ReadAhead | None = None
) -> Callable[[str], ItemMatches]:
    """One archived item's matches by ``state``'s matcher, in stored form. A pair our
    code fails on is a problem of the item; anything else raised is the caller's."""
    stage = matching_stage(state.matcher)
    if state.matcher == COPY_MATCHER:
        table = copy_matcher(state, reader, read_ahead)

        def find(sha: str) -> tuple[Sequence[Any], Sequence[Problem]]:
            found = table.match(sha, stage=stage)
            return found.matches, found.problems

    elif state.matcher == VIEW_MATCHER:
        index = view_index(state, reader, read_ahead)

        def find(sha: str) -> tuple[Sequence[Any], Sequence[Problem]]:
            related = index.relations_of(sha, stage=stage)
            return related.relations, related.problems

    elif state.matcher == AIRFRAME_MATCHER:
        airframes = airframe_index(state, reader, read_ahead)

        def find(sha: str) -> tuple[Sequence[Any], Sequence[Problem]]:
            same = airframes.matches_of(sha, stage=stage)
            return same.matches, same.problems

    else:
        raise ValueError(f"no matcher {state.matcher!r}")

    def one(sha: str) -> ItemMatches:
        pairs, problems = find(sha)  # each pair has other_sha256 and to_json()
        return ItemMatches(
            sha, tuple((p.other_sha256, p.to_json()) for p in pairs), tuple(problems)
        )

    return one


def airframe_matches(archive: Archive) -> list[AirframeMatch]:
    """Every stored match of two close-ups of one airframe."""
    return [AirframeMatch.from_json(*row) for row in archive.media_matches(AIRFRAME_MATCHER)]


def copy_matches(archive: Archive) -> list[MediaMatch]:
    """Every stored copy match of the archive."""
    return [MediaMatch.from_json(*row) for row in archive.media_matches(COPY_MATCHER)]


def view_relations(archive: Archive) -> list[ViewRelation]:
    """Every stored other-angle relation of the archive."""
    return [ViewRelation.from_json(*row) for row in archive.media_matches(VIEW_MATCHER)]
