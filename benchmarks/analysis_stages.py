"""Where the analysis of a clip spends its time, stage by stage (issue 18).

``analyse_file`` on the clip (the rendered 60 s 720p clip by default) is run
once to warm up, then under cProfile; each stage is the cumulative time of
the functions that do it. Profiling slows Python-heavy stages more than
C-heavy ones, so the shares are a guide and the wall time of an unprofiled
run (median of ``--repeat``) is given beside them, with ``ffmpeg -f null``
decoding every frame of the clip in the same run.

    python -m benchmarks.analysis_stages [--clip FILE] [--repeat 3]
"""

from __future__ import annotations

import cProfile
import pstats
import statistics
import time
from collections.abc import Sequence
from pathlib import Path

from ._common import add_clip, add_repeat, clip_of, emit, parser, shown
from .analysis_cost import ffmpeg_seconds

# stage -> (module file ending, function name); a stage's functions never call each other
STAGES: dict[str, tuple[tuple[str, str], ...]] = {
    "probing the file": (("media/_probe.py", "probe_media"),),
    "decoding, every kept frame (shot changes, change tracker, borders)": (
        ("media/_video.py", "_video_frames"),
    ),
    "decoding again around launch onsets (every frame)": (("media/_video.py", "transients_in"),),
    "frame hashes (8 symmetries) and detail": (
        ("fingerprint/_hashing.py", "dihedral_hashes"),
        ("fingerprint/_hashing.py", "detail"),
    ),
    "windows (finder and hashes)": (
        ("fingerprint/_windows.py", "offer"),
        ("fingerprint/_windows.py", "window_hashes"),
    ),
    "split-screen tiles, centre crops": (("fingerprint/_windows.py", "fixed_box_hashes"),),
    "ORB key frames": (("fingerprint/_orb.py", "orb_features"),),
    "SIFT key frames and overlays": (
        ("fingerprint/_sift.py", "sift_features"),
        ("fingerprint/_sift.py", "drop_overlays"),
    ),
    "event track": (("fingerprint/_track.py", "event_track"),),
    "close-up reading (OCR of the candidate frames)": (
        ("fingerprint/_closeups.py", "read_media_closeups"),
    ),
    "launch sound": (("jobs/analyse.py", "_launch_sound"),),
    "metadata": (("media/_metadata.py", "read_metadata"),),
    "encoding the stored kinds": (("fingerprint/codecs.py", "encode"),),
}


def stages(clip: Path) -> dict[str, float]:
    """Cumulative seconds of each stage in one profiled ``analyse_file`` of ``clip``."""
    from provenance.jobs.analyse import analyse_file

    analyse_file(str(clip))  # warm-up: models loaded, caches filled
    profile = cProfile.Profile()
    profile.enable()
    analyse_file(str(clip))
    profile.disable()
    table = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    cumulative: dict[tuple[str, str], float] = {}
    total = 0.0
    for (file, _line, name), (_cc, _nc, _tt, ct, _callers) in table.items():
        if name == "analyse_file" and file.endswith("jobs/analyse.py"):
            total = ct
        cumulative[(file, name)] = cumulative.get((file, name), 0.0) + ct
    out = {}
    for stage, functions in STAGES.items():
        out[stage] = round(
            sum(
                seconds
                for (file, name), seconds in cumulative.items()
                for ending, wanted in functions
                if name == wanted and file.endswith(ending)
            ),
            3,
        )
    out["everything else"] = round(total - sum(out.values()), 3)
    out["analyse_file, profiled"] = round(total, 3)
    return out


def bench(clip: Path, repeat: int) -> dict:
    from provenance.jobs.analyse import analyse_file

    analyse_file(str(clip))
    wall, decode = [], []
    for _ in range(repeat):
        start = time.perf_counter()
        analyse_file(str(clip))
        wall.append(time.perf_counter() - start)
        decode.append(ffmpeg_seconds(clip))
    profiled = stages(clip)
    total = profiled["analyse_file, profiled"]
    return {
        "clip": shown(clip),
        "analyse_file_s_median": round(statistics.median(wall), 3),
        "ffmpeg_decode_s_median": round(statistics.median(decode), 3),
        "x_ffmpeg": round(statistics.median(wall) / statistics.median(decode), 2),
        "stages_profiled_s": profiled,
        "stages_share": {
            k: round(v / total, 3) for k, v in profiled.items() if k != "analyse_file, profiled"
        },
    }


def main(argv: Sequence[str] | None = None) -> dict:
    p = parser("analysis_stages", __doc__)
    add_clip(p)
    add_repeat(p)
    p.set_defaults(repeat=3)
    args = p.parse_args(argv)
    return emit("analysis_stages", bench(clip_of(args), args.repeat), argv)


if __name__ == "__main__":
    main()
