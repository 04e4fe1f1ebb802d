"""other_angle / same_site on the fixtures, pair verification time, features compared.

Builds the fixture archive with the demo's re-scoring run, then relates every
original video with the archive again, timed, as the nightly job does
(``ViewIndex`` over the originals, the copies' derived items left out,
``match_views``) and derives the findings (``findings.find_all``); the
other_angle and same_site findings are scored against the ground truth.
Then the most fundamental-matrix inliers of any key-frame pair for ORB, SIFT,
RootSIFT and ASIFT on the truth pairs and traps, and the time to verify one
candidate pair from stored RootSIFT key frames on one core.

    python -m benchmarks.angles --repeat 5
"""

from __future__ import annotations

import json
import shutil
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ._common import add_fixtures, add_repeat, emit, median_time, parser


def other_angles(fixtures: Path) -> tuple[list, float]:
    """The fixtures' other_angle and same_site findings, and the seconds relating them took."""
    from provenance.archive import open_archive
    from provenance.findings import (
        claim_order,
        copy_findings,
        derived_items,
        find_all,
        readings_of,
    )
    from provenance.jobs import run_demo
    from provenance.jobs.matching import copy_matches
    from provenance.jobs.prints import stored_prints, stored_view_words, stored_views
    from provenance.match import ViewIndex, match_views
    from provenance.model import FindingKind

    out = Path(tempfile.mkdtemp(prefix="angles-"))
    run_demo(out, fixtures=fixtures, workers=2)
    with open_archive(out / "provenance.db", write=False) as archive:
        claims = sorted(archive.claims(), key=claim_order)
        media = {r.sha256: r for r in archive.all_media()}
        prints = stored_prints(archive)
        matches = copy_matches(archive)
        started = time.perf_counter()
        derived = derived_items(claims, copy_findings(claims, media, matches))
        words = stored_view_words(archive)
        index = ViewIndex(claims, media, words, lambda sha: stored_views(archive, sha), derived)
        relations = [rel for item in match_views(index.originals, index) for rel in item.relations]
        findings = find_all(claims, media, readings_of(prints), matches, relations)
        matching_s = time.perf_counter() - started
    shutil.rmtree(out, ignore_errors=True)
    kinds = (FindingKind.OTHER_ANGLE, FindingKind.SAME_SITE)
    return [f for f in findings if f.kind in kinds], matching_s


def scored(truth: dict, found: list, matching_s: float) -> dict:
    """The findings against the ground truth."""
    from fixturegen.truth import event_of
    from provenance.model import FindingKind, ViewGeometry

    wanted = {frozenset((p["a"], p["b"])) for p in truth["other_angles"]}
    same_site = {frozenset((p["a"], p["b"])) for p in truth["same_site"]}
    night = {frozenset(p) for p in truth["traps"]["night"]}
    reported = []
    for f in found:
        assert isinstance(f.evidence, ViewGeometry)  # other_angle and same_site findings
        sound = f.evidence.sound
        (ea, ca), (eb, cb) = event_of(truth, f.media), event_of(truth, f.other_media)
        right_angle = ea is not None and ea == eb and ca != cb
        site_a = truth["media"].get(f.media, {}).get("site") or (ea or "?")[0]
        site_b = truth["media"].get(f.other_media, {}).get("site") or (eb or "?")[0]
        right_site = ea is not None and eb is not None and ea != eb and site_a == site_b
        reported.append(
            {
                "kind": f.kind.value,
                "media": f.media,
                "other": f.other_media,
                "right": right_angle if f.kind is FindingKind.OTHER_ANGLE else right_site,
                "offset_s": f.evidence.offset_s,
                "sound_correlation": None if sound is None else sound.correlation,
                "sound_says": None if sound is None else sound.says,
            }
        )
    angle_pairs = {
        frozenset((r["media"], r["other"])) for r in reported if r["kind"] == "other_angle"
    }
    return {
        "other_angle": {
            "truth_pairs_found": f"{len(wanted & angle_pairs)}/{len(wanted)}",
            "missed": sorted(" ~ ".join(sorted(p)) for p in wanted - angle_pairs),
            "reported": sum(r["kind"] == "other_angle" for r in reported),
            "right": sum(r["right"] for r in reported if r["kind"] == "other_angle"),
            "same_site_pairs_called_other_angle": sorted(
                " ~ ".join(sorted(p)) for p in same_site & angle_pairs
            ),
            "night_pairs_called_other_angle": sorted(
                " ~ ".join(sorted(p)) for p in night & angle_pairs
            ),
        },
        "same_site": {
            "reported": sum(r["kind"] == "same_site" for r in reported),
            "right": sum(r["right"] for r in reported if r["kind"] == "same_site"),
        },
        "findings": reported,
        "find_other_angles_s": round(matching_s, 2),
    }


def keyframes(fixtures: Path, path: str, most: int) -> list:
    """``most`` frames spread over a fixture video, grey."""
    from provenance.media import extract_frames

    frames = list(extract_frames(fixtures / path))
    picks = np.linspace(0, len(frames) - 1, most).round().astype(int)
    return [frames[i].luma for i in sorted(set(picks))]


def rootsift(d: np.ndarray) -> np.ndarray:
    d = d / np.maximum(d.sum(axis=1, keepdims=True), 1e-7)
    return np.sqrt(d).astype(np.float32)


def feature_comparison(fixtures: Path, truth: dict) -> dict:
    """Best key-frame pair per media pair, epipolar inliers, per detector."""
    import cv2

    detectors = {
        "orb": (lambda: cv2.ORB_create(1500), cv2.NORM_HAMMING, None),
        "sift": (lambda: cv2.SIFT_create(800, contrastThreshold=0.02), cv2.NORM_L2, None),
        "rootsift": (lambda: cv2.SIFT_create(800, contrastThreshold=0.02), cv2.NORM_L2, rootsift),
        "asift(rootsift)": (
            lambda: cv2.AffineFeature_create(cv2.SIFT_create(800, contrastThreshold=0.02)),
            cv2.NORM_L2,
            rootsift,
        ),
    }
    groups = {
        "other_angle": [(p["a"], p["b"]) for p in truth["other_angles"]],
        "same_site": [(p["a"], p["b"]) for p in truth["same_site"]],
        "same_model_other_place": [tuple(p) for p in truth["traps"]["same_model_other_place"]],
        "night": [tuple(p) for p in truth["traps"]["night"]],
    }
    comparison = {}
    for name, (make, norm, post) in detectors.items():
        detector, per_frame, rows = make(), [], {}
        frames_cache: dict[str, list] = {}
        for group, pairs in groups.items():
            counts = []
            for a, b in pairs:
                for path in (a, b):
                    if path not in frames_cache:
                        feats = []
                        most = 3 if name.startswith("asift") else 5
                        for luma in keyframes(fixtures, path, most):
                            t0 = time.perf_counter()
                            kp, d = detector.detectAndCompute(luma, None)
                            per_frame.append(time.perf_counter() - t0)
                            pts = np.float32([k.pt for k in kp]).reshape(-1, 2)
                            if d is not None and post is not None:
                                d = post(d)
                            feats.append((pts, d))
                        frames_cache[path] = feats
                best = 0
                for pa, da in frames_cache[a]:
                    for pb, db in frames_cache[b]:
                        if da is None or db is None or len(da) < 8 or len(db) < 8:
                            continue
                        knn = cv2.BFMatcher(norm).knnMatch(da, db, k=2)
                        good = [
                            m[0] for m in knn if len(m) == 2 and m[0].distance < 0.8 * m[1].distance
                        ]
                        if len(good) < 8:
                            continue
                        src = pa[[m.queryIdx for m in good]]
                        dst = pb[[m.trainIdx for m in good]]
                        try:
                            _, mask = cv2.findFundamentalMat(src, dst, cv2.USAC_MAGSAC, 1.0, 0.999)
                        except cv2.error:
                            mask = None
                        best = max(best, int(mask.sum()) if mask is not None else 0)
                counts.append(best)
            rows[group] = counts
        rows["extract_ms_per_frame"] = round(1000 * statistics.median(per_frame), 1)
        comparison[name] = rows
    return comparison


def verify_pair_s(fixtures: Path, repeat: int) -> float:
    """Verifying one candidate pair, one core, from stored features (C001_a ~ C024_a)."""
    import cv2

    from provenance.fingerprint import (
        EventTrack,
        Fingerprints,
        MediaFingerprint,
        SceneViews,
        codecs,
        orb_bag,
        sift_bag,
        sift_features,
    )
    from provenance.match import relate_views

    cv2.setNumThreads(1)
    mine = [sift_features(x, i) for i, x in enumerate(keyframes(fixtures, "media/C001_a.mp4", 6))]
    # through the stored form, as the matcher loads an archived item's key frames
    empty = MediaFingerprint(
        np.zeros(0, np.float32),
        np.zeros((0, 8), np.uint64),
        np.zeros(0, np.float32),
        np.zeros(0, bool),
        np.zeros((0, 36, 64), np.uint8),
    )
    views = SceneViews(mine, sift_bag(mine), EventTrack.empty())
    a = codecs.decode_views(codecs.encode(Fingerprints(empty, [], orb_bag([]), views))).keyframes
    b = [sift_features(x, i) for i, x in enumerate(keyframes(fixtures, "media/C024_a.mp4", 6))]
    return median_time(lambda: relate_views(a, b), repeat)


def bench(fixtures: Path, repeat: int) -> dict:
    truth = json.loads((fixtures / "ground_truth.json").read_text())
    result = scored(truth, *other_angles(fixtures))
    result["feature_comparison_best_pair_F_inliers"] = feature_comparison(fixtures, truth)
    result["verify_pair_s_median"] = round(verify_pair_s(fixtures, repeat), 4)
    return result


def main(argv: Sequence[str] | None = None) -> dict:
    p = parser("angles", __doc__)
    add_fixtures(p)
    add_repeat(p)
    args = p.parse_args(argv)
    return emit("angles", bench(Path(args.fixtures), args.repeat), argv)


if __name__ == "__main__":
    main()
