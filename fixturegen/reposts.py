"""Thirty re-posts of one night launch, each with its own edit: the re-post chain.

The copy issue's hardest counting case: one clip re-posted again and again,
each channel taking it from an earlier re-post and editing it once more
(re-encodes, logos, captions, crops, flips, tone, black and white, bars,
excerpts, speed, low resolution). Every finding on a re-post must name the
first holder, however many later holders share the footage.

:func:`repost_chain` builds the chain from a night original of the bundled
fixture set (``C005_a``, site F) into a folder, with claims dated after it and
a trap: the other night site's launch (``C006_a``, site E), which no re-post
copies. It is generated at test time (about 31 small files) rather than shipped
in the demo set, whose reference report rests on its 24 claims.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .edits import Crop
from .overlays import Overlays
from .recipes import Built, CopyOf, Plan, build, sub_seed

ORIGINAL = "media/C005_a.mp4"  # night launch at site F, 6 s, with a channel logo
TRAP = "media/C006_a.mp4"  # night launch at site E: another place, another night
REPOSTS = 30
MAX_DEPTH = 3  # a re-post of a re-post of a re-post at most: crops on crops stay a picture

CHANNELS = ("FRONT DAILY", "RIVER WATCH", "EAST WIRE", "DRONE NEWS", "الجبهة", "NORTH EYE")
CAPTIONS = (
    "Night strike, new footage",
    "Exclusive: the launch",
    "ضربة ليلية جديدة",
    "Watch: tonight's attack",
    "Our drones at night",
)
EDITS = (
    "reencode",
    "logo",
    "caption",
    "crop",
    "hflip",
    "tone",
    "grayscale",
    "letterbox",
    "excerpt",
    "speed",
    "low_resolution",
)


@dataclass(frozen=True)
class Chain:
    """The chain's files: manifest, ground truth, and which media re-post which."""

    manifest: Path
    original: str
    reposts: tuple[str, ...]
    trap: str
    truth: dict  # media path -> built ground-truth entry and copy rows


def _recipe(source: str, kind: str, rng: np.random.Generator, source_s: float) -> CopyOf:
    """A copy of ``source`` (``source_s`` long) with one edit of ``kind``."""
    if kind == "reencode":
        return CopyOf(source, ("reencode",), crf=int(rng.integers(27, 31)))
    if kind == "logo":
        return CopyOf(
            source,
            ("overlay", "reencode"),
            overlays=Overlays(logo=str(rng.choice(CHANNELS)), logo_right=bool(rng.random() < 0.5)),
        )
    if kind == "caption":
        return CopyOf(
            source, ("overlay", "reencode"), overlays=Overlays(caption=str(rng.choice(CAPTIONS)))
        )
    if kind == "crop":
        cut = rng.uniform(0.06, 0.16, 2)
        lead = rng.uniform(0, 1, 2)
        box = Crop(
            round(cut[0] * lead[0], 3),
            round(cut[1] * lead[1], 3),
            round(1 - cut[0] * (1 - lead[0]), 3),
            round(1 - cut[1] * (1 - lead[1]), 3),
        )
        return CopyOf(source, ("crop", "reencode"), steps=(("crop", (box, (480, 272))),))
    if kind == "hflip":
        return CopyOf(source, ("hflip", "reencode"), steps=(("hflip", None),))
    if kind == "tone":
        return CopyOf(
            source,
            ("brightness_contrast_gamma", "reencode"),
            steps=(
                (
                    "tone",
                    (
                        ("brightness", round(float(rng.uniform(0.02, 0.1)), 3)),
                        ("contrast", round(float(rng.uniform(1.05, 1.3)), 3)),
                        ("gamma", round(float(rng.uniform(0.8, 1.2)), 3)),
                    ),
                ),
            ),
        )
    if kind == "grayscale":
        return CopyOf(source, ("grayscale", "reencode"), steps=(("gray", None),))
    if kind == "letterbox":
        return CopyOf(source, ("letterbox", "reencode"), steps=(("bars", (480, 360)),))
    if kind == "excerpt":
        length = float(rng.uniform(3.0, min(4.5, source_s - 0.5)))
        start = round(float(rng.uniform(0.0, source_s - length)), 2)
        return CopyOf(
            source, ("excerpt", "reencode"), start_s=start, end_s=round(start + length, 2)
        )
    if kind == "speed":
        return CopyOf(
            source,
            ("speed", "fps_change", "reencode"),
            speed=round(float(rng.uniform(0.85, 1.2)), 3),
            fps=15.0,
        )
    if kind == "low_resolution":
        return CopyOf(
            source, ("resize", "reencode_low_bitrate"), steps=(("resize", (320, 180)),), crf=33
        )
    raise ValueError(kind)


def repost_chain(fixtures: Path, out: Path, *, seed: int = 20261130) -> Chain:
    """Build the chain under ``out`` from the fixture set in ``fixtures``."""
    rng = np.random.default_rng(sub_seed(seed, "repost-chain"))
    truth = json.loads((fixtures / "ground_truth.json").read_text(encoding="utf-8"))
    (out / "media").mkdir(parents=True, exist_ok=True)
    built: dict[str, Built] = {}
    for path in (ORIGINAL, TRAP):
        shutil.copyfile(fixtures / path, out / path)
        built[path] = Built(dict(truth["media"][path]))
    depth = {ORIGINAL: 0}
    reposts: list[str] = []
    kinds = [EDITS[i % len(EDITS)] for i in range(REPOSTS)]
    rng.shuffle(kinds)
    for i, kind in enumerate(kinds, start=1):
        parents = [p for p, d in depth.items() if d < MAX_DEPTH]
        parent = parents[int(rng.integers(len(parents)))]
        path = f"media/R{i:03d}.mp4"
        recipe = _recipe(parent, kind, rng, float(built[parent].entry["duration_s"]))
        built[path] = build(Plan(path, f"R{i:03d}", recipe), out, seed, {parent: built[parent]})
        depth[path] = depth[parent] + 1
        reposts.append(path)
    claims = [
        {
            "id": "R000",
            "claimed_at": "2024-09-16T02:20:00Z",
            "group": "Eastern Falcons",
            "media": [ORIGINAL],
        },
        {
            "id": "T000",
            "claimed_at": "2024-09-20T01:45:00Z",
            "group": "Southern Hawks",
            "media": [TRAP],
        },
    ]
    claims += [
        {
            "id": f"R{i:03d}",
            "claimed_at": f"2024-10-{i:02d}T12:00:00Z",
            "group": "Repost Channel",
            "media": [path],
        }
        for i, path in enumerate(reposts, start=1)
    ]
    manifest = out / "manifest.jsonl"
    manifest.write_text(
        "".join(json.dumps(c, ensure_ascii=False) + "\n" for c in claims), encoding="utf-8"
    )
    return Chain(
        manifest,
        ORIGINAL,
        tuple(reposts),
        TRAP,
        {p: {"entry": b.entry, "copies": b.copies} for p, b in built.items()},
    )
