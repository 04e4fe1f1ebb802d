"""Launches: the archive's claims grouped by the launch their footage shows.

The analysts' question is how many distinct attacks the claims show. A launch
is one original view (a video of it, neither a copy nor a close-up) plus every
copy of it and every other camera of the same launch (``other_angle``), and
their copies; a claim showing a close-up of an airframe an earlier claim
showed (``recycled_identifier`` by its serial, ``recycled_airframe`` by its marks)
shows that claim's launch too. A claim may
show several launches (a compilation); a claim whose footage matches nothing
is a launch of its own, however many videos it holds: nothing tells them apart.

Built from the findings alone (no footage), so it is exactly as good as they
are: a copy or another camera the detectors missed splits one launch in two.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from scipy.cluster.hierarchy import DisjointSet

from ..fingerprint import CloseupReading
from ..model import Finding, FindingKind, MediaKind, MediaRecord, StoredClaim, holders_by_sha

# how a later claim shows a launch, from the finding that ties it in (strongest first)
HOW = {
    FindingKind.COPY: "copy",
    FindingKind.OTHER_ANGLE: "other_angle",
    FindingKind.RECYCLED_IDENTIFIER: "recycled_airframe",
    FindingKind.RECYCLED_AIRFRAME: "recycled_airframe",
}


@dataclass(frozen=True)
class LaunchClaim:
    """One claim showing a launch, and how: ``how`` is None for the launch's first claim."""

    claim_id: str
    claimed_at: datetime
    group: str
    media: tuple[str, ...]  # the claim's media showing the launch, as the manifest wrote them
    how: str | None = None  # copy, other_angle or recycled_airframe
    other_claim: str | None = None  # the earlier claim the finding points to
    other_media: str | None = None
    confidence: float | None = None


@dataclass(frozen=True)
class Launch:
    """One launch: its claims, first claim first, and how many cameras filmed it."""

    number: int  # 1 = the launch shown by the most claims
    claims: tuple[LaunchClaim, ...]
    cameras: int  # distinct original views (copies are not cameras)

    @property
    def id(self) -> str:
        """ "L1" for the launch shown by the most claims, ..."""
        return f"L{self.number}"

    @property
    def first(self) -> LaunchClaim:
        return self.claims[0]

    @property
    def later(self) -> tuple[LaunchClaim, ...]:
        return self.claims[1:]

    @property
    def groups(self) -> tuple[str, ...]:
        return tuple(sorted({c.group for c in self.claims}))

    @property
    def span_days(self) -> float:
        """Days from the first claim to the last."""
        last = max(c.claimed_at for c in self.claims)
        return (last - self.first.claimed_at).total_seconds() / 86400.0

    @property
    def details(self) -> str:
        """ "5 claims by 2 groups over 19 days, 2 cameras"."""
        claims, groups, days = len(self.claims), len(self.groups), round(self.span_days)
        text = f"{claims} claim{'s' * (claims != 1)}"
        if claims > 1:
            text += f" by {groups} group{'s' * (groups != 1)}"
            text += f" over {days} day{'s' * (days != 1)}" if days else " the same day"
        return text + f", {self.cameras} camera{'s' * (self.cameras != 1)}"

    @property
    def summary(self) -> str:
        """ "Launch 3: 5 claims by 2 groups over 19 days, 2 cameras"."""
        return f"Launch {self.number}: {self.details}"


def group_launches(
    claims: Sequence[StoredClaim],
    findings: Iterable[Finding],
    media: Mapping[str, MediaRecord],
    readings: Mapping[str, CloseupReading],
) -> list[Launch]:
    """The launches ``claims`` (archive order) show, most claims first.

    ``findings`` are the archive's findings; ``media`` and ``readings`` (by
    sha256) tell videos from stills and close-ups, which show an airframe,
    not a launch.
    """
    order = {s.claim.id: i for i, s in enumerate(claims)}
    by_id = {s.claim.id: s for s in claims}
    sha_of: dict[tuple[str | None, str | None], str] = {
        (s.claim.id, item.path): item.sha256 for s in claims for item in s.media
    }
    holders = holders_by_sha(claims)

    def is_view(sha: str) -> bool:
        record, reading = media.get(sha), readings.get(sha)
        info = None if record is None else record.info
        closeup = reading is not None and reading.closeup
        return info is not None and info.kind is MediaKind.VIDEO and not closeup

    copies: dict[str, set[str]] = {}  # item -> the items it copies
    recycled: dict[str, list[tuple[str, str]]] = {}  # claim -> (path, earlier close-up)
    ties: dict[str, list[Finding]] = {}  # claim id -> its findings that tie it to another
    cameras_of = DisjointSet()  # original views, joined by other_angle findings
    linked: set[str] = {sha for sha, held in holders.items() if len(held) > 1}
    for f in findings:
        if f.kind not in HOW or f.claim_id not in order or f.other_claim not in order:
            continue
        a, b = sha_of.get((f.claim_id, f.media)), sha_of.get((f.other_claim, f.other_media))
        if a is None or b is None:
            continue
        ties.setdefault(f.claim_id, []).append(f)
        if a == b:  # the same bytes: one item, held twice
            continue
        if f.kind is FindingKind.COPY:
            copies.setdefault(a, set()).add(b)
        elif f.kind is FindingKind.OTHER_ANGLE:
            for sha in (a, b):
                if sha not in cameras_of:
                    cameras_of.add(sha)
            cameras_of.merge(a, b)
            linked.update((a, b))
        else:
            recycled.setdefault(f.claim_id, []).append((f.media, b))

    # the original items each item derives from (itself if it copies nothing): a copy
    # points to items first held by earlier claims, so one pass in archive order does
    roots: dict[str, set[str]] = {}
    for stored in claims:
        for item in stored.media:
            if item.sha256 not in roots:
                found = copies.get(item.sha256)
                roots[item.sha256] = (
                    set().union(*(roots.get(src, {src}) for src in found))
                    if found
                    else {item.sha256}
                )
    linked.update(s for sha in copies for s in roots[sha])  # originals with copies

    def own(claim_id: str) -> object:
        return ("claim", claim_id)

    def launches_of(sha: str) -> set[object]:
        """The launches item ``sha`` shows; empty for a still or close-up of its own."""
        keys: set[object] = set()
        for root in roots[sha]:
            if not is_view(root):
                continue
            if root in cameras_of:
                keys.add(cameras_of[root])
            else:
                keys.add(root if root in linked else own(holders[root][0].claim_id))
        return keys

    shows: dict[object, dict[str, list[str]]] = {}  # launch -> claim id -> its media paths
    member_of: dict[str, set[object]] = {}  # claim id -> its launches

    def add(key: object, claim_id: str, paths: Iterable[str]) -> None:
        shows.setdefault(key, {}).setdefault(claim_id, []).extend(paths)
        member_of.setdefault(claim_id, set()).add(key)

    def shown_by(sha: str) -> set[object]:
        """The launches an item shows; a copy of a still or close-up, those of its claim."""
        keys = launches_of(sha)
        if not keys and sha in copies:  # its sources' claims came earlier: already placed
            for root in roots[sha]:
                keys |= member_of.get(holders[root][0].claim_id, set())
        return keys

    def target_launches(sha: str) -> set[object]:
        """The launches an earlier item shows: for a still or close-up, its claim's."""
        return shown_by(sha) or member_of.get(holders[sha][0].claim_id, set())

    for stored in claims:  # archive order: what a claim points to is placed before it
        cid = stored.claim.id
        for item in stored.media:
            for key in shown_by(item.sha256):
                add(key, cid, [item.path])
        for path, earlier in recycled.get(cid, ()):  # a close-up of an airframe shown before
            for key in target_launches(earlier):
                add(key, cid, [path])
        if cid not in member_of:
            add(own(cid), cid, [item.path for item in stored.media])

    cameras: dict[object, set[str]] = {}
    for sha in holders:
        if is_view(sha) and sha not in copies:
            for key in launches_of(sha):
                cameras.setdefault(key, set()).add(sha)

    def reaches(f: Finding, key: object) -> bool:
        """Whether finding ``f`` points into launch ``key``."""
        return key in target_launches(sha_of[(f.other_claim, f.other_media)])

    made = []
    for key, members in shows.items():
        views = len(cameras.get(key, ()))
        ids = sorted(members, key=order.__getitem__)
        first = _claim(by_id[ids[0]], tuple(dict.fromkeys(members[ids[0]])))
        later = [
            _later(
                by_id[cid],
                tuple(dict.fromkeys(members[cid])),
                [f for f in ties.get(cid, ()) if reaches(f, key)],
            )
            for cid in ids[1:]
        ]
        # a claim's unmatched videos are one launch: nothing says they are two cameras
        made.append((first, tuple([first, *later]), min(views, 1) if key == own(ids[0]) else views))
    made.sort(key=lambda m: (-len(m[1]), order[m[0].claim_id]))
    return [Launch(i + 1, shown, count) for i, (_, shown, count) in enumerate(made)]


def _claim(stored: StoredClaim, paths: tuple[str, ...]) -> LaunchClaim:
    claim = stored.claim
    return LaunchClaim(claim.id, claim.claimed_at, claim.group, paths)


def _later(stored: StoredClaim, paths: tuple[str, ...], ties: Sequence[Finding]) -> LaunchClaim:
    """A later claim of a launch, and the strongest of ``ties`` (its findings pointing
    into the launch): without one, a claim holding the launch's view first seen later."""
    base = _claim(stored, paths)
    if not ties:
        return base
    rank = list(HOW)
    best = min(ties, key=lambda f: (rank.index(f.kind), -f.confidence))
    return LaunchClaim(
        base.claim_id,
        base.claimed_at,
        base.group,
        paths,
        HOW[best.kind],
        best.other_claim,
        best.other_media,
        round(best.confidence, 4),
    )
