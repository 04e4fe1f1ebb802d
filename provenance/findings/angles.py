"""``other_angle`` and ``same_site`` findings: the same place, and the same launch.

Only original footage is compared: an item already found to copy another
(:mod:`provenance.findings.copies`) would just repeat its source's relations,
and its claim already has the stronger finding. For each original a
shortlist of archived originals comes from their visual words
(:class:`ViewIndex`, tf-idf over the SIFT words of :mod:`provenance.views`);
claim dates only order the results, never exclude a candidate. Each candidate
pair is verified geometrically; with enough well-spread epipolar inliers it is
the same place, and if the launch co-occurs in both
(:func:`~provenance.views.co_occurrence`) and its sound, where both have it,
does not say otherwise (:func:`~provenance.sound.sound_agreement`), the same
launch. The nightly job stores each item's relations once, when the item is
new (:func:`match_views`); :func:`angle_findings` turns them into findings:
the later claim's media carries the finding, pointing to the earliest claim
holding the other media.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from ..fingerprint import Fingerprints
from ..keypoints import WordBag, WordIndex
from ..model import Finding, FindingKind, MediaKind, MediaRecord, Problem, StoredClaim
from ..sound import SoundMatch, sound_agreement
from ..views import VOCABULARY, EventMatch, SceneViews, ViewMatch, co_occurrence, relate_views
from .copies import Holder, holders_by_sha

SHORTLIST = 12  # a new video verifies at most this many candidates (0.135 s each)
MIN_SITE_INLIERS = 20  # epipolar inliers of the best key-frame pair
MIN_SITE_SPREAD = 0.05  # share of both frames the inliers span: one object is not a place


@dataclass(frozen=True)
class ViewEvidence:
    """Why two media items show the same place, and whether the same launch.

    ``event``: the launch co-occurs in the pictures. ``heard``: how the two
    recordings of it compare, when both have the launch's sound.
    """

    view: ViewMatch
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


def same_place(view: ViewMatch) -> bool:
    """Another viewpoint of one 3D place: enough spread inliers, and parallax.

    Matches that one homography explains are one view transformed in 2D (a
    copy, or a shared intro bumper): that is the copy detector's business.
    """
    return (
        view.parallax
        and view.fundamental_inliers >= MIN_SITE_INLIERS
        and view.spread >= MIN_SITE_SPREAD
    )


def describe(evidence: ViewEvidence) -> tuple[bool, float, dict]:
    """(same event?, confidence, evidence details) of a related pair, from its first item's side."""
    view, event, heard = evidence.view, evidence.event, evidence.heard
    support = min(1.0, view.fundamental_inliers / 60.0)
    if evidence.same_event and event is not None:
        confidence = 0.5 + 0.45 * support * event.consistent / max(event.checked, 1)
        if heard is not None and heard.same:
            confidence = max(confidence, 0.6 + 0.35 * heard.correlation)
    else:
        confidence = 0.4 + 0.4 * support
    details = {
        "method": "epipolar_geometry",
        "frame_s": round(view.time_a, 3),
        "other_frame_s": round(view.time_b, 3),
        "matches": view.matches,
        "inliers": view.fundamental_inliers,
        "homography_inliers": view.homography_inliers,
        "spread": round(view.spread, 3),
        "parallax": view.parallax,
        "frame_size": list(view.size_a),
        "other_frame_size": list(view.size_b),
        "points": [
            [
                round(float(a[0]), 1),
                round(float(a[1]), 1),
                round(float(b[0]), 1),
                round(float(b[1]), 1),
            ]
            for a, b in zip(view.points_a, view.points_b, strict=True)
        ],
    }
    if event is not None:
        details.update(
            {
                "offset_s": event.offset_s,  # other media time = media time - offset_s
                "event_frames_consistent": event.consistent,
                "event_frames_checked": event.checked,
                "event_error": round(event.error, 4),
            }
        )
    if heard is not None:
        details.update(
            {
                "sound_correlation": heard.correlation,
                "sound_lag_s": heard.lag_s,  # on top of offset_s: the sound's travel
                "launch_loudness_db": list(heard.rise_db),
                "sound_says": "same launch"
                if heard.same
                else "another launch"
                if heard.other
                else "undecided",
            }
        )
    return evidence.same_event, round(confidence, 3), details


MATCHER = "views-v1"  # stored relations made by another version are made again


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
    details: dict

    def to_json(self) -> str:
        return json.dumps(
            {"same_event": self.same_event, "confidence": self.confidence, **self.details},
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, sha256: str, other_sha256: str, text: str) -> ViewRelation:
        details = json.loads(text)
        same_event = bool(details.pop("same_event"))
        confidence = float(details.pop("confidence"))
        return cls(sha256, other_sha256, same_event, confidence, details)

    def reversed(self) -> ViewRelation:
        """The same relation told from ``other_sha256``'s side."""
        d = dict(self.details)
        for mine, theirs in (("frame_s", "other_frame_s"), ("frame_size", "other_frame_size")):
            d[mine], d[theirs] = self.details[theirs], self.details[mine]
        d["points"] = [[xb, yb, xa, ya] for xa, ya, xb, yb in self.details["points"]]
        for key in ("offset_s", "sound_lag_s"):
            if key in d:
                d[key] = round(-d[key], 3)
        if "launch_loudness_db" in d:
            d["launch_loudness_db"] = d["launch_loudness_db"][::-1]
        return ViewRelation(self.other_sha256, self.sha256, self.same_event, self.confidence, d)


def relation_finding(claim_id: str, path: str, relation: ViewRelation, other: Holder) -> Finding:
    """The finding for ``path`` (``relation.sha256``, the later item) against ``other``."""
    return Finding(
        kind=FindingKind.OTHER_ANGLE if relation.same_event else FindingKind.SAME_SITE,
        claim_id=claim_id,
        media=path,
        confidence=relation.confidence,
        other_claim=other.claim_id,
        other_media=other.path,
        evidence=dict(relation.details),
    )


def _is_video(record: MediaRecord | None) -> bool:
    """Only videos: a launch needs time, and stills of one airframe are not one place."""
    return record is not None and record.info is not None and record.info.kind is MediaKind.VIDEO


def shortlist_index(prints: Sequence[Fingerprints]) -> WordIndex:
    """A tf-idf index over the SIFT words of ``prints`` (each must have its views)."""
    return WordIndex([_bag(p.views) for p in prints], vocabulary=VOCABULARY)


def _bag(views: SceneViews) -> WordBag:
    return WordBag(views.words, views.counts)


def derived_items(claims: Sequence[StoredClaim], copies: Sequence[Finding]) -> frozenset[str]:
    """Items derived from another (edited copies): not the same bytes re-posted,
    which is one item held by two claims and still the original footage."""
    sha_of = {(s.claim.id, item.path): item.sha256 for s in claims for item in s.media}
    return frozenset(
        sha_of[(f.claim_id, f.media)]
        for f in copies
        if f.kind is FindingKind.COPY
        and (f.claim_id, f.media) in sha_of
        and sha_of[(f.claim_id, f.media)] != sha_of.get((f.other_claim, f.other_media))
    )


class ViewIndex:
    """The archive's original videos, ready to relate a video's views with.

    ``fingerprints`` may be light (visual words only); ``load`` gives an
    item's complete other-angle views (a few stay cached). Items in
    ``derived`` are left out.
    """

    def __init__(
        self,
        claims: Sequence[StoredClaim],
        media: Mapping[str, MediaRecord],
        fingerprints: Mapping[str, Fingerprints],
        load: Callable[[str], SceneViews | None],
        derived: frozenset[str] = frozenset(),
    ):
        self.holders = holders_by_sha(claims)
        self.originals = [
            sha
            for sha in self.holders
            if sha not in derived
            and sha in fingerprints
            and _is_video(media.get(sha))
            and fingerprints[sha].views is not None
            and len(fingerprints[sha].views.words)
        ]
        self.position = {sha: i for i, sha in enumerate(self.originals)}
        self.in_claim: dict[str, set[str]] = {}  # claim id -> its originals
        for sha in self.originals:
            for h in self.holders[sha]:
                self.in_claim.setdefault(h.claim_id, set()).add(sha)
        self.index = shortlist_index([fingerprints[sha] for sha in self.originals])
        self._load = load
        self._full: OrderedDict[str, SceneViews | None] = OrderedDict()

    def views(self, sha: str) -> SceneViews | None:
        """An archived item's complete views (None if they cannot be had)."""
        if sha in self._full:
            self._full.move_to_end(sha)
        else:
            self._full[sha] = self._load(sha)
            if len(self._full) > VIEWS_CACHE:
                self._full.popitem(last=False)
        return self._full[sha]

    def relate(
        self, views: SceneViews, *, skip: frozenset[str] = frozenset(), stage: str = "views"
    ) -> Related:
        """The originals whose place ``views`` shows: (sha256, evidence from ``views``' side).

        Only the shortlist (:data:`SHORTLIST` by shared visual words) is
        verified; items in ``skip`` are not compared. A pair our code fails on
        is left out and returned as a problem of ``stage``; the others go on.
        """
        if not self.originals or not len(views.words):
            return Related(())
        exclude = frozenset(self.position[sha] for sha in skip if sha in self.position)
        found = []
        problems = []
        for j, _score in self.index.shortlist(_bag(views), top=SHORTLIST, exclude=exclude):
            other = self.originals[j]
            try:
                theirs = self.views(other)
                evidence = None if theirs is None else relate_items(views, theirs)
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


def angle_findings(
    claims: Sequence[StoredClaim],
    relations: Iterable[ViewRelation],
    derived: frozenset[str] = frozenset(),
) -> list[Finding]:
    """``other_angle`` and ``same_site`` findings from relations between originals.

    ``claims`` in archive order. The later claim's media carries the finding,
    pointing to the earliest claim holding the other media: one finding per
    related pair. A pair related from both sides (each matched when new)
    counts once.
    """
    order = {stored.claim.id: i for i, stored in enumerate(claims)}
    holders = holders_by_sha(claims)
    first = {sha: min(order[h.claim_id] for h in held) for sha, held in holders.items()}
    best: dict[frozenset[str], ViewRelation] = {}
    for rel in relations:
        pair = frozenset((rel.sha256, rel.other_sha256))
        if not pair <= first.keys() or pair & derived:
            continue
        kept = best.get(pair)
        if kept is None or (rel.confidence, rel.sha256) > (kept.confidence, kept.sha256):
            best[pair] = rel
    findings: list[Finding] = []
    for rel in best.values():
        if first[rel.sha256] < first[rel.other_sha256]:
            rel = rel.reversed()
        original = holders[rel.other_sha256][0]
        for here in holders[rel.sha256]:
            if order[here.claim_id] > order[original.claim_id]:
                findings.append(relation_finding(here.claim_id, here.path, rel, original))
    return sorted(findings, key=lambda f: (order[f.claim_id], f.media, order[f.other_claim]))


def find_other_angles(
    claims: Sequence[StoredClaim],
    media: Mapping[str, MediaRecord],
    fingerprints: Mapping[str, Fingerprints],
    load: Callable[[str], Fingerprints | None],
    copies: Sequence[Finding] = (),
) -> list[Finding]:
    """Relate every original with the archive, then :func:`angle_findings` (nothing stored).

    ``load`` gives an item's complete fingerprints; ``copies`` are the copy
    findings, whose derived items are left out.
    """
    derived = derived_items(claims, copies)

    def views_of(sha: str) -> SceneViews | None:
        loaded = load(sha)
        return loaded.views if loaded is not None else None

    index = ViewIndex(claims, media, fingerprints, views_of, derived)
    relations = [rel for item in match_views(index.originals, index) for rel in item.relations]
    return angle_findings(claims, relations, derived)
