"""How well the motion along a copy mapping tells copies from look-alikes (a probe).

    python -m benchmarks.copies.probe_motion --half A --archive X.db --test grid|thumbnails

Two tests were tried for the look-alike recordings of one place, and neither
was adopted (BENCHMARKS.md, issue 16). ``--test thumbnails``: frame-to-frame
changes of the stored thumbnails (:mod:`benchmarks.copies.motion`;
``--min-motion``). ``--test grid``: a 16x9 grid of where each sampled frame
changed over a quarter of a second, measured at analysis (``motion-v1``) and
checked along the mapping; that code lives in the package at commit
``99f110d`` only: check it out, score half A with it, and run this there.

Reads an archive the half was scored into (``benchmarks.copies.score``) and
measures the test on:

- every stored whole-frame copy match of the half, labelled right (the two
  items share footage of one original, by the set's truth) or wrong;
- every trap pair of the half (the same site on another day, two night
  launches, ...), aligned the way the hashes agree best (speed 1, as shown or
  mirrored, every offset on the sampling grid): what the detector would
  compare if it took the look-alike for a copy;
- each original of the half cut in two, the second half aligned on the first
  where their hashes agree best: two recordings of one place at two moments,
  made from the half's own real footage (half A has no trap pair whose
  frames hash alike, so these are its look-alikes).

For each setting of the test, how many are kept, moved to another offset,
or dropped. Not a detector: the traps are aligned with the truth's help.
Choose settings on half A only; B is held apart.
"""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from provenance.archive import open_archive
from provenance.fingerprint import MediaFingerprint
from provenance.fingerprint._hashing import hamming
from provenance.jobs.prints import full_prints
from provenance.match import COPY_MATCHER, MediaMatch
from provenance.match._timing import CopyMatch
from provenance.model import Segment

from .._common import emit
from ..angles_set.split import load_truth
from . import motion as thumbnails
from .make_set import DEFAULT_OUT

MIN_OVERLAP = 6  # sampled frames two look-alikes must share to be aligned at all
GRID_COMMIT = "99f110d"  # the motion grids and their check, measured and then taken out

Measure = Callable[[MediaFingerprint, MediaFingerprint, CopyMatch], dict | None]
Follow = Callable[[MediaFingerprint, MediaFingerprint, CopyMatch, tuple], CopyMatch | None]


def _thumbnail_test(min_motion: float) -> tuple[Measure, Follow, tuple[tuple, ...]]:
    def measure(q, o, m):
        found = thumbnails.motion_agreement(q, o, m, min_motion)
        return None if found is None else {"correlation": found.correlation, "steps": found.steps}

    def follow(q, o, m, setting):
        return thumbnails.follow_motion(
            q, o, m, min_correlation=setting[0], min_contrast=setting[1], min_motion=min_motion
        )

    return measure, follow, ((0.1, 2.0), (0.2, 2.0), (0.2, 3.0), (0.2, 4.0), (0.3, 3.0))


def _grid_test() -> tuple[Measure, Follow, tuple[tuple, ...]]:
    try:
        from provenance.match import _motion as grid  # type: ignore[attr-defined]
    except ImportError:
        raise SystemExit(f"--test grid needs the package as of commit {GRID_COMMIT}") from None

    def measure(q, o, m):
        found = grid.motion_check(q, o, m)
        return (
            None
            if found is None
            else {"shared": found.shared, "chance": found.chance, "frames": found.frames}
        )

    def follow(q, o, m, setting):
        return grid.follow_motion(q, o, m, min_shared=setting[0])

    return measure, follow, ((0.3,), (0.4,), (0.5,), (0.6,), (0.7,))


def best_alignment(a: MediaFingerprint, b: MediaFingerprint) -> tuple[CopyMatch, float] | None:
    """The offset (speed 1, as shown or mirrored) where a's frame hashes agree best with b's."""
    ta, tb = a.time_s.astype(np.float64), b.time_s.astype(np.float64)
    best: tuple[float, float, int] | None = None
    for variant in (0, 1):
        dist = hamming(a.hashes[:, variant][:, None], b.hashes[:, 0][None, :]).astype(np.float64)
        for offset in np.arange(-tb.max(), ta.max() + 0.25, 0.5):
            mapped = ta - offset  # b's time of each of a's frames
            j = np.clip(np.searchsorted(tb, mapped), 0, len(tb) - 1)
            on = np.abs(tb[j] - mapped) <= 0.3
            if on.sum() < MIN_OVERLAP:
                continue
            mean = float(dist[np.flatnonzero(on), j[on]].mean())
            if best is None or mean < best[0]:
                best = (mean, float(offset), variant)
    if best is None:
        return None
    mean, offset, variant = best
    inside = (ta - offset >= tb.min() - 0.3) & (ta - offset <= tb.max() + 0.3)
    start, end = float(ta[inside].min()), float(ta[inside].max())
    segment = Segment(start, end, start - offset, end - offset)
    return CopyMatch(-1, segment, 1.0, variant, int(inside.sum()), 0.0, mean, 0.0), mean


def probe(set_dir: Path, half: str, archive_path: Path, test: str, min_motion: float) -> dict:
    measure, follow, settings = _grid_test() if test == "grid" else _thumbnail_test(min_motion)
    truth = load_truth(set_dir)
    items = {i: it for i, it in truth["items"].items() if it["half"] == half}
    rows = []

    def add(source, a, b, right, q, o, m, mean_bits, error=None) -> None:
        row = {
            "source": source,
            "a": a,
            "b": b,
            "right": right,
            "windowed": m.window is not None,
            "variant": m.variant,
            "mean_bits": round(float(mean_bits), 2),
            "measure": measure(q, o, m),
            "error": error,
        }
        for setting in settings:
            followed = follow(q, o, m, setting)
            row[f"at {setting}"] = (
                "dropped" if followed is None else "kept" if followed == m else "moved"
            )
            if followed is not None and followed != m and error is not None:
                row[f"moved error at {setting}"] = _error(truth, a, b, followed)
        rows.append(row)

    with open_archive(archive_path, write=False) as archive:
        sha_of = {Path(m.file).stem: m.sha256 for m in archive.all_media()}
        name_of = {sha: name for name, sha in sha_of.items()}
        cache: dict[str, MediaFingerprint | None] = {}

        def frames(sha: str) -> MediaFingerprint | None:
            if sha not in cache:
                found = full_prints(archive, sha, with_views=False)
                cache[sha] = None if found is None else found.frames
            return cache[sha]

        for sha, other_sha, text in archive.media_matches(COPY_MATCHER):
            a, b = name_of.get(sha), name_of.get(other_sha)
            fa, fb = frames(sha), frames(other_sha)
            if a not in items or b not in items or fa is None or fb is None:
                continue
            m = MediaMatch.from_json(sha, other_sha, text).match
            right = bool(set(items[a]["originals"]) & set(items[b]["originals"]))
            add("match", a, b, right, fa, fb, m, m.mean_distance, _error(truth, a, b, m))
        for trap in truth["traps"]:
            if trap["half"] != half or trap["a"] not in sha_of or trap["b"] not in sha_of:
                continue
            fa, fb = frames(sha_of[trap["a"]]), frames(sha_of[trap["b"]])
            aligned = None if fa is None or fb is None else best_alignment(fa, fb)
            if aligned is not None:
                add("trap", trap["a"], trap["b"], False, fa, fb, *aligned)
        for name, item in items.items():
            whole = frames(sha_of[name]) if name in sha_of else None
            if item["role"] != "original" or whole is None or len(whole) < 2 * MIN_OVERLAP:
                continue
            first, second = _halves(whole)
            aligned = best_alignment(second, first)
            if aligned is not None:
                add("halves", name + "#2", name + "#1", False, second, first, *aligned)
    return {"half": half, "test": test, "rows": rows, "summary": _summary(rows, settings)}


def _halves(fp: MediaFingerprint) -> tuple[MediaFingerprint, MediaFingerprint]:
    """One recording cut in two, each timed from 0: the same place at two moments."""
    cut = len(fp) // 2
    parts = []
    for rows in (slice(0, cut), slice(cut, len(fp))):
        t = fp.time_s[rows]
        parts.append(
            replace(
                fp,
                time_s=t - t[0],
                hashes=fp.hashes[rows],
                detail=fp.detail[rows],
                portrait=fp.portrait[rows],
                thumbs=None if fp.thumbs is None else fp.thumbs[rows],
                window_hashes=fp.window_hashes[rows],
                tile_hashes=fp.tile_hashes[rows] if len(fp.tile_hashes) else fp.tile_hashes,
                # the motion grids, where the package has them (at GRID_COMMIT)
                **({"motion": fp.motion[rows]} if len(getattr(fp, "motion", ())) else {}),
            )
        )
    return parts[0], parts[1]


def _error(truth: dict, a: str, b: str, m: CopyMatch) -> float | None:
    """The largest of the four end errors of ``m``'s segment against the truth (a copy
    of an original only), in seconds."""
    pair = next(
        (p for p in truth["pairs"] if p["later"] == a and p["earlier"] == b and p["segment"]),
        None,
    )
    if pair is None or m.segment is None:
        return None
    s = m.segment
    (l0, l1), (e0, e1) = pair["segment"]["later"], pair["segment"]["earlier"]
    return round(
        max(
            abs(s.start_s - l0),
            abs(s.end_s - l1),
            abs(s.other_start_s - e0),
            abs(s.other_end_s - e1),
        ),
        2,
    )


def _summary(rows: Sequence[dict], settings: Sequence[tuple]) -> dict:
    out = {}
    for label, pick in (
        ("right matches", lambda r: r["source"] == "match" and r["right"]),
        ("wrong matches", lambda r: r["source"] == "match" and not r["right"]),
        ("traps within 8 bits", lambda r: r["source"] == "trap" and r["mean_bits"] <= 8),
        ("halves within 6 bits", lambda r: r["source"] == "halves" and r["mean_bits"] <= 6),
    ):
        chosen = [r for r in rows if pick(r)]
        out[label] = {
            "pairs": len(chosen),
            "the test says nothing": sum(1 for r in chosen if r["measure"] is None),
            **{f"at {s}": dict(Counter(r[f"at {s}"] for r in chosen)) for s in settings},
        }
    return out


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--half", choices=("A", "B"), required=True)
    parser.add_argument("--archive", type=Path, required=True)
    parser.add_argument("--test", choices=("grid", "thumbnails"), default="grid")
    parser.add_argument("--min-motion", type=float, default=thumbnails.MIN_MOTION)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    result = probe(args.set, args.half, args.archive, args.test, args.min_motion)
    emit("copies.probe_motion", result, argv, args.out)


if __name__ == "__main__":
    main()
