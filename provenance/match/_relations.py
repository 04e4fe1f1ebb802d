"""The other-angle matcher: each original video against the archive's originals.

For a video, a shortlist of archived originals comes from their SIFT words
(:class:`ViewIndex`, tf-idf); each candidate pair is verified: the same place
(:func:`same_place`: enough well-spread epipolar inliers, and parallax), and
the same launch (:func:`~provenance.match._views.co_occurrence`, then the
launch's sound where both have it). Claim dates never exclude a candidate.
What each item relates to is stored once, as :class:`ViewRelation`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from ..errors import ArchiveError
from ..fingerprint import SIFT_VOCABULARY, SceneViews, WordBag
from ..model import (
    EventAgreement,
    MediaKind,
    MediaRecord,
    Problem,
    SoundAgreement,
    StoredClaim,
    ViewGeometry,
    holders_by_sha,
)
from ._geometry import PairGeometry
from ._shortlist import WordIndex
from ._sound import SoundMatch, sound_agreement
from ._views import EventMatch, co_occurrence, relate_views

SHORTLIST = 12  # a new video verifies at most this many candidates (0.135 s each)

MIN_SITE_INLIERS = 20  # epipolar inliers of the best key-frame pair

MIN_SITE_SPREAD = 0.05  # share of both frames the inliers span: one object is not a place


@dataclass(frozen=True)
class ViewEvidence:
    """Why two media items show the same place, and whether the same launch.

    ``event``: the launch co-occurs in the pictures. ``heard``: how the two
    recordings of it compare, when both have the launch's sound.
    """

    view: PairGeometry
    event: EventMatch | None
    heard: SoundMatch | None = None

    @property
    def same_event(self) -> bool:
        """The launch co-occurs in the pictures, and the sound does not say otherwise.

        Cameras at one height have near-horizontal epipolar lines, so the
        pictures test only the launch's height: a launch from a few metres
        away on another day passes. Its sound is another launch's, though.
        """
        return self.event is not None and not (self.heard is not None and self.heard.other)


def relate_items(a: SceneViews, b: SceneViews) -> ViewEvidence | None:
    """Same place (and same event?) for two items' complete scene views, from ``a``'s side."""
    view = relate_views(a.keyframes, b.keyframes)
    if view is None or not same_place(view):
        return None
    event = co_occurrence(a.track, b.track, view)
    heard = None
    if event is not None and a.sound is not None and b.sound is not None:
        heard = sound_agreement(a.sound, b.sound, event.onset_s, event.offset_s)
    return ViewEvidence(view, event, heard)


def same_place(view: PairGeometry) -> bool:
    """Another viewpoint of one 3D place: enough spread inliers, and parallax.

    Matches that one homography explains are one view transformed in 2D (a
    copy, or a shared intro bumper): that is the copy detector's business.
    """
    return (
        view.parallax
        and view.fundamental_inliers >= MIN_SITE_INLIERS
        and view.spread >= MIN_SITE_SPREAD
    )


def describe(evidence: ViewEvidence) -> tuple[bool, float, ViewGeometry]:
    """(same event?, confidence, evidence details) of a related pair, from its first item's side."""
    view, event, heard = evidence.view, evidence.event, evidence.heard
    support = min(1.0, view.fundamental_inliers / 60.0)
    if evidence.same_event and event is not None:
        confidence = 0.5 + 0.45 * support * event.consistent / max(event.checked, 1)
        if heard is not None and heard.same:
            confidence = max(confidence, 0.6 + 0.35 * heard.correlation)
    else:
        confidence = 0.4 + 0.4 * support
    details = ViewGeometry(
        frame_s=round(view.time_a, 3),
        other_frame_s=round(view.time_b, 3),
        matches=view.matches,
        inliers=view.fundamental_inliers,
        homography_inliers=view.homography_inliers,
        spread=round(view.spread, 3),
        parallax=view.parallax,
        frame_size=view.size_a,
        other_frame_size=view.size_b,
        points=tuple(
            (
                round(float(a[0]), 1),
                round(float(a[1]), 1),
                round(float(b[0]), 1),
                round(float(b[1]), 1),
            )
            for a, b in zip(view.points_a, view.points_b, strict=True)
        ),
        event=None
        if event is None
        else EventAgreement(
            offset_s=event.offset_s,  # other media time = media time - offset_s
            frames_consistent=event.consistent,
            frames_checked=event.checked,
            error=round(event.error, 4),
        ),
        sound=None
        if heard is None
        else SoundAgreement(
            correlation=heard.correlation,
            lag_s=heard.lag_s,  # on top of offset_s: the sound's travel
            launch_loudness_db=heard.rise_db,
            says="same launch" if heard.same else "another launch" if heard.other else "undecided",
        ),
    )
    return evidence.same_event, round(confidence, 3), details


VIEW_MATCHER = "views-v1"  # stored relations made by another version are made again


@dataclass(frozen=True)
class ViewRelation:
    """Item ``sha256`` shows the place of item ``other_sha256``, and perhaps its launch.

    What the nightly job stores per pair; ``details`` are the finding's
    evidence from ``sha256``'s side (:meth:`reversed` gives the other side).
    """

    sha256: str
    other_sha256: str
    same_event: bool
    confidence: float
    details: ViewGeometry

    def to_json(self) -> str:
        """The stored form: same event, confidence and the evidence's keys, in one object."""
        return json.dumps(
            {
                "same_event": self.same_event,
                "confidence": self.confidence,
                **self.details.to_dict(),
            },
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, sha256: str, other_sha256: str, text: str) -> ViewRelation:
        details = json.loads(text)
        same_event = bool(details.pop("same_event"))
        confidence = float(details.pop("confidence"))
        return cls(sha256, other_sha256, same_event, confidence, ViewGeometry.from_dict(details))

    def reversed(self) -> ViewRelation:
        """The same relation told from ``other_sha256``'s side."""
        return ViewRelation(
            self.other_sha256,
            self.sha256,
            self.same_event,
            self.confidence,
            self.details.reversed(),
        )


def _is_video(record: MediaRecord | None) -> bool:
    """Only videos: a launch needs time, and stills of one airframe are not one place."""
    return record is not None and record.info is not None and record.info.kind is MediaKind.VIDEO


class ViewIndex:
    """The archive's original videos, ready to relate a video's views with.

    ``bags`` are the items' SIFT words (what the shortlist ranks by); ``load``
    gives an item's complete other-angle views (a few stay cached). Items in
    ``derived`` are left out. ``index_of`` makes the word index of the
    originals (sha256s, bags); :func:`sift_word_index` unless given (a kept one).
    ``read_ahead`` is told which items' views are read next, all at once.
    """

    def __init__(
        self,
        claims: Sequence[StoredClaim],
        media: Mapping[str, MediaRecord],
        bags: Mapping[str, WordBag],
        load: Callable[[str], SceneViews | None],
        derived: frozenset[str] = frozenset(),
        index_of: Callable[[list[str], list[WordBag]], WordIndex] | None = None,
        read_ahead: Callable[[list[str]], None] | None = None,
    ):
        self.holders = holders_by_sha(claims)
        originals = self.originals_among(claims, media, bags, derived)
        self.originals = list(originals)
        self.position = {sha: i for i, sha in enumerate(self.originals)}
        self.in_claim: dict[str, set[str]] = {}  # claim id -> its originals
        for sha in self.originals:
            for h in self.holders[sha]:
                self.in_claim.setdefault(h.claim_id, set()).add(sha)
        self.index = (index_of or sift_word_index)(self.originals, list(originals.values()))
        # an archived item's complete views (None if they cannot be had); a few stay cached
        self.views: Callable[[str], SceneViews | None] = lru_cache(maxsize=VIEWS_CACHE)(load)
        self._ahead = read_ahead

    @staticmethod
    def originals_among(
        claims: Sequence[StoredClaim],
        media: Mapping[str, MediaRecord],
        bags: Mapping[str, WordBag],
        derived: frozenset[str] = frozenset(),
    ) -> dict[str, WordBag]:
        """The videos held by ``claims`` that are not ``derived`` and have visual words:
        what is indexed (sha256 -> words, in the index's order)."""
        return {
            sha: bag
            for sha in holders_by_sha(claims)
            if sha not in derived
            and _is_video(media.get(sha))
            and (bag := bags.get(sha)) is not None
            and len(bag.words)
        }

    def relate(
        self, views: SceneViews, *, skip: frozenset[str] = frozenset(), stage: str = "views"
    ) -> Related:
        """The originals whose place ``views`` shows: (sha256, evidence from ``views``' side).

        Only the shortlist (:data:`SHORTLIST` by shared visual words) is
        verified; items in ``skip`` are not compared. A pair our code fails on
        is left out and returned as a problem of ``stage``; the others go on.
        """
        if not self.originals or not len(views.bag.words):
            return Related(())
        exclude = frozenset(self.position[sha] for sha in skip if sha in self.position)
        found = []
        problems = []
        shortlist = self.index.shortlist(views.bag, top=SHORTLIST, exclude=exclude)
        if self._ahead is not None and shortlist:
            self._ahead([self.originals[j] for j, _ in shortlist])
        for j, _score in shortlist:
            other = self.originals[j]
            try:
                theirs = self.views(other)
                evidence = None if theirs is None else relate_items(views, theirs)
            except ArchiveError:  # the archive cannot be read: no pair is to blame
                raise
            except Exception as exc:  # a bug of ours on one pair: the other pairs stand
                problems.append(Problem.internal(stage, exc, about=f"with {other[:12]}"))
                continue
            if evidence is not None:
                found.append((other, evidence))
        return Related(tuple(found), tuple(problems))

    def relations_of(
        self, sha: str, views: SceneViews | None = None, *, stage: str = "views"
    ) -> RelatedItem:
        """What media item ``sha`` (an archived original, or ``views`` given for new
        footage) shares with the originals of other claims, told from its side.

        Only videos are related: a launch needs time, and stills of one
        airframe are not one place. Items held by the same claims are not compared.
        """
        if views is None:
            views = self.views(sha) if sha in self.position else None
        if views is None:
            return RelatedItem(sha, ())
        skip = frozenset({sha}).union(
            *(self.in_claim.get(h.claim_id, set()) for h in self.holders.get(sha, ()))
        )
        related = self.relate(views, skip=skip, stage=stage)
        return RelatedItem(
            sha,
            tuple(ViewRelation(sha, other, *describe(ev)) for other, ev in related.found),
            related.problems,
        )


def sift_word_index(shas: list[str], bags: list[WordBag]) -> WordIndex:
    """The SIFT word index of items ``shas`` with ``bags`` (the other angles' shortlist)."""
    return WordIndex(bags, vocabulary=SIFT_VOCABULARY.size)


VIEWS_CACHE = 64  # complete views of archived items kept in memory while matching


@dataclass(frozen=True)
class Related:
    """What :meth:`ViewIndex.relate` found, and the pairs it failed on."""

    found: tuple[tuple[str, ViewEvidence], ...]
    problems: tuple[Problem, ...] = ()


@dataclass(frozen=True)
class RelatedItem:
    """One item's relations with the archive's originals, and the pairs that failed."""

    sha256: str
    relations: tuple[ViewRelation, ...]
    problems: tuple[Problem, ...] = ()


def match_views(queries: Sequence[str], index: ViewIndex) -> Iterator[RelatedItem]:
    """What each of ``queries`` (archived items) shares with the other originals.

    Yields per query as soon as it is done. Matching each item once, when it
    is new, covers every pair: :func:`angle_findings` reads relations both ways.
    """
    for sha in queries:
        yield index.relations_of(sha)
