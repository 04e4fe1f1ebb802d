"""``check`` of the 60 s clip against an archive of n stored 60 s items (seconds).

Every archived item holds the clip's real-sized fingerprints with frame
hashes (and centre-crop hashes) of its own; the clip is checked against the archive end to end after
it is analysed: loading the light fingerprints, building the Hamming and
visual-word indexes, matching. Then the same from the persisted index beside
the archive (:mod:`provenance.jobs.item_index`): its first build and write, then
reading it (and the kept ORB word index), indexing and matching as ``check``
does. The archive is written to
``.bench/``.

    python -m benchmarks.archive --items 5000 [--repeat 5]

With ``--repeat``, the matching is timed that many times more, side by side with
and without the claim order (without it, no shortlisted item's source is looked
up first: :meth:`provenance.match.FrameTable.sources_first`), and the medians are
given.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from ._common import BENCH, add_clip, clip_of, emit, fresh_db, parser


def bench(path: Path, items: int, repeat: int = 0) -> dict:
    from provenance.archive import open_archive
    from provenance.archive._rows import format_utc, utc_now
    from provenance.fingerprint import Fingerprints, MediaFingerprint, WordBag, codecs
    from provenance.jobs.analyse import analyse_file
    from provenance.jobs.item_index import frame_columns, index_dir, kept_word_index
    from provenance.jobs.prints import full_prints, light_prints, stored_prints
    from provenance.match import FrameTable, match_fingerprint, orb_word_index

    stored = analyse_file(str(path))[1]
    query = codecs.decode(stored)
    rng = np.random.default_rng(1)
    db = fresh_db(BENCH / f"archive_{items}.db")
    no_words = WordBag(np.zeros(0, np.uint32), np.zeros(0, np.uint8))
    blank = np.zeros_like(query.frames.thumbs)  # the frame table does not hold thumbnails
    now = format_utc(utc_now())
    with open_archive(db, write=True, create=True) as archive, archive.transaction() as sql:
        for i in range(items):
            sha = f"{i:064x}"
            sql.execute(
                "INSERT INTO media (sha256, size_bytes, file, status, first_seen_at)"
                " VALUES (?, 1, '/x', 'done', ?)",
                (sha, now),
            )
            # real-sized fingerprints, each item's frame hashes its own
            frames = MediaFingerprint(
                query.frames.time_s,
                rng.integers(0, 2**63, query.frames.hashes.shape, dtype=np.uint64),
                query.frames.detail,
                query.frames.portrait,
                fill_hashes=rng.integers(0, 2**63, query.frames.fill_hashes.shape, dtype=np.uint64),
            )
            encoded = codecs.encode(Fingerprints(replace(frames, thumbs=blank), [], no_words))
            own = {k: encoded[k] for k in (codecs.FRAMES, codecs.FILLS)}  # each item's own
            for kind, data in {**stored, **own}.items():
                sql.execute(
                    "INSERT INTO fingerprints (sha256, kind, data, created_at) VALUES (?, ?, ?, ?)",
                    (sha, kind, data, now),
                )
    size_mb = db.stat().st_size / 2**20
    start = time.perf_counter()
    with open_archive(db, write=False) as archive:
        prints = stored_prints(archive)
        loaded = time.perf_counter()
        shas = list(prints)
        table = FrameTable(
            [prints[s] for s in shas],
            load=lambda i: full_prints(archive, shas[i]),
            rank=range(len(shas)),  # in claim order, as check builds it
        )
        built = time.perf_counter()
        match_fingerprint(query, table)
        matched = time.perf_counter()
        ranked, unranked = [], []
        in_order = table.rank
        for _ in range(repeat):
            for rank, times in ((in_order, ranked), (None, unranked)):
                table.rank = rank
                t = time.perf_counter()
                match_fingerprint(query, table)
                times.append(time.perf_counter() - t)
        table.rank = in_order
    del table, prints
    # the same from the persisted index (jobs.item_index): written once, then read
    with open_archive(db, write=False) as archive:
        t0 = time.perf_counter()
        first = frame_columns(archive)  # none yet: built from the archive and written
        kept_word_index(archive, "orb", first.shas, lambda: orb_word_index(first))
        t1 = time.perf_counter()
        columns = frame_columns(archive)
        t2 = time.perf_counter()
        shas = list(columns.shas)
        persisted = FrameTable.from_columns(
            columns,
            light=lambda i: light_prints(archive, shas[i]),
            load=lambda i: full_prints(archive, shas[i]),
            rank=range(len(shas)),
            words=kept_word_index(archive, "orb", shas, lambda: orb_word_index(columns)),
        )
        t3 = time.perf_counter()
        match_fingerprint(query, persisted)
        t4 = time.perf_counter()
    index_mb = sum(f.stat().st_size for f in index_dir(archive).rglob("*") if f.is_file()) / 2**20
    result = {
        "archive": f"{items} items of 60 s ({len(persisted)} frame hashes), {size_mb:.0f} MB",
        "load_fingerprints_s": round(loaded - start, 2),
        "build_index_s": round(built - loaded, 2),
        "match_s": round(matched - built, 2),
        "total_s": round(matched - start, 2),
        "persisted_first_build_and_write_s": round(t1 - t0, 2),
        "persisted_read_s": round(t2 - t1, 3),
        "persisted_build_index_s": round(t3 - t2, 2),
        "persisted_match_s": round(t4 - t3, 2),
        "persisted_total_s": round(t4 - t1, 2),
        "persisted_index_mb": round(index_mb, 1),
    }
    if repeat:
        result["match_median_s"] = round(statistics.median(ranked), 3)
        result["match_without_claim_order_median_s"] = round(statistics.median(unranked), 3)
    return result


def main(argv: Sequence[str] | None = None) -> dict:
    p = parser("archive", __doc__)
    add_clip(p)
    p.add_argument("--items", type=int, default=5000, help="stored items")
    p.add_argument("--repeat", type=int, default=0, help="matchings timed side by side")
    args = p.parse_args(argv)
    return emit("archive", bench(clip_of(args), args.items, args.repeat), argv)


if __name__ == "__main__":
    main()
