"""What an archive stores per minute of footage, kind by kind (issue 18's storage table).

Each video is analysed as ``ingest`` analyses it (``analyse_file``); the bytes
of every stored kind are summed and divided by the footage's minutes. The
60 s 720p clip (``--clip``), and every video of the fixtures (short clips: the
per-item parts, such as key frames and the launch's sound, weigh more a
minute there).

    python -m benchmarks.storage [--clip FILE] [--fixtures DIR]
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from ._common import add_clip, add_fixtures, clip_of, emit, parser, shown

TARGET_KB_PER_MIN = 100.0


def per_minute(paths: Sequence[Path]) -> dict:
    """Stored KB a minute of footage, per kind and in all, over ``paths`` (videos)."""
    from provenance.jobs.analyse import analyse_file

    sizes: Counter[str] = Counter()
    minutes = 0.0
    for path in paths:
        info, stored, _problems = analyse_file(str(path))
        minutes += (info.duration_s or 0.0) / 60.0
        sizes.update({kind: len(data) for kind, data in stored.items()})
    kb = {kind: round(n / 1024 / minutes, 1) for kind, n in sizes.most_common()}
    total = round(sum(sizes.values()) / 1024 / minutes, 1)
    return {
        "videos": len(paths),
        "minutes": round(minutes, 2),
        "kb_per_minute": kb,
        "total_kb_per_minute": total,
        "over_target": round(total / TARGET_KB_PER_MIN, 1),
    }


def main(argv: Sequence[str] | None = None) -> dict:
    p = parser("storage", __doc__)
    add_clip(p)
    add_fixtures(p)
    args = p.parse_args(argv)
    clip = clip_of(args)
    videos = sorted(Path(args.fixtures, "media").glob("*.mp4"))
    result = {
        "clip": shown(clip),
        "target_kb_per_minute": TARGET_KB_PER_MIN,
        "the_clip": per_minute([clip]),
        "fixture_videos": per_minute(videos),
    }
    return emit("storage", result, argv)


if __name__ == "__main__":
    main()
