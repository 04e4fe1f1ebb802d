"""Cost of the close-up reader, and whether it slows the fingerprint pass.

Side by side, interleaved, on the 60 s 720p clip (or ``--clip``): the
fingerprint pass as the reused-footage stage runs it, the same pass feeding
the close-up candidate picker, and the OCR of the picked frames. Then every
fixture item read as the pipeline reads it, against the ground truth.

    python -m benchmarks.closeups --repeat 11
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from ._common import add_clip, add_fixtures, add_repeat, clip_of, emit, median_time, parser, shown


def bench(path: Path, fixtures: Path, repeat: int) -> dict:
    from provenance.fingerprint import (
        CandidateFrames,
        RapidReader,
        fingerprint_frames,
        read_media_closeups,
    )
    from provenance.media import extract_frames, probe_media

    duration = probe_media(str(path)).duration_s or 60.0
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-c",
            "from provenance.fingerprint import RapidReader; RapidReader()",
        ],
        check=True,
    )
    load_s = time.perf_counter() - started
    RapidReader()  # loaded here too, outside the timings

    def plain() -> None:
        # the one pass over the frames (no re-decoding around a launch: FirstPass.finish)
        fingerprint_frames(extract_frames(path), duration_s=duration)

    picked: list = []

    def with_picker() -> None:
        picker = CandidateFrames()

        def frames():
            for frame in extract_frames(path):
                picker.offer(frame.time_s, frame.luma)
                yield frame

        fingerprint_frames(frames(), duration_s=duration)
        picked[:] = picker.frames()

    samples: dict[str, list[float]] = {"plain": [], "picker": [], "ocr": []}
    for _ in range(repeat):
        samples["plain"].append(median_time(plain, 1))
        samples["picker"].append(median_time(with_picker, 1))
        samples["ocr"].append(median_time(lambda: read_media_closeups(picked), 1))
    med = {k: statistics.median(v) for k, v in samples.items()}

    truth = json.loads((fixtures / "ground_truth.json").read_text())
    per_kind: dict[str, list[float]] = {"image": [], "video": []}
    right = exact = readable = 0
    for media, entry in truth["media"].items():
        t0 = time.perf_counter()
        picker = CandidateFrames()
        for frame in extract_frames(fixtures / media):
            picker.offer(frame.time_s, frame.luma)
        reading = read_media_closeups(picker.frames())
        per_kind[entry["kind"]].append(time.perf_counter() - t0)
        right += reading.closeup == entry["closeup"]
        if entry["serial_readable"]:
            readable += 1
            exact += [m.text for m in reading.identifiers] == [entry["serial"]]
    return {
        "clip": shown(path),
        "clip_seconds": round(duration, 1),
        "model_load_s (fresh process, incl. Python start)": round(load_s, 2),
        "fingerprint_pass_s_median": round(med["plain"], 3),
        "fingerprint_pass_with_candidate_picker_s_median": round(med["picker"], 3),
        "picker_ratio": round(med["picker"] / med["plain"], 3),
        "ocr_of_candidates_s_median": round(med["ocr"], 3),
        "candidates_read": len(picked),
        "closeup_stage_s_per_minute_of_footage": round(
            (med["ocr"] + med["picker"] - med["plain"]) * 60.0 / duration, 3
        ),
        "fixtures": {
            "closeup_decision_right": f"{right}/{len(truth['media'])}",
            "serials_read_exactly": f"{exact}/{readable}",
            "read_s_median_still": round(statistics.median(per_kind["image"]), 3),
            "read_s_median_video (decode + pick + OCR)": round(
                statistics.median(per_kind["video"]), 3
            ),
        },
    }


def main(argv: Sequence[str] | None = None) -> dict:
    p = parser("closeups", __doc__)
    add_clip(p)
    add_fixtures(p)
    add_repeat(p)
    args = p.parse_args(argv)
    return emit("closeups", bench(clip_of(args), Path(args.fixtures), args.repeat), argv)


if __name__ == "__main__":
    main()
