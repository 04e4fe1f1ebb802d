"""``other_angle`` and ``same_site`` findings: the same place, and the same launch.

Only original footage is compared: an item already found to copy another
(:mod:`provenance.findings.copies`) would just repeat its source's relations,
and its claim already has the stronger finding. For each original a
shortlist of archived originals comes from their visual words
(:class:`~provenance.keypoints.WordIndex`, tf-idf over the SIFT words of
:mod:`provenance.views`); claim dates only order the results, never exclude
a candidate. Each candidate pair is verified geometrically; with enough
well-spread epipolar inliers it is the same place, and if the launch
co-occurs in both (:func:`~provenance.views.co_occurrence`) the same event.
The later claim's media carries the finding, pointing to the earliest claim
holding the other media.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from ..fingerprint import Fingerprints
from ..keypoints import WordBag, WordIndex
from ..model import Finding, FindingKind, MediaKind, MediaRecord, StoredClaim
from ..views import VOCABULARY, EventMatch, SceneViews, ViewMatch, co_occurrence, relate_views
from .copies import Holder, holders_by_sha

SHORTLIST = 12  # a new video verifies at most this many candidates (0.135 s each)
MIN_SITE_INLIERS = 20  # epipolar inliers of the best key-frame pair
MIN_SITE_SPREAD = 0.05  # share of both frames the inliers span: one object is not a place


@dataclass(frozen=True)
class ViewEvidence:
    """Why two media items show the same place (and, with ``event``, the same launch)."""

    view: ViewMatch
    event: EventMatch | None


def relate_items(later: SceneViews, earlier: SceneViews) -> ViewEvidence | None:
    """Same place (and same event?) for two items' complete scene views, or None."""
    view = relate_views(later.keyframes, earlier.keyframes)
    if view is None or not same_place(view):
        return None
    return ViewEvidence(view, co_occurrence(later.track, earlier.track, view))


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


def angle_finding(
    claim_id: str | None, path: str, evidence: ViewEvidence, other: Holder
) -> Finding:
    """The finding for ``path`` (the later item) against ``other``'s media."""
    view, event = evidence.view, evidence.event
    support = min(1.0, view.fundamental_inliers / 60.0)
    if event is not None:
        confidence = 0.5 + 0.45 * support * event.consistent / max(event.checked, 1)
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
    return Finding(
        kind=FindingKind.OTHER_ANGLE if event is not None else FindingKind.SAME_SITE,
        claim_id=claim_id,
        media=path,
        confidence=round(confidence, 3),
        other_claim=other.claim_id,
        other_media=other.path,
        evidence=details,
    )


def _is_video(record: MediaRecord | None) -> bool:
    """Only videos: a launch needs time, and stills of one airframe are not one place."""
    return record is not None and record.info is not None and record.info.kind is MediaKind.VIDEO


def shortlist_index(prints: Sequence[Fingerprints]) -> WordIndex:
    """A tf-idf index over the SIFT words of ``prints`` (each must have its views)."""
    return WordIndex([_bag(p.views) for p in prints], vocabulary=VOCABULARY)


def _bag(views: SceneViews) -> WordBag:
    return WordBag(views.words, views.counts)


def find_other_angles(
    claims: Sequence[StoredClaim],
    media: Mapping[str, MediaRecord],
    fingerprints: Mapping[str, Fingerprints],
    load: Callable[[str], Fingerprints | None],
    copies: Sequence[Finding] = (),
) -> list[Finding]:
    """``other_angle`` and ``same_site`` findings among the originals of ``claims``.

    ``claims`` in archive order; ``copies`` are the copy findings, whose items
    are left out; ``load`` gives an item's complete fingerprints.
    """
    order = {stored.claim.id: i for i, stored in enumerate(claims)}
    holders = holders_by_sha(claims)
    sha_of = {(s.claim.id, item.path): item.sha256 for s in claims for item in s.media}
    # An item derived from another: not the same bytes re-posted, which is one
    # item held by two claims and still the original footage.
    derived = {
        sha_of[(f.claim_id, f.media)]
        for f in copies
        if (f.claim_id, f.media) in sha_of
        and sha_of[(f.claim_id, f.media)] != sha_of.get((f.other_claim, f.other_media))
    }
    originals = [
        sha
        for sha in holders
        if sha not in derived
        and sha in fingerprints
        and _is_video(media.get(sha))
        and fingerprints[sha].views is not None
        and len(fingerprints[sha].views.words)
    ]
    if len(originals) < 2:
        return []
    index = shortlist_index([fingerprints[sha] for sha in originals])
    first = {sha: min(order[h.claim_id] for h in holders[sha]) for sha in originals}
    claims_of = {sha: {h.claim_id for h in holders[sha]} for sha in originals}
    pairs: set[tuple[int, int]] = set()
    for i, sha in enumerate(originals):
        for j, _score in index.shortlist(
            _bag(fingerprints[sha].views), top=SHORTLIST, exclude=frozenset({i})
        ):
            if not (claims_of[sha] & claims_of[originals[j]]):
                pairs.add((min(i, j), max(i, j)))

    full: dict[str, SceneViews | None] = {}

    def views_of(sha: str) -> SceneViews | None:
        if sha not in full:
            loaded = load(sha)
            full[sha] = loaded.views if loaded is not None else None
        return full[sha]

    findings: list[Finding] = []
    for i, j in sorted(pairs):
        x, y = originals[i], originals[j]
        later, earlier = (x, y) if first[x] > first[y] else (y, x)
        a, b = views_of(later), views_of(earlier)
        if a is None or b is None:
            continue
        evidence = relate_items(a, b)
        if evidence is None:
            continue
        original = holders[earlier][0]
        for here in holders[later]:
            if order[here.claim_id] > order[original.claim_id]:
                findings.append(angle_finding(here.claim_id, here.path, evidence, original))
    return sorted(findings, key=lambda f: (order[f.claim_id], f.media, f.other_claim))
