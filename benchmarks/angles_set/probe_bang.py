"""The launch's bang as a same-launch cue, with its moment found, not given (issue 17).

    python -m benchmarks.angles_set.probe_bang --half A|B --archive .bench/angles_set_A.db \\
        [--set .bench/angles_set] [--out probe_bang.json]

``probe_cues`` showed that the bang is one waveform at two microphones for
about half the same-launch pairs, given its moment. Here the moment is found
as a detector would have to find it, and the same GCC-PHAT (300-3500 Hz) is
asked, bang against bang:

- ``visual``: the launch onsets the pictures show (the archive's event
  tracks, as ``rescore`` stored them), then the sharpest rises of 300-3500 Hz
  energy from the onset to 2.5 s after it (the sound's travel from up to
  800 m), two an onset;
- ``visual+ear``: those, and the three sharpest rises anywhere in the clip;
- ``ear+flash``: the three sharpest rises anywhere, each kept only when a
  flash precedes it by at most 2.6 s (every frame decoded there, the
  sharpest brightening: ``probe_onsets``' sound-guided moments); the
  sound finds the bang, the pictures confirm it, with no place asked;
- ``truth``: the true arrival (the ceiling of the cue, as ``probe_cues``).

Each candidate bang of ``a`` (-0.05 to +0.2 s) is correlated with each of
``b``'s within +-0.1 s; a pair's score is its best peak, in standard
deviations of the correlation. Reported per threshold: same-launch pairs
above it (and how many of those at the true alignment, within 20 ms), and
another launch at the site and unrelated pairs above it. Also how often the
pictures find the launch's onset at all (within 0.2 s of the truth).
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .._common import emit
from .probe_cues import BAND_HZ, RATE, _window, gcc_phat, probe_header, probe_parser
from .split import clips_of, load_truth, pairs_of

HOP_S = 0.01  # energy envelope: 20 ms windows every 10 ms
TRAVEL_S = 2.5  # a bang is heard up to this long after the flash (800 m)
THRESHOLDS = (8, 9, 10, 11, 12, 13, 14)
MODES = ("visual", "visual+ear", "ear+flash", "truth")
RELATIONS = ("same_launch", "same_site_other_launch", "unrelated")


def onsets(archive: Path, paths: dict[str, Path]) -> dict[str, list[float]]:
    """Each clip's launch onsets as the archive's event tracks give them (media seconds)."""
    from provenance.fingerprint import EventTrack
    from provenance.fingerprint.codecs import EVENT_TRACK, _load

    db = sqlite3.connect(f"file:{archive}?mode=ro", uri=True)
    rows = db.execute("SELECT sha256, data FROM fingerprints WHERE kind = ?", (EVENT_TRACK,))
    tracks = {sha: _load(bytes(data)) for sha, data in rows}
    out = {}
    for clip, path in paths.items():
        t = tracks.get(hashlib.sha256(path.read_bytes()).hexdigest())
        if t is None:
            out[clip] = []
            continue
        track = EventTrack(t["time_s"], t["brightness"], t["spot"])
        out[clip] = [float(track.time_s[i]) for i in track.onsets()]
    return out


def _band(samples: np.ndarray) -> np.ndarray:
    spectrum = np.fft.rfft(samples)
    freqs = np.fft.rfftfreq(len(samples), 1.0 / RATE)
    spectrum[(freqs < BAND_HZ[0]) | (freqs > BAND_HZ[1])] = 0
    return np.fft.irfft(spectrum, len(samples)).astype(np.float32)


def rises(band: np.ndarray, lo_s: float, hi_s: float, top: int) -> list[float]:
    """The ``top`` sharpest energy rises in [lo_s, hi_s) (clip seconds), 0.1 s apart."""
    hop = round(HOP_S * RATE)
    count = (len(band) - 2 * hop) // hop
    if count <= 12:
        return []
    index = np.arange(2 * hop)[None, :] + hop * np.arange(count)[:, None]
    energy = np.log10((band[index] ** 2).mean(axis=1) + 1e-10)
    first, last = max(12, int(lo_s / HOP_S)), min(count, int(hi_s / HOP_S))
    scored = sorted(
        ((energy[i] - energy[i - 12 : i - 2].max(), i) for i in range(first, last)), reverse=True
    )
    chosen: list[int] = []
    for _, i in scored:
        if all(abs(i - j) > 10 for j in chosen):
            chosen.append(i)
        if len(chosen) >= top:
            break
    return [(i + 1) * HOP_S for i in chosen]


def score(a, b, bangs_a: list[float], bangs_b: list[float]) -> tuple[float, float | None]:
    """(best peak, a's bang time minus b's at it) over every pair of candidate bangs."""
    best, lag = 0.0, None
    for ta in bangs_a:
        x = _window(a, ta - 0.05, ta + 0.2)
        if x is None:
            continue
        for tb in bangs_b:
            y = _window(b, tb - 0.15, tb + 0.3)
            if y is None:
                continue
            peak, k = gcc_phat(x, y, round(0.2 * RATE) + 1)
            if peak > best:
                best, lag = peak, ta - (tb - 0.1 + k / RATE)
    return best, lag


def probe(set_dir: Path, archive: Path, truth: dict, half: str) -> dict:
    from provenance.media import sound_in

    from .probe_onsets import flashed_bangs  # it builds on this module

    clips = clips_of(truth, half)
    seen = onsets(archive, {c: set_dir / c for c in clips})
    sounds = {}
    for c in clips:
        decoded = sound_in(set_dir / c, [(0.0, 3600.0)], rate=RATE)
        if decoded:
            sounds[c] = (decoded[0][0], _band(decoded[0][1]))
    found = sum(
        1
        for c in clips
        if truth["clips"][c]["launch_at_s"] is not None
        and any(abs(o - truth["clips"][c]["launch_at_s"]) <= 0.2 for o in seen[c])
    )
    with_launch = sum(1 for c in clips if truth["clips"][c]["launch_at_s"] is not None)
    result: dict = {
        "clips": len(clips),
        "clips_with_sound": len(sounds),
        "launch_onset_seen_within_0.2_s": f"{found} of {with_launch}",
        "clips_without_any_onset": sum(1 for c in clips if not seen[c]),
    }
    for mode in MODES:
        bangs: dict[str, list[float]] = {}
        for c, (first, band) in sounds.items():
            if mode == "truth":
                at = truth["clips"][c]["sound_at_s"]
                bangs[c] = [] if at is None else [at]
                continue
            if mode == "ear+flash":
                flashed = flashed_bangs(set_dir / c, (first, band), 3)
                bangs[c] = [bang for flash, bang in flashed if 0 < bang - flash <= 2.6]
                continue
            found_at: list[float] = []
            for o in seen[c]:
                found_at += rises(band, o - first - 0.05, o - first + TRAVEL_S, 2)
            if mode == "visual+ear":
                found_at += rises(band, 0.0, len(band) / RATE, 3)
            bangs[c] = [first + t for t in found_at]
        peaks: dict[str, list[tuple[float, bool]]] = {r: [] for r in RELATIONS}
        for pair in pairs_of(truth, half):
            if pair["a"] not in sounds or pair["b"] not in sounds:
                continue
            peak, lag = score(
                sounds[pair["a"]], sounds[pair["b"]], bangs[pair["a"]], bangs[pair["b"]]
            )
            right = (
                pair["relation"] == "same_launch"
                and lag is not None
                and abs(lag - (pair["offset_s"] + pair["sound_lag_s"])) <= 0.02
            )
            peaks[pair["relation"]].append((peak, right))
        same_total = sum(1 for p in pairs_of(truth, half) if p["relation"] == "same_launch")

        result[mode] = {
            f"above_{t}_sd": {
                "same_launch": _above(peaks["same_launch"], t, same_total),
                "same_launch_at_true_alignment": sum(
                    p >= t and right for p, right in peaks["same_launch"]
                ),
                "same_site_other_launch": _above(peaks["same_site_other_launch"], t),
                "unrelated": _above(peaks["unrelated"], t),
            }
            for t in THRESHOLDS
        }
    return result


def _above(found: list[tuple[float, bool]], t: float, of: int | None = None) -> str:
    """How many of ``found`` peak at ``t`` or above, "k of n"."""
    return f"{sum(p >= t for p, _ in found)} of {len(found) if of is None else of}"


def main(argv: Sequence[str] | None = None) -> dict:
    p = probe_parser("probe_bang", __doc__)
    p.add_argument("--archive", type=Path, required=True, help="the half's archive, re-scored")
    args = p.parse_args(argv)
    truth = load_truth(args.set)
    result = {**probe_header(args), **probe(args.set, args.archive, truth, args.half)}
    return emit("angles_set.probe_bang", result, argv, args.out)


if __name__ == "__main__":
    main()
