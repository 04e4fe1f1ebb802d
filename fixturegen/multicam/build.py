"""Build the multi-camera set: every take rendered, heard and encoded; manifest and truth.

:func:`make_set` writes ``media/``, ``manifest.jsonl`` (one claim per clip,
claims a day or more apart in a seeded order, so no two clips share a claim)
and ``truth.json``. Takes build in worker processes; each file depends only
on its take and the set's seed, so the bytes do not depend on the number of
workers.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from itertools import combinations
from pathlib import Path

import numpy as np

from ..launch import drone_state
from .camera import follow_curve
from .mediaio import write_clip
from .picture import Recorder, motion_blur
from .plan import (
    DEFAULT_SEED,
    MAIN_HALF_FOV,
    SET_FORMAT,
    Take,
    clip_truth,
    groups,
    layout_of,
    pair_truth,
    sub_rng,
    takes,
)
from .sound import recording
from .world import LIGHTINGS, PERIOD

CLAIM_GROUPS = ("Northern Wind", "Sky Brigade", "Desert Lions", "Eagle Unit", "Iron Falcons")


def frames_of(take: Take, seed: int):
    """The take's frames, rendered in order (a generator), and their count."""
    layout = layout_of(seed, take.site, take.theme)
    light = LIGHTINGS[take.lighting]
    rig, ev = take.rig, take.event
    fps = float(take.fps)
    times = [i / fps for i in range(take.frames)]
    if ev is not None:
        follow = follow_curve(
            rig,
            lambda mt: drone_state(ev, take.clock_start_s + mt)[0],
            ev.launcher,
            take.launch_media_t,
            take.duration_s,
        )
    else:
        follow = None

    def pose_at(mt: float):
        return rig.pose(mt, follow)

    poses = [pose_at(t) for t in times]
    rec = Recorder(
        rig, layout, light, ev, take.clock_start_s, take.phone, poses, PERIOD[take.lighting]
    )
    portrait = rig.height > rig.width
    base_zoom = np.tan(np.radians(MAIN_HALF_FOV[portrait])) / np.tan(np.radians(rig.hfov_deg / 2))

    def gen():
        for i, (mt, pose) in enumerate(zip(times, poses, strict=True)):
            radiance = rec.radiance(pose, mt)
            blur_px, blur_dir = motion_blur(rig, pose_at, mt, take.phone.shutter_s)
            zoom = base_zoom * float(rig.zoom.at(np.array([mt]))[0]) / take.phone.optical_zoom
            yield rec.develop(radiance, i, 1 / fps, blur_px, blur_dir, zoom)

    return gen()


def sound_of(take: Take) -> np.ndarray | None:
    if take.sound_kind == "none":
        return None
    assert take.acoustics is not None and take.mic is not None and take.edit is not None
    return recording(
        take.event,
        take.position,
        take.bearing_from_rail_deg,
        take.clock_start_s,
        take.duration_s,
        take.acoustics,
        take.mic,
        take.edit,
        take.launch_media_t,
        take.audio_rate,
    )


def build_take(take: Take, root: Path, seed: int) -> str:
    """Write one take's file under ``root``; returns its path relative to ``root``."""
    audio = sound_of(take)
    write_clip(
        root / take.path,
        frames_of(take, seed),
        take.frames,
        take.fps,
        crf=take.crf,
        audio=audio,
        audio_rate=take.audio_rate,
        audio_bitrate=take.audio_bitrate,
    )
    return take.path


def _work(args: tuple[Take, str, int]) -> str:
    take, root, seed = args
    return build_take(take, Path(root), seed)


def _init_worker() -> None:
    import cv2

    cv2.setNumThreads(1)


def _cost(t: Take) -> float:
    return t.frames * (1.5 if t.post.far else 1.0)


def claims(all_takes: list[Take], seed: int) -> list[dict]:
    """One claim per clip, at least a day apart, in a seeded order."""
    rng = sub_rng(seed, "claims")
    order = rng.permutation(len(all_takes))
    start = datetime(2025, 2, 1, tzinfo=UTC)
    rows = []
    for rank, i in enumerate(order):
        t = all_takes[int(i)]
        when = start + timedelta(days=int(rank), hours=float(rng.uniform(0, 20)))
        rows.append(
            {
                "id": f"AS{rank + 1:03d}",
                "claimed_at": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "group": CLAIM_GROUPS[int(rng.integers(0, len(CLAIM_GROUPS)))],
                "target": "military object",
                "text": "Our drones were launched against the enemy.",
                "source": f"channel/{int(rng.integers(100, 999))}",
                "media": [t.path],
            }
        )
    return rows


def truth_document(all_takes: list[Take], claim_rows: list[dict], seed: int) -> dict:
    claim_of = {row["media"][0]: row["id"] for row in claim_rows}
    clips = {}
    for t in all_takes:
        entry = clip_truth(t)
        entry["claim"] = claim_of[t.path]
        clips[t.path] = entry
    gs = groups(seed)
    return {
        "format": SET_FORMAT,
        "seed": seed,
        "generator": "fixturegen.multicam",
        "conventions": {
            "offset_s": "for a same_launch pair (a, b): b's media time = a's media time - "
            "offset_s (the README's offset_s, told from a's side) = "
            "b.clock_start_s - a.clock_start_s",
            "clock_start_s": "the group's world clock (seconds) at the clip's media time 0",
            "sound_lag_s": "(distance of a - distance of b) / 343 m/s: the sound's arrival "
            "in b on top of offset_s",
            "azimuth_deg": "bearing of the camera from the launcher, clockwise from north",
        },
        "sites": {
            s: {
                "theme": next(g.theme for g in gs if g.site == s),
                "groups": [g.id for g in gs if g.site == s],
            }
            for s in dict.fromkeys(g.site for g in gs)
        },
        "groups": {
            g.id: {
                "site": g.site,
                "lighting": g.lighting,
                "period": PERIOD[g.lighting],
                "launches": [ev.id for ev in g.launches],
                "posts": {
                    p.id: {
                        "kind": p.kind,
                        "far": p.far,
                        "position": [round(v, 2) for v in p.position],
                    }
                    for p in g.posts
                },
            }
            for g in gs
        },
        "launches": {
            ev.id: {
                "site": g.site,
                "group": g.id,
                "world_t": ev.launch_t,
                "launcher": [round(v, 2) for v in ev.launcher],
                "heading_deg": round(ev.heading_deg, 1),
                "lighting": g.lighting,
            }
            for g in gs
            for ev in g.launches
        },
        "clips": clips,
        "pairs": [pair_truth(a, b) for a, b in combinations(all_takes, 2)],
    }


def make_set(out: Path, *, seed: int = DEFAULT_SEED, workers: int | None = None) -> Path:
    """Generate the set into ``out``; returns the manifest's path."""
    out = Path(out)
    (out / "media").mkdir(parents=True, exist_ok=True)
    all_takes = takes(seed)
    for stale in (out / "media").glob("*.mp4"):
        stale.unlink()
    if workers is None:
        workers = max(1, min(2, os.cpu_count() or 1))
    jobs = [(t, str(out), seed) for t in sorted(all_takes, key=_cost, reverse=True)]
    if workers > 1:
        with ProcessPoolExecutor(
            workers, mp_context=mp.get_context("spawn"), initializer=_init_worker
        ) as pool:
            list(pool.map(_work, jobs, chunksize=1))
    else:
        _init_worker()
        for job in jobs:
            _work(job)
    rows = claims(all_takes, seed)
    manifest = out / "manifest.jsonl"
    manifest.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
    )
    truth = truth_document(all_takes, rows, seed)
    (out / "truth.json").write_text(json.dumps(truth, indent=1) + "\n", encoding="utf-8")
    return manifest
