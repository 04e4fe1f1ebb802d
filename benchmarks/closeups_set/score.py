"""Score close-ups and airframes on one half of the close-up set (issue 19).

    python -m benchmarks.closeups_set.score --half A|B [--set .bench/closeups_set]
        [--archive X.db] [--out results.json] [--workers 1]

Writes the half's claims (one medium each, a day apart, in the set's order) as
a manifest of the contract's form, ingests them into a fresh archive and
re-scores it with the library (``ingest_manifest`` then ``rescore``, as
``provenance ingest`` and ``provenance rescore`` do). Then reads:

- every medium's close-up verdict (``closeup`` of its reading) against the
  truth's ``identifying``: accuracy over all media, recall of identifying
  close-ups (with and without a legible serial), wide shots, far shots,
  scenes and blurred close-ups called close-ups (must be none);
- the airframe matcher's stored pairs (``airframes-v2``, either side): over
  the truth's pairs of identifying close-ups, recall of same-airframe pairs
  (all, and those whose views differ by at most 30 degrees), precision of
  what it matched, and same-model pairs (two airframes of one model) matched;
- the findings: every claim whose airframe an earlier claim showed should have
  ``recycled_airframe`` or ``recycled_identifier`` naming a claim with the
  same airframe; findings naming another airframe are wrong;
- serials: every legible serial read exactly, none read where none is legible.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Sequence
from itertools import pairwise
from pathlib import Path

from .._common import BENCH, emit, parser, shown
from .split import DEFAULT_OUT, half_of, load_truth

VIEW_LIMIT_DEG = 30.0  # the range of viewpoint changes


def write_manifest(set_dir: Path, truth: dict, half: str, out: Path) -> dict[str, str]:
    """The half's claims as a manifest at ``out`` (contract form, media paths relative to
    the set: ``out`` is written into it); claim id -> media id."""
    claims = {}
    lines = []
    for line in (set_dir / "manifest.jsonl").read_text().splitlines():
        row = json.loads(line)
        (path,) = row["media"]
        mid = Path(path).stem
        if half_of(mid, truth) != half:
            continue
        claims[row["claim_id"]] = mid
        entry = {"id": row["claim_id"], "claimed_at": row["claimed_at"], "group": row["group"]}
        lines.append(json.dumps({**entry, "media": [path]}))
    out.write_text("\n".join(lines) + "\n")
    return claims


def run_half(manifest: Path, archive_path: Path, workers: int) -> dict:
    from provenance.archive import open_archive
    from provenance.intake import read_manifest
    from provenance.jobs import ingest_manifest, rescore

    for suffix in ("", "-wal", "-shm", ".lock"):
        Path(str(archive_path) + suffix).unlink(missing_ok=True)
    archive_path.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    read = read_manifest(manifest)
    if read.problems:
        raise SystemExit(f"{manifest}: {read.problems[0]}")
    with open_archive(archive_path, write=True, create=True) as archive:
        ingest_manifest(archive, read, fingerprint=False)
        summary = rescore(archive, workers=workers)
    return {
        "ingest_and_rescore_s": round(time.perf_counter() - started, 1),
        "media_fingerprinted": len(summary.media),
        "internal_errors": len(summary.internal_errors),
        "unreadable": len(summary.unreadable),
    }


def read_back(archive_path: Path, claims: dict[str, str]) -> dict:
    """What the archive says of each medium and pair, by media id."""
    from provenance.archive import open_archive
    from provenance.jobs.prints import stored_readings
    from provenance.match import AIRFRAME_MATCHER

    with open_archive(archive_path, write=False) as archive:
        stored = archive.claims()
        sha_of = {s.claim.id: s.media[0].sha256 for s in stored}
        mid_of_sha = {sha_of[c]: mid for c, mid in claims.items()}
        readings = stored_readings(archive)
        pairs = {
            frozenset((mid_of_sha[a], mid_of_sha[b]))
            for a, b, _ in archive.media_matches(AIRFRAME_MATCHER)
            if a in mid_of_sha and b in mid_of_sha
        }
        findings = [f for f in archive.findings()]
    media = {}
    for cid, mid in claims.items():
        reading = readings.get(sha_of[cid])
        media[mid] = {
            "closeup": None if reading is None else reading.closeup,
            "by_marks": None if reading is None else reading.by_marks is not None,
            "identifiers": [] if reading is None else [m.text for m in reading.identifiers],
        }
    ties = [
        (claims[f.claim_id], claims.get(f.other_claim or ""), f.kind.value)
        for f in findings
        if f.kind.value in ("recycled_airframe", "recycled_identifier") and f.claim_id in claims
    ]
    return {"media": media, "pairs": pairs, "ties": ties}


def _share(n: int, d: int) -> float | None:
    return round(n / d, 3) if d else None


def closeup_figures(truth: dict, media: dict) -> dict:
    kinds: dict[str, Counter] = {}
    right = 0
    for mid, said in media.items():
        t = truth["media"][mid]
        verdict = bool(said["closeup"])
        right += verdict == t["identifying"]
        kinds.setdefault(t["kind"], Counter())["called close-up" if verdict else "not"] += 1
    ident = [m for m in media if truth["media"][m]["identifying"]]
    text_free = [m for m in ident if not truth["media"][m]["serial"]]
    return {
        "media": len(media),
        "accuracy": _share(right, len(media)),
        "recall_identifying": _share(sum(bool(media[m]["closeup"]) for m in ident), len(ident)),
        "recall_text_free": _share(
            sum(bool(media[m]["closeup"]) for m in text_free), len(text_free)
        ),
        "recall_by_marks_alone": _share(sum(bool(media[m]["by_marks"]) for m in ident), len(ident)),
        "non_closeups_called_closeups": sum(
            bool(said["closeup"])
            for m, said in media.items()
            if not truth["media"][m]["identifying"]
        ),
        "by_kind": {k: dict(v) for k, v in sorted(kinds.items())},
    }


def pair_figures(truth: dict, media: dict, found: set) -> dict:
    mids = set(media)
    truth_pairs = [p for p in truth["pairs"] if p["a"] in mids and p["b"] in mids]
    same = [p for p in truth_pairs if p["relation"] == "same_airframe"]
    within = [p for p in same if p["view_change_deg"] <= VIEW_LIMIT_DEG]
    hit = lambda p: frozenset((p["a"], p["b"])) in found  # noqa: E731
    airframe = {m: truth["media"][m]["airframe"] for m in mids}
    right = sum(
        1
        for p in found
        if len({airframe[m] for m in p}) == 1 and None not in {airframe[m] for m in p}
    )
    traps = [p for p in truth_pairs if p["relation"] == "same_model"]
    others = [p for p in truth_pairs if p["relation"] == "other_model"]
    return {
        "same_airframe_pairs": len(same),
        "recall": _share(sum(map(hit, same)), len(same)),
        "recall_within_30_deg": _share(sum(map(hit, within)), len(within)),
        "pairs_within_30_deg": len(within),
        "matched_pairs": len(found),
        "precision": _share(right, len(found)),
        "same_model_pairs": len(traps),
        "same_model_matched": sum(map(hit, traps)),
        "other_model_pairs": len(others),
        "other_model_matched": sum(map(hit, others)),
        "missed_by_view_change": dict(
            sorted(Counter(_decade(p) for p in same if not hit(p)).items())
        ),
    }


def _decade(pair: dict) -> str:
    """The pair's change of view as a range of ten degrees ("20-30 deg")."""
    low = 10 * int(pair["view_change_deg"] // 10)
    return f"{low}-{low + 10} deg"


def finding_figures(truth: dict, claims: dict[str, str], ties: list) -> dict:
    order = list(claims.values())  # the manifest's order is the claims' order
    airframe = {m: truth["media"][m]["airframe"] for m in order}
    seen: set[str] = set()
    expected = []
    for mid in order:
        a = airframe[mid]
        if a is not None and truth["media"][mid]["identifying"]:
            if a in seen:
                expected.append(mid)
            seen.add(a)
    tied = {}
    for mid, other, kind in ties:
        tied.setdefault(mid, []).append((other, kind))
    right = [m for m in expected if any(airframe.get(o) == airframe[m] for o, _ in tied.get(m, ()))]
    wrong = [
        (m, o, k)
        for m, ts in tied.items()
        for o, k in ts
        if airframe.get(o) != airframe[m] or airframe[m] is None
    ]
    return {
        "claims_recycling_an_airframe": len(expected),
        "found": len(right),
        "recall": _share(len(right), len(expected)),
        "findings": sum(len(v) for v in tied.values()),
        "findings_naming_another_airframe": len(wrong),
        "by_kind": dict(Counter(k for ts in tied.values() for _, k in ts)),
        "wrong": wrong[:20],
    }


def serial_figures(truth: dict, media: dict) -> dict:
    legible = [m for m in media if truth["media"][m]["serial"]]
    exact = [m for m in legible if truth["media"][m]["serial"] in media[m]["identifiers"]]
    invented = [
        (m, media[m]["identifiers"])
        for m in media
        if any(i != truth["media"][m]["serial"] for i in media[m]["identifiers"])
    ]
    return {
        "legible": len(legible),
        "read_exactly": len(exact),
        "invented": len(invented),
        "invented_examples": invented[:10],
    }


def timings(archive_path: Path, most: int = 40) -> dict:
    """Median seconds, on one core, of what comparing close-ups costs: reading a kept
    picture with its SIFT keypoints, and comparing two both ways round (``best_of_both``),
    for pairs the matcher found (registered: the whole comparison) and for unrelated
    neighbours in the archive (most stop at the registration)."""
    import statistics

    from provenance.archive import open_archive
    from provenance.jobs.prints import stored_picture
    from provenance.match import AIRFRAME_MATCHER
    from provenance.match._airframes import _Keyed, best_of_both

    with open_archive(archive_path, write=False) as archive:
        found = [(a, b) for a, b, _ in archive.media_matches(AIRFRAME_MATCHER)][:most]
        shas = sorted({sha for pair in found for sha in pair})
        loads, keyed = [], {}
        for sha in shas:
            started = time.perf_counter()
            picture = stored_picture(archive, sha)
            assert picture is not None
            keyed[sha] = _Keyed.of(picture)
            loads.append(time.perf_counter() - started)

    def median_compare(pairs: list[tuple[str, str]]) -> float | None:
        took = []
        for a, b in pairs:
            started = time.perf_counter()
            best_of_both(a, b, keyed[a], keyed[b])
            took.append(time.perf_counter() - started)
        return round(statistics.median(took), 4) if took else None

    return {
        "picture_read_and_sift_s": round(statistics.median(loads), 4) if loads else None,
        "compare_matched_pair_s": median_compare(found),
        "compare_neighbours_s": median_compare(list(pairwise(shas))),
        "pictures": len(loads),
    }


def main(argv: Sequence[str] | None = None) -> dict:
    p = parser("closeups_set.score", __doc__)
    p.add_argument("--set", type=Path, default=DEFAULT_OUT)
    p.add_argument("--half", choices=("A", "B"), required=True)
    p.add_argument("--archive", type=Path, default=None)
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--out", type=Path, default=None)
    args = p.parse_args(argv)
    truth = load_truth(args.set)
    archive = args.archive or BENCH / f"closeups_set_{args.half}.db"
    manifest = args.set / f"claims_{args.half}.jsonl"
    claims = write_manifest(args.set, truth, args.half, manifest)
    run = run_half(manifest, archive, args.workers)
    back = read_back(archive, claims)
    result = {
        "set": shown(args.set),
        "half": args.half,
        "archive": shown(archive),
        "run": run,
        "closeups": closeup_figures(truth, back["media"]),
        "airframes": pair_figures(truth, back["media"], back["pairs"]),
        "findings": finding_figures(truth, claims, back["ties"]),
        "serials": serial_figures(truth, back["media"]),
        "timings": timings(archive),
    }
    return emit("closeups_set.score", result, argv, args.out)


if __name__ == "__main__":
    main()
