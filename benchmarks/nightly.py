"""A nightly ``rescore`` on archives of synthetic fingerprints, 1 % of them new.

Every claim holds one 7 s item whose fingerprints are those of a fixture
video (C002_a) made its own: random frame hashes and thumbnails, ORB and
SIFT descriptors XORed with random bytes, so its visual words are its own
too (unrelated footage). All but 1 % of the items are already matched (for
copies, for other angles and for airframes; C002_a is no close-up, so it has
no close-up picture to compare); the run matches the new ones against the
whole archive, derives every finding and scores every claim.
Media are already fingerprinted: fingerprinting new media costs the same
per item whatever the archive's size (see the fingerprint benchmark).
The matched items are in the persisted index beside the archive, as last night's
run left it (:mod:`provenance.jobs.item_index`); the new ones are not.
For 1,000 claims (``--full-claims``) the run is also timed with nothing matched yet: the
first full re-scoring of an archive fingerprinted by ``ingest``.
The archives are written to ``.bench/nightly_<claims>.db`` (the report
benchmark reads ``.bench/nightly_1000.db``).

    python -m benchmarks.nightly --claims 100,1000,10000 --full-claims 1000

With ``--cluster`` every run is timed again on a Dask LocalCluster of two worker
processes, to which the coordinator carries what they match (they open no archive).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from ._common import BENCH, add_fixtures, emit, fresh_db, parser


def own_prints_of(template_file: Path) -> Callable[[], dict[str, bytes]]:
    """A maker of stored fingerprints: ``template_file``'s, each time made unrelated footage."""
    from provenance.fingerprint import (
        Fingerprints,
        MediaFingerprint,
        SceneViews,
        codecs,
        orb_bag,
        sift_bag,
    )
    from provenance.jobs.analyse import analyse_file

    stored = analyse_file(str(template_file))[1]
    template_prints = codecs.decode(stored)
    template = template_prints.frames
    scene = template_prints.views
    rng = np.random.default_rng(3)

    def own_prints() -> dict[str, bytes]:
        frames = MediaFingerprint(
            template.time_s,
            rng.integers(0, 2**63, template.hashes.shape, dtype=np.uint64),
            template.detail,
            template.portrait,
            rng.integers(0, 256, template.thumbs.shape, dtype=np.uint8),
        )
        keyframes = [
            dataclasses.replace(
                k, descriptors=k.descriptors ^ rng.integers(0, 256, k.descriptors.shape, np.uint8)
            )
            for k in template_prints.keyframes
        ]
        view_frames = [
            dataclasses.replace(
                k, descriptors=k.descriptors ^ rng.integers(0, 256, k.descriptors.shape, np.uint8)
            )
            for k in scene.keyframes
        ]
        # the template's event track, launch sound and close-up reading, as before
        own_scene = SceneViews(view_frames, sift_bag(view_frames), scene.track, scene.sound)
        reading = template_prints.closeup
        own = Fingerprints(frames, keyframes, orb_bag(keyframes), own_scene, reading)
        return {**stored, **codecs.encode(own)}

    return own_prints


def build(
    n: int, matched_share: float, own_prints: Callable[[], dict[str, bytes]], index: bool = True
) -> Path:
    """The archive of ``n`` claims, ``matched_share`` of them matched last night, whose
    persisted index (``index``) last night wrote: with those items only."""
    from provenance.archive import open_archive
    from provenance.archive._rows import format_utc, utc_now
    from provenance.jobs.item_index import frame_columns
    from provenance.match import AIRFRAME_MATCHER, COPY_MATCHER, VIEW_MATCHER

    db = fresh_db(BENCH / f"nightly_{n}.db")
    now = format_utc(utc_now())
    old = round(n * matched_share)

    def insert(sql, items: range) -> None:
        for i in items:
            sha = f"{i:064x}"
            sql.execute(
                "INSERT INTO media (sha256, size_bytes, file, status, kind, width, height,"
                " duration_s, first_seen_at) VALUES (?, 1, '/x', 'done', 'video', 480, 272,"
                " 7.0, ?)",
                (sha, now),
            )
            sql.execute(
                "INSERT INTO claims (id, claimed_at, group_name, first_seen_at)"
                " VALUES (?, ?, 'G', ?)",
                (f"N{i:06d}", f"2024-01-01T00:00:{i % 60:02d}.000000Z", now),
            )
            sql.execute(
                "INSERT INTO claim_media VALUES (?, 0, ?, ?)", (f"N{i:06d}", f"m{i}.mp4", sha)
            )
            for kind, blob in own_prints().items():
                sql.execute(
                    "INSERT INTO fingerprints (sha256, kind, data, created_at) VALUES (?, ?, ?, ?)",
                    (sha, kind, blob, now),
                )
            if i < old:
                for matcher in (COPY_MATCHER, VIEW_MATCHER, AIRFRAME_MATCHER):
                    sql.execute(
                        "INSERT INTO matched VALUES (?, ?, ?, NULL, ?)",
                        (matcher.rpartition("-v")[0], sha, matcher, now),
                    )

    with open_archive(db, write=True, create=True) as archive:
        with archive.transaction() as sql:
            insert(sql, range(old))
        if old and index:  # the index as the last night left it: the old items'
            frame_columns(archive)
        with archive.transaction() as sql:
            insert(sql, range(old, n))
    return db


def timed_run(db: Path, workers: int = 1, scheduler: str | None = None) -> tuple[float, dict]:
    from provenance.archive import open_archive
    from provenance.jobs import rescore

    started = time.perf_counter()
    with open_archive(db, write=True) as archive:
        summary = rescore(archive, workers=workers, scheduler=scheduler)
    return time.perf_counter() - started, {
        "matched": summary.matched,
        "related": summary.related,
        "findings": summary.findings,
        "scored": summary.claims,
    }


def bench(fixtures: Path, sizes: list[int], full_claims: int, cluster: bool = False) -> dict:
    own_prints = own_prints_of(fixtures / "media" / "C002_a.mp4")
    rows = {}
    for n in sizes:
        db = build(n, 0.99, own_prints)
        seconds, what = timed_run(db)
        rows[n] = {
            "rescore_s": round(seconds, 2),
            **what,
            "archive_mb": round(db.stat().st_size / 2**20, 1),
        }
        if cluster:
            with _local_cluster() as address:
                seconds, what = timed_run(build(n, 0.99, own_prints), scheduler=address)
            rows[f"{n}, on a LocalCluster of 2 workers"] = {"rescore_s": round(seconds, 2), **what}
    first = sizes[0]
    growth = {
        f"{n} vs {first}": f"{n / first:.0f}x claims, "
        f"{rows[n]['rescore_s'] / rows[first]['rescore_s']:.1f}x time"
        for n in sizes[1:]
    }
    full = {}
    for workers in (1, 2):
        seconds, what = timed_run(build(full_claims, 0.0, own_prints), workers)
        full[f"workers={workers}"] = {"rescore_s": round(seconds, 2), **what}
    if cluster:
        with _local_cluster() as address:
            seconds, what = timed_run(build(full_claims, 0.0, own_prints), scheduler=address)
        full["LocalCluster of 2 workers"] = {"rescore_s": round(seconds, 2), **what}
    return {
        "nightly_1pct_new (one process)": rows,
        "growth": growth,
        f"first_full_rescore_{full_claims}_claims_nothing_matched": full,
    }


@contextmanager
def _local_cluster() -> Iterator[str]:
    """A Dask LocalCluster of 2 worker processes of one thread (the machine's 2 cores)."""
    import distributed

    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as local:
        yield local.scheduler_address


def main(argv: Sequence[str] | None = None) -> dict:
    p = parser("nightly", __doc__)
    add_fixtures(p)
    p.add_argument("--claims", default="100,1000,10000", help="archive sizes")
    p.add_argument("--full-claims", type=int, default=1000, help="size of the run matching all")
    p.add_argument(
        "--cluster",
        action="store_true",
        help="each run again on a Dask LocalCluster (its workers read no archive: all carried)",
    )
    args = p.parse_args(argv)
    sizes = [int(x) for x in args.claims.split(",")]
    found = bench(Path(args.fixtures), sizes, args.full_claims, args.cluster)
    return emit("nightly", found, argv)


if __name__ == "__main__":
    main()
