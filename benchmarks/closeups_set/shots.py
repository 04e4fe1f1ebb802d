"""Shots of one airframe: identifying close-ups (stills and videos), blurred close-ups, far views.

Close-up views are drawn at random and kept only when they meet the set's
contract, checked on a coarse ray-cast before the full render: skin covers
>= 62 % of the frame, the finest mark is >= 2.1 px wide, the serial is either
fully in frame and legible (``closeup_serial``) or wholly out of frame
(``closeup_marks``), and the shot overlaps every earlier shot of the airframe
by >= 50 % of the smaller footprint.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from . import render, skin
from .media import save_still, save_video
from .sources import SKY, photo, random_crop

COARSE = 8
N_TRIES = 400


def overlap(a: np.ndarray, b: np.ndarray) -> float:
    """Shared skin area of two footprints as a share of the smaller one."""
    return float((a & b).sum() / max(1, min(a.sum(), b.sum())))


def _box_share(fp: np.ndarray, box, margin: float) -> float:
    """Share of the 5 mm cells of a (u0, v0, u1, v1) box (grown by ``margin`` m) that a footprint
    shows.
    """
    cell = 0.005
    x0, y0 = skin.tex_xy(box[0] - margin, box[1] - margin)
    x1, y1 = skin.tex_xy(box[2] + margin, box[3] + margin)
    k = cell / skin.TEX_M
    sub = fp[int(y0 / k) : int(np.ceil(y1 / k)), int(x0 / k) : int(np.ceil(x1 / k))]
    return float(sub.mean()) if sub.size else 0.0


def propose(rng: np.random.Generator, spec: dict, af: dict, size, want: str, relax: float) -> dict:
    """A random view: tilt <= 30 deg from the reference (normal) view, roll <= 15 deg, scale
    0.7-1.4.
    """
    w, h = size
    hfov = rng.uniform(45, 70)
    f = (max(w, h) / 2) / np.tan(np.deg2rad(hfov / 2))
    yaw, pitch = rng.uniform(-30, 30), rng.uniform(-22, 22)
    tilt = np.hypot(yaw, pitch)
    if tilt > 30:
        yaw, pitch = yaw * 30 / tilt, pitch * 30 / tilt
    scale = rng.uniform(0.7, 1.4)
    frame_m = af["frame_m"] * (1 - 0.4 * relax) / scale  # tighten framing if views keep failing
    mpp = frame_m / max(w, h)
    roi = np.asarray(spec["roi"])
    jit = rng.normal(0, 1, 2) * frame_m * 0.15 * (1 - relax)
    towards = np.asarray(spec["serial_at"]) - roi
    if want == "serial":
        target = roi + towards * rng.uniform(0.5, 1.2) + jit * 0.3
    else:
        target = roi + jit - towards * rng.uniform(0.2, 1.0)
    return {
        "size": [int(w), int(h)],
        "f": float(f),
        "hfov_deg": float(hfov),
        "yaw_deg": float(yaw),
        "pitch_deg": float(pitch),
        "roll_deg": float(rng.uniform(-15, 15)),
        "scale": float(scale),
        "target": [float(target[0]), float(target[1])],
        "dist_m": float(mpp * f),
    }


def _camera(spec: dict, view: dict):
    """The camera of ``view`` around the skin of ``spec``."""
    return render.camera(
        spec["radius"],
        view["target"],
        view["yaw_deg"],
        view["pitch_deg"],
        view["roll_deg"],
        view["dist_m"],
    )


def evaluate(spec: dict, view: dict, step: int):
    """Ray-cast a view: (cast, camera, skin cover, finest-mark width in px, footprint)."""
    cam = _camera(spec, view)
    w, h = view["size"]
    g = render.cast(cam, spec["radius"], w, h, view["f"], step)
    cover = float(g["mask"].mean())
    mpp = render.metres_per_px(g, step)
    worst = float(np.percentile(mpp[g["mask"]], 90)) if g["mask"].any() else 1.0
    return (
        g,
        cam,
        cover,
        skin.MIN_MARK_MM / 1000 / worst,
        render.footprint(g),
        float(np.median(mpp[g["mask"]])) if g["mask"].any() else 1.0,
    )


def choose_view(rng, spec, af, size, want, prev_fps, sharp: bool = True) -> tuple[dict, np.ndarray]:
    """Draw views until one meets the close-up contract (see module doc).

    If no view reaches 50 % overlap with every earlier shot, the best one above
    30 % is used (its real overlap is recorded in the pairs).
    """
    best = None
    for i in range(N_TRIES):
        view = propose(rng, spec, af, size, want, relax=i / N_TRIES)
        _, _, cover, mark_px, fp, med = evaluate(spec, view, COARSE)
        if cover < 0.62 or (sharp and mark_px < 2.1):
            continue
        if af["serial_box"] is not None:
            if want == "serial":
                if _box_share(fp, af["serial_box"], 0.005) < 0.999 or spec["serial_h"] / med < 20:
                    continue
            elif _box_share(fp, af["serial_box"], 0.015) > 0:
                continue
        worst = min((overlap(fp, p) for p in prev_fps), default=1.0)
        if worst >= 0.5:
            return view, fp
        if best is None or worst > best[0]:
            best = (worst, view, fp)
    if best is not None and best[0] >= 0.3:
        return best[1], best[2]
    raise RuntimeError(f"no view for {af['airframe']} ({want})")


def background(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    """Out-of-focus real photo behind the skin's edge (linear RGB)."""
    names = ("leuvenA", "building", "home", "gravel", "grass", "aero1")
    img = random_crop(photo(names[int(rng.integers(len(names)))]), rng, w, h)
    img = cv2.GaussianBlur(img, (0, 0), rng.uniform(3, 8))
    return render.to_linear(img) * np.float32(rng.uniform(0.5, 1.0))


def render_view(maps, spec, view, rng, pad: float = 1.0):
    """Full render of a view (optionally ``pad`` times larger, same focal length) in linear RGB,
    plus cast.
    """
    w, h = view["size"]
    W, H = int(w * pad) // 2 * 2, int(h * pad) // 2 * 2
    cam = _camera(spec, view)
    g = render.cast(cam, spec["radius"], W, H, view["f"])
    light = render.random_light(rng, cam, with_shadow=rng.random() < 0.4)
    rgb = render.shade(maps, g, cam, light, spec["gloss"] * rng.uniform(1, 3), spec["shininess"])
    alpha = cv2.GaussianBlur(g["mask"].astype(np.float32), (0, 0), 0.7)[..., None]
    rgb = np.where(g["mask"][..., None], rgb, 0) * alpha + background(rng, W, H) * (1 - alpha)
    return rgb.astype(np.float32), g, cam, light


def _crop_center(a: np.ndarray, w: int, h: int) -> np.ndarray:
    H, W = a.shape[:2]
    x0, y0 = (W - w) // 2, (H - h) // 2
    return a[y0 : y0 + h, x0 : x0 + w]


def handheld_frames(
    img: np.ndarray, rng: np.random.Generator, w: int, h: int, n: int, sigma: float
):
    """Frames of a handheld clip: slow pan plus smoothed jitter and slight roll over a padded
    render.
    """
    H, W = img.shape[:2]
    pan = rng.uniform(-1, 1, 2) * np.array([(W - w) * 0.35, (H - h) * 0.35])
    jit = np.cumsum(rng.normal(0, 0.6, (n, 3)), 0)
    jit = cv2.GaussianBlur(jit.astype(np.float32), (1, 0), sigmaX=0.1, sigmaY=4) if n > 3 else jit
    frames = []
    for i in range(n):
        t = i / max(1, n - 1) - 0.5
        dx, dy = pan * t + jit[i, :2]
        m = cv2.getRotationMatrix2D((W / 2, H / 2), float(jit[i, 2] * 0.15), 1.0)
        m[:, 2] += (-(W - w) / 2 + dx, -(H - h) / 2 + dy)
        fr = cv2.warpAffine(img, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
        frames.append(render.add_noise(fr, rng, sigma))
    return frames


def closeup(maps, spec, af, item, rng, prev_fps, out: Path) -> tuple[dict, np.ndarray]:
    """Render one identifying close-up (still or video) and return its truth entry and footprint."""
    want = "serial" if item["kind"] == "closeup_serial" else "marks"
    view, fp = choose_view(rng, spec, af, item["size"], want, prev_fps)
    blur = {"type": "defocus", "px": float(rng.uniform(0.3, 0.9))}
    return _render_item(maps, spec, af, item, view, blur, rng, out), fp


def blurred(maps, spec, af, item, rng, out: Path) -> dict:
    """A close-up framing ruined by heavy motion blur (15-45 px) or defocus (sigma 4-8)."""
    view, _ = choose_view(rng, spec, af, item["size"], "marks", [], sharp=False)
    if rng.random() < 0.6:
        blur = {
            "type": "motion",
            "px": float(rng.uniform(16, 45)),
            "angle": float(rng.uniform(0, 180)),
        }
    else:
        blur = {"type": "defocus", "px": float(rng.uniform(4.5, 8))}
    return _render_item(maps, spec, af, item, view, blur, rng, out)


def _render_item(maps, spec, af, item, view, blur, rng, out: Path) -> dict:
    """Render, develop and save a view; returns the truth entry (measured on the final frame)."""
    w, h = view["size"]
    look = render.random_look(rng)
    pad = 1.2 if item["video"] else 1.0
    rgb, g, cam, light = render_view(maps, spec, view, rng, pad)
    dev = render.develop(rgb, look, blur)
    if item["video"]:
        n = int(rng.integers(50, 101))
        save_video(out / item["file"], handheld_frames(dev, rng, w, h, n, look["noise"] * 0.6))
        g = {k: _crop_center(v, w, h) for k, v in g.items()}
    else:
        save_still(out / item["file"], render.add_noise(dev, rng, look["noise"]), item["quality"])
    mask = g["mask"]
    mpp = render.metres_per_px(g)
    mark_px = skin.MIN_MARK_MM / 1000 / float(np.percentile(mpp[mask], 90))
    serial_visible = item["kind"] == "closeup_serial"
    return {
        "serial": af["serial"] if serial_visible else None,
        "view": {
            "yaw_deg": round(view["yaw_deg"], 2),
            "pitch_deg": round(view["pitch_deg"], 2),
            "roll_deg": round(view["roll_deg"], 2),
            "scale": round(view["scale"], 3),
            "hfov_deg": round(view["hfov_deg"], 1),
            "mm_per_px": round(float(np.median(mpp[mask])) * 1000, 3),
            "target_uv_m": [round(x, 4) for x in view["target"]],
            "camera_dir": [round(float(x), 4) for x in cam["fwd"]],
            "lighting": {
                "light_pos_m": [round(float(x), 3) for x in light["pos"]],
                "ambient": [round(float(x), 3) for x in light["ambient"]],
                "colour": [round(float(x), 3) for x in light["colour"]],
                "shadow_edge": light["shadow"] is not None,
                **{
                    k: (round(v, 3) if isinstance(v, float) else [round(x, 3) for x in v])
                    for k, v in look.items()
                },
            },
            "skin_cover": round(float(mask.mean()), 3),
            "mark_px": round(mark_px, 2),
            "blur_px": round(blur["px"], 2),
            "blur_type": blur["type"],
        },
    }


# ---------------------------------------------------------------- far views

SHAPES = {
    "delta": [
        (0, -1),
        (0.12, -0.6),
        (0.95, 0.55),
        (0.95, 0.75),
        (0.15, 0.6),
        (0.1, 0.8),
        (-0.1, 0.8),
        (-0.15, 0.6),
        (-0.95, 0.75),
        (-0.95, 0.55),
        (-0.12, -0.6),
    ],
    "plane": [
        (0, -1),
        (0.07, -0.85),
        (0.07, -0.2),
        (1, -0.1),
        (1, 0.05),
        (0.07, 0.1),
        (0.06, 0.7),
        (0.35, 0.85),
        (0.35, 0.95),
        (0, 0.9),
        (-0.35, 0.95),
        (-0.35, 0.85),
        (-0.06, 0.7),
        (-0.07, 0.1),
        (-1, 0.05),
        (-1, -0.1),
        (-0.07, -0.2),
        (-0.07, -0.85),
    ],
}


def silhouette(shape: str, span_px: float, rng: np.random.Generator) -> np.ndarray:
    """Antialiased mask of a drone seen from below/side: random heading and foreshortening."""
    s = 4
    n = int(span_px * 1.2) + 4
    m = np.zeros((n * s, n * s), np.uint8)
    rot = np.deg2rad(rng.uniform(0, 360))
    squash = rng.uniform(0.45, 1.0)
    R = np.array([[np.cos(rot), -np.sin(rot)], [np.sin(rot), np.cos(rot)]])

    def to_px(pts):
        p = np.asarray(pts, float) * (span_px / 2) * np.array([1, squash])
        return np.round(((p @ R.T) + n / 2) * s).astype(np.int32)

    if shape == "quad":
        for a in (45, 135, 225, 315):
            e = np.array([np.cos(np.deg2rad(a)), np.sin(np.deg2rad(a))]) * 0.7
            cv2.line(
                m,
                tuple(to_px([[0, 0]])[0]),
                tuple(to_px([e])[0]),
                255,
                max(1, int(span_px * 0.06 * s)),
                cv2.LINE_AA,
            )
            c = to_px([e])[0]
            cv2.ellipse(
                m,
                tuple(c),
                (int(span_px * 0.22 * s), int(span_px * 0.22 * s * squash)),
                np.rad2deg(rot),
                0,
                360,
                150,
                -1,
                cv2.LINE_AA,
            )
        cv2.fillPoly(
            m, [to_px([(-0.2, -0.25), (0.2, -0.25), (0.2, 0.25), (-0.2, 0.25)])], 255, cv2.LINE_AA
        )
    else:
        cv2.fillPoly(m, [to_px(SHAPES[shape])], 255, cv2.LINE_AA)
    return cv2.resize(m, (n, n), interpolation=cv2.INTER_AREA).astype(np.float32) / 255


def composite_drone(
    bg_lin: np.ndarray, maps: dict, shape: str, span_px: float, xy, rng
) -> tuple[np.ndarray, float]:
    """Paste a small skin-textured, shaded drone silhouette into a linear-RGB scene; returns image,
    cover.
    """
    mask = silhouette(shape, span_px, rng)
    n = mask.shape[0]
    tex = cv2.resize(
        maps["albedo"], (n, int(n * skin.TH / skin.TW) + 1), interpolation=cv2.INTER_AREA
    )
    tex = cv2.resize(tex, (n, n)) ** 2.2
    shade = np.linspace(rng.uniform(0.5, 0.9), rng.uniform(0.9, 1.3), n, dtype=np.float32)[
        :, None, None
    ]
    obj = tex * shade * np.float32(rng.uniform(0.4, 1.0))
    obj = cv2.GaussianBlur(obj, (0, 0), 0.6)
    h, w = bg_lin.shape[:2]
    x0, y0 = int(xy[0] - n / 2), int(xy[1] - n / 2)
    full = np.zeros((h, w), np.float32)
    skin.stamp(full, mask, x0, y0, 1.0)
    layer = np.zeros_like(bg_lin)
    xa, ya, xb, yb = max(0, x0), max(0, y0), min(w, x0 + n), min(h, y0 + n)
    layer[ya:yb, xa:xb] = obj[ya - y0 : yb - y0, xa - x0 : xb - x0]
    out = bg_lin * (1 - full[..., None]) + layer * full[..., None]
    return out, float(full.mean())


def far(maps, spec, af, item, rng, out: Path) -> dict:
    """The whole airframe small against a real sky/scene photo: < 15 % of the frame, marks
    unresolvable.
    """
    w, h = item["size"]
    src = SKY[int(rng.integers(len(SKY)))]
    bg = render.to_linear(random_crop(photo(src), rng, w, h, zoom=(1.0, 1.3)))
    span = rng.uniform(0.18, 0.4) * min(w, h)
    xy = (rng.uniform(0.3, 0.7) * w, rng.uniform(0.25, 0.6) * h)
    img, cover = composite_drone(bg, maps, spec["shape"], span, xy, rng)
    look = render.random_look(rng)
    look["gain"], look["gamma"] = 1.0, 1.0
    blur = {"type": "defocus", "px": float(rng.uniform(0.4, 1.2))}
    save_still(out / item["file"], render.finish(img, rng, look, blur), item["quality"])
    span_m = 2.5
    return {
        "serial": None,
        "source": src,
        "view": {
            "skin_cover": round(cover, 4),
            "mark_px": round(skin.MIN_MARK_MM / (span_m * 1000 / span), 3),
            "blur_px": round(blur["px"], 2),
            "span_px": round(span, 1),
        },
    }


def airframe_task(task: dict) -> list[tuple[str, dict, np.ndarray | None]]:
    """All media of one airframe (run in a worker): returns (media_id, truth fields, footprint)."""
    spec, af, items, out = task["spec"], dict(task["airframe"]), task["items"], Path(task["out"])
    maps = skin.airframe_maps(spec, af)
    rng = np.random.default_rng(af["seed"] + 1)
    results, fps = [], []
    for item in items:
        irng = np.random.default_rng(item["seed"])
        if item["kind"].startswith("closeup_") and item["kind"] != "closeup_blurred":
            entry, fp = closeup(maps, spec, af, item, irng, fps, out)
            fps.append(fp)
        elif item["kind"] == "closeup_blurred":
            entry, fp = blurred(maps, spec, af, item, irng, out), None
        else:
            entry, fp = far(maps, spec, af, item, irng, out), None
        results.append((item["id"], entry, np.packbits(fp) if fp is not None else None))
    del rng
    return results
