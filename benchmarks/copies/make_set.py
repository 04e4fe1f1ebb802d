"""Generate the copy benchmark's set: real footage, every edit claim channels apply, traps.

    python -m benchmarks.copies.make_set [--out DIR] [--footage DIR] [--seed N] [--workers 2]

Needs the footage of ``scripts/fetch_benchmark_footage.sh`` (``--footage``, else
``$PROVENANCE_BENCHMARK_FOOTAGE``, else ``.realdata/bench``). Writes into ``--out``
(default ``.bench/copies/set``): ``media/<id>.mp4``, ``manifest.jsonl`` (every
claim, one media item each; the project's manifest format), ``manifest.A.jsonl``
and ``manifest.B.jsonl`` (each half's claims alone) and ``truth.json``.

Deterministic: every item's parameters are drawn from a generator seeded by
``--seed`` and the item's id alone, so adding an item changes no other, and
the frames handed to the encoder are the same in every run. The bytes are
too with ``--exact``; without it x264's assembly can code a few frames a
little differently from run to run (:mod:`benchmarks.copies.video`). Items
already built from the same recipe are kept (delete the folder to start
afresh). Streaming: every
item is decoded, edited and encoded a frame at a time (PyAV, NumPy, Pillow,
OpenCV); no video is ever held whole in memory.

What it holds (``benchmarks/README.md``, "Copies of real footage", has the counts):

- **originals**: each source of :mod:`benchmarks.copies.sources` cut into one or two
  originals of 8-20 s, and each launch site rendered twice (``fixturegen``);
- **each edit alone**, on every daytime original: a re-encode chain (2-3 generations
  at 360-480p, low bitrate), four kinds of logo, Latin and Arabic captions, letterbox
  and pillarbox with text in the bars, crop 10-30 %, flips, quarter and half turns,
  speed 0.8-1.25 with a new frame rate, grayscale, tone and colour, a screen recording
  of a player, picture-in-picture below and above 30 % of the width, a split screen of
  2-4 originals, the clip inside a longer compilation, an excerpt of 1.5-3 s;
- **combinations** (crop + caption + re-encode, flip + logo + speed, ...), each on
  a third of the daytime originals; **night** footage copied with four light edits;
- **thirty re-posts** of one original per half, dated one after another, each with
  its own edit, some made from an earlier re-post;
- **traps** (must not be copies): one channel's intro and outro bumper and one music
  bed over unrelated clips, the same place at another time, two night launches, the
  same drone model at another site.

Claims are dated originals first (January 2024), then copies (February-March), then
the re-posts (May), so every original comes before its copies.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import sys
import time
import zlib
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from . import edits as ed
from . import split as split_mod
from .sources import (
    LEAD_S,
    RENDER_FPS,
    RENDER_SECONDS,
    RENDER_SIZE,
    REPO,
    UNITS,
    Cut,
    footage_dir,
    render_events,
)
from .video import Reader, Writer, even, probe

FORMAT = 1
DEFAULT_SEED = 20261130
DEFAULT_OUT = REPO / ".bench" / "copies" / "set"
ORIGINAL_CRF = 18
MAX_ORIGINAL_WIDTH = 1280
CANVAS = (854, 480)
BROADCAST_FPS = 25.0

ALONE = (
    "reencode",
    "logo_corner_small",
    "logo_centre_large",
    "logo_semitransparent",
    "logo_animated",
    "caption_latin",
    "caption_arabic",
    "letterbox_text",
    "pillarbox_text",
    "crop",
    "flip",
    "rotate",
    "speed",
    "grayscale",
    "tone",
    "screen_recording",
    "pip_small",
    "pip_large",
    "split_screen",
    "compilation",
    "excerpt",
)
COMBOS = (
    ("crop", "caption_latin", "reencode"),
    ("flip", "logo_corner_small", "speed"),
    ("grayscale", "letterbox_text", "logo_corner_small", "reencode"),
    ("rotate", "crop", "tone"),
    ("excerpt", "speed", "caption_arabic"),
    ("pip_large", "caption_latin"),
    ("screen_recording", "reencode"),
)
NIGHT_EDITS = ("reencode", "logo_corner_small", "caption_latin", "crop")
CHAIN_LENGTH = 30
# edits that keep the footage's timeline and frame: a re-post made from such a re-post
MILD = (
    "reencode",
    "logo_corner_small",
    "logo_semitransparent",
    "caption_latin",
    "caption_arabic",
    "grayscale",
    "tone",
    "flip",
    "crop",
)
CHANNEL_ITEMS = 3  # per half: clips under one channel's bumper, and under one music bed

CLASS_DOC = {
    "reencode": "2-3 generations of re-encoding at 360-480p, CRF 30-38",
    "logo_corner_small": "an opaque logo 8-15 % of the width in a corner",
    "logo_centre_large": "a logo 35-55 % of the width in the centre, 45-75 % opaque",
    "logo_semitransparent": "a logo 15-35 % of the width, 25-45 % opaque, anywhere",
    "logo_animated": "a logo 12-25 % of the width that drifts, pulses or spins",
    "caption_latin": "burned-in subtitles in Latin script, changing every 1.5-3 s",
    "caption_arabic": "burned-in subtitles in Arabic script (shaped, right to left)",
    "letterbox_text": "fitted into a taller frame, bars above and below with text in them",
    "pillarbox_text": "fitted into a wider frame, bars left and right with text in them",
    "crop": "10-30 % of the width and of the height cut off, unevenly",
    "flip": "mirrored left-right (3 in 4) or upside down",
    "rotate": "turned by 90, 180 or 270 degrees",
    "speed": "played at 0.8-1.25x (not 0.95-1.05) at another frame rate",
    "grayscale": "grayscale",
    "tone": "brightness, contrast, gamma, saturation, hue and colour balance changed",
    "screen_recording": "a screen recording of a player window (controls, moving progress bar, "
    "pointer) over a desktop, loading spinner before, replay button after",
    "pip_small": "picture-in-picture 25-29 % of the width over a moving studio picture",
    "pip_large": "picture-in-picture 30-50 % of the width over a moving studio picture",
    "split_screen": "a split screen of 2-4 originals of the half (one pair per tile)",
    "compilation": "the clip between 3-6 s of unrelated footage on either side",
    "excerpt": "an excerpt of 1.5-3 s",
    "night": "night footage (rendered night launches, city at night) with a light edit",
    "repost_chain": "one original re-posted 30 times, each with its own edit",
    "intro_outro": "a channel's 2 s intro and outro bumper around the clip",
    "music_bed": "the clip re-encoded with a channel's music bed as its sound",
}

LATIN = (
    "BREAKING: new footage from the front",
    "Exclusive video sent by our viewers",
    "Moment of the launch, filmed this morning",
    "Images exclusives de l'attaque",
    "Local sources confirm the strike",
    "Video: the drone takes off",
    "Watch until the end",
    "Nuevas imagenes del ataque",
    "Share before it is deleted",
    "Our correspondent reports",
)
ARABIC = (
    "عاجل: هجوم جديد على القاعدة",
    "شاهد اللحظات الأولى للهجوم",
    "مصادر محلية تؤكد الخبر",
    "تغطية مستمرة للأحداث",
    "فيديو حصري من موقع الحدث",
    "انفجارات قوية في المنطقة",
    "الدفاعات الجوية تتصدى للهجوم",
    "لحظة إطلاق الطائرة المسيرة",
)
CHANNELS = (
    "NEWS 24",
    "AL-KHABAR",
    "FRONT TV",
    "WAR MONITOR",
    "DAILY CLIPS",
    "RED ALERT",
    "OSINT HUB",
    "EAST LIVE",
    "Z CHANNEL",
    "TRUTH NOW",
    "AL-YAWM",
    "CONFLICT CAM",
)
GROUPS = ("Brigade North", "Eastern Falcons", "Southern Hawks", "Western Shield")


def sub_rng(seed: int, key: str) -> np.random.Generator:
    """The generator of item ``key``: its draws depend on the set's seed and its id alone."""
    return np.random.default_rng([seed, zlib.crc32(key.encode())])


def sub_seed(seed: int, key: str) -> int:
    return int(sub_rng(seed, key).integers(1, 2**31 - 1))


@dataclass
class Spec:
    """What an item's file holds."""

    w: int
    h: int
    fps: float
    duration: float


# ---------------------------------------------------------------------------------- planning


class Planner:
    def __init__(self, seed: int, footage: Path) -> None:
        self.seed = seed
        self.footage = footage
        self.items: dict[str, dict] = {}
        self.specs: dict[str, Spec] = {}
        self.spans: dict[str, list[dict]] = {}
        self.traps: list[dict] = []
        self.chains: dict[str, dict] = {}

    # -- originals -------------------------------------------------------------------------

    def originals(self) -> None:
        split_mod.check(UNITS)
        events = render_events()
        for unit in UNITS:
            half = split_mod.half_of(unit.name)
            for cut in unit.cuts:
                oid = f"O.{cut.id}"
                if cut.render:
                    ev, _ = events[cut.render]
                    spec = Spec(*RENDER_SIZE, RENDER_FPS, RENDER_SECONDS)
                    recipe = {
                        "kind": "render",
                        "event": cut.render,
                        "start_s": ev.launch_t - LEAD_S,
                        "fps": RENDER_FPS,
                        "duration_s": RENDER_SECONDS,
                        "size": list(RENDER_SIZE),
                    }
                else:
                    spec, recipe = self._real_original(cut)
                self._add(
                    oid,
                    half,
                    unit.name,
                    "original",
                    None,
                    [],
                    recipe,
                    spec,
                    night=cut.night,
                    cut=cut.id,
                )
                self.spans[oid] = [
                    {
                        "original": oid,
                        "out": [0.0, spec.duration],
                        "in": [0.0, spec.duration],
                        "speed": 1.0,
                    }
                ]
            for kind, a, b in unit.traps:
                self.traps.append({"a": f"O.{a}", "b": f"O.{b}", "kind": kind, "half": half})

    def _real_original(self, cut: Cut) -> tuple[Spec, dict]:
        path = self.footage / cut.file
        if not path.exists():
            raise SystemExit(f"{path} missing: run scripts/fetch_benchmark_footage.sh first")
        info = probe(path, play_fps=cut.play_fps)
        fps = cut.play_fps or float(np.clip(round(info["fps"]), 10, 30))
        avail = info["duration_s"] - cut.start_s
        dur = min(avail, cut.duration_s) if cut.duration_s else avail
        if dur < 7.5 or dur > 20.0:
            raise SystemExit(f"{cut.id}: {dur:.1f} s, not 8-20 s")
        w, h = info["width"], info["height"]
        if w > MAX_ORIGINAL_WIDTH:
            w, h = MAX_ORIGINAL_WIDTH, h * MAX_ORIGINAL_WIDTH / w
        w, h = even(w), even(h)
        n = round(dur * fps)
        dur = n / fps
        recipe = {
            "kind": "original",
            "file": cut.file,
            "start_s": cut.start_s,
            "duration_s": dur,
            "play_fps": cut.play_fps,
            "fps": fps,
            "size": [w, h],
            "source": info,
        }
        return Spec(w, h, fps, dur), recipe

    def _add(
        self,
        iid: str,
        half: str,
        unit: str,
        role: str,
        cls: str | None,
        parents: list[str],
        recipe: dict,
        spec: Spec,
        **extra,
    ) -> None:
        if iid in self.items:
            raise ValueError(f"duplicate item {iid}")
        self.items[iid] = {
            "id": iid,
            "half": half,
            "unit": unit,
            "role": role,
            "class": cls,
            "parents": parents,
            "recipe": recipe,
            **extra,
        }
        self.specs[iid] = spec

    def originals_of(self, half: str, *, night: bool | None = None) -> list[str]:
        return [
            i
            for i, it in self.items.items()
            if it["role"] == "original"
            and it["half"] == half
            and (night is None or it["night"] == night)
        ]

    # -- copies ----------------------------------------------------------------------------

    def copy(
        self, iid: str, parent: str, edits: Sequence[str], cls: str, *, extra: dict | None = None
    ) -> None:
        """Plan ``iid``: ``parent``'s footage with ``edits`` applied in order."""
        rng = sub_rng(self.seed, iid)
        ps = self.specs[parent]
        r = {
            "kind": "copy",
            "parent": parent,
            "start": 0.0,
            "speed": 1.0,
            "content_s": ps.duration,
            "fps": ps.fps,
            "pre": [],
            "wrap": None,
            "post": [],
            "crf": int(rng.integers(23, 29)),
            "gens": [],
            "audio": None,
            "edits": list(edits),
        }
        st = {"w": ps.w, "h": ps.h, "fit": False, "S": int(rng.choice([360, 432, 480]))}
        params: dict[str, dict] = {}
        # the timeline first: speed, then the excerpt (its length is the copy's own seconds)
        if "speed" in edits:
            params["speed"] = self._speed(rng, r, ps)
        if "excerpt" in edits:
            params["excerpt"] = self._excerpt(rng, r, ps)
        for e in edits:
            if e in ("speed", "excerpt"):
                continue
            params[e] = getattr(self, "_e_" + e)(rng, r, st, iid)
        if r["wrap"] is None:
            self._fit(r, st)
            size = [st["w"], st["h"]]
        else:
            size = list(r["wrap"]["canvas"])
        r["size"] = size
        if r["gens"]:
            size = r["gens"][-1]["size"]
        r["params"] = params
        lead = r["wrap"]["lead_s"] if r["wrap"] else 0.0
        tail = r["wrap"]["tail_s"] if r["wrap"] else 0.0
        total = lead + r["content_s"] + tail
        n = round(total * r["fps"])
        spec = Spec(size[0], size[1], r["fps"], n / r["fps"])
        p_item = self.items[parent]
        self._add(
            iid,
            p_item["half"],
            p_item["unit"],
            "copy",
            cls,
            [parent],
            r,
            spec,
            night=p_item.get("night", False),
            **(extra or {}),
        )
        mapping = (lead, lead + r["content_s"], r["start"], r["speed"])
        self.spans[iid] = compose(mapping, self.spans[parent])

    def _fit(self, r: dict, st: dict, *, where: str = "pre") -> None:
        if st["fit"]:
            return
        w, h, s = st["w"], st["h"], st["S"]
        size = [even(s * w / h), even(s)] if w >= h else [even(s), even(s * h / w)]
        r[where].append({"op": "fit", "size": size})
        st["w"], st["h"], st["fit"] = size[0], size[1], True

    def _target(self, r: dict) -> str:
        return "post" if r["wrap"] is not None else "pre"

    def _speed(self, rng, r, ps: Spec) -> dict:
        factor = float(rng.choice([rng.uniform(0.8, 0.95), rng.uniform(1.05, 1.25)]))
        choices = [f for f in (15.0, 20.0, 24.0, 25.0, 30.0) if abs(f - ps.fps) > 0.6]
        fps = float(rng.choice(choices))
        r["speed"] *= factor
        r["content_s"] = r["content_s"] / factor
        r["fps"] = fps
        return {"factor": round(factor, 4), "fps": fps}

    def _excerpt(self, rng, r, ps: Spec) -> dict:
        length = float(rng.uniform(1.5, 3.0))
        span = length * r["speed"]
        start = float(rng.uniform(0.0, max(0.0, ps.duration - span - 0.05)))
        r["start"] += start
        r["content_s"] = length
        return {"start_s": round(start, 3), "length_s": round(length, 3)}

    def _e_reencode(self, rng, r, st, iid) -> dict:
        self._fit(r, st, where=self._target(r))
        n = int(rng.choice([2, 3]))
        r["crf"] = int(rng.integers(30, 36))
        base_w, base_h = r["wrap"]["canvas"] if r["wrap"] else (st["w"], st["h"])
        gens = []
        for _ in range(n - 1):
            s = int(rng.choice([360, 432, 480]))
            if base_w >= base_h:
                size = [even(s * base_w / base_h), even(s)]
            else:
                size = [even(s), even(s * base_h / base_w)]
            gens.append({"size": size, "crf": int(rng.integers(31, 39))})
        r["gens"] = gens
        return {"generations": n, "first_crf": r["crf"], "then": gens}

    def _logo(self, rng, r, st, *, size, opacity, place, motion=None) -> dict:
        self._fit(r, st, where=self._target(r))
        step = {
            "op": "logo",
            "text": str(rng.choice(CHANNELS)),
            "colour": [int(c) for c in rng.integers(40, 255, 3)],
            "shape": str(rng.choice(["ring", "shield", "star"])),
            "size": round(float(size), 3),
            "opacity": round(float(opacity), 3),
            "place": place,
            "motion": motion,
            "period_s": round(float(rng.uniform(4, 9)), 2),
            "phase": round(float(rng.random()), 3),
        }
        r[self._target(r)].append(step)
        return {k: v for k, v in step.items() if k != "op"}

    def _e_logo_corner_small(self, rng, r, st, iid) -> dict:
        return self._logo(
            rng,
            r,
            st,
            size=rng.uniform(0.08, 0.15),
            opacity=rng.uniform(0.85, 1),
            place=str(rng.choice(["tl", "tr", "bl", "br"])),
        )

    def _e_logo_centre_large(self, rng, r, st, iid) -> dict:
        return self._logo(
            rng, r, st, size=rng.uniform(0.35, 0.55), opacity=rng.uniform(0.45, 0.75), place="c"
        )

    def _e_logo_semitransparent(self, rng, r, st, iid) -> dict:
        return self._logo(
            rng,
            r,
            st,
            size=rng.uniform(0.15, 0.35),
            opacity=rng.uniform(0.25, 0.45),
            place=str(rng.choice(["tl", "tr", "bl", "br", "c"])),
        )

    def _e_logo_animated(self, rng, r, st, iid) -> dict:
        return self._logo(
            rng,
            r,
            st,
            size=rng.uniform(0.12, 0.25),
            opacity=rng.uniform(0.7, 1.0),
            place=str(rng.choice(["tl", "tr", "bl", "br", "c"])),
            motion=str(rng.choice(["drift", "pulse", "spin"])),
        )

    def _caption(self, rng, r, st, bank, rtl) -> dict:
        self._fit(r, st, where=self._target(r))
        lines = [str(x) for x in rng.permutation(bank)[: int(rng.integers(3, 6))]]
        step = {
            "op": "caption",
            "lines": lines,
            "period_s": round(float(rng.uniform(1.5, 3)), 2),
            "size": round(float(rng.uniform(0.05, 0.075)), 4),
            "style": str(rng.choice(["box", "outline"])),
            "position": str(rng.choice(["bottom", "bottom", "bottom", "top"])),
            "rtl": rtl,
            "start_s": round(float(rng.uniform(0, 0.8)), 2),
        }
        r[self._target(r)].append(step)
        return {k: v for k, v in step.items() if k != "op"}

    def _e_caption_latin(self, rng, r, st, iid) -> dict:
        return self._caption(rng, r, st, LATIN, False)

    def _e_caption_arabic(self, rng, r, st, iid) -> dict:
        return self._caption(rng, r, st, ARABIC, True)

    def _bars(self, rng, r, st, letterbox: bool) -> dict:
        a = st["w"] / st["h"]
        s = int(rng.choice([360, 432, 480]))
        ca = (min(4 / 3, a / 1.35) if a > 1.05 else a / 1.5) if letterbox else max(16 / 9, a * 1.35)
        canvas = [even(s * ca), even(s)]
        colour = [0, 0, 0] if rng.random() < 0.6 else [int(c) for c in rng.integers(0, 90, 3)]
        arabic = rng.random() < 0.3
        texts = [
            str(rng.choice(CHANNELS)) + " | " + str(rng.choice(LATIN)),
            str(rng.choice(ARABIC if arabic else LATIN)),
        ]
        step = {
            "op": "bars",
            "canvas": canvas,
            "colour": colour,
            "texts": texts,
            "text_size": round(float(rng.uniform(0.045, 0.065)), 4),
            "rtl": [False, bool(arabic)],
            "ticker": bool(rng.random() < 0.4),
        }
        r[self._target(r)].append(step)
        st["w"], st["h"], st["fit"] = canvas[0], canvas[1], True
        return {k: v for k, v in step.items() if k != "op"}

    def _e_letterbox_text(self, rng, r, st, iid) -> dict:
        return self._bars(rng, r, st, True)

    def _e_pillarbox_text(self, rng, r, st, iid) -> dict:
        return self._bars(rng, r, st, False)

    def _e_crop(self, rng, r, st, iid) -> dict:
        cx, cy = rng.uniform(0.10, 0.30, 2)
        lx, ly = rng.uniform(0, 1, 2)
        box = [
            round(float(cx * lx), 4),
            round(float(cy * ly), 4),
            round(float(1 - cx * (1 - lx)), 4),
            round(float(1 - cy * (1 - ly)), 4),
        ]
        r[self._target(r)].append({"op": "crop", "box": box})
        st["w"], st["h"] = st["w"] * (box[2] - box[0]), st["h"] * (box[3] - box[1])
        if st["fit"]:
            st["fit"] = False
        self._fit(r, st, where=self._target(r))
        return {"box": box, "removed_w": round(float(cx), 3), "removed_h": round(float(cy), 3)}

    def _e_flip(self, rng, r, st, iid) -> dict:
        axis = "h" if rng.random() < 0.75 else "v"
        r[self._target(r)].append({"op": "flip", "axis": axis})
        return {"axis": axis}

    def _e_rotate(self, rng, r, st, iid) -> dict:
        k = int(rng.choice([1, 2, 3]))
        r[self._target(r)].append({"op": "rotate", "k": k})
        if k % 2:
            st["w"], st["h"] = st["h"], st["w"]
            if st["fit"]:
                st["fit"] = False
        return {"degrees": 90 * k}

    def _e_grayscale(self, rng, r, st, iid) -> dict:
        self._fit(r, st, where=self._target(r))
        r[self._target(r)].append({"op": "gray"})
        return {}

    def _e_tone(self, rng, r, st, iid) -> dict:
        self._fit(r, st, where=self._target(r))
        step = {
            "op": "tone",
            "brightness": round(float(rng.uniform(-0.12, 0.12)), 3),
            "contrast": round(float(rng.uniform(0.75, 1.3)), 3),
            "gamma": round(float(rng.uniform(0.75, 1.35)), 3),
            "saturation": round(float(rng.uniform(0.5, 1.6)), 3),
            "hue_deg": round(float(rng.uniform(-25, 25)), 1),
            "gains": [round(float(g), 3) for g in rng.uniform(0.9, 1.1, 3)],
        }
        r[self._target(r)].append(step)
        return {k: v for k, v in step.items() if k != "op"}

    def _wrap(self, r, st, wrap: dict) -> None:
        """The footage goes onto the wrapper's canvas: later overlays draw on the canvas.
        The canvas runs at the footage's frame rate within 10-25 fps (a channel's bumper at
        25 fps)."""
        if r["wrap"] is not None:
            raise ValueError("one wrapper per copy")
        r["wrap"] = wrap
        r["fps"] = BROADCAST_FPS if wrap["kind"] == "bumper" else float(np.clip(r["fps"], 10, 25))
        st["w"], st["h"], st["fit"] = wrap["canvas"][0], wrap["canvas"][1], True

    def _e_screen_recording(self, rng, r, st, iid) -> dict:
        canvas = list(CANVAS) if rng.random() < 0.7 else [960, 540]
        ww = float(rng.uniform(0.55, 0.8))
        wrap = {
            "kind": "screen",
            "canvas": canvas,
            "window": [
                round(float(rng.uniform(0.02, 0.98 - ww)), 3),
                round(float(rng.uniform(0.02, 0.2)), 3),
                round(ww, 3),
            ],
            "seed": sub_seed(self.seed, iid + "/screen"),
            "title": f"{rng.choice(CHANNELS)} - video player",
            "theme": str(rng.choice(["dark", "light"])),
            "lead_s": round(float(rng.uniform(0.5, 1.5)), 2),
            "tail_s": round(float(rng.uniform(0.5, 1.0)), 2),
        }
        self._wrap(r, st, wrap)
        return {k: v for k, v in wrap.items() if k not in ("kind", "seed")}

    def _pip(self, rng, r, st, iid, lo, hi) -> dict:
        wrap = {
            "kind": "pip",
            "canvas": list(CANVAS),
            "width": round(float(rng.uniform(lo, hi)), 4),
            "anchor": [
                round(float(rng.choice([rng.uniform(0, 0.2), rng.uniform(0.8, 1)])), 3),
                round(float(rng.uniform(0, 1)), 3),
            ],
            "seed": sub_seed(self.seed, iid + "/pip"),
            "ticker": f"{rng.choice(CHANNELS)}: {rng.choice(LATIN)}",
            "border": int(rng.integers(2, 5)),
            "lead_s": round(float(rng.uniform(0.5, 1.5)), 2),
            "tail_s": round(float(rng.uniform(0.5, 1.0)), 2),
        }
        self._wrap(r, st, wrap)
        return {k: v for k, v in wrap.items() if k not in ("kind", "seed")}

    def _e_pip_small(self, rng, r, st, iid) -> dict:
        return self._pip(rng, r, st, iid, 0.25, 0.29)

    def _e_pip_large(self, rng, r, st, iid) -> dict:
        return self._pip(rng, r, st, iid, 0.30, 0.50)

    def _e_compilation(self, rng, r, st, iid) -> dict:
        wrap = {
            "kind": "compile",
            "canvas": list(CANVAS),
            "seed": sub_seed(self.seed, iid + "/filler"),
            "titles": [
                f"{rng.choice(CHANNELS)} - part {int(rng.integers(1, 9))}",
                f"{rng.choice(CHANNELS)} - more videos",
            ],
            "lead_s": round(float(rng.uniform(3, 6)), 2),
            "tail_s": round(float(rng.uniform(3, 6)), 2),
        }
        self._wrap(r, st, wrap)
        return {k: v for k, v in wrap.items() if k not in ("kind", "seed")}

    def _e_intro_outro(self, rng, r, st, iid) -> dict:
        half = self.items[r["parent"]]["half"]
        wrap = {
            "kind": "bumper",
            "canvas": list(CANVAS),
            "id": f"channel-{half}",
            "title": "FRONTLINE TV" if half == "A" else "EAGLE EYE NEWS",
            "colour": [40, 160, 220] if half == "A" else [220, 60, 40],
            "lead_s": 2.0,
            "tail_s": 2.0,
        }
        self._wrap(r, st, wrap)
        return {k: v for k, v in wrap.items() if k != "kind"}

    def _e_music_bed(self, rng, r, st, iid) -> dict:
        self._fit(r, st, where=self._target(r))
        half = self.items[r["parent"]]["half"]
        r["audio"] = {"bed": sub_seed(self.seed, f"music/{half}")}
        return {"bed": f"music/{half}"}

    # -- composites ------------------------------------------------------------------------

    def split_screen(self, iid: str, parents: list[str]) -> None:
        rng = sub_rng(self.seed, iid)
        n = len(parents)
        layout = {2: str(rng.choice(["2h", "2v"])), 3: "3", 4: "4"}[n]
        offsets = [0.0] + [float(rng.uniform(0, 2.0)) for _ in parents[1:]]
        length = min(
            min(self.specs[p].duration - o for p, o in zip(parents, offsets, strict=True)), 12.0
        )
        fps = float(max(self.specs[p].fps for p in parents))
        fps = min(max(fps, 10.0), 25.0)
        r = {
            "kind": "split",
            "tiles": [
                {"parent": p, "offset": round(o, 3)} for p, o in zip(parents, offsets, strict=True)
            ],
            "layout": layout,
            "canvas": list(CANVAS),
            "cover": bool(rng.random() < 0.5),
            "content_s": length,
            "fps": fps,
            "crf": int(rng.integers(23, 29)),
            "edits": ["split_screen"],
            "params": {"split_screen": {"layout": layout, "tiles": n}},
        }
        n_frames = round(length * fps)
        spec = Spec(CANVAS[0], CANVAS[1], fps, n_frames / fps)
        first = self.items[parents[0]]
        self._add(
            iid,
            first["half"],
            first["unit"],
            "copy",
            "split_screen",
            list(parents),
            r,
            spec,
            night=False,
        )
        spans = []
        for p, o in zip(parents, offsets, strict=True):
            spans += compose((0.0, length, o, 1.0), self.spans[p])
        self.spans[iid] = spans

    # -- the whole set ---------------------------------------------------------------------

    def plan(self) -> None:
        self.originals()
        for half in ("A", "B"):
            day = sorted(self.originals_of(half, night=False))
            night = sorted(self.originals_of(half, night=True))
            for o in day:
                cut = o[2:]
                for cls in ALONE:
                    if cls == "split_screen":
                        continue
                    self.copy(f"{cut}.{cls}", o, [cls], cls)
                rng = sub_rng(self.seed, f"{cut}.split_screen/tiles")
                others = [x for x in day if x != o]
                n = int(rng.choice([2, 3, 4]))
                tiles = [o] + [str(x) for x in rng.choice(others, n - 1, replace=False)]
                self.split_screen(f"{cut}.split_screen", tiles)
            for j, combo in enumerate(COMBOS):
                for i, o in enumerate(day):
                    if (i + j) % 3 == 0:
                        self.copy(f"{o[2:]}.combo{j + 1}", o, combo, "combo:" + "+".join(combo))
            for o in night:
                for e in NIGHT_EDITS:
                    self.copy(f"{o[2:]}.night-{e}", o, [e], "night", extra={"night_edit": e})
            rng = sub_rng(self.seed, f"channels/{half}")
            real_day = [
                o
                for o in day
                if self.items[o]["unit"] in {u.name for u in UNITS if u.kind == "real"}
            ]
            picks = [str(x) for x in rng.choice(real_day, 2 * CHANNEL_ITEMS, replace=False)]
            intro = [f"{o[2:]}.intro_outro" for o in picks[:CHANNEL_ITEMS]]
            music = [f"{o[2:]}.music_bed" for o in picks[CHANNEL_ITEMS:]]
            for iid, o in zip(intro, picks[:CHANNEL_ITEMS], strict=True):
                self.copy(iid, o, ["intro_outro"], "intro_outro")
            for iid, o in zip(music, picks[CHANNEL_ITEMS:], strict=True):
                self.copy(iid, o, ["music_bed"], "music_bed")
            for kind, group in (("shared_intro_outro", intro), ("shared_music_bed", music)):
                for i, a in enumerate(group):
                    for b in group[i + 1 :]:
                        self.traps.append({"a": a, "b": b, "kind": kind, "half": half})
            scenes = sorted(
                {self.items[o]["unit"] for o in day if self.items[o]["unit"].startswith("scene-")}
            )
            for i, ua in enumerate(scenes):
                for ub in scenes[i + 1 :]:
                    for a in (o for o in day if self.items[o]["unit"] == ua):
                        for b in (o for o in day if self.items[o]["unit"] == ub):
                            self.traps.append(
                                {"a": a, "b": b, "half": half, "kind": "same_drone_model_elsewhere"}
                            )
            self.chain(half, real_day)

    def chain(self, half: str, candidates: list[str]) -> None:
        rng = sub_rng(self.seed, f"chain/{half}")
        eligible = [
            o
            for o in candidates
            if not self.items[o]["recipe"]["play_fps"]
            and self.items[o]["recipe"]["source"]["fps"] >= 10
        ]
        original = str(rng.choice(eligible))
        pool = [c for c in ALONE if c != "split_screen"]
        picks = list(rng.permutation(pool)) + list(rng.choice(pool, CHAIN_LENGTH - len(pool)))
        reposts: list[str] = []
        depth: dict[str, int] = {original: 0}
        for k, cls in enumerate(picks[:CHAIN_LENGTH], start=1):
            iid = f"{original[2:]}.repost{k:02d}"
            parents = [p for p in reposts if depth[p] == 1 and self.items[p]["chain_edit"] in MILD]
            parent = original
            if k > 4 and parents and rng.random() < 0.35:
                parent = str(rng.choice(parents))
            self.copy(
                iid,
                parent,
                [str(cls)],
                "repost_chain",
                extra={"chain_edit": str(cls), "chain_index": k},
            )
            depth[iid] = depth[parent] + 1
            reposts.append(iid)
        self.chains[half] = {"original": original, "reposts": reposts}


def compose(mapping: tuple[float, float, float, float], parent_spans: list[dict]) -> list[dict]:
    """Spans of originals' footage in an item shown over ``mapping`` = (out0, out1, parent0,
    speed): parent time = parent0 + speed x (t - out0) for t in [out0, out1]."""
    o0, o1, p0, speed = mapping
    p1 = p0 + speed * (o1 - o0)
    out = []
    for s in parent_spans:
        a0, a1 = s["out"]
        q0, q1 = max(p0, a0), min(p1, a1)
        if q1 - q0 < 0.25:
            continue
        t0, t1 = o0 + (q0 - p0) / speed, o0 + (q1 - p0) / speed
        r0 = s["in"][0] + s["speed"] * (q0 - a0)
        r1 = s["in"][0] + s["speed"] * (q1 - a0)
        out.append(
            {
                "original": s["original"],
                "out": [round(t0, 4), round(t1, 4)],
                "in": [round(r0, 4), round(r1, 4)],
                "speed": round(speed * s["speed"], 6),
            }
        )
    return out


# ---------------------------------------------------------------------------------- building


def _init_worker(font_dir: str) -> None:
    import cv2

    cv2.setNumThreads(1)
    ed.set_font_dir(Path(font_dir))


def build_item(args: tuple[dict, str, str, bool]) -> dict:
    """Build one item's file; an item built before from the same recipe (and from parents
    that were not rebuilt) is kept."""
    item, root, footage, force = args
    root_p, footage_p = Path(root), Path(footage)
    out = root_p / "media" / f"{item['id']}.mp4"
    t0 = time.perf_counter()
    r = item["recipe"]
    marker = root_p / "media" / ".done" / item["id"]
    if (
        not force
        and out.exists()
        and marker.exists()
        and marker.read_text() == json.dumps(r, sort_keys=True)
    ):
        return {"id": item["id"], "seconds": 0.0, "bytes": out.stat().st_size, "reused": True}
    marker.unlink(missing_ok=True)
    kind = r["kind"]
    if kind == "original":
        frames = _build_original(r, footage_p, out)
    elif kind == "render":
        frames = _build_render(r, out)
    elif kind == "split":
        frames = _build_split(r, root_p, out)
    else:
        frames = _build_copy(item["id"], r, root_p, out)
    done = root_p / "media" / ".done"
    done.mkdir(exist_ok=True)
    (done / item["id"]).write_text(json.dumps(r, sort_keys=True))
    return {
        "id": item["id"],
        "seconds": round(time.perf_counter() - t0, 3),
        "bytes": out.stat().st_size,
        "frames": frames,
        "reused": False,
    }


def _build_original(r: dict, footage: Path, out: Path) -> int:
    w, h = r["size"]
    fps = r["fps"]
    n = round(r["duration_s"] * fps)
    with (
        Reader(footage / r["file"], play_fps=r["play_fps"]) as src,
        Writer(out, w, h, fps, crf=ORIGINAL_CRF) as dst,
    ):
        for i in range(n):
            dst.write(ed.resize(src.frame_at(r["start_s"] + i / fps), w, h))
    return n


def _build_render(r: dict, out: Path) -> int:
    from fixturegen.render import Shot, render_frame
    from fixturegen.sites import site_of

    ev, cam = render_events()[r["event"]]
    shot = Shot(cam, site_of(ev), ev.lighting, ev, r["start_s"])
    fps = r["fps"]
    n = round(r["duration_s"] * fps)
    with Writer(out, *r["size"], fps, crf=ORIGINAL_CRF) as dst:
        for i in range(n):
            dst.write(render_frame(shot, i / fps, i))
    return n


def _wrapper(wrap: dict, content_s: float):
    kind = wrap["kind"]
    cw, ch = wrap["canvas"]
    if kind == "screen":
        return ed.Screen(
            canvas=wrap["canvas"],
            window=wrap["window"],
            seed=wrap["seed"],
            title=wrap["title"],
            theme=wrap["theme"],
            duration_s=content_s,
            lead_s=wrap["lead_s"],
        )
    if kind == "pip":
        return ed.Pip(
            canvas=wrap["canvas"],
            width=wrap["width"],
            anchor=wrap["anchor"],
            seed=wrap["seed"],
            ticker=wrap["ticker"],
            border=wrap["border"],
        )
    if kind == "compile":
        before = ed.Filler(wrap["seed"], cw, ch, wrap["titles"][0])
        after = ed.Filler(wrap["seed"] + 1, cw, ch, wrap["titles"][1])
        lead = wrap["lead_s"]

        def compile_frame(picture, t):
            if picture is not None:
                canvas = np.zeros((ch, cw, 3), np.uint8)
                ed.fit_into(canvas, picture, 0, 0, cw, ch)
                return canvas
            if t < lead:
                return before(t, card=t < 1.5)
            t2 = t - lead - content_s
            return after(t2, card=t2 < 1.5)

        return compile_frame
    if kind == "bumper":
        fps = BROADCAST_FPS

        def bumper_frame(picture, t):
            if picture is not None:
                canvas = np.zeros((ch, cw, 3), np.uint8)
                ed.fit_into(canvas, picture, 0, 0, cw, ch)
                return canvas
            if t < wrap["lead_s"]:
                i = round(t * fps)
                return ed.bumper(
                    wrap["id"] + "-intro",
                    wrap["title"],
                    wrap["colour"],
                    wrap["lead_s"],
                    cw,
                    ch,
                    i,
                    fps,
                )
            i = round((t - wrap["lead_s"] - content_s) * fps)
            return ed.bumper(
                wrap["id"] + "-outro", wrap["title"], wrap["colour"], wrap["tail_s"], cw, ch, i, fps
            )

        return bumper_frame
    raise ValueError(kind)


def _build_copy(iid: str, r: dict, root: Path, out: Path) -> int:
    pre = [ed.frame_op(s) for s in r["pre"]]
    post = [ed.frame_op(s) for s in r["post"]]
    wrap = r["wrap"]
    lead = wrap["lead_s"] if wrap else 0.0
    tail = wrap["tail_s"] if wrap else 0.0
    content_s = r["content_s"]
    fps = r["fps"]
    n = round((lead + content_s + tail) * fps)
    wrapper = _wrapper(wrap, content_s) if wrap else None
    w, h = r["size"]
    audio = None
    if r["audio"]:
        audio = ed.music_bed(r["audio"]["bed"], n / fps + 1)
    first = out if not r["gens"] else out.with_name(f".{iid}.gen1.mp4")
    with (
        Reader(root / "media" / f"{r['parent']}.mp4") as src,
        Writer(first, w, h, fps, crf=r["crf"], audio=audio) as dst,
    ):
        for i in range(n):
            t = i / fps
            tc = t - lead
            picture = None
            if 0 <= tc < content_s or (wrapper is None):
                picture = src.frame_at(r["start"] + r["speed"] * min(max(tc, 0), content_s))
                for op in pre:
                    picture = op(picture, tc)
            frame = wrapper(picture, t) if wrapper is not None else picture
            for op in post:
                frame = op(frame, t)
            dst.write(ed.resize(frame, w, h))
    prev = first
    for g, gen in enumerate(r["gens"], start=2):
        target = out if g == len(r["gens"]) + 1 else out.with_name(f".{iid}.gen{g}.mp4")
        gw, gh = gen["size"]
        with Reader(prev) as src, Writer(target, gw, gh, fps, crf=gen["crf"]) as dst:
            for i in range(n):
                dst.write(ed.resize(src.frame_at(i / fps), gw, gh))
        prev.unlink()
        prev = target
    return n


def _build_split(r: dict, root: Path, out: Path) -> int:
    cw, ch = r["canvas"]
    tiles = ed.split_layout(r["layout"], cw, ch)
    fps = r["fps"]
    n = round(r["content_s"] * fps)
    readers = [Reader(root / "media" / f"{t['parent']}.mp4") for t in r["tiles"]]
    try:
        with Writer(out, cw, ch, fps, crf=r["crf"]) as dst:
            for i in range(n):
                t = i / fps
                canvas = np.zeros((ch, cw, 3), np.uint8)
                for reader, tile, box in zip(readers, r["tiles"], tiles, strict=True):
                    ed.fit_into(canvas, reader.frame_at(tile["offset"] + t), *box, cover=r["cover"])
                dst.write(canvas)
    finally:
        for reader in readers:
            reader.close()
    return n


def levels(items: dict[str, dict]) -> list[list[str]]:
    level: dict[str, int] = {}

    def of(i: str) -> int:
        if i not in level:
            level[i] = 1 + max((of(p) for p in items[i]["parents"]), default=-1)
        return level[i]

    for i in items:
        of(i)
    out: list[list[str]] = [[] for _ in range(max(level.values()) + 1)]
    for i in items:
        out[level[i]].append(i)
    return out


# ---------------------------------------------------------------------------------- writing


def _dates(planner: Planner) -> dict[str, str]:
    rng = sub_rng(planner.seed, "dates")
    base = datetime(2024, 1, 1, tzinfo=UTC)
    originals = sorted(i for i, it in planner.items.items() if it["role"] == "original")
    chain = {r for c in planner.chains.values() for r in c["reposts"]}
    copies = sorted(i for i, it in planner.items.items() if it["role"] == "copy" and i not in chain)
    when: dict[str, datetime] = {}
    for k, i in enumerate(rng.permutation(originals)):
        when[str(i)] = base + timedelta(hours=3 * k)
    for k, i in enumerate(rng.permutation(copies)):
        when[str(i)] = base + timedelta(days=31, hours=2 * k)
    for half, c in sorted(planner.chains.items()):
        for k, i in enumerate(c["reposts"]):
            when[i] = base + timedelta(days=121 + k, hours=12 if half == "A" else 13)
    return {i: d.strftime("%Y-%m-%dT%H:%M:%SZ") for i, d in when.items()}


def manifest_row(item: dict, date: str, seed: int) -> dict:
    rng = sub_rng(seed, "claim/" + item["id"])
    channel = str(rng.choice(CHANNELS)).lower().replace(" ", "_")
    return {
        "id": item["id"],
        "claimed_at": date,
        "group": str(rng.choice(GROUPS)),
        "target": "benchmark",
        "text": f"{item['class'] or 'original'} of {item['unit']}",
        "source": f"channel/{channel}/{int(rng.integers(1, 9999))}",
        "media": [f"media/{item['id']}.mp4"],
    }


def truth_doc(planner: Planner, dates: dict[str, str], built: dict, seconds: float) -> dict:
    items, pairs = {}, []
    for iid, it in planner.items.items():
        spec = planner.specs[iid]
        r = it["recipe"]
        items[iid] = {
            "file": f"media/{iid}.mp4",
            "claim": iid,
            "claimed_at": dates[iid],
            "half": it["half"],
            "unit": it["unit"],
            "role": it["role"],
            "class": it["class"],
            "edits": r.get("edits", []),
            "params": r.get("params", {}),
            "parents": it["parents"],
            "originals": sorted({s["original"] for s in planner.spans[iid]}),
            "night": bool(it.get("night")),
            "size": [spec.w, spec.h],
            "fps": spec.fps,
            "duration_s": round(spec.duration, 4),
            "bytes": built.get(iid, {}).get("bytes"),
            **{k: it[k] for k in ("cut", "chain_edit", "chain_index", "night_edit") if k in it},
        }
        if it["role"] == "copy":
            for s in planner.spans[iid]:
                pairs.append(
                    {
                        "later": iid,
                        "earlier": s["original"],
                        "class": it["class"],
                        "half": it["half"],
                        "segment": {"later": s["out"], "earlier": s["in"]},
                        "speed": s["speed"],
                    }
                )
    units = {
        u.name: {
            "kind": u.kind,
            "package": u.package,
            "what": u.what,
            "half": split_mod.half_of(u.name),
            "cuts": [c.__dict__ for c in u.cuts],
        }
        for u in UNITS
    }
    total_bytes = sum(b.get("bytes") or 0 for b in built.values())
    return {
        "format": FORMAT,
        "seed": planner.seed,
        "halves": {
            "A": {"role": "tuning", "units": list(split_mod.HALVES["A"])},
            "B": {"role": "held-apart", "units": list(split_mod.HALVES["B"])},
        },
        "classes": CLASS_DOC,
        "units": units,
        "items": items,
        "pairs": pairs,
        "traps": planner.traps,
        "chains": planner.chains,
        "generated": {"seconds": round(seconds, 1), "bytes": total_bytes, "items": len(items)},
    }


def make_set(
    out: Path, footage: Path, seed: int = DEFAULT_SEED, workers: int = 2, log=print
) -> dict:
    start = time.perf_counter()
    out = Path(out)
    (out / "media").mkdir(parents=True, exist_ok=True)
    planner = Planner(seed, footage)
    planner.plan()
    log(
        f"planned {len(planner.items)} items, {len(planner.traps)} traps "
        f"({time.perf_counter() - start:.1f} s)"
    )
    font_dir = str(footage / "fonts-dejavu-core")
    _init_worker(font_dir)
    built: dict[str, dict] = {}
    ctx = mp.get_context("spawn")
    with ProcessPoolExecutor(
        workers, mp_context=ctx, initializer=_init_worker, initargs=(font_dir,)
    ) as pool:
        for depth, ids in enumerate(levels(planner.items)):
            cost = {
                i: planner.specs[i].duration
                * planner.specs[i].fps
                * planner.specs[i].w
                * planner.specs[i].h
                for i in ids
            }
            ids = sorted(ids, key=lambda i: -cost[i])
            args = [
                (
                    planner.items[i],
                    str(out),
                    str(footage),
                    any(not built[p]["reused"] for p in planner.items[i]["parents"]),
                )
                for i in ids
            ]
            for k, res in enumerate(pool.map(build_item, args, chunksize=1), start=1):
                built[res["id"]] = res
                if k % 100 == 0 or k == len(ids):
                    log(
                        f"level {depth}: {k}/{len(ids)} items ({time.perf_counter() - start:.0f} s)"
                    )
    keep = {f"{i}.mp4" for i in planner.items}
    for stale in (out / "media").glob("*.mp4"):
        if stale.name not in keep:
            stale.unlink()
    dates = _dates(planner)
    rows = sorted(
        (manifest_row(planner.items[i], dates[i], seed) for i in planner.items),
        key=lambda r: (r["claimed_at"], r["id"]),
    )
    for name, keep_half in (
        ("manifest.jsonl", None),
        ("manifest.A.jsonl", "A"),
        ("manifest.B.jsonl", "B"),
    ):
        (out / name).write_text(
            "".join(
                json.dumps(r, ensure_ascii=False) + "\n"
                for r in rows
                if keep_half is None or planner.items[r["id"]]["half"] == keep_half
            ),
            encoding="utf-8",
        )
    seconds = time.perf_counter() - start
    truth = truth_doc(planner, dates, built, seconds)
    (out / "truth.json").write_text(
        json.dumps(truth, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return truth


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.copies.make_set",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--out", default=str(DEFAULT_OUT))
    p.add_argument("--footage", default=None)
    p.add_argument("--seed", type=int, default=DEFAULT_SEED)
    p.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    p.add_argument(
        "--exact",
        action="store_true",
        help="x264 without its assembly: byte-identical files, encoding ~3x slower "
        "(without it the frames are identical and the bytes nearly so)",
    )
    args = p.parse_args(argv)
    if args.exact:
        os.environ["COPIES_EXACT"] = "1"  # inherited by the worker processes
    footage = footage_dir(args.footage)
    truth = make_set(
        Path(args.out),
        footage,
        args.seed,
        args.workers,
        log=lambda m: print(m, file=sys.stderr, flush=True),
    )
    g = truth["generated"]
    summary = {
        "out": args.out,
        "items": g["items"],
        "pairs": len(truth["pairs"]),
        "traps": len(truth["traps"]),
        "seconds": g["seconds"],
        "bytes": g["bytes"],
    }
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
