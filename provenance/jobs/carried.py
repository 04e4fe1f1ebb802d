"""Matching on a Dask cluster whose workers never open the archive.

SQLite's locking (and WAL's shared memory) does not work over a network
filesystem, so only the coordinating process opens the archive. What a
matching task needs travels with it:

- the matcher's :class:`~.matching.MatchingState` (claims, index columns, word
  indexes), sent once per run to every worker (:meth:`Cluster.share`);
- the stored fingerprints of the items it matches, and of the archived items
  it verifies them against, read by the coordinator.

Which archived items a match verifies is known only once the item has been
looked up in the index, on the worker: a task that reaches fingerprints it
does not carry stops that item and says which it wants (:class:`Wanted`); the
coordinator reads them and sends the item again with them. Matching is
deterministic, so the item's matches are those of a run on one machine. The
matchers say what they read next all at once (``read_ahead``), so an item
takes a few rounds (a copy: up to four), not one per archived item.
"""

from __future__ import annotations

import itertools
import logging
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

from ..archive import Archive, matching_stage
from ..errors import ArchiveError
from ..model import Problem
from .cluster import Cluster
from .matching import OWN_KINDS, ItemMatches, MatchingState, item_matcher

log = logging.getLogger("provenance")

Key = tuple[str, str]  # (sha256, kind)
Parcel = dict[Key, bytes | None]  # stored fingerprints a task carries (None: the item has none)

MAX_ROUNDS = 8  # an item still wanting fingerprints after this many is a bug of ours
CHUNK = 20  # items a task matches
IN_FLIGHT = 8  # tasks sent out at a time (more follow as results come back)


class NotCarried(ArchiveError):
    """A worker's matcher reached stored fingerprints its task did not carry."""

    def __init__(self, wanted: frozenset[Key]) -> None:
        super().__init__(None, f"{len(wanted)} stored fingerprints were not carried")
        self.wanted = wanted


@dataclass(frozen=True)
class Wanted:
    """Item ``sha256`` could not be matched yet: it needs the fingerprints ``keys``."""

    sha256: str
    keys: frozenset[Key]


class CarriedReader:
    """A :class:`~.prints.FingerprintReader` over the fingerprints a task carried."""

    path = "(fingerprints carried by the task)"

    def __init__(self) -> None:
        self.parcel: Parcel = {}

    def item_fingerprints(self, sha256: str, kinds: Sequence[str]) -> dict[str, bytes]:
        self.require([sha256], kinds)
        return {k: data for k in kinds if (data := self.parcel[(sha256, k)]) is not None}

    def require(self, shas: Sequence[str], kinds: Sequence[str]) -> None:
        """Raises :class:`NotCarried` naming every one of these not carried."""
        missing = frozenset((s, k) for s in shas for k in kinds if (s, k) not in self.parcel)
        if missing:
            raise NotCarried(missing)


# Each worker thread's matcher, by thread: (state token, reader, matcher). Kept by
# module, not thread-local, so that :func:`forget_matchers` can drop them all.
_built: dict[int, tuple[str, CarriedReader, Callable[[str], ItemMatches]]] = {}
_built_lock = threading.Lock()


def match_carried(state: MatchingState, shas: Sequence[str], parcel: Parcel) -> list:
    """On a worker: ``shas`` matched by ``state``'s matcher with the fingerprints in
    ``parcel``; an :class:`ItemMatches` per item, or :class:`Wanted` for an item that
    needs more. The matcher is built once per run and thread (its caches stay)."""
    thread = threading.get_ident()
    with _built_lock:
        built = _built.get(thread)
    if built is None or built[0] != state.token:
        reader = CarriedReader()
        built = (state.token, reader, item_matcher(state, reader, reader.require))
        with _built_lock:
            _built[thread] = built
    _, reader, one = built
    reader.parcel = parcel
    stage = matching_stage(state.matcher)
    done: list[ItemMatches | Wanted] = []
    for sha in shas:
        try:
            done.append(one(sha))
        except NotCarried as need:
            done.append(Wanted(sha, need.wanted))
        except Exception as exc:  # a bug of ours on this item: the others go on
            done.append(ItemMatches(sha, (), (Problem.internal(stage, exc),)))
    return done


def match_on_cluster(
    cluster: Cluster, archive: Archive, state: MatchingState, shas: Sequence[str]
) -> Iterator[ItemMatches]:
    """``shas`` matched on ``cluster`` by ``state``'s matcher, as each is done; only this
    process reads ``archive`` (see the module's docstring)."""
    if not shas:
        return
    shared = cluster.share(state)
    own = OWN_KINDS[state.matcher]
    parcels: dict[str, Parcel] = {}  # what each item in flight carries
    rounds: dict[str, int] = {}
    chunks = (tuple(shas[i : i + CHUNK]) for i in range(0, len(shas), CHUNK))
    sent = 0  # bytes of stored fingerprints

    def first_call(chunk: tuple[str, ...]) -> tuple:
        nonlocal sent
        for sha in chunk:
            parcels[sha] = read_parcel(archive, [(sha, kind) for kind in own])
            rounds[sha] = 1
        parcel = _joined(parcels[sha] for sha in chunk)
        sent += _size(parcel)
        return (shared, chunk, parcel)

    # A few tasks per worker in flight: the coordinator holds only their fingerprints.
    # Each task's fingerprints (megabytes) travel apart from the task graph.
    each = cluster.each(
        match_carried, [first_call(c) for c in itertools.islice(chunks, IN_FLIGHT)], apart=(2,)
    )
    for result in each:
        again = []
        for item in result:
            if isinstance(item, ItemMatches):
                parcels.pop(item.sha256, None)
                yield item
                continue
            parcel = parcels[item.sha256]
            new = item.keys - parcel.keys()
            if not new or rounds[item.sha256] >= MAX_ROUNDS:
                parcels.pop(item.sha256)
                why = RuntimeError(
                    f"still wanted {len(item.keys)} stored fingerprints after "
                    f"{rounds[item.sha256]} rounds ({len(new)} not sent yet)"
                )
                yield ItemMatches(
                    item.sha256, (), (Problem.internal(matching_stage(state.matcher), why),)
                )
                continue
            parcel.update(read_parcel(archive, new))
            rounds[item.sha256] += 1
            again.append(item.sha256)
        if again:
            parcel = _joined(parcels[sha] for sha in again)
            sent += _size(parcel)
            each.send(shared, tuple(again), parcel)
        if (chunk := next(chunks, None)) is not None:
            each.send(*first_call(chunk))
    cluster.everywhere(forget_matchers)  # a run's index is not held until the next
    log.info(
        "%s on %s: %d items in %d rounds, %.1f MB of stored fingerprints carried",
        state.matcher,
        cluster.address,
        len(shas),
        sum(rounds.values()),
        sent / 1e6,
    )


def forget_matchers() -> int:
    """On a worker: drop the matchers its threads built (and the state they hold); how
    many there were. A matcher is built again by the next run's first task."""
    with _built_lock:
        count = len(_built)
        _built.clear()
    return count


def read_parcel(archive: Archive, keys: Sequence[Key] | frozenset[Key]) -> Parcel:
    """The stored fingerprints ``keys`` (None for those the item does not have)."""
    kinds_of: dict[str, list[str]] = {}
    for sha, kind in keys:
        kinds_of.setdefault(sha, []).append(kind)
    parcel: Parcel = {}
    for sha, kinds in kinds_of.items():
        stored = archive.item_fingerprints(sha, kinds)
        parcel.update({(sha, kind): stored.get(kind) for kind in kinds})
    return parcel


def state_token() -> str:
    """A name no other state has: workers rebuild their matcher when it changes."""
    return uuid.uuid4().hex


def _size(parcel: Parcel) -> int:
    return sum(len(data or b"") for data in parcel.values())


def _joined(parcels: Iterable[Parcel]) -> Parcel:
    joined: Parcel = {}
    for parcel in parcels:
        joined.update(parcel)
    return joined
