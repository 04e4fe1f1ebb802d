"""Score the other-angle detector on one half of the multi-camera set (issue 17).

    python -m benchmarks.angles_set.score --set .bench/angles_set --half A|B \\
        [--out results.json] [--dump-pairs pairs.json] [--workers 2] [--unrelated N] [--reuse]

Ingests the half's claims (``split.json``: A tunes, B is held apart) into a
fresh archive with the library (``ingest_manifest(fingerprint=False)``, then
``rescore``, as ``provenance rescore`` does) and reads the ``other_angle`` and
``same_site`` findings. A relation found from either side counts once. Reports:

- ``other_angle`` recall and precision over pairs, and recall by how the two
  cameras differ (degrees apart, heights, distance, time of day, sound);
- the share of same-site-other-launch pairs (another launch of the group,
  minutes apart, a few metres away; or of the site on another day) called
  ``other_angle``: the trap;
- the time offset of the true pairs found: error against the truth
  (median, share within 0.2 s);
- every cue of every true and trap pair of the half, measured by running the
  library's pair verification directly (``provenance.match.relate_items`` on
  the items' stored views, ``provenance.jobs.prints.stored_views``), with its
  parts (``relate_views``, ``co_occurrence``, ``sound_agreement``) so a cue is
  known even where an earlier test stopped; their distributions for
  same-launch against same-site pairs (percentiles and a text histogram), and
  the median time ``relate_items`` takes per pair on one core.

``--dump-pairs`` writes those cues per pair to JSON (for tuning: on half A).
"""

from __future__ import annotations

import json
import statistics
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from .._common import BENCH, emit, parser, shown
from .make_set import DEFAULT_OUT
from .split import HALVES, NAMES, clips_of, halves, load_truth, pairs_of

WITHIN_S = 0.2  # the target for the time offset


# ------------------------------------------------------------------ running the library


def run_half(set_dir: Path, truth: dict, half: str, archive_path: Path, workers: int) -> dict:
    """Ingest the half's claims into a fresh archive and re-score it; the run's summary."""
    from provenance.archive import open_archive
    from provenance.intake import read_manifest
    from provenance.jobs import ingest_manifest, rescore

    for suffix in ("", "-wal", "-shm", ".lock"):
        Path(str(archive_path) + suffix).unlink(missing_ok=True)
    archive_path.parent.mkdir(parents=True, exist_ok=True)
    claims = {truth["clips"][p]["claim"] for p in clips_of(truth, half)}
    manifest = read_manifest(set_dir / "manifest.jsonl")
    manifest = replace(manifest, entries=tuple(e for e in manifest.entries if e.claim.id in claims))
    started = time.perf_counter()
    with open_archive(archive_path, write=True, create=True) as archive:
        ingested = ingest_manifest(archive, manifest, fingerprint=False)
        summary = rescore(archive, workers=workers)
    took = time.perf_counter() - started
    return {
        "claims": len(manifest.entries),
        "ingested": len(ingested.added),
        "manifest_problems": len(manifest.problems),
        "ingest_and_rescore_s": round(took, 1),
        "media_fingerprinted": len(summary.media),
        "media_unreadable": len(summary.unreadable),
        "internal_errors": len(summary.internal_errors),
        "related_for_other_angles": summary.related,
        "findings": summary.findings,
    }


def findings_by_pair(archive_path: Path, truth: dict) -> tuple[dict[frozenset, dict], list]:
    """The half's other_angle and same_site findings, by pair of media paths, from one
    side; and the copy findings between its clips (none are copies)."""
    from provenance.archive import open_archive
    from provenance.model import FindingKind

    path_of = {c["claim"]: p for p, c in truth["clips"].items()}
    found: dict[frozenset, dict] = {}
    copies = []
    with open_archive(archive_path, write=False) as archive:
        for f in archive.findings():
            if f.kind is FindingKind.COPY and f.other_claim in path_of:
                copies.append(frozenset((path_of[f.claim_id], path_of[f.other_claim])))
            if f.kind not in (FindingKind.OTHER_ANGLE, FindingKind.SAME_SITE):
                continue
            a, b = path_of[f.claim_id], path_of[f.other_claim]
            ev = f.evidence.to_dict() if hasattr(f.evidence, "to_dict") else dict(f.evidence)
            key = frozenset((a, b))
            entry = {
                "kind": f.kind.value,
                "media": a,
                "other": b,
                "confidence": f.confidence,
                "evidence": ev,
            }
            kept = found.get(key)
            # one finding per pair is the library's rule; keep the stronger if ever two
            if kept is None or (entry["kind"] == "other_angle" and kept["kind"] != "other_angle"):
                found[key] = entry
    return found, copies


# ------------------------------------------------------------------ scoring the findings


def true_offset(pair: dict, media: str) -> float:
    """The truth's offset told from ``media``'s side (other = media time - offset)."""
    return pair["offset_s"] if pair["a"] == media else -pair["offset_s"]


def score_findings(
    truth: dict, half: str, found: dict[frozenset, dict], copies: list[frozenset]
) -> dict:
    pairs = pairs_of(truth, half)
    by_key = {frozenset((p["a"], p["b"])): p for p in pairs}
    same = [p for p in pairs if p["relation"] == "same_launch"]
    traps = [p for p in pairs if p["relation"] == "same_site_other_launch"]
    angle = {k for k, f in found.items() if f["kind"] == "other_angle"}
    site = {k for k, f in found.items() if f["kind"] == "same_site"}
    hit = [p for p in same if frozenset((p["a"], p["b"])) in angle]
    wrong = [k for k in angle if by_key.get(k, {}).get("relation") != "same_launch"]
    errors, flipped = [], []
    for p in hit:
        f = found[frozenset((p["a"], p["b"]))]
        off = f["evidence"].get("offset_s")
        if off is None:
            continue
        errors.append(abs(off - true_offset(p, f["media"])))
        flipped.append(abs(off + true_offset(p, f["media"])))
    trap_called = [p for p in traps if frozenset((p["a"], p["b"])) in angle]
    return {
        "pairs": dict(Counter(p["relation"] for p in pairs)),
        "other_angle_findings": len(angle),
        "same_site_findings": len(site),
        "other_angle_recall": _ratio(len(hit), len(same)),
        "other_angle_precision": _ratio(len(angle) - len(wrong), len(angle)),
        "other_angle_wrong": dict(Counter(by_key.get(k, {}).get("relation", "?") for k in wrong)),
        "same_site_other_launch_called_other_angle": _ratio(len(trap_called), len(traps)),
        "trap_called_by_kind": {
            kind: _ratio(
                sum(1 for p in trap_called if _trap_kind(p) == kind),
                sum(1 for p in traps if _trap_kind(p) == kind),
            )
            for kind in ("same_group_same_post", "same_group", "other_day")
        },
        "same_launch_place_found": _ratio(
            sum(1 for p in same if frozenset((p["a"], p["b"])) in angle | site), len(same)
        ),
        "same_launch_called_same_site": _ratio(
            sum(1 for p in same if frozenset((p["a"], p["b"])) in site), len(same)
        ),
        "unrelated_related": sum(
            1 for k in angle | site if by_key.get(k, {}).get("relation") == "unrelated"
        ),
        "copy_findings_between_clips": dict(
            Counter(by_key.get(k, {}).get("relation", "?") for k in copies)
        ),
        "offset": {
            "found_with_offset": len(errors),
            "median_error_s": _round(statistics.median(errors)) if errors else None,
            f"share_within_{WITHIN_S}_s": _ratio(sum(e <= WITHIN_S for e in errors), len(errors)),
            "median_error_if_sign_flipped_s": _round(statistics.median(flipped))
            if flipped
            else None,
        },
        "recall_by": recall_breakdown(truth, same, angle, site),
    }


def _trap_kind(p: dict) -> str:
    if not p.get("same_group"):
        return "other_day"
    return "same_group_same_post" if p.get("same_post") else "same_group"


def _ratio(k: int, n: int) -> dict:
    return {"value": round(k / n, 3) if n else None, "of": n, "count": k}


def _round(x: float) -> float:
    return round(float(x), 3)


def _strata(truth: dict, p: dict) -> dict[str, str]:
    a, b = truth["clips"][p["a"]], truth["clips"][p["b"]]
    ca, cb = a["camera"], b["camera"]
    apart = p["azimuth_apart_deg"]
    heights = "+".join(sorted((ca["height_kind"], cb["height_kind"])))
    far = sum((ca["far"], cb["far"]))
    sound = sum(c["sound"]["kind"] in ("field", "music_over") for c in (a, b))
    return {
        "degrees_apart": "20-60" if apart < 60 else "60-120" if apart < 120 else "120-180",
        "heights": heights,
        "far_cameras": str(far),
        "period": a["period"],
        "launch_sound_in": f"{sound} of 2",
        "portrait": str(int(ca["portrait"]) + int(cb["portrait"])),
    }


def recall_breakdown(truth: dict, same: list[dict], angle: set, site: set) -> dict:
    out: dict[str, dict] = defaultdict(dict)
    groups: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for p in same:
        for key, value in _strata(truth, p).items():
            groups[(key, value)].append(p)
    for (key, value), ps in sorted(groups.items()):
        k = sum(1 for p in ps if frozenset((p["a"], p["b"])) in angle)
        place = sum(1 for p in ps if frozenset((p["a"], p["b"])) in angle | site)
        out[key][value] = {"pairs": len(ps), "other_angle": k, "place_found": place}
    return dict(out)


# ------------------------------------------------------------------ every cue of every pair


def dump_pairs(
    archive_path: Path, truth: dict, half: str, unrelated: int = 0, set_dir: Path | None = None
) -> tuple[list[dict], float | None]:
    """Every cue of the half's true and trap pairs (and ``unrelated`` others), per pair."""
    import cv2
    from threadpoolctl import threadpool_limits

    from provenance.archive import open_archive
    from provenance.findings import claim_order
    from provenance.jobs.prints import stored_view_words, stored_views
    from provenance.match import (
        ViewIndex,
        co_occurrence,
        relate_items,
        relate_views,
        same_place,
        sound_agreement,
    )

    cv2.setNumThreads(1)
    pairs = [p for p in pairs_of(truth, half) if p["relation"] != "unrelated"]
    others = [p for p in pairs_of(truth, half) if p["relation"] == "unrelated"]
    if unrelated and others:
        step = max(1, len(others) // unrelated)
        pairs += others[::step][:unrelated]
    path_of = {c["claim"]: p for p, c in truth["clips"].items()}
    sounds = {} if set_dir is None else truth_sounds(set_dir, truth, clips_of(truth, half))
    out = []
    with open_archive(archive_path, write=False) as archive:
        claims = sorted(archive.claims(), key=claim_order)
        sha = {path_of[s.claim.id]: s.media[0].sha256 for s in claims}
        media = {r.sha256: r for r in archive.all_media()}
        words = stored_view_words(archive)
        index = ViewIndex(claims, media, words, lambda s: stored_views(archive, s))
        views, load_s = {}, []
        for path in sha:
            t0 = time.perf_counter()
            views[path] = stored_views(archive, sha[path])
            load_s.append(time.perf_counter() - t0)
        ranks = {}
        for path, v in views.items():
            if v is None or not len(v.bag.words):
                continue
            order = index.index.shortlist(
                v.bag, top=len(index.originals), exclude=frozenset({index.position[sha[path]]})
            )
            ranks[path] = {index.originals[j]: r + 1 for r, (j, _) in enumerate(order)}
        for p in pairs:
            a, b = truth["clips"][p["a"]], truth["clips"][p["b"]]
            va, vb = views.get(p["a"]), views.get(p["b"])
            row = {
                "a": p["a"],
                "b": p["b"],
                "relation": p["relation"],
                "offset_s": p.get("offset_s"),
                "sound_lag_s": p.get("sound_lag_s"),
                "azimuth_apart_deg": p.get("azimuth_apart_deg"),
                "same_group": p.get("same_group"),
                "same_post": p.get("same_post"),
                "strata": _strata(truth, p) if p["relation"] == "same_launch" else None,
                "views": [va is not None, vb is not None],
                "shortlist_rank": [
                    ranks.get(p["a"], {}).get(sha[p["b"]]),
                    ranks.get(p["b"], {}).get(sha[p["a"]]),
                ],
            }
            if va is None or vb is None:
                row["decoded_sound"] = sound_cues(sounds, truth, p)
                out.append(row)
                continue
            with threadpool_limits(1):
                t0 = time.perf_counter()
                evidence = relate_items(va, vb)
                row["verify_s"] = round(time.perf_counter() - t0, 4)
            row["relate_items"] = (
                None
                if evidence is None
                else ("same launch" if evidence.same_event else "same place")
            )
            view = relate_views(va.keyframes, vb.keyframes)
            row["view"] = (
                None
                if view is None
                else {
                    "inliers": view.fundamental_inliers,
                    "homography_inliers": view.homography_inliers,
                    "matches": view.matches,
                    "spread": round(view.spread, 3),
                    "parallax": bool(view.parallax),
                    "same_place": bool(same_place(view)),
                }
            )
            event = co_occurrence(va.track, vb.track, view) if view is not None else None
            row["event"] = (
                None
                if event is None
                else {
                    "onset_s": round(event.onset_s, 3),
                    "offset_s": event.offset_s,
                    "consistent": event.consistent,
                    "checked": event.checked,
                    "share": round(event.consistent / max(event.checked, 1), 3),
                    "error": round(event.error, 4),
                    "offset_error_s": None
                    if p.get("offset_s") is None
                    else round(abs(event.offset_s - p["offset_s"]), 3),
                }
            )
            row["onsets_s"] = [
                [round(float(v.track.time_s[i]), 3) for i in v.track.onsets()] for v in (va, vb)
            ]
            row["launch_at_s"] = [a["launch_at_s"], b["launch_at_s"]]
            row["flash_onset_found"] = [
                at is not None and any(abs(t - at) <= 0.3 for t in ts)
                for at, ts in zip(row["launch_at_s"], row["onsets_s"], strict=True)
            ]
            have_sound = va.sound is not None and vb.sound is not None
            row["sound_in"] = [va.sound is not None, vb.sound is not None]
            heard = None
            if event is not None and have_sound:
                heard = sound_agreement(va.sound, vb.sound, event.onset_s, event.offset_s)
            row["sound"] = _heard(heard)
            # the sound where the truth aligns the two launches (the pair's own offset, or
            # for two launches, their flashes on each other): what a perfect aligner would see
            oracle = None
            if have_sound and a["launch_at_s"] is not None and b["launch_at_s"] is not None:
                offset = (
                    p["offset_s"]
                    if p.get("offset_s") is not None
                    else (a["launch_at_s"] - b["launch_at_s"])
                )
                oracle = sound_agreement(va.sound, vb.sound, a["launch_at_s"], offset)
            row["sound_at_true_alignment"] = _heard(oracle)
            row["decoded_sound"] = sound_cues(sounds, truth, p)
            out.append(row)
    return out, statistics.median(load_s) if load_s else None


def truth_sounds(set_dir: Path, truth: dict, paths: list[str]) -> dict:
    """Each clip's sound around its true launch, read as the library reads sound
    (``media.sound_in``, ``fingerprint.launch_sound``), wherever its pictures' onsets are."""
    from provenance.fingerprint import launch_sound
    from provenance.media import SOUND_RATE, sound_in

    out = {}
    for path in paths:
        c = truth["clips"][path]
        if c["launch_at_s"] is None or c["sound"]["kind"] == "none":
            continue
        window = (max(0.0, c["launch_at_s"] - 2.0), min(c["duration_s"], c["launch_at_s"] + 7.0))
        out[path] = launch_sound(sound_in(set_dir / path, [window], rate=SOUND_RATE), SOUND_RATE)
    return out


def sound_cues(sounds: dict, truth: dict, p: dict) -> dict:
    """``sound_agreement`` where the truth aligns the pair: at the pictures' offset (the
    library searches the sound's travel within 0.3 s of it), and centred on the true
    travel (what an aligner aware of the distances would see). For two launches, their
    flashes (and their sounds' arrivals) are put on each other."""
    from provenance.match import sound_agreement

    a, b = truth["clips"][p["a"]], truth["clips"][p["b"]]
    sa, sb = sounds.get(p["a"]), sounds.get(p["b"])
    if sa is None or sb is None:
        return {}
    da, db = a["camera"]["distance_m"], b["camera"]["distance_m"]
    picture = (
        p["offset_s"] if p.get("offset_s") is not None else (a["launch_at_s"] - b["launch_at_s"])
    )
    travel = picture + (da - db) / 343.0  # = offset_s + sound_lag_s for one launch
    heard_a = a["launch_at_s"] + da / 343.0  # when the launch is heard in a
    return {
        "at_true_offset": _heard(sound_agreement(sa, sb, a["launch_at_s"], picture)),
        "at_true_offset_and_travel": _heard(sound_agreement(sa, sb, heard_a, travel)),
    }


def _heard(h) -> dict | None:
    if h is None:
        return None
    return {
        "correlation": h.correlation,
        "lag_s": h.lag_s,
        "rise_db": list(h.rise_db),
        "same": bool(h.same),
        "other": bool(h.other),
    }


# ------------------------------------------------------------------ distributions


CUES = (
    ("inliers", lambda r: (r.get("view") or {}).get("inliers")),
    ("spread", lambda r: (r.get("view") or {}).get("spread")),
    ("event_consistent", lambda r: (r.get("event") or {}).get("consistent")),
    ("event_share", lambda r: (r.get("event") or {}).get("share")),
    ("event_error", lambda r: (r.get("event") or {}).get("error")),
    ("sound_correlation", lambda r: (r.get("sound") or {}).get("correlation")),
    (
        "sound_correlation_stored_sound_at_true_alignment",
        lambda r: (r.get("sound_at_true_alignment") or {}).get("correlation"),
    ),
    (
        "sound_correlation_at_true_offset",
        lambda r: ((r.get("decoded_sound") or {}).get("at_true_offset") or {}).get("correlation"),
    ),
    (
        "sound_correlation_at_true_offset_and_travel",
        lambda r: ((r.get("decoded_sound") or {}).get("at_true_offset_and_travel") or {}).get(
            "correlation"
        ),
    ),
    (
        "sound_rise_db_min_at_true_offset",
        lambda r: min(
            ((r.get("decoded_sound") or {}).get("at_true_offset") or {}).get("rise_db") or [None],
            key=lambda x: -1e9 if x is None else x,
        ),
    ),
)


def distributions(rows: list[dict]) -> tuple[dict, dict]:
    """Percentiles of each cue for same-launch vs same-site pairs, and text histograms."""
    stats, hists = {}, {}
    for name, get in CUES:
        values = {
            rel: [float(v) for r in rows if r["relation"] == rel and (v := get(r)) is not None]
            for rel in ("same_launch", "same_site_other_launch")
        }
        stats[name] = {
            rel: _percentiles(v, sum(1 for r in rows if r["relation"] == rel))
            for rel, v in values.items()
        }
        hists[name] = _histogram(values)
    return stats, hists


def _percentiles(values: list[float], total: int) -> dict:
    if not values:
        return {"measured": 0, "of": total}
    q = np.percentile(values, [10, 25, 50, 75, 90])
    return {
        "measured": len(values),
        "of": total,
        **{f"p{k}": round(float(v), 3) for k, v in zip((10, 25, 50, 75, 90), q, strict=True)},
    }


def _histogram(values: dict[str, list[float]], bins: int = 10, width: int = 24) -> list[str]:
    """Counts of same-launch (#) and same-site (x) pairs per bin; each column's bars
    scaled to its own largest count (the shapes compare, the classes differ in size)."""
    every = [v for vs in values.values() for v in vs]
    if not every:
        return ["(not measured)"]
    lo, hi = min(every), max(every)
    if hi <= lo:
        hi = lo + 1.0
    edges = np.linspace(lo, hi, bins + 1)
    same = np.histogram(values["same_launch"], edges)[0]
    trap = np.histogram(values["same_site_other_launch"], edges)[0]

    def bar(n: int, mark: str, most: int) -> str:
        return (mark * max(1 if n else 0, round(n * width / max(most, 1)))).ljust(width)

    lines = [f"{'from':>9} {'to':>9} | same_launch{'':{width - 6}}| same_site_other_launch"]
    for i in range(bins):
        lines.append(
            f"{edges[i]:9.3f} {edges[i + 1]:9.3f} | {same[i]:>4} "
            f"{bar(same[i], '#', int(same.max()))} | {trap[i]:>4} "
            f"{bar(trap[i], 'x', int(trap.max()))}"
        )
    return lines


def cue_summary(rows: list[dict]) -> dict:
    """Where each true pair was lost, stage by stage of the verification."""
    same = [r for r in rows if r["relation"] == "same_launch"]
    stages: Counter = Counter()
    for r in same:
        if "verify_s" not in r:
            stages["no views"] += 1
        elif r.get("view") is None:
            stages["no key-frame pair matched"] += 1
        elif not r["view"]["same_place"]:
            stages["matched, not the same place (inliers, spread, parallax)"] += 1
        elif r.get("event") is None:
            stages["same place, launch not co-occurring in the pictures"] += 1
        elif r["sound"] is not None and r["sound"]["other"]:
            stages["launch co-occurs, the sound says another launch"] += 1
        else:
            stages["verified as the same launch"] += 1
    flash = {
        c: f
        for r in rows
        if "flash_onset_found" in r
        for c, f in zip((r["a"], r["b"]), r["flash_onset_found"], strict=True)
    }
    flashes = list(flash.values())
    short = [r for r in same if "shortlist_rank" in r]
    rank_ok = sum(1 for r in short if any(x is not None and x <= 12 for x in r["shortlist_rank"]))
    return {
        "true_pairs_by_stage": dict(stages),
        "true_pairs_in_a_shortlist_of_12": _ratio(rank_ok, len(short)),
        "clips_whose_flash_is_an_onset_within_0.3_s": _ratio(sum(flashes), len(flashes)),
    }


# ------------------------------------------------------------------ main


def main(argv: Sequence[str] | None = None) -> dict:
    p = parser("angles_set.score", __doc__)
    p.add_argument("--set", type=Path, default=DEFAULT_OUT)
    p.add_argument("--half", choices=HALVES, required=True)
    p.add_argument("--out", type=Path, help="also write the results here")
    p.add_argument("--dump-pairs", type=Path, help="write every cue of every pair here")
    p.add_argument(
        "--unrelated",
        type=int,
        default=0,
        help="also measure this many unrelated pairs of the half",
    )
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--archive", type=Path, help="default: .bench/angles_set_<half>.db (fresh)")
    p.add_argument(
        "--reuse",
        action="store_true",
        help="score the archive as it is (made by an earlier run of this half): "
        "no ingest, no rescore",
    )
    args = p.parse_args(argv)
    truth = load_truth(args.set)
    split = halves(truth)
    archive_path = args.archive or BENCH / f"angles_set_{args.half}.db"
    if args.reuse:
        if not archive_path.is_file():
            p.error(f"--reuse: no archive at {archive_path}")
        run = {"reused": shown(archive_path)}
    else:
        run = run_half(args.set, truth, args.half, archive_path, args.workers)
    found, copies = findings_by_pair(archive_path, truth)
    scored = score_findings(truth, args.half, found, copies)
    rows, load_s = dump_pairs(archive_path, truth, args.half, args.unrelated, args.set)
    stats, hists = distributions(rows)
    verify = [r["verify_s"] for r in rows if "verify_s" in r]
    result = {
        "set": shown(args.set),
        "half": args.half,
        "half_name": NAMES[args.half],
        "groups": split[args.half],
        "clips": len(clips_of(truth, args.half)),
        "archive": shown(archive_path),
        "run": run,
        **scored,
        "verification": {
            **cue_summary(rows),
            "pairs_verified": len(verify),
            "median_verify_s_one_core": _round(statistics.median(verify)) if verify else None,
            "p90_verify_s_one_core": _round(float(np.percentile(verify, 90))) if verify else None,
            "median_views_load_s": _round(load_s) if load_s is not None else None,
        },
        "cues": stats,
        "histograms": hists,
    }
    if args.dump_pairs:
        args.dump_pairs.parent.mkdir(parents=True, exist_ok=True)
        args.dump_pairs.write_text(
            json.dumps({"half": args.half, "pairs": rows}, indent=1) + "\n", encoding="utf-8"
        )
        result["dump"] = shown(args.dump_pairs)
    return emit("angles_set.score", result, argv, args.out)


if __name__ == "__main__":
    main()
