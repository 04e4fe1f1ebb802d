"""Recipes for media items and the functions that build them.

A recipe is a frozen description of one media file: event footage from a
camera (:class:`Wide`), a close-up (:class:`Close`), unrelated footage
(:class:`Filler`), or something derived from an earlier file: a copy with
edits (:class:`CopyOf`), a picture-in-picture (:class:`Pip`), a clip embedded
in longer footage (:class:`Embed`) or a video of an archived still
(:class:`StillVideo`). Derived items decode their source *file*, so the copy
carries real generation loss. Building returns the ground-truth entry of the
file and, for derived items, its rows of the ``copies`` table.
"""

from __future__ import annotations

import shutil
import zlib
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from . import edits as ed
from . import sites
from . import textures as tx
from .airframe import AIRFRAMES
from .audio import soundtrack
from .closeup import CloseupSpec, render_closeup, serial_height_px, serial_in_frame
from .overlays import Bumper, Overlays, apply_overlays, bumper_frames
from .render import Shot, render_frame
from .videoio import EncodeSettings, decode_video, encode_video, frame_at, read_image, write_jpeg

FPS = 12.0
ORIGINAL_CRF = 21  # camera originals: good quality
CLOSEUP_CRF = 20  # close-ups: fine detail for OCR and scratch matching
CRF = 24  # copies and composites: one more generation of loss
LIGHTINGS = {
    "morning": sites.DAY_MORNING, "evening": sites.EVENING, "overcast": sites.OVERCAST,
    "midday": sites.MIDDAY, "desert": sites.DESERT_HAZE,
}


def sub_seed(seed: int, key: str) -> int:
    """An independent seed for item ``key`` derived from the set's ``seed``."""
    return int(np.random.SeedSequence([seed, zlib.crc32(key.encode())]).generate_state(1)[0])


@dataclass(frozen=True)
class Wide:
    """Footage of an event by one camera, from world time ``start_s``."""

    camera: str
    event: str
    start_s: float
    duration_s: float
    overlays: Overlays | None = None
    bumper: Bumper | None = None
    vfr: bool = False


@dataclass(frozen=True)
class Close:
    """A close-up of an airframe: a still (duration None) or a short video."""

    spec: CloseupSpec
    lighting: str
    duration_s: float | None = None


@dataclass(frozen=True)
class Filler:
    """Footage unrelated to any launch (a map, a studio, archive photos)."""

    picture: str
    duration_s: float
    overlays: Overlays | None = None
    bumper: Bumper | None = None
    outro: Bumper | None = None


@dataclass(frozen=True)
class CopyOf:
    """A copy of ``source`` with edits.

    Video copies show source time ``start_s + t * speed`` at copy time t for
    the source span [start_s, end_s). ``grab_t`` makes a still of the source
    at that time; ``identical`` copies the file's bytes.
    """

    source: str
    edits: tuple[str, ...]
    start_s: float | None = None
    end_s: float | None = None
    speed: float = 1.0
    fps: float | None = None
    steps: tuple = ()  # (name, arg) pairs, see _apply_steps
    overlays: Overlays | None = None
    keeps_overlays: bool = True
    crf: int = CRF
    grab_t: float | None = None
    identical: bool = False
    jpeg_quality: int = 85


@dataclass(frozen=True)
class Pip:
    """Source clip as a picture-in-picture over unrelated background footage."""

    source: str
    background: str
    duration_s: float
    at_s: float  # copy time where the inset appears
    start_s: float
    end_s: float
    overlays: Overlays | None = None


@dataclass(frozen=True)
class Embed:
    """Source clip embedded between unrelated footage before and after."""

    source: str
    before: tuple[str, float]
    after: tuple[str, float]
    start_s: float
    end_s: float
    overlays: Overlays | None = None


@dataclass(frozen=True)
class StillVideo:
    """A video showing an archived still with a slow zoom, pillarboxed."""

    source: str
    duration_s: float
    zoom: tuple[float, float] = (1.0, 1.3)


@dataclass(frozen=True)
class Plan:
    """One media file of a claim and its recipe."""

    path: str
    claim: str
    recipe: Any
    same_claim: bool = False  # derived from another media of the same claim

    @property
    def needs(self) -> tuple[str, ...]:
        src = getattr(self.recipe, "source", None)
        return (src,) if src else ()


@dataclass
class Built:
    """What building a plan yields: its ground-truth entry and copy rows."""

    entry: dict
    copies: list[dict] = field(default_factory=list)


def entry(kind: str, *, width: int, height: int, content: str, duration_s: float | None = None,
          fps: float | str | None = None, site: str | None = None, event: str | None = None,
          camera: str | None = None, event_clock_start_s: float | None = None,
          launch_at_s: float | None = None, closeup: bool = False, airframe: str | None = None,
          serial: str | None = None, serial_readable: bool = False,
          serial_text_height_px: float | None = None, overlay_text=(),
          bumper: dict | None = None, night: bool = False, vfr: bool = False,
          audio: bool = False) -> dict:
    """A ground-truth media entry with every field, in the documented order."""
    return {
        "claim": None, "kind": kind,
        "duration_s": None if duration_s is None else round(duration_s, 6),
        "fps": fps, "width": width, "height": height, "content": content,
        "site": site, "event": event, "camera": camera,
        "event_clock_start_s": None if event_clock_start_s is None else round(
            event_clock_start_s, 6),
        "launch_at_s": None if launch_at_s is None else round(launch_at_s, 6),
        "closeup": closeup, "airframe": airframe, "serial": serial,
        "serial_readable": serial_readable,
        "serial_text_height_px": None if serial_text_height_px is None else round(
            serial_text_height_px, 1),
        "overlay_text": list(overlay_text), "bumper": bumper, "night": night, "vfr": vfr,
        "audio": audio,
    }


# ---------------------------------------------------------------- originals


def vfr_times(seed: int, duration_s: float) -> list[float]:
    """Irregular frame times of a phone under load, on a 1/90000 s grid.

    Steps are mostly 50-75 ms, with one in five a stall of 90-140 ms.
    """
    rng = np.random.default_rng(seed)
    times, t = [], 0.0
    while t < duration_s - 0.04:
        times.append(round(t * 90000) / 90000)
        stall = rng.random() < 0.2
        t += float(rng.uniform(0.09, 0.14) if stall else rng.uniform(0.05, 0.075))
    return times


def build_wide(r: Wide, out: Path, seed: int) -> Built:
    ev = sites.EVENTS[r.event]
    cam = replace(sites.CAMERAS[r.camera], seed=sub_seed(seed, r.camera))
    shot = Shot(cam, sites.site_of(ev), ev.lighting, ev, r.start_s)
    lead = r.bumper.duration_s if r.bumper else 0.0
    if r.vfr:
        times = vfr_times(sub_seed(seed, r.camera + "/vfr"), r.duration_s)
    else:
        times = [i / FPS for i in range(round(r.duration_s * FPS))]
    frames = [render_frame(shot, t, i) for i, t in enumerate(times)]
    media_times = [lead + t for t in times]
    frames = apply_overlays(frames, media_times, r.overlays)
    texts = r.overlays.texts(media_times) if r.overlays else []
    bumper = None
    if r.bumper:
        frames = bumper_frames(r.bumper, cam.width, cam.height, FPS) + frames
        texts = [r.bumper.title, *[t for t in texts if t != r.bumper.title]]
        bumper = {"id": r.bumper.id, "start_s": 0.0, "end_s": r.bumper.duration_s}
    total = lead + r.duration_s
    sound = soundtrack(ev, cam.position, r.start_s, r.duration_s,
                       sub_seed(seed, f"{r.camera}/audio/{out.name}"),
                       bumper_id=r.bumper.id if r.bumper else None, lead_s=lead)
    settings = EncodeSettings(crf=ORIGINAL_CRF)
    if r.vfr:
        encode_video(out, frames, times=media_times, duration_s=total, settings=settings,
                     audio=sound)
    else:
        encode_video(out, frames, fps=FPS, settings=settings, audio=sound)
    clock0 = r.start_s - lead
    return Built(entry(
        "video", width=cam.width, height=cam.height, duration_s=total,
        fps="vfr" if r.vfr else FPS, content="night" if ev.lighting.night else "wide",
        site=ev.site, event=ev.id, camera=r.camera, event_clock_start_s=clock0,
        launch_at_s=ev.launch_t - clock0 if 0 <= ev.launch_t - r.start_s < r.duration_s else None,
        overlay_text=texts, bumper=bumper, night=ev.lighting.night, vfr=r.vfr, audio=True))


def build_close(r: Close, out: Path, seed: int) -> Built:
    spec = replace(r.spec, seed=sub_seed(seed, f"close/{out.name}"))
    af = AIRFRAMES[spec.airframe]
    light = LIGHTINGS[r.lighting]
    if r.duration_s is None:
        frame = render_closeup(spec, light, [0.0])[0]
        write_jpeg(out, frame, quality=90)
        heights = [serial_height_px(spec, 0.0)]
        inside = serial_in_frame(spec, 0.0)
    else:
        n = round(r.duration_s * FPS)
        frames = render_closeup(spec, light, [i / FPS for i in range(n)])
        encode_video(out, frames, fps=FPS, settings=EncodeSettings(crf=CLOSEUP_CRF))
        prog = np.linspace(0, 1, 5)
        heights = [serial_height_px(spec, p) for p in prog]
        inside = all(serial_in_frame(spec, p) for p in prog)
    height = min(heights)
    sharp = spec.motion_blur_px < 8
    readable = bool(inside and height >= 24 and sharp)
    # An identifying close-up: the skin's markings resolve (the serial's 8.5 cm
    # letters at least 12 px tall, no heavy motion blur), whether or not the
    # serial can be read. A blurred or distant shot of an airframe is not one.
    identifying = bool(sharp and height >= 12)
    return Built(entry(
        "image" if r.duration_s is None else "video", width=spec.width, height=spec.height,
        duration_s=r.duration_s, fps=None if r.duration_s is None else FPS, content="closeup",
        closeup=identifying, airframe=af.id, serial=af.serial, serial_readable=readable,
        serial_text_height_px=height))


@lru_cache(maxsize=8)
def picture(name: str) -> np.ndarray:
    """Stills used for unrelated footage: a briefing map, a studio desk, archives."""
    if name == "map":
        g = tx.resize(tx.gray("moon"), 960, 540)
        img = tx.colorise(g * 0.5 + 0.3, (0.45, 0.52, 0.36), (0.92, 0.88, 0.74))
        img = (np.clip(img, 0, 1) * 255).astype(np.uint8)
        for x in range(0, 960, 80):
            cv2.line(img, (x, 0), (x, 540), (90, 90, 80), 1, cv2.LINE_AA)
        for y in range(0, 540, 80):
            cv2.line(img, (0, y), (960, y), (90, 90, 80), 1, cv2.LINE_AA)
        cv2.polylines(img, [np.array([[120, 420], [300, 380], [420, 300], [560, 290]])], False,
                      (40, 60, 160), 4, cv2.LINE_AA)
        arrows = (((250, 450), (520, 230)), ((650, 470), (720, 250)), ((820, 120), (600, 200)))
        for a, b in arrows:
            cv2.arrowedLine(img, a, b, (200, 30, 30), 6, cv2.LINE_AA, tipLength=0.15)
        for c in ((530, 220), (725, 240), (590, 205)):
            cv2.circle(img, c, 26, (200, 30, 30), 3, cv2.LINE_AA)
        return img
    if name == "studio":
        img = tx.sample("coffee") * np.array([0.55, 0.6, 0.8], np.float32)
        return (np.clip(img, 0, 1) * 255).astype(np.uint8)
    if name == "rocket":
        return (tx.sample("rocket") * 255).astype(np.uint8)
    if name == "archive":
        g = tx.sample("camera")
        return (np.clip(tx.colorise(g, (0.1, 0.08, 0.05), (0.95, 0.88, 0.72)), 0, 1)
                * 255).astype(np.uint8)
    raise ValueError(name)


def filler_frames(name: str, n: int, size=(sites.WIDE_W, sites.WIDE_H)) -> list[np.ndarray]:
    """``n`` frames of a slow pan/zoom over picture ``name``."""
    return ed.ken_burns(picture(name), size, n, zoom=(1.05, 1.3),
                        centre=((0.45, 0.5), (0.55, 0.45)))


def build_filler(r: Filler, out: Path, seed: int) -> Built:
    n = round(r.duration_s * FPS)
    lead = r.bumper.duration_s if r.bumper else 0.0
    frames = filler_frames(r.picture, n)
    times = [lead + i / FPS for i in range(n)]
    frames = apply_overlays(frames, times, r.overlays)
    texts = r.overlays.texts(times) if r.overlays else []
    bumper = None
    if r.bumper:
        frames = bumper_frames(r.bumper, sites.WIDE_W, sites.WIDE_H, FPS) + frames
        texts = [r.bumper.title, *texts]
        bumper = {"id": r.bumper.id, "start_s": 0.0, "end_s": r.bumper.duration_s}
    if r.outro:
        frames = frames + bumper_frames(r.outro, sites.WIDE_W, sites.WIDE_H, FPS)
    encode_video(out, frames, fps=FPS)
    return Built(entry("video", width=sites.WIDE_W, height=sites.WIDE_H,
                       duration_s=len(frames) / FPS, fps=FPS, content="filler",
                       overlay_text=texts, bumper=bumper))


# ---------------------------------------------------------------- derived


def _apply_steps(frames: list[np.ndarray], steps: tuple) -> list[np.ndarray]:
    for name, arg in steps:
        if name == "crop":
            frames = ed.crop(frames, arg[0], arg[1])
        elif name == "hflip":
            frames = ed.hflip(frames)
        elif name == "rot90":
            frames = ed.rot90(frames)
        elif name == "resize":
            frames = ed.resize_all(frames, arg)
        elif name == "tone":
            frames = ed.tone(frames, **dict(arg))
        elif name == "gray":
            frames = ed.grayscale(frames)
        elif name == "bars":
            frames = ed.fit_with_bars(frames, arg)
        elif name == "jpeg":
            frames = [ed.jpeg_recompress(f, arg) for f in frames]
        else:
            raise ValueError(f"unknown edit step {name!r}")
    return frames


def _resolve(src_path: str, src: Built, seg_other: tuple[float, float] | None, speed: float):
    """Original, via, span in the original's time, total speed and earlier edits of a copy."""
    rows = [c for c in src.copies if not c.get("same_claim")]
    if not rows or src.entry["content"] not in ("copy",):
        return src_path, None, seg_other, speed, []
    row = rows[0]
    if seg_other is None or row["segment"] is None:
        return row["source"], src_path, None, speed, row["edits"]
    s = row["segment"]
    a = s["other_start_s"] + (seg_other[0] - s["start_s"]) * row["speed"]
    b = s["other_start_s"] + (seg_other[1] - s["start_s"]) * row["speed"]
    return row["source"], src_path, (a, b), speed * row["speed"], row["edits"]


def copy_row(media: str, source_path: str, src: Built, edits, *, speed: float = 1.0,
             segment: tuple[float, float, float, float] | None, same_claim: bool,
             extra: dict | None = None) -> dict:
    """A row of the ``copies`` table, resolved to the original rendered item."""
    other = None if segment is None else (segment[2], segment[3])
    source, via, other, speed_total, earlier = _resolve(source_path, src, other, speed)
    all_edits = list(dict.fromkeys([*earlier, *edits]))  # edits since the original, in order
    row = {"media": media, "source": source, "edits": all_edits, "speed": round(speed_total, 6),
           "segment": None if segment is None or other is None else {
               "start_s": round(segment[0], 6), "end_s": round(segment[1], 6),
               "other_start_s": round(other[0], 6), "other_end_s": round(other[1], 6)},
           "same_claim": same_claim}
    if via:
        row["via"] = via
    if extra:
        row.update(extra)
    return row


def _mapped_launch(src_entry: dict, start: float, end: float, speed: float,
                   at: float = 0.0) -> float | None:
    la = src_entry.get("launch_at_s")
    if la is None or not (start <= la < end):
        return None
    return at + (la - start) / speed


def _dedupe(texts: list[str]) -> list[str]:
    return list(dict.fromkeys(texts))


def _inherit(src_entry: dict, keep_overlays: bool, start: float | None = None) -> dict:
    """Fields a copy inherits from its source (what is in its pixels)."""
    texts = list(src_entry["overlay_text"]) if keep_overlays else []
    b = src_entry.get("bumper")
    if b and start is not None and start >= b["end_s"]:
        texts = [t for t in texts if t != "SOUTHERN HAWKS"]
    return {"closeup": src_entry["closeup"], "airframe": src_entry["airframe"],
            "serial": src_entry["serial"], "serial_readable": src_entry["serial_readable"],
            "serial_text_height_px": src_entry["serial_text_height_px"],
            "night": src_entry["night"], "overlay_text": texts}


def build_copy(r: CopyOf, out: Path, media: str, src: Built, root: Path, same_claim: bool) -> Built:
    src_file = root / r.source
    se = src.entry
    if r.identical:
        shutil.copyfile(src_file, out)
        e = dict(se, content="copy", site=None, event=None, camera=None,
                 event_clock_start_s=None)
        seg = None if se["kind"] == "image" else (0.0, se["duration_s"], 0.0, se["duration_s"])
        return Built(e, [copy_row(media, r.source, src, r.edits, segment=seg,
                                  same_claim=same_claim)])
    if se["kind"] == "image":
        img = _apply_steps([read_image(src_file)], r.steps)[0]
        if r.overlays:
            img = r.overlays.apply(img, 0.0)
        write_jpeg(out, img, quality=r.jpeg_quality)
        inh = _inherit(se, r.keeps_overlays)
        scale = img.shape[1] / se["width"]
        if inh["serial_text_height_px"] is not None:
            inh["serial_text_height_px"] = round(inh["serial_text_height_px"] * scale, 1)
        inh["overlay_text"] = _dedupe(inh["overlay_text"]
                                      + (r.overlays.texts([0.0]) if r.overlays else []))
        e = entry("image", width=img.shape[1], height=img.shape[0], content="copy", **inh)
        return Built(e, [copy_row(media, r.source, src, r.edits, segment=None,
                                  same_claim=same_claim)])
    dec = decode_video(src_file)
    if r.grab_t is not None:
        img = _apply_steps([frame_at(dec, r.grab_t)], r.steps)[0]
        write_jpeg(out, img, quality=r.jpeg_quality)
        inh = _inherit(se, r.keeps_overlays, r.grab_t)
        e = entry("image", width=img.shape[1], height=img.shape[0], content="copy", **inh)
        return Built(e, [copy_row(media, r.source, src, r.edits, segment=None,
                                  same_claim=same_claim, extra={"source_time_s": r.grab_t})])
    start = r.start_s if r.start_s is not None else 0.0
    end = r.end_s if r.end_s is not None else dec.duration_s
    fps = r.fps or FPS
    frames, dur = ed.retime(dec, start_s=start, end_s=end, speed=r.speed, fps=fps)
    frames = _apply_steps(frames, r.steps)
    times = [i / fps for i in range(len(frames))]
    frames = apply_overlays(frames, times, r.overlays)
    encode_video(out, frames, fps=fps, settings=EncodeSettings(crf=r.crf))
    inh = _inherit(se, r.keeps_overlays, start)
    inh["overlay_text"] += [t for t in (r.overlays.texts(times) if r.overlays else [])
                            if t not in inh["overlay_text"]]
    h, w = frames[0].shape[:2]
    e = entry("video", width=w, height=h, duration_s=dur, fps=fps, content="copy",
              launch_at_s=_mapped_launch(se, start, end, r.speed), **inh)
    seg = (0.0, dur, start, start + dur * r.speed)
    return Built(e, [copy_row(media, r.source, src, r.edits, speed=r.speed, segment=seg,
                              same_claim=same_claim)])


def build_pip(r: Pip, out: Path, media: str, src: Built, root: Path) -> Built:
    dec = decode_video(root / r.source)
    n = round(r.duration_s * FPS)
    bg = filler_frames(r.background, n)
    inset, span = ed.retime(dec, start_s=r.start_s, end_s=r.end_s, fps=FPS)
    k0 = round(r.at_s * FPS)
    with_inset = ed.picture_in_picture(bg[k0 : k0 + len(inset)], inset, width_frac=0.45,
                                        corner="tr")
    frames = bg[:k0] + with_inset + bg[k0 + len(inset) :]
    times = [i / FPS for i in range(n)]
    frames = apply_overlays(frames, times, r.overlays)
    encode_video(out, frames, fps=FPS)
    inh = _inherit(src.entry, True, r.start_s)
    inh["overlay_text"] = _dedupe((r.overlays.texts(times) if r.overlays else [])
                                  + inh["overlay_text"])
    e = entry("video", width=sites.WIDE_W, height=sites.WIDE_H, duration_s=n / FPS, fps=FPS,
              content="composite",
              launch_at_s=_mapped_launch(src.entry, r.start_s, r.end_s, 1.0, r.at_s), **inh)
    seg = (r.at_s, r.at_s + span, r.start_s, r.start_s + span)
    return Built(e, [copy_row(media, r.source, src, ["pip", "reencode"], segment=seg,
                              same_claim=False)])


def build_embed(r: Embed, out: Path, media: str, src: Built, root: Path) -> Built:
    dec = decode_video(root / r.source)
    before = filler_frames(r.before[0], round(r.before[1] * FPS))
    middle, span = ed.retime(dec, start_s=r.start_s, end_s=r.end_s, fps=FPS)
    after = filler_frames(r.after[0], round(r.after[1] * FPS))
    frames = before + middle + after
    times = [i / FPS for i in range(len(frames))]
    frames = apply_overlays(frames, times, r.overlays)
    encode_video(out, frames, fps=FPS)
    at = len(before) / FPS
    inh = _inherit(src.entry, True, r.start_s)
    inh["overlay_text"] = _dedupe((r.overlays.texts(times) if r.overlays else [])
                                  + inh["overlay_text"])
    e = entry("video", width=sites.WIDE_W, height=sites.WIDE_H, duration_s=len(frames) / FPS,
              fps=FPS, content="composite",
              launch_at_s=_mapped_launch(src.entry, r.start_s, r.end_s, 1.0, at), **inh)
    seg = (at, at + span, r.start_s, r.start_s + span)
    return Built(e, [copy_row(media, r.source, src, ["embedded", "excerpt", "reencode"],
                              segment=seg, same_claim=False)])


def build_still_video(r: StillVideo, out: Path, media: str, src: Built, root: Path) -> Built:
    img = read_image(root / r.source)
    h, w = img.shape[:2]
    inner = (ed.even(sites.WIDE_H * w / h), sites.WIDE_H)
    n = round(r.duration_s * FPS)
    frames = ed.ken_burns(img, inner, n, zoom=r.zoom)
    frames = ed.fit_with_bars(frames, (sites.WIDE_W, sites.WIDE_H))
    encode_video(out, frames, fps=FPS)
    inh = _inherit(src.entry, True)
    if inh["serial_text_height_px"] is not None:
        inh["serial_text_height_px"] = round(inh["serial_text_height_px"] * inner[1] / h
                                             * r.zoom[0], 1)
    e = entry("video", width=sites.WIDE_W, height=sites.WIDE_H, duration_s=n / FPS, fps=FPS,
              content="copy", **inh)
    return Built(e, [copy_row(media, r.source, src, ["still_to_video", "zoom", "pillarbox"],
                              segment=None, same_claim=False)])


def build(plan: Plan, root: Path, seed: int, sources: dict[str, Built]) -> Built:
    """Write ``plan``'s file under ``root`` and return its ground truth."""
    out = root / plan.path
    out.parent.mkdir(parents=True, exist_ok=True)
    r = plan.recipe
    if isinstance(r, Wide):
        b = build_wide(r, out, seed)
    elif isinstance(r, Close):
        b = build_close(r, out, seed)
    elif isinstance(r, Filler):
        b = build_filler(r, out, seed)
    elif isinstance(r, CopyOf):
        b = build_copy(r, out, plan.path, sources[r.source], root, plan.same_claim)
    elif isinstance(r, Pip):
        b = build_pip(r, out, plan.path, sources[r.source], root)
    elif isinstance(r, Embed):
        b = build_embed(r, out, plan.path, sources[r.source], root)
    elif isinstance(r, StillVideo):
        b = build_still_video(r, out, plan.path, sources[r.source], root)
    else:
        raise TypeError(f"unknown recipe {type(r).__name__}")
    b.entry["claim"] = plan.claim
    return b
