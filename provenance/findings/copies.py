"""``copy`` findings: footage that repeats an earlier claim's footage.

Two kinds of evidence, merged per media item: the same bytes (a re-upload:
certain, the whole item on both sides) and the perceptual matches the copy
matcher stored (:mod:`provenance.match`: edited copies, excerpts, partial
copies, with the segment in both items). Each media item gets at most one
finding, against the earliest claim holding the footage: that claim is the
original. A copy matched only with a later holder (a re-post of a re-post is
often closer to the re-post it was taken from) is traced through that
holder's own finding to the original.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from ..fingerprint import VARIANTS, compose_variants, inverse_variant
from ..match import CopyMatch, MediaMatch, required_span_s
from ..model import (
    Finding,
    FindingKind,
    FrameHashCopy,
    Holder,
    IdenticalBytes,
    MediaRecord,
    Segment,
    StoredClaim,
    holders_by_sha,
)


def identical_copy(
    claim_id: str | None,
    path: str,
    record: MediaRecord | None,
    earlier: Sequence[Holder],
) -> Finding | None:
    """The finding for media whose bytes ``earlier`` claims already hold.

    ``earlier`` is ordered earliest first; its first holder is the original.
    Holders from the same claim are not evidence (reuse inside one claim).
    """
    others = [h for h in earlier if h.claim_id != claim_id]
    if not others:
        return None
    original = others[0]
    duration = record.info.duration_s if record is not None and record.info is not None else None
    segment = Segment(0.0, duration, 0.0, duration) if duration else None
    return Finding(
        kind=FindingKind.COPY,
        claim_id=claim_id,
        media=path,
        confidence=1.0,
        other_claim=original.claim_id,
        other_media=original.path,
        segment=segment,
        evidence=IdenticalBytes(
            sha256=record.sha256 if record is not None else None,
            also_in=tuple(others[1:]),
        ),
    )


def perceptual_copy(
    claim_id: str | None,
    path: str,
    match: CopyMatch,
    original: Holder,
    also_in: Sequence[Holder] = (),
) -> Finding:
    """The finding for a perceptual match of ``path`` with ``original``'s media."""
    return Finding(
        kind=FindingKind.COPY,
        claim_id=claim_id,
        media=path,
        confidence=match.confidence,
        other_claim=original.claim_id,
        other_media=original.path,
        segment=match.segment,
        evidence=FrameHashCopy(
            matched_frames=match.inliers,
            weight=match.weight,
            mean_distance_bits=match.mean_distance,
            speed=match.speed,
            transform=VARIANTS[match.variant],
            also_in=tuple(also_in),
        ),
    )


def copy_findings(
    claims: Sequence[StoredClaim],
    media: Mapping[str, MediaRecord],
    matches: Iterable[MediaMatch],
) -> list[Finding]:
    """One finding per media item whose footage an earlier claim already holds.

    ``claims`` must be in archive order (earliest first); ``matches`` are the
    perceptual matches between items, each read in both directions (the
    later item is always the copy). Same bytes are found here.
    """
    order = {stored.claim.id: i for i, stored in enumerate(claims)}
    holders = holders_by_sha(claims)

    candidates: dict[tuple[str, str], list[_Offer]] = {}

    def offer(finding: Finding, *, direct: bool = True, seen: CopyMatch | None = None) -> None:
        assert finding.claim_id is not None and finding.other_claim is not None
        candidates.setdefault((finding.claim_id, finding.media), []).append(
            _Offer(
                order[finding.other_claim],
                direct,
                finding,
                window_in=None if seen is None else seen.window_in,
                window=None if seen is None else seen.window,
            )
        )

    for sha, held in holders.items():
        for i, here in enumerate(held):  # held is in claim order: held[:i] came earlier
            same_bytes = identical_copy(here.claim_id, here.path, media.get(sha), held[:i])
            if same_bytes is not None:
                offer(same_bytes)

    for pair in _surest_of_each_pair(matches):
        for here in holders.get(pair.sha256, ()):
            for there in holders.get(pair.other_sha256, ()):
                if order[there.claim_id] < order[here.claim_id]:
                    seen = pair.match
                    finding = perceptual_copy(here.claim_id, here.path, seen, there)
                    offer(finding, seen=seen)
                elif order[here.claim_id] < order[there.claim_id]:
                    seen = _reverse(pair.match)
                    finding = perceptual_copy(there.claim_id, there.path, seen, here)
                    offer(finding, direct=False, seen=seen)

    # Claims in archive order, so that every earlier holder's finding is final when a
    # later item traces its footage through it.
    final: dict[tuple[str, str], _Offer] = {}
    for key in sorted(candidates, key=lambda k: (order[k[0]], k[1])):
        offered = candidates[key]
        # Matched directly with an original (a holder with no earlier holder of its own):
        # that is where the footage comes from. Tracing past it to an earlier original
        # would follow a look-alike link elsewhere in the archive (one wrong link between
        # two recordings of one place would then move every copy of one onto the other).
        if any(_key(o.finding) not in final for o in offered):
            final[key] = _chosen(offered, order)
            continue
        for first in list(offered):
            f = first.finding
            then = final.get(_key(f))
            if then is None or not _holds(first, then):
                continue
            traced = _traced(f, then.finding)
            if traced is not None:
                offered.append(replace(first, position=then.position, direct=False, finding=traced))
        final[key] = _chosen(offered, order)
    return [o.finding for _, o in sorted(final.items(), key=lambda c: (order[c[0][0]], c[0][1]))]


@dataclass(frozen=True)
class _Offer:
    """A finding offered for an item, against the claim at ``position`` in archive order."""

    position: int
    direct: bool  # found from the copy's side (the copy was the query)
    finding: Finding
    # where the footage is: "query" when the copy shows it in a window of its picture
    # (an inset, a tile), "other" when the copy is a crop of the holder, None picture to picture
    window_in: str | None = None
    # that window, (x0, y0, x1, y1) in the outer picture's 0..1 (the copy's, or the holder's)
    window: tuple[float, float, float, float] | None = None

    @property
    def inset(self) -> bool:
        """The copy shows the footage in a window of its picture only."""
        return self.window_in == "query"

    @property
    def whole(self) -> bool:
        """Matched picture to picture, neither side a window of the other."""
        return self.window_in is None


def _holds(first: _Offer, then: _Offer) -> bool:
    """Whether the part of the holder that an item matched (``first``) holds the footage the
    holder's own finding (``then``) names.

    A holder showing that footage in a window of its picture (a split screen, an inset)
    shows other footage beside it, and the item may have matched that other footage: it
    is traced only when it matched the holder's whole picture, or a crop of it that lies
    mostly on the window.
    """
    if not then.inset or first.whole:
        return True
    if first.inset or first.window is None or then.window is None:
        return False
    return _overlap(first.window, then.window) >= HELD_SHARE


HELD_SHARE = 0.5  # of the smaller box: a crop lies on the window, not beside it


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    """The share of the smaller of two boxes (x0, y0, x1, y1) that lies in the other."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return max(0.0, w) * max(0.0, h) / smaller if smaller > 0 else 0.0


def _chosen(offered: list[_Offer], order: Mapping[str, int]) -> _Offer:
    """The finding against the earliest holder; every other holder goes to ``also_in``.

    Among findings against one claim the surest evidence wins: same bytes,
    then a match found from the copy's side (its frames all lie in the
    original: timing is better posed than from the original's side), then a
    direct match before a traced one, then confidence.
    """
    offered = sorted(
        offered,
        key=lambda o: (
            o.position,
            not isinstance(o.finding.evidence, IdenticalBytes),
            not o.direct,
            _via(o.finding) is not None,
            -o.finding.confidence,
        ),
    )
    found = [o.finding for o in offered]
    best = found[0]
    evidence = best.evidence
    assert isinstance(evidence, (IdenticalBytes, FrameHashCopy))  # made by this module
    also = {
        *evidence.also_in,
        *(Holder(f.other_claim, f.other_media or "") for f in found[1:] if f.other_claim),
    }
    also.discard(Holder(best.other_claim or "", best.other_media or ""))
    also_in = tuple(sorted(also, key=lambda h: (order[h.claim_id], h.path)))
    return replace(offered[0], finding=replace(best, evidence=replace(evidence, also_in=also_in)))


def _key(finding: Finding) -> tuple[str, str]:
    """The (claim, media) a finding names: where that holder's own finding is kept."""
    return (finding.other_claim or "", finding.other_media or "")


def _via(finding: Finding) -> Holder | None:
    ev = finding.evidence
    return ev.via if isinstance(ev, FrameHashCopy) else None


def _traced(direct: Finding, earlier: Finding) -> Finding | None:
    """``direct``'s footage followed through its holder's own finding ``earlier``.

    An item matched against a later re-post (its frames are closest to the
    re-post's) holds the original's footage too, over the part of the
    re-post that copies the original. The part must be long enough to be a
    copy on its own (:func:`required_span_s`), so a still on either link (its
    segment has no length) is not traced; two stills (no segments) are.
    """
    first, then = direct.evidence, earlier.evidence
    via = Holder(direct.other_claim or "", direct.other_media or "")
    segment = None
    if direct.segment is not None and earlier.segment is not None:
        segment = _through(direct.segment, earlier.segment)
        if segment is None:
            return None
    if isinstance(first, FrameHashCopy) and isinstance(then, FrameHashCopy):
        evidence = replace(
            first,
            speed=round(first.speed * then.speed, 3),
            transform=VARIANTS[
                compose_variants(VARIANTS.index(first.transform), VARIANTS.index(then.transform))
            ],
            also_in=(),
            via=via,
        )
    elif isinstance(first, FrameHashCopy):  # the re-post holds the original's very bytes
        evidence = replace(first, also_in=(), via=via)
    elif isinstance(then, FrameHashCopy):  # the very bytes of a re-post
        evidence = replace(then, also_in=(), via=via)
    else:
        return None  # same bytes twice would be one holder group
    return replace(
        direct,
        other_claim=earlier.other_claim,
        other_media=earlier.other_media,
        confidence=min(direct.confidence, earlier.confidence),
        segment=segment,
        evidence=evidence,
    )


def _through(first: Segment, then: Segment) -> Segment | None:
    """``first`` (item -> holder) composed with ``then`` (holder -> original), or None.

    Only the part of the holder both map is kept; each mapping is linear
    (a speed change at most), so the composition is too.
    """
    lo, hi = max(first.other_start_s, then.start_s), min(first.other_end_s, then.end_s)
    k1 = _rate(first)
    k2 = _rate(then)
    if hi <= lo or k1 <= 0 or k2 <= 0:
        return None
    here = (
        first.start_s + (lo - first.other_start_s) / k1,
        first.start_s + (hi - first.other_start_s) / k1,
    )
    there = (
        then.other_start_s + (lo - then.start_s) * k2,
        then.other_start_s + (hi - then.start_s) * k2,
    )
    if here[1] - here[0] < required_span_s(
        first.end_s - first.start_s, then.other_end_s - then.other_start_s
    ):
        return None
    return Segment(round(here[0], 3), round(here[1], 3), round(there[0], 3), round(there[1], 3))


def _rate(segment: Segment) -> float:
    """Seconds of the other media per second of this one along ``segment``."""
    span = segment.end_s - segment.start_s
    return (segment.other_end_s - segment.other_start_s) / span if span > 0 else 0.0


def _surest_of_each_pair(matches: Iterable[MediaMatch]) -> list[MediaMatch]:
    """The matches, but where two items matched each other both ways, once picture to
    picture (hashes of the frames themselves) and once through a window (hashes of a
    window of their 64x36 thumbnails), only the former: its timing is the surer. A
    landscape copy turned a quarter is matched so: its frames are looked up unturned,
    so only the crop path finds the original from its side."""
    matches = list(matches)
    whole = {frozenset((m.sha256, m.other_sha256)) for m in matches if m.match.window is None}
    return [
        m
        for m in matches
        if m.match.window is None or frozenset((m.sha256, m.other_sha256)) not in whole
    ]


def _reverse(match: CopyMatch) -> CopyMatch:
    """The same match seen from the other item's side."""
    seg = match.segment
    flipped = (
        None if seg is None else Segment(seg.other_start_s, seg.other_end_s, seg.start_s, seg.end_s)
    )
    inside = {"query": "other", "other": "query"}.get(match.window_in or "")
    return replace(
        match,
        segment=flipped,
        speed=round(1.0 / match.speed, 3),
        window_in=inside,
        variant=inverse_variant(match.variant),
    )
