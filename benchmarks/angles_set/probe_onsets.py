"""Where the launch's moment can be found in each clip (issue 17): pictures, sound, or both.

    python -m benchmarks.angles_set.probe_onsets --half A --archive .bench/angles_set_A.db \\
        [--set .bench/angles_set] [--bangs 3] [--out probe_onsets.json]

Every cue of the other-angle detector (the launch's track, the time offset,
the bang) starts from the moment of the launch in each clip, and the stored
event tracks find it in only half the clips (``probe_bang``). Counted here per
clip with a launch: an onset within 0.2 s of the truth (``found``), onsets
only elsewhere (``wrong_only``), no onset (``none``), for

- ``stored``: the onsets of the archive's event tracks (the main pass: a few
  frames a second, then every frame around what it saw);
- ``sound_guided``: the ``--bangs`` sharpest rises of 300-3500 Hz energy by
  ear, then every decoded frame of the 2.6 s before each (the flash is seen
  before the bang is heard, up to 2.5 s for 800 m), and there the frame whose
  brightening spot rises most over the six frames before it (at least 40 luma
  levels);
- ``either``: both sets of onsets together.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .._common import emit
from .probe_bang import _band, onsets, rises
from .probe_cues import RATE, probe_header, probe_parser
from .split import clips_of, load_truth

BEFORE_BANG_S = 2.6
MIN_GAIN = 40.0  # luma levels, as the event track's own onset rule


def sharpest_rise(times: np.ndarray, gain: np.ndarray) -> float | None:
    """The moment the spot's gain rises most over the six frames before it."""
    best, at = 0.0, None
    for i in range(3, len(gain)):
        floor = max(float(np.median(gain[max(0, i - 6) : i])), 10.0)
        if gain[i] >= MIN_GAIN and gain[i] / floor > best:
            best, at = gain[i] / floor, float(times[i])
    return at


def flashed_bangs(
    path: Path, sound: tuple[float, np.ndarray], bangs: int
) -> list[tuple[float, float]]:
    """(flash, bang) media times: the ``bangs`` sharpest rises by ear in ``sound``
    (first sample's time, 300-3500 Hz samples) that a flash precedes."""
    from provenance.fingerprint._track import event_track
    from provenance.media import transients_in

    first, band = sound
    found = []
    for bang in rises(band, 0.0, len(band) / RATE, bangs):
        at = first + bang
        window = (max(0.0, at - BEFORE_BANG_S), at + 0.1)
        track = event_track(transients_in(path, [window]), np.zeros((0, 2)))
        moment = sharpest_rise(track.time_s, track.spot[:, 2])
        if moment is not None:
            found.append((moment, at))
    return found


def sound_guided(path: Path, bangs: int) -> tuple[list[float], bool]:
    """(onsets before the sharpest bangs, whether the clip has sound)."""
    from provenance.media import sound_in

    decoded = sound_in(path, [(0.0, 3600.0)], rate=RATE)
    if not decoded:
        return [], False
    first, samples = decoded[0]
    return [flash for flash, _ in flashed_bangs(path, (first, _band(samples)), bangs)], True


def probe(set_dir: Path, archive: Path, truth: dict, half: str, bangs: int) -> dict:
    clips = [c for c in clips_of(truth, half) if truth["clips"][c]["launch_at_s"] is not None]
    stored = onsets(archive, {c: set_dir / c for c in clips})
    counts = {
        k: {"found": 0, "wrong_only": 0, "none": 0} for k in ("stored", "sound_guided", "either")
    }
    silent = 0
    for clip in clips:
        truth_at = truth["clips"][clip]["launch_at_s"]
        guided, heard = sound_guided(set_dir / clip, bangs)
        silent += not heard
        for name, found in (
            ("stored", stored[clip]),
            ("sound_guided", guided),
            ("either", stored[clip] + guided),
        ):
            key = (
                "found"
                if any(abs(t - truth_at) <= 0.2 for t in found)
                else "wrong_only"
                if found
                else "none"
            )
            counts[name][key] += 1
    return {"clips_with_a_launch": len(clips), "without_sound": silent, **counts}


def main(argv: Sequence[str] | None = None) -> dict:
    p = probe_parser("probe_onsets", __doc__)
    p.add_argument("--archive", type=Path, required=True, help="the half's archive, re-scored")
    p.add_argument("--bangs", type=int, default=3, help="sharpest rises by ear searched before")
    args = p.parse_args(argv)
    truth = load_truth(args.set)
    result = {
        **probe_header(args),
        "bangs": args.bangs,
        **probe(args.set, args.archive, truth, args.half, args.bangs),
    }
    return emit("angles_set.probe_onsets", result, argv, args.out)


if __name__ == "__main__":
    main()
