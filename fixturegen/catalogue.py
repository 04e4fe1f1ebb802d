"""The fixture set: claims, their media, and the exact ground truth.

:func:`make_fixture_set` renders every original (event footage, close-ups,
unrelated footage), then derives copies from the written files, level by level
(a copy of a copy waits for its source), and writes ``manifest.jsonl``,
``manifest.csv`` and ``ground_truth.json``. Items build in worker processes
when asked; every item's pixels depend only on its recipe and the set's seed,
so the output is byte-identical whatever the number of workers.
"""

from __future__ import annotations

import csv
import io
import json
import multiprocessing as mp
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from . import sites
from .closeup import CloseupSpec
from .edits import Crop
from .overlays import SH_INTRO, SH_OUTRO, Overlays
from .recipes import (
    Built,
    Close,
    CopyOf,
    Embed,
    Filler,
    Pip,
    Plan,
    StillVideo,
    Wide,
    build,
)
from .scene import Look

FIXTURE_FORMAT = 2  # 2: wide shots have sound
DEFAULT_SEED = 20241106

BN, EF, SH = "Brigade North", "Eastern Falcons", "Southern Hawks"


@dataclass(frozen=True)
class ClaimSpec:
    """One claim as it appears in the manifest (media come from the plans)."""

    id: str
    claimed_at: str
    group: str
    target: str
    text: str
    source: str


CLAIMS: tuple[ClaimSpec, ...] = (
    ClaimSpec("C001", "2024-09-02T05:40:00Z", BN, "airbase",
              "Our drones struck the enemy airbase at dawn.", "channel/north_media/101"),
    ClaimSpec("C002", "2024-09-05T11:15:00Z", EF, "radar post",
              "Falcons hit a radar post in the east.", "channel/eastern_falcons/2201"),
    ClaimSpec("C003", "2024-09-08T16:30:00Z", SH, "fuel depot",
              "Operation Dune: the fuel depot is destroyed.", "channel/southern_hawks/77"),
    ClaimSpec("C004", "2024-09-12T09:05:00Z", BN, "airbase",
              "Second strike on the airbase hangars.", "channel/north_media/118"),
    ClaimSpec("C005", "2024-09-16T02:20:00Z", EF, "bridge",
              "Night strike on the river bridge.", "channel/eastern_falcons/2240"),
    ClaimSpec("C006", "2024-09-20T01:45:00Z", SH, "command post",
              "Night launch against a command post.", "channel/southern_hawks/81"),
    ClaimSpec("C007", "2024-09-25T18:55:00Z", BN, "rail depot",
              "Evening strike on the rail depot.", "channel/north_media/131"),
    ClaimSpec("C008", "2024-09-29T12:00:00Z", SH, "logistics hub",
              "Statement: our operations continue.", "channel/southern_hawks/90"),
    ClaimSpec("C009", "2024-10-03T10:30:00Z", EF, "ammunition store",
              "The Falcons show their drone before the launch.", "channel/eastern_falcons/2290"),
    ClaimSpec("C010", "2024-10-07T06:10:00Z", BN, "power plant",
              "Dawn strike on the power plant.", "channel/north_media/144"),
    ClaimSpec("C011", "2024-10-10T15:00:00Z", SH, "airfield",
              "The Hawks strike the airfield again.", "channel/southern_hawks/96"),
    ClaimSpec("C012", "2024-10-14T08:00:00Z", BN, "airbase",
              "New strike on the airbase.", "channel/north_media/150"),
    ClaimSpec("C013", "2024-10-17T07:30:00Z", BN, "radar station",
              "Радар знищено. Radar station hit, filmed by our crew.",
              "channel/north_media/156"),
    ClaimSpec("C014", "2024-10-20T13:00:00Z", EF, "radar post",
              "Another radar post destroyed.", "channel/eastern_falcons/2315"),
    ClaimSpec("C015", "2024-10-23T04:10:00Z", BN, "fuel depot",
              "Fuel depot struck on 23 October.", "channel/north_front/12"),
    ClaimSpec("C016", "2024-10-26T19:20:00Z", BN, "rail depot",
              "Rail depot struck at sunset.", "channel/north_media/171"),
    ClaimSpec("C017", "2024-10-29T20:00:00Z", BN, "airbase",
              "News report: our drones keep flying.", "channel/north_media/178"),
    ClaimSpec("C018", "2024-11-01T09:45:00Z", SH, "convoy",
              "<script>alert(1)</script> ضربة على القافلة — Удар по колоні & \"convoy\"",
              "channel/southern_hawks/104"),
    ClaimSpec("C019", "2024-11-04T06:00:00Z", BN, "bridge",
              "Compilation: the bridge strike.", "channel/north_media/185"),
    ClaimSpec("C020", "2024-11-07T10:00:00Z", BN, "barracks",
              "Barracks hit; the drone before launch.", "channel/north_media/191"),
    ClaimSpec("C021", "2024-11-10T14:30:00Z", EF, "depot",
              "Our drone before the launch.", "channel/eastern_falcons/2377"),
    ClaimSpec("C022", "2024-11-14T05:00:00Z", BN, "fuel depot",
              "The fuel depot burns again.", "channel/north_front/31"),
    ClaimSpec("C023", "2024-11-18T17:00:00Z", BN, "airbase",
              "Airbase strike; our drone before the launch.", "channel/north_media/203"),
    ClaimSpec("C024", "2024-11-22T07:15:00Z", BN, "radar station",
              "Radar station destroyed, new footage.", "channel/north_media/210"),
)

NORTH = Overlays(logo="NORTH MEDIA")


def _close(af: str, w: int, h: int, dist: float, **kw) -> CloseupSpec:
    return CloseupSpec(af, w, h, dist, **kw)


def plans() -> tuple[Plan, ...]:
    """Every media file of the set, in claim order."""
    m = "media/"
    P = Plan
    return (
        P(m + "C001_a.mp4", "C001", Wide("A1-cam1", "A1", 16.0, 8.0, Overlays(
            logo="NORTH MEDIA", clock="2024-09-02 05:31:12"))),
        P(m + "C001_b.mp4", "C001", Close(_close(
            "AF-1", 480, 272, 1.0, azimuth_deg=-12, ground="grass", pan_m=0.15, zoom_to=1.15),
            "morning", 4.0)),
        P(m + "C002_a.mp4", "C002", Wide("C1-cam1", "C1", 12.5, 7.0)),
        P(m + "C002_b.jpg", "C002", Close(_close(
            "AF-4", 640, 480, 0.95, azimuth_deg=18, elevation_deg=30, tilt_deg=55, roll_deg=4,
            ground="concrete"), "midday")),
        P(m + "C003_a.mp4", "C003", Wide("D1-cam1", "D1", 37.0, 6.0,
                                         Overlays(caption="Operation Dune"), bumper=SH_INTRO)),
        P(m + "C003_b.jpg", "C003", Close(_close(
            "AF-6", 640, 480, 1.1, azimuth_deg=-25, elevation_deg=20, tilt_deg=45, roll_deg=-6),
            "desert")),
        P(m + "C004_a.mp4", "C004", Wide("B1-cam1", "B1", 27.0, 7.0, Overlays(
            logo="NORTH MEDIA", caption="Strike on the airbase"))),
        P(m + "C004_b.jpg", "C004", Close(_close(
            "AF-2", 640, 480, 0.9, azimuth_deg=8, elevation_deg=35, tilt_deg=60,
            ground="concrete"), "overcast")),
        P(m + "C005_a.mp4", "C005", Wide("F1-cam1", "F1", 5.5, 6.0, Overlays(
            logo="FALCON NEWS", logo_right=True))),
        P(m + "C005_b.mp4", "C005", Close(_close(
            "AF-5", 480, 272, 1.05, azimuth_deg=20, elevation_deg=28, pan_m=0.12, zoom_to=1.1),
            "overcast", 4.0)),
        P(m + "C006_a.mp4", "C006", Wide("E1-cam1", "E1", 47.0, 6.0, bumper=SH_INTRO)),
        P(m + "C006_b.jpg", "C006", Close(_close(
            "AF-7", 640, 480, 1.0, azimuth_deg=10, motion_blur_px=64, motion_blur_deg=8),
            "overcast")),
        P(m + "C007_a.mp4", "C007", Wide("A2-cam1", "A2", 9.0, 7.0, Overlays(
            logo="NORTH MEDIA", clock="2024-09-24 18:47:05"))),
        P(m + "C007_b.mp4", "C007", Close(_close(
            "AF-3", 480, 272, 1.0, azimuth_deg=-18, elevation_deg=22, ground="grass",
            pan_m=-0.12, zoom_to=1.2), "evening", 4.0)),
        P(m + "C008_a.mp4", "C008", Filler("map", 6.0, Overlays(
            caption="Our operations continue"), bumper=SH_INTRO, outro=SH_OUTRO)),
        P(m + "C008_b.jpg", "C008", Close(_close(
            "AF-8", 640, 480, 8.0, azimuth_deg=10, elevation_deg=35, hfov_deg=60,
            look=Look(noise=2.0, blur=1.0, shake_deg=0.2)), "desert")),
        P(m + "C009_a.mp4", "C009", Close(_close(
            "AF-9", 480, 272, 1.1, azimuth_deg=12, elevation_deg=30, ground="concrete",
            pan_m=0.2, zoom_to=1.15), "midday", 5.0)),
        P(m + "C009_b.jpg", "C009", CopyOf("media/C009_a.mp4", ("frame_grab",), grab_t=2.0),
          same_claim=True),
        P(m + "C010_a.mp4", "C010", Wide("A1-cam3", "A1", 18.3, 7.0, NORTH)),
        P(m + "C010_b.jpg", "C010", Close(_close(
            "AF-1", 640, 480, 1.0, azimuth_deg=28, elevation_deg=38, tilt_deg=62, roll_deg=-10,
            aim_m=(0.12, 0.04)), "evening")),
        P(m + "C011_a.mp4", "C011", CopyOf(
            "media/C003_a.mp4", ("excerpt", "fps_change", "color_shift", "reencode"),
            start_s=2.6, end_s=6.6, fps=25.0,
            steps=(("tone", (("rgb_gain", (1.08, 1.0, 0.86)), ("saturation", 1.25))),))),
        P(m + "C012_a.mp4", "C012", CopyOf("media/C004_a.mp4", ("identical",), identical=True)),
        P(m + "C013_a.mp4", "C013", Wide("B1-cam2", "B1", 28.2, 6.0, vfr=True)),
        P(m + "C014_a.mp4", "C014", CopyOf(
            "media/C002_a.mp4", ("hflip", "brightness_contrast_gamma", "color_shift", "reencode"),
            steps=(("hflip", None), ("tone", (("brightness", 0.06), ("contrast", 1.2),
                                               ("gamma", 1.15), ("rgb_gain", (0.92, 1.0, 1.1))))),
        )),
        P(m + "C015_a.mp4", "C015", CopyOf(
            "media/C001_a.mp4", ("crop", "overlay", "reencode"),
            steps=(("crop", (Crop(0.1, 0.1, 0.9, 0.9), (sites.WIDE_W, sites.WIDE_H))),),
            overlays=Overlays(logo="NORTH FRONT", logo_right=True,
                              clock="2024-10-23 04:10:00", running=False,
                              caption="Fuel depot struck, 23 Oct"),
            keeps_overlays=False)),
        P(m + "C016_a.mp4", "C016", CopyOf(
            "media/C007_a.mp4", ("speed", "resize", "reencode_low_bitrate"), speed=0.8,
            steps=(("resize", (320, 180)),), crf=40)),
        P(m + "C017_a.mp4", "C017", Pip("media/C004_a.mp4", "studio", 8.0, 1.0, 0.5, 6.5,
                                        Overlays(logo="NORTH MEDIA",
                                                 caption="NEWS: our drones keep flying"))),
        P(m + "C018_a.mp4", "C018", CopyOf(
            "media/C002_a.mp4", ("excerpt", "grayscale", "letterbox", "overlay", "reencode"),
            start_s=1.0, end_s=6.0, steps=(("gray", None), ("bars", (480, 360))),
            overlays=Overlays(logo="SOUTHERN HAWKS"))),
        P(m + "C019_a.mp4", "C019", Embed("media/C010_a.mp4", ("rocket", 4.0), ("archive", 5.0),
                                          0.5, 6.5, Overlays(logo="NORTH MEDIA"))),
        P(m + "C020_a.jpg", "C020", CopyOf(
            "media/C004_b.jpg", ("crop", "resize", "recompress"),
            steps=(("crop", (Crop(0.06, 0.04, 0.94, 0.92), (560, 420))), ("jpeg", 70)),
            jpeg_quality=80)),
        P(m + "C020_b.mp4", "C020", CopyOf(
            "media/C013_a.mp4", ("rotate90", "reencode", "cfr"), fps=15.0,
            steps=(("rot90", None),))),
        P(m + "C021_a.mp4", "C021", StillVideo("media/C002_b.jpg", 5.0)),
        P(m + "C022_a.mp4", "C022", CopyOf(
            "media/C015_a.mp4", ("excerpt", "speed", "reencode"), start_s=2.0, end_s=7.0,
            speed=1.25)),
        P(m + "C023_a.jpg", "C023", CopyOf("media/C010_a.mp4", ("frame_grab",), grab_t=1.0)),
        P(m + "C023_b.jpg", "C023", Close(_close(
            "AF-3", 640, 480, 0.85, azimuth_deg=22, elevation_deg=40, tilt_deg=40, roll_deg=7,
            ground="concrete"), "midday")),
        P(m + "C024_a.mp4", "C024", Wide("A1-cam2", "A1", 16.7, 7.0)),
    )


# ------------------------------------------------------------------ building


def _levels(all_plans: tuple[Plan, ...]) -> list[list[Plan]]:
    """Plans grouped so that each level only needs files of earlier levels."""
    level: dict[str, int] = {}
    for p in all_plans:  # plans are listed after their sources
        level[p.path] = 1 + max((level[n] for n in p.needs), default=-1)
    out: list[list[Plan]] = [[] for _ in range(max(level.values()) + 1)]
    for p in all_plans:
        out[level[p.path]].append(p)
    return out


def _cost(p: Plan) -> float:
    r = p.recipe
    if isinstance(r, Wide):
        return r.duration_s * 3
    if isinstance(r, Close):
        return (r.duration_s or 0.5) * 2.5
    return getattr(r, "duration_s", None) or 2.0


def _work(args: tuple[Plan, str, int, dict]) -> tuple[str, Built]:
    plan, root, seed, sources = args
    return plan.path, build(plan, Path(root), seed, sources)


def _init_worker() -> None:
    import cv2

    cv2.setNumThreads(1)


def build_all(root: Path, seed: int, workers: int = 1) -> dict[str, Built]:
    """Build every plan under ``root``; returns ground truth by media path."""
    built: dict[str, Built] = {}
    pool = None
    if workers > 1:
        pool = ProcessPoolExecutor(workers, mp_context=mp.get_context("spawn"),
                                   initializer=_init_worker)
    try:
        for level in _levels(plans()):
            jobs = sorted(level, key=_cost, reverse=True)
            args = [(p, str(root), seed, {n: built[n] for n in p.needs}) for p in jobs]
            results = pool.map(_work, args) if pool else map(_work, args)
            built.update(dict(results))
    finally:
        if pool:
            pool.shutdown()
    return built


# -------------------------------------------------------------- ground truth


def ground_truth(built: dict[str, Built], seed: int) -> dict:
    """The ground-truth document (see fixtures/README.md)."""
    order = [p.path for p in plans()]
    when = {c.id: c.claimed_at for c in CLAIMS}
    media = {path: built[path].entry for path in order}
    copies = [row for path in order for row in built[path].copies]

    def date(path: str) -> str:
        return when[media[path]["claim"]]

    def pairs(paths: list[str]) -> list[tuple[str, str]]:
        ps = sorted(paths, key=lambda p: (date(p), p))
        return [(a, b) for i, a in enumerate(ps) for b in ps[i + 1 :]]

    originals = {p: e for p, e in media.items() if e["event"] is not None}
    other_angles, same_site = [], []
    for a, b in pairs(list(originals)):
        ea, eb = originals[a], originals[b]
        if ea["event"] == eb["event"]:
            other_angles.append({"a": a, "b": b, "event": ea["event"], "offset_s": round(
                eb["event_clock_start_s"] - ea["event_clock_start_s"], 6)})
        elif ea["site"] == eb["site"]:
            same_site.append({"a": a, "b": b, "site": ea["site"]})

    recycled, first_seen = [], {}
    for path in sorted(order, key=lambda p: (date(p), order.index(p))):
        e = media[path]
        if not e["closeup"] or e["airframe"] is None:
            continue
        first = first_seen.setdefault(e["airframe"], path)
        if first != path and media[first]["claim"] != e["claim"]:
            recycled.append({"media": path, "serial": e["serial"], "airframe": e["airframe"],
                             "first_media": first})

    traps = {
        "night": [list(p) for p in pairs([p for p, e in originals.items() if e["night"]])
                  if originals[p[0]]["site"] != originals[p[1]]["site"]],
        "bumper": [list(p) for p in pairs([p for p, e in media.items() if e["bumper"]])],
        "same_model_other_place": [["media/C001_a.mp4", "media/C004_a.mp4"],
                                   ["media/C002_a.mp4", "media/C003_a.mp4"],
                                   ["media/C004_a.mp4", "media/C007_a.mp4"]],
    }
    claims = _claim_truth(media, copies, other_angles, recycled)
    return {"format": FIXTURE_FORMAT, "seed": seed, "media": media, "copies": copies,
            "other_angles": other_angles, "same_site": same_site,
            "recycled_identifiers": recycled, "traps": traps, "claims": claims}


def _claim_truth(media: dict, copies: list, other_angles: list, recycled: list) -> dict:
    """Per claim: is it original, which earlier claims it recycles, has it a close-up.

    A claim recycles an earlier claim when one of its media copies that claim's
    media, shows the same launch event (another angle, or a copy of footage of
    that event), or shows an airframe already shown in it. Reuse inside one
    claim does not count.
    """
    claim_of = {p: e["claim"] for p, e in media.items()}
    event_of = {p: e["event"] for p, e in media.items() if e["event"]}
    for row in copies:
        if row["source"] in event_of:
            event_of[row["media"]] = event_of[row["source"]]
    when = {c.id: c.claimed_at for c in CLAIMS}
    rec: dict[str, set[str]] = {c.id: set() for c in CLAIMS}
    for row in copies:
        if not row["same_claim"]:
            rec[claim_of[row["media"]]].add(claim_of[row["source"]])
            if "via" in row:
                rec[claim_of[row["media"]]].add(claim_of[row["via"]])
    for oa in other_angles:
        rec[claim_of[oa["b"]]].add(claim_of[oa["a"]])
    for r in recycled:
        rec[claim_of[r["media"]]].add(claim_of[r["first_media"]])
    for p, ev in event_of.items():
        for q, ev2 in event_of.items():
            if ev == ev2 and when[claim_of[q]] < when[claim_of[p]]:
                rec[claim_of[p]].add(claim_of[q])
    out = {}
    for c in CLAIMS:
        r = sorted(x for x in rec[c.id] if x != c.id)
        assert all(when[x] < c.claimed_at for x in r), (c.id, r)
        out[c.id] = {"original": not r, "recycles": r, "has_closeup": any(
            e["closeup"] for e in media.values() if e["claim"] == c.id)}
    return out


def manifest_rows() -> list[dict]:
    """Manifest records in claim order (paths relative to the manifest's folder)."""
    by_claim: dict[str, list[str]] = {}
    for p in plans():
        by_claim.setdefault(p.claim, []).append(p.path)
    return [{"id": c.id, "claimed_at": c.claimed_at, "group": c.group, "target": c.target,
             "text": c.text, "source": c.source, "media": by_claim[c.id]} for c in CLAIMS]


def write_manifests(out_dir: Path) -> Path:
    """Write manifest.jsonl and manifest.csv; returns the JSONL path."""
    rows = manifest_rows()
    jsonl = out_dir / "manifest.jsonl"
    jsonl.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                     encoding="utf-8")
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["id", "claimed_at", "group", "target", "text", "source", "media"])
    for r in rows:
        w.writerow([r["id"], r["claimed_at"], r["group"], r["target"], r["text"], r["source"],
                    ";".join(r["media"])])
    (out_dir / "manifest.csv").write_text(buf.getvalue(), encoding="utf-8")
    return jsonl


def make_fixture_set(
    out_dir: Path, *, seed: int = DEFAULT_SEED, workers: int | None = None
) -> Path:
    """Generate the whole fixture set into ``out_dir``; returns the manifest path.

    ``workers`` processes build independent items in parallel (default: up to
    two, as CPUs allow); the bytes written do not depend on it.
    """
    out_dir = Path(out_dir)
    (out_dir / "media").mkdir(parents=True, exist_ok=True)
    for stale in (out_dir / "media").glob("*"):
        if stale.suffix in (".mp4", ".jpg") and stale.is_file():
            stale.unlink()
    if workers is None:
        workers = max(1, min(2, os.cpu_count() or 1))
    built = build_all(out_dir, seed, workers)
    truth = ground_truth(built, seed)
    (out_dir / "ground_truth.json").write_text(
        json.dumps(truth, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return write_manifests(out_dir)
