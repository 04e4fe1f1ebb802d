"""Generate the identifying close-up set: drone airframe skins, same-airframe and same-model pairs.

    python -m benchmarks.closeups_set.make_set [--out .bench/closeups_set]
        [--seed 20261201] [--workers 2]

Writes ``OUT/media/*`` (JPEG/PNG/WebP stills and H.264 MP4 clips),
``OUT/truth.json`` (every medium's kind, airframe, model, view and the labelled
pairs), ``OUT/manifest.jsonl`` (one claim per medium, a day apart, shuffled) and
``OUT/contact_sheet.jpg``, then prints a JSON summary. Every medium has its own
seed, so the bytes depend only on ``--seed``, not on the number of workers.
"""

from __future__ import annotations

import argparse
import itertools
import json
import multiprocessing as mp
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import cv2
import numpy as np

from . import negatives, shots, skin
from .media import first_frame

REPO = Path(__file__).resolve().parents[2]
DEFAULT_OUT = REPO / ".bench" / "closeups_set"
N_MODELS, N_AIRFRAMES = 8, 5
STILL_SIZES = [
    (640, 480),
    (800, 600),
    (1024, 768),
    (1280, 720),
    (1280, 960),
    (1600, 1200),
    (1920, 1080),
]
VIDEO_SIZES = [(640, 352), (768, 432), (1024, 576), (1280, 720)]  # multiples of 16 (see media)
COUNTS = {"closeup_blurred": 20, "far": 16, "wide": 16, "scene": 20}
N_OTHER_PAIRS = 300


def serial_text(rng: np.random.Generator) -> str:
    """A painted serial like ``UA-4172``."""
    letters = "ABCEHKMPRSTUX"
    return (
        "".join(rng.choice(list(letters), 2))
        + "-"
        + "".join(str(d) for d in rng.integers(0, 10, 4))
    )


def still_format(rng: np.random.Generator, size) -> tuple[str, int]:
    """Mostly JPEG (q 60-95), some WebP, a few PNG (small ones only, to keep the set light)."""
    r = rng.random()
    if r < 0.1 and max(size) <= 1280:
        return "png", 0
    if r < 0.25:
        return "webp", int(rng.integers(60, 96))
    return "jpg", int(rng.integers(60, 96))


def pick_size(rng: np.random.Generator, video: bool) -> tuple[int, int]:
    """Frame size; portrait about one time in five for stills."""
    sizes = VIDEO_SIZES if video else STILL_SIZES
    w, h = sizes[int(rng.integers(len(sizes)))]
    return (h, w) if not video and rng.random() < 0.2 else (w, h)


def plan(seed: int) -> tuple[list[dict], list[dict], list[dict]]:
    """Models, airframes and every medium to make (kind, size, format, seed), with opaque ids."""
    rng = np.random.default_rng(seed)
    models = [skin.model_spec(i, np.random.default_rng([seed, i])) for i in range(1, N_MODELS + 1)]
    n_af = N_MODELS * N_AIRFRAMES
    with_serial = set(rng.permutation(n_af)[: n_af // 2].tolist())
    four = set(rng.permutation(n_af)[: n_af // 2].tolist())
    airframes, items = [], []
    for k, (spec, j) in enumerate(itertools.product(models, range(1, N_AIRFRAMES + 1))):
        af = {
            "airframe": f"{spec['model']}-A{j}",
            "model": spec["model"],
            "seed": int(rng.integers(2**31)),
            "serial": serial_text(rng) if k in with_serial else None,
            "frame_m": float(rng.uniform(0.24, 0.34)),
        }
        airframes.append(af)
        n = 4 if k in four else 3
        n_serial = int(rng.integers(1, 3)) if af["serial"] else 0
        for i in range(n):
            kind = "closeup_serial" if i >= n - n_serial else "closeup_marks"
            items.append({"kind": kind, "airframe": af["airframe"], "model": spec["model"]})
    for kind in ("closeup_blurred", "far"):
        for k in sorted(rng.permutation(n_af)[: COUNTS[kind]].tolist()):
            items.append(
                {"kind": kind, "airframe": airframes[k]["airframe"], "model": airframes[k]["model"]}
            )
    for kind in ("wide", "scene"):
        order = rng.permutation(64)
        for i in range(COUNTS[kind]):
            model = None
            if kind == "wide" and rng.random() < 0.7:
                model = models[int(rng.integers(N_MODELS))]["model"]
            items.append(
                {"kind": kind, "airframe": None, "model": model, "source_index": int(order[i])}
            )
    closeups = [it for it in items if it["kind"] in ("closeup_marks", "closeup_serial")]
    video_idx = set(rng.permutation(len(closeups))[: round(0.2 * len(closeups))].tolist())
    for i, it in enumerate(closeups):
        it["video"] = i in video_idx
    for it in items:
        if "video" not in it:
            it["video"] = it["kind"] in ("wide", "scene") and rng.random() < 0.35
        it["seed"] = int(rng.integers(2**31))
        it["size"] = pick_size(rng, it["video"])
        fmt, q = ("mp4", 0) if it["video"] else still_format(rng, it["size"])
        it["fmt"], it["quality"] = fmt, q
    for n, k in enumerate(rng.permutation(len(items))):
        items[k]["id"] = f"m{n + 1:04d}"
        items[k]["file"] = f"media/{items[k]['id']}.{items[k]['fmt']}"
    return models, airframes, items


def tasks(models, airframes, items, out: Path) -> list[dict]:
    """Work units: one per airframe (all its shots, in order) and one per scene/wide medium."""
    spec_of = {m["model"]: m for m in models}
    rank = {"closeup_marks": 0, "closeup_serial": 1, "closeup_blurred": 2, "far": 3}
    result = []
    for af in airframes:
        mine = sorted(
            (it for it in items if it["airframe"] == af["airframe"]),
            key=lambda it: (rank[it["kind"]], it["id"]),
        )
        result.append(
            {
                "type": "airframe",
                "spec": spec_of[af["model"]],
                "airframe": af,
                "items": mine,
                "out": str(out),
            }
        )
    for it in sorted((it for it in items if it["airframe"] is None), key=lambda it: it["id"]):
        it = dict(it, spec=spec_of.get(it["model"]))
        result.append({"type": it["kind"], "item": it, "out": str(out)})
    return result


def run_task(task: dict) -> list:
    """Worker entry point."""
    if task["type"] == "airframe":
        return shots.airframe_task(task)
    out = Path(task["out"])
    it = task["item"]
    entry = (
        negatives.scene(it, out)
        if task["type"] == "scene"
        else negatives.wide(it, out, skin.model_maps)
    )
    return [(it["id"], entry, None)]


def view_change(a: dict, b: dict) -> float:
    """Angle between two shots' optical axes, in degrees."""
    da, db = np.asarray(a["view"]["camera_dir"]), np.asarray(b["view"]["camera_dir"])
    return float(
        np.degrees(
            np.arccos(np.clip(np.dot(da, db) / np.linalg.norm(da) / np.linalg.norm(db), -1, 1))
        )
    )


def make_pairs(media: dict, fps: dict, rng: np.random.Generator) -> list[dict]:
    """All same-airframe and same-model pairs of identifying close-ups, plus a sample of other-
    model ones.
    """
    ids = sorted(i for i, m in media.items() if m["identifying"])
    shape = (int(skin.SKIN_H / 0.005), int(skin.SKIN_W / 0.005))
    unpack = {
        i: np.unpackbits(fps[i])[: shape[0] * shape[1]].reshape(shape).astype(bool) for i in ids
    }
    same, other = [], []
    for a, b in itertools.combinations(ids, 2):
        ma, mb = media[a], media[b]
        rel = (
            "same_airframe"
            if ma["airframe"] == mb["airframe"]
            else "same_model"
            if ma["model"] == mb["model"]
            else "other_model"
        )
        (same if rel != "other_model" else other).append((a, b, rel))
    chosen = [
        other[i]
        for i in sorted(rng.choice(len(other), min(N_OTHER_PAIRS, len(other)), replace=False))
    ]
    return [
        {
            "a": a,
            "b": b,
            "relation": rel,
            "view_change_deg": round(view_change(media[a], media[b]), 2),
            "overlap": round(shots.overlap(unpack[a], unpack[b]), 3),
        }
        for a, b, rel in same + chosen
    ]


def claim_order(media: dict, rng: np.random.Generator) -> list[str]:
    """Shuffle media, then swap so no two neighbours show the same airframe or model."""
    order = [sorted(media)[i] for i in rng.permutation(len(media))]

    def key(i):
        return media[i]["model"]

    for _ in range(5):
        for k in range(1, len(order)):
            if key(order[k]) is not None and key(order[k]) == key(order[k - 1]):
                for j in range(k + 1, len(order)):
                    if key(order[j]) != key(order[k - 1]) and (
                        j + 1 >= len(order) or key(order[j + 1]) != key(order[k])
                    ):
                        order[k], order[j] = order[j], order[k]
                        break
    return order


def write_manifest(out: Path, media: dict, rng: np.random.Generator) -> None:
    """One claim per medium, a day apart, in shuffled order, from a handful of claiming groups."""
    t0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    with open(out / "manifest.jsonl", "w") as f:
        for n, mid in enumerate(claim_order(media, rng)):
            claim = {
                "claim_id": f"CS-{n + 1:04d}",
                "group": f"G{int(rng.integers(1, 7))}",
                "claimed_at": (t0 + timedelta(days=n)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "media": [media[mid]["file"]],
            }
            f.write(json.dumps(claim) + "\n")


def contact_sheet(out: Path, media: dict, n_per_kind: int = 8) -> None:
    """Thumbnails of up to 8 media of each kind, labelled with kind/airframe (for eyeballing)."""
    kinds = ["closeup_marks", "closeup_serial", "closeup_blurred", "far", "wide", "scene"]
    thumbs = []
    for kind in kinds:
        ids = sorted(i for i, m in media.items() if m["kind"] == kind)[:n_per_kind]
        for i in ids:
            img = first_frame(out / media[i]["file"])
            t = np.zeros((180, 240, 3), np.uint8)
            s = min(240 / img.shape[1], 180 / img.shape[0])
            r = cv2.resize(
                img, (int(img.shape[1] * s), int(img.shape[0] * s)), interpolation=cv2.INTER_AREA
            )
            t[(180 - r.shape[0]) // 2 :][: r.shape[0], (240 - r.shape[1]) // 2 :][
                :, : r.shape[1]
            ] = r
            name = media[i]["airframe"] or media[i]["model"] or ""
            tag = " V" if media[i]["video"] else ""
            label = f"{i} {kind.replace('closeup_', 'c_')} {name}{tag}"
            cv2.rectangle(t, (0, 0), (240, 16), (0, 0, 0), -1)
            cv2.putText(
                t, label, (3, 12), cv2.FONT_HERSHEY_SIMPLEX, 0.38, (255, 255, 255), 1, cv2.LINE_AA
            )
            thumbs.append(t)
    while len(thumbs) % 8:
        thumbs.append(np.zeros_like(thumbs[0]))
    rows = [np.hstack(thumbs[k : k + 8]) for k in range(0, len(thumbs), 8)]
    cv2.imwrite(str(out / "contact_sheet.jpg"), np.vstack(rows), [cv2.IMWRITE_JPEG_QUALITY, 88])


def truth_entry(it: dict, entry: dict) -> dict:
    """Merge a planned item with what rendering measured into the truth record."""
    kind = it["kind"]
    ident = kind in ("closeup_marks", "closeup_serial")
    w, h = it["size"]
    return {
        "file": it["file"],
        "kind": kind,
        "identifying": ident,
        "airframe": it["airframe"],
        "model": it["model"],
        "serial": entry.get("serial"),
        "video": it["video"],
        "width": entry.get("width", w),
        "height": entry.get("height", h),
        **({"source": entry["source"]} if "source" in entry else {}),
        "view": entry["view"],
    }


def build(out: Path, seed: int, workers: int) -> dict:
    """Make the whole set under ``out`` and return the summary."""
    t0 = time.time()
    (out / "media").mkdir(parents=True, exist_ok=True)
    for old in (out / "media").iterdir():
        old.unlink()
    models, airframes, items = plan(seed)
    by_id = {it["id"]: it for it in items}
    work = tasks(models, airframes, items, out)
    media, fps = {}, {}
    with mp.get_context("fork").Pool(workers) as pool:
        for results in pool.imap_unordered(run_task, work):
            for mid, entry, fp in results:
                media[mid] = truth_entry(by_id[mid], entry)
                if fp is not None:
                    fps[mid] = fp
    media = dict(sorted(media.items()))
    rng = np.random.default_rng([seed, 7])
    pairs = make_pairs(media, fps, rng)
    truth = {
        "seed": seed,
        "models": {
            m["model"]: {"paint": m["paint"], "radius_m": m["radius"], "shape": m["shape"]}
            for m in models
        },
        "airframes": {
            a["airframe"]: {"model": a["model"], "serial": a["serial"]} for a in airframes
        },
        "media": media,
        "pairs": pairs,
    }
    (out / "truth.json").write_text(json.dumps(truth, indent=1))
    write_manifest(out, media, rng)
    contact_sheet(out, media)
    return {
        "out": str(out),
        "seed": seed,
        "media": len(media),
        "kinds": dict(sorted(Counter(m["kind"] for m in media.values()).items())),
        "identifying": sum(m["identifying"] for m in media.values()),
        "videos": sum(m["video"] for m in media.values()),
        "pairs": dict(sorted(Counter(p["relation"] for p in pairs).items())),
        "min_same_airframe_overlap": min(
            p["overlap"] for p in pairs if p["relation"] == "same_airframe"
        ),
        "bytes": sum(f.stat().st_size for f in out.rglob("*") if f.is_file()),
        "seconds": round(time.time() - t0, 1),
    }


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--seed", type=int, default=20261201)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args(argv)
    out = args.out if args.out.is_absolute() else Path.cwd() / args.out
    print(json.dumps(build(out, args.seed, args.workers), indent=1))


if __name__ == "__main__":
    main()
