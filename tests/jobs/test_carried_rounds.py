"""Matching with what a task carries, in rounds, without a cluster: the protocol itself.

A stand-in for :class:`~provenance.jobs.cluster.Cluster` runs each call here in
the order sent; the worker's side (:func:`match_carried`) never sees the
archive, only the state and the fingerprints the coordinator sends.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
import pytest
from test_item_index import RNG, add_item, prints

from provenance.fingerprint import codecs
from provenance.jobs import carried
from provenance.jobs.carried import Wanted, match_carried, match_on_cluster, state_token
from provenance.jobs.item_index import frame_columns
from provenance.jobs.matching import ItemMatches, item_matcher, matching_state
from provenance.match import COPY_MATCHER
from provenance.model import MediaStatus

N = 24


class InProcess:
    """A cluster of one, here: what is shared is the value, calls run as they are sent."""

    address = "in-process"

    def __init__(self) -> None:
        self.sent: list[tuple] = []
        self.ran: list[object] = []  # what each function run everywhere returned

    def share(self, value: object) -> object:
        return value

    def everywhere(self, fn: Callable) -> dict:
        self.ran.append(fn())
        return {self.address: self.ran[-1]}

    def each(self, fn: Callable, calls, *, apart: tuple = ()) -> _Calls:
        return _Calls(self, fn, list(calls))


class _Calls:
    def __init__(self, owner: InProcess, fn: Callable, queue: list[tuple]) -> None:
        self.owner, self.fn, self.queue = owner, fn, queue

    def send(self, *args: object) -> None:
        self.queue.append(args)

    def __iter__(self) -> Iterator:
        while self.queue:
            args = self.queue.pop(0)
            self.owner.sent.append(args)
            yield self.fn(*args)


@pytest.fixture
def copies(archive_path):
    """An archive of five clips, one a re-encoded copy of another: (archive, original, copy)."""
    from provenance.archive import open_archive

    with open_archive(archive_path, write=True, create=True) as archive:
        for i in range(3):
            add_item(archive, f"C{i}", prints(RNG.integers(1, 2**63, N, dtype=np.uint64)), i + 1)
        clip = RNG.integers(1, 2**63, N, dtype=np.uint64)
        original = add_item(archive, "O", prints(clip), 10)
        copy = add_item(archive, "R", prints(clip ^ np.uint64(0b10110)), 11)
        yield archive, original, copy


def _state(archive):
    claims = archive.claims()
    media = {r.sha256: r for r in archive.all_media()}
    return matching_state(
        COPY_MATCHER, archive, claims, media, frame_columns(archive), token=state_token()
    )


def test_carried_matches_are_those_read_from_the_archive(copies) -> None:
    archive, original, copy = copies
    state = _state(archive)
    shas = [r.sha256 for r in archive.all_media()]
    cluster = InProcess()
    found = {item.sha256: item for item in match_on_cluster(cluster, archive, state, shas)}
    here = item_matcher(state, archive)
    assert found == {sha: here(sha) for sha in shas}
    assert [other for other, _ in found[copy].stored] == [original]
    assert len(cluster.sent) == 1  # one task: the items carry each other's fingerprints
    assert cluster.ran == [1] and not carried._built  # the worker's matcher let go at the end
    # the copy alone is new: it is sent again with the original's, a round per read-ahead
    alone = InProcess()
    assert list(match_on_cluster(alone, archive, state, [copy])) == [found[copy]]
    first, *again = alone.sent
    assert {sha for sha, _ in first[2]} == {copy}
    assert 1 <= len(again) <= 3 and all(shas_ == (copy,) for _, shas_, _ in again)
    assert {sha for sha, _ in again[-1][2]} == {copy, original}


def test_a_task_says_which_fingerprints_it_lacks(copies) -> None:
    archive, original, copy = copies
    state = _state(archive)
    own = carried.read_parcel(archive, [(copy, kind) for kind in codecs.COPY_KINDS])
    (wanted,) = match_carried(state, (copy,), own)
    assert isinstance(wanted, Wanted) and wanted.sha256 == copy
    assert {sha for sha, _ in wanted.keys} == {original}
    assert {kind for _, kind in wanted.keys} <= set(codecs.COPY_KINDS)
    parcel = own
    for _ in range(4):
        (item,) = match_carried(state, (copy,), parcel)
        if isinstance(item, ItemMatches):
            break
        parcel = {**parcel, **carried.read_parcel(archive, item.keys)}
    assert item == item_matcher(state, archive)(copy)


def test_an_item_still_wanting_after_its_rounds_is_our_failure_and_the_others_go_on(
    copies, monkeypatch
) -> None:
    archive, original, copy = copies
    state = _state(archive)
    reads = carried.read_parcel
    # a coordinator that never sends the original's fingerprints
    monkeypatch.setattr(
        carried,
        "read_parcel",
        lambda a, keys: reads(a, [k for k in keys if k[0] != original]),
    )
    shas = [r.sha256 for r in archive.all_media()]
    found = {item.sha256: item for item in match_on_cluster(InProcess(), archive, state, shas)}
    (problem,) = found[copy].problems
    assert problem.kind is MediaStatus.INTERNAL_ERROR and problem.stage == "matching (copies)"
    assert "still wanted" in problem.reason and f"{carried.MAX_ROUNDS} rounds" in problem.reason
    assert found[copy].stored == ()
    assert all(not found[s].problems for s in shas if s not in (copy, original))
