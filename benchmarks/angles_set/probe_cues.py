"""How far two cues can go on the multi-camera set, given the truth's timing (issue 17).

    python -m benchmarks.angles_set.probe_cues --set .bench/angles_set --half A|B \\
        [--cue sound|features|both] [--out probe.json]

Not the detector: an upper bound on what each cue could tell a detector, so
the next round knows which direction can reach the targets. The truth picks
the moments (each clip's launch), so no onset detection can fail here:

- ``sound``: does the launch's waveform survive two microphones? GCC-PHAT
  (300-3500 Hz) of a's bang (its true sound arrival, -0.05 to +0.2 s) against
  b's sound within 0.3 s of where the truth says it arrives (same launch: a's
  arrival - offset_s - sound_lag_s; another launch: b's own bang). The peak,
  in standard deviations of the correlation, and its distance from the truth.
- ``features``: do wide-baseline keypoints find the place? The frame 0.7 s
  before each clip's launch (still the scene, no smoke; mid-clip for a clip
  without a launch), at 640 px: SIFT, and
  OpenCV's affine-simulated SIFT (``cv2.AffineFeature``, ASIFT), matched with
  the ratio test, fundamental-matrix RANSAC inliers.

Percentiles per relation (same launch, another launch at the same site,
unrelated) show the margin, or that there is none.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import av
import cv2
import numpy as np

from .._common import emit, parser, shown
from .make_set import DEFAULT_OUT
from .split import HALVES, NAMES, clips_of, load_truth, pairs_of

RATE = 8000  # Hz
BAND_HZ = (300.0, 3500.0)
BANG_S = (-0.05, 0.2)  # around the true sound arrival
SEARCH_S = 0.3  # either side of where the truth puts b's bang
NEAR_S = 0.01  # a peak this close to the truth found the true alignment
FRAME_BEFORE_S = 0.7
WIDTH = 640
RELATIONS = ("same_launch", "same_site_other_launch", "unrelated")
PERCENTILES = (10, 25, 50, 75, 90, 99)


def _sound(path: Path) -> tuple[float, np.ndarray] | None:
    from provenance.media import sound_in

    clips = sound_in(path, [(0.0, 3600.0)], rate=RATE)
    return clips[0] if clips else None


def _window(sound: tuple[float, np.ndarray], start_s: float, end_s: float) -> np.ndarray | None:
    first, samples = sound
    i0, i1 = round((start_s - first) * RATE), round((end_s - first) * RATE)
    return samples[i0:i1] if 0 <= i0 < i1 <= len(samples) else None


def bang_coherence(
    a: tuple[float, np.ndarray], b: tuple[float, np.ndarray], at_a: float, at_b: float
):
    """(peak in standard deviations, its distance in s from ``at_b``), or None (no sound there)."""
    x = _window(a, at_a + BANG_S[0], at_a + BANG_S[1])
    y = _window(b, at_b + BANG_S[0] - SEARCH_S, at_b + BANG_S[1] + SEARCH_S)
    if x is None or y is None:
        return None
    peak, k = gcc_phat(x, y, round(2 * SEARCH_S * RATE) + 1)
    return peak, (k - SEARCH_S * RATE) / RATE


def gcc_phat(x: np.ndarray, y: np.ndarray, lags: int) -> tuple[float, int]:
    """(peak in standard deviations of the correlation, its lag k in samples) of ``x``
    starting k samples into ``y``, k below ``lags``; GCC-PHAT in :data:`BAND_HZ`."""
    n = 1 << int(np.ceil(np.log2(len(x) + len(y))))
    cross = np.fft.rfft(y, n) * np.conj(np.fft.rfft(x * np.hanning(len(x)), n))
    cross /= np.maximum(np.abs(cross), 1e-12)
    freqs = np.fft.rfftfreq(n, 1.0 / RATE)
    cross[(freqs < BAND_HZ[0]) | (freqs > BAND_HZ[1])] = 0
    corr = np.fft.irfft(cross, n)
    k = int(np.argmax(corr[:lags]))
    return float(corr[k] / np.std(corr)), k


def _frame(path: Path, at_s: float) -> np.ndarray:
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            if frame.time is not None and frame.time >= at_s:
                grey = frame.to_ndarray(format="gray")
                break
        else:
            raise ValueError(f"{path}: no frame at {at_s:.2f} s")
    scale = WIDTH / max(grey.shape)
    size = (round(grey.shape[1] * scale), round(grey.shape[0] * scale))
    return cv2.resize(grey, size, interpolation=cv2.INTER_AREA)


def inliers(a, b) -> int:
    """Fundamental-matrix RANSAC inliers of ratio-test matches between two (points, descriptors)."""
    (pa, da), (pb, db) = a, b
    if da is None or db is None or len(da) < 8 or len(db) < 8:
        return 0
    pairs = cv2.BFMatcher(cv2.NORM_L2).knnMatch(da, db, k=2)
    good = [m[0] for m in pairs if len(m) == 2 and m[0].distance < 0.8 * m[1].distance]
    if len(good) < 8:
        return 0
    src = pa[[m.queryIdx for m in good]]
    dst = pb[[m.trainIdx for m in good]]
    try:
        _, mask = cv2.findFundamentalMat(src, dst, cv2.FM_RANSAC, 1.5, 0.999)
    except cv2.error:  # a degenerate set of matches: no geometry
        return 0
    return 0 if mask is None else int(mask.sum())


def _stats(values: list[float]) -> dict:
    if not values:
        return {"pairs": 0}
    q = np.percentile(values, PERCENTILES)
    return {
        "pairs": len(values),
        **{f"p{p}": round(float(v), 2) for p, v in zip(PERCENTILES, q, strict=True)},
    }


def probe_sound(set_dir: Path, truth: dict, half: str) -> dict:
    clips = clips_of(truth, half)
    sounds = {p: s for p in clips if (s := _sound(set_dir / p)) is not None}
    peaks: dict[str, list[float]] = {r: [] for r in RELATIONS}
    near = 0
    for pair in pairs_of(truth, half):
        a, b = truth["clips"][pair["a"]], truth["clips"][pair["b"]]
        if pair["a"] not in sounds or pair["b"] not in sounds or a["sound_at_s"] is None:
            continue
        if pair["relation"] == "same_launch":
            at_b = a["sound_at_s"] - pair["offset_s"] - pair["sound_lag_s"]
        elif b["sound_at_s"] is not None:
            at_b = b["sound_at_s"]
        else:
            continue
        found = bang_coherence(sounds[pair["a"]], sounds[pair["b"]], a["sound_at_s"], at_b)
        if found is None:
            continue
        peaks[pair["relation"]].append(found[0])
        near += pair["relation"] == "same_launch" and abs(found[1]) <= NEAR_S
    same = len(peaks["same_launch"])
    return {
        "clips_with_sound": f"{len(sounds)} of {len(clips)}",
        "gcc_phat_peak_sd": {r: _stats(v) for r, v in peaks.items()},
        "same_launch_peak_within_10_ms_of_truth": round(near / same, 3) if same else None,
    }


def probe_features(set_dir: Path, truth: dict, half: str) -> dict:
    detectors = {
        "sift": cv2.SIFT_create(nfeatures=2000),
        "asift": cv2.AffineFeature_create(cv2.SIFT_create(nfeatures=600)),
    }
    out = {}
    for name, detector in detectors.items():
        features = {}
        for path in clips_of(truth, half):
            clip = truth["clips"][path]
            launch = clip["launch_at_s"]  # None: a clip without a launch, seen mid-way
            at_s = clip["duration_s"] / 2 if launch is None else max(0.0, launch - FRAME_BEFORE_S)
            grey = _frame(set_dir / path, at_s)
            points, descriptors = detector.detectAndCompute(grey, None)
            features[path] = (np.float32([p.pt for p in points]), descriptors)
        counts: dict[str, list[float]] = {r: [] for r in RELATIONS}
        for pair in pairs_of(truth, half):
            counts[pair["relation"]].append(inliers(features[pair["a"]], features[pair["b"]]))
        out[name] = {
            "keypoints_median": float(np.median([len(f[0]) for f in features.values()])),
            "fundamental_inliers": {r: _stats(v) for r, v in counts.items()},
        }
    return out


def probe_parser(name: str, doc: str | None) -> argparse.ArgumentParser:
    """The options every probe of the set takes: ``--set``, ``--half`` (and ``--out``)."""
    p = parser(f"angles_set.{name}", doc)
    p.add_argument("--set", type=Path, default=DEFAULT_OUT)
    p.add_argument("--half", choices=HALVES, required=True)
    p.add_argument("--out", type=Path)
    return p


def probe_header(args: argparse.Namespace) -> dict:
    """What a probe's result starts with: the set and the half it read."""
    return {"set": shown(args.set), "half": args.half, "half_name": NAMES[args.half]}


def main(argv: Sequence[str] | None = None) -> dict:
    p = probe_parser("probe_cues", __doc__)
    p.add_argument("--cue", choices=("sound", "features", "both"), default="both")
    args = p.parse_args(argv)
    truth = load_truth(args.set)
    result: dict = probe_header(args)
    if args.cue in ("sound", "both"):
        result["sound"] = probe_sound(args.set, truth, args.half)
    if args.cue in ("features", "both"):
        result["features"] = probe_features(args.set, truth, args.half)
    return emit("angles_set.probe_cues", result, argv, args.out)


if __name__ == "__main__":
    main()
