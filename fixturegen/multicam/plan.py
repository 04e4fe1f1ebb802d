"""The plan of the multi-camera set: sites, launch groups, launches, camera posts, takes.

Everything is drawn from the set's seed, in a fixed order, so one seed is one
set. The structure is fixed by :data:`GROUPS`: six launch sites, each with
two or three **groups** of launches (one group: launches minutes apart on
one day, the launcher moved a few metres between them, filmed from a pool of
camera posts that the people filming keep), at different times of day; and
four single-clip sites for unrelated footage.

A **post** is where someone films from: on the ground 40-150 m from the
launcher, on the ground 200-800 m away (zoomed), on a roof of one of the
site's tall buildings (10-20 m up), or on a hill (20-60 m up, 150-800 m
away); posts of a group are at least 20 degrees apart around the launcher and
see it (no building or tree in the way). Each launch is filmed from 2-4 of
its group's posts; a **take** is one such recording: the person a metre or so
from the post, their own framing, zoom, hand, phone and clock (each camera
starts recording at its own moment), and its sound (or none).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from ..launch import Event
from ..scene import look_at
from .camera import Hand, Rig, ZoomRamp, aim
from .picture import Phone
from .sound import Acoustics, Edit, Mic
from .world import LIGHTINGS, PERIOD, SiteLayout, make_site, sight_clear

SET_FORMAT = 1
DEFAULT_SEED = 20250117

# site id, theme, groups in time order: (lighting, number of launches)
GROUPS: tuple[tuple[str, str, tuple[tuple[str, int], ...]], ...] = (
    ("S1", "farm", (("day", 3), ("night", 3), ("dusk", 2))),
    ("S2", "yard", (("dusk", 3), ("day", 3), ("night", 2))),
    ("S3", "village", (("overcast", 3), ("night", 3))),
    ("S4", "desert", (("day_hazy", 3), ("dusk", 3))),
    ("S5", "airfield", (("night", 3), ("day", 3))),
    ("S6", "compound", (("day", 2), ("dusk", 3))),
)
# unrelated footage: one clip per site (the last one shows no launch)
UNRELATED: tuple[tuple[str, str, str, bool], ...] = (
    ("U1", "village", "day", True),
    ("U2", "desert", "dusk", True),
    ("U3", "yard", "night", True),
    ("U4", "farm", "overcast", False),
)

SIZE_LANDSCAPE = (640, 360)
FPS_CHOICES = (Fraction(30), Fraction(30), Fraction(30000, 1001), Fraction(25), Fraction(24))
MAIN_HALF_FOV = {False: 33.0, True: 20.0}  # a phone's main lens, half its horizontal field


def sub_rng(seed: int, *keys: str) -> np.random.Generator:
    """An independent generator for ``keys`` under the set's ``seed``."""
    return np.random.default_rng([seed, *(zlib.crc32(k.encode()) for k in keys)])


def sub_seed(seed: int, *keys: str) -> int:
    return int(sub_rng(seed, *keys).integers(0, 2**31 - 1))


@dataclass(frozen=True)
class Post:
    id: str
    kind: str  # "ground" | "roof" | "hill"
    position: tuple[float, float, float]
    far: bool


@dataclass(frozen=True)
class Group:
    id: str  # e.g. "S1g0"
    site: str
    theme: str
    lighting: str
    launches: tuple[Event, ...]
    posts: tuple[Post, ...]


@dataclass(frozen=True)
class Take:
    """One recording and everything needed to make it."""

    clip: str  # the file's stem
    site: str
    theme: str
    group: str
    launch: str | None
    event: Event | None
    post: Post
    position: tuple[float, float, float]
    azimuth_deg: float  # bearing of the camera from the launcher (clockwise from north)
    distance_m: float
    bearing_from_rail_deg: float
    lighting: str
    rig: Rig
    phone: Phone
    fps: Fraction
    frames: int
    launch_media_t: float | None  # when the flash is seen, media time
    clock_start_s: float  # the group's world time at media time 0
    crf: int
    sound_kind: str  # "field" | "music_over" | "music_only" | "none"
    acoustics: Acoustics | None
    mic: Mic | None
    edit: Edit | None
    audio_rate: int
    audio_bitrate: int

    @property
    def duration_s(self) -> float:
        return self.frames / float(self.fps)

    @property
    def path(self) -> str:
        return f"media/{self.clip}.mp4"


def site_seed(seed: int, site: str) -> int:
    return sub_seed(seed, "site", site)


def layout_of(seed: int, site: str, theme: str) -> SiteLayout:
    return make_site(site, theme, site_seed(seed, site))


# ------------------------------------------------------------------ launches and posts


def _launches(seed: int, site: str, gid: str, lighting: str, count: int, centre) -> list[Event]:
    rng = sub_rng(seed, "launches", gid)
    base = np.array([centre[0] + rng.uniform(-5, 5), centre[1] + rng.uniform(-5, 5)])
    heading = float(rng.uniform(0, 360))
    t = float(rng.uniform(30, 60))
    out = []
    pos = base.copy()
    for k in range(count):
        if k:
            step = rng.uniform(2.0, 6.0)
            a = rng.uniform(0, 2 * np.pi)
            pos = pos + step * np.array([np.cos(a), np.sin(a)])
            t += float(rng.uniform(150, 480))  # minutes apart
        grey = float(rng.uniform(0.5, 0.64))
        out.append(
            Event(
                f"{gid}L{k}",
                site,
                LIGHTINGS[lighting],
                (float(pos[0]), float(pos[1]), 1.9),
                float((heading + rng.uniform(-10, 10)) % 360),
                float(rng.uniform(14, 19)),
                round(t, 3),
                f"AF-{gid}{k}",
                turn_deg_s=float(rng.uniform(-7, 7)),
                climb_deg=float(rng.uniform(8, 14)),
                accel=float(rng.uniform(18, 26)),
                top_speed=float(rng.uniform(40, 50)),
                wind=(float(rng.normal(0, 1.5)), float(rng.normal(0, 1.5)), 0.0),
                seed=sub_seed(seed, "event", gid, str(k)),
                colour=(grey, grey * float(rng.uniform(0.98, 1.03)), grey * 0.96),
                flash_m=float(rng.uniform(0.5, 1.1)),
            )
        )
    return out


def _apart(az: float, others: list[float], least: float = 20.0) -> bool:
    return all(abs((az - o + 180) % 360 - 180) >= least for o in others)


def _posts(seed: int, gid: str, layout: SiteLayout, launchers: list[tuple], n: int) -> list[Post]:
    """``n`` posts at least 20 degrees apart that see every launcher of the group."""
    rng = sub_rng(seed, "posts", gid)
    centre = np.mean(np.asarray(launchers)[:, :2], axis=0)
    posts: list[Post] = []
    azimuths: list[float] = []
    kinds = ("ground", "ground_far", "roof", "hill")
    probs = (0.4, 0.15, 0.25, 0.2)
    tall = [
        b
        for b in layout.buildings
        if b.height >= 9.0 and 35 <= np.hypot(b.cx - centre[0], b.cy - centre[1]) <= 230
    ]
    tries = 0
    while len(posts) < n and tries < 4000:
        tries += 1
        kind = kinds[int(rng.choice(4, p=probs))]
        if kind == "roof":
            if not tall:
                continue
            b = tall[int(rng.integers(0, len(tall)))]
            ax, ay = b.axes
            to_c = centre - np.array([b.cx, b.cy])
            lx, ly = float(to_c @ ax), float(to_c @ ay)
            # the roof's point nearest the launcher, a metre in from its edge
            px = np.clip(lx, -b.hx + 1.0, b.hx - 1.0)
            py = np.clip(ly, -b.hy + 1.0, b.hy - 1.0)
            p = np.array([b.cx, b.cy]) + ax * px + ay * py
            z = b.height + float(rng.uniform(1.4, 1.8))
        else:
            az = float(rng.uniform(0, 360))
            if kind == "ground":
                d, z = float(rng.uniform(40, 150)), float(rng.uniform(1.4, 1.8))
            elif kind == "ground_far":
                d, z = float(rng.uniform(200, 800)), float(rng.uniform(1.4, 1.8))
            else:
                d, z = float(rng.uniform(150, 800)), float(rng.uniform(20, 60))
            p = centre + d * np.array([np.sin(np.radians(az)), np.cos(np.radians(az))])
            if any(b.contains(float(p[0]), float(p[1]), 3.0) for b in layout.buildings):
                continue
        rel = p - centre
        az = float(np.degrees(np.arctan2(rel[0], rel[1])) % 360)
        if not _apart(az, azimuths):
            continue
        eye = (float(p[0]), float(p[1]), z)
        if not all(
            sight_clear(layout, eye, (L[0], L[1], 2.2))
            and sight_clear(layout, eye, (L[0], L[1], 12.0))
            for L in launchers
        ):
            continue
        far = float(np.hypot(*rel)) >= 200
        posts.append(Post(f"p{len(posts)}", "ground" if kind == "ground_far" else kind, eye, far))
        azimuths.append(az)
    if len(posts) < n:
        raise RuntimeError(f"{gid}: only {len(posts)} camera posts found")
    return posts


def groups(seed: int) -> list[Group]:
    """Every launch group of the set, unrelated sites last (one group, one launch each)."""
    out = []
    for site, theme, spec in GROUPS:
        layout = layout_of(seed, site, theme)
        for k, (lighting, count) in enumerate(spec):
            gid = f"{site}g{k}"
            rng = sub_rng(seed, "group", gid)
            centre = (float(rng.uniform(-6, 6)), float(rng.uniform(-6, 6)))
            launches = _launches(seed, site, gid, lighting, count, centre)
            n_posts = int(rng.integers(5, 8))
            posts = _posts(seed, gid, layout, [ev.launcher for ev in launches], n_posts)
            out.append(Group(gid, site, theme, lighting, tuple(launches), tuple(posts)))
    for site, theme, lighting, with_launch in UNRELATED:
        layout = layout_of(seed, site, theme)
        gid = f"{site}g0"
        launches = _launches(seed, site, gid, lighting, 1, (0.0, 0.0))
        posts = _posts(seed, gid, layout, [ev.launcher for ev in launches], 1)
        out.append(
            Group(gid, site, theme, lighting, tuple(launches) if with_launch else (), tuple(posts))
        )
    return out


# ------------------------------------------------------------------ takes


def _take(seed: int, g: Group, ev: Event | None, post: Post, world_t: float) -> Take:
    key = f"{ev.id if ev else g.id}-{post.id}"
    rng = sub_rng(seed, "take", key)
    launcher = ev.launcher if ev is not None else (0.0, 0.0, 1.9)
    jitter = rng.normal(0, 0.8, 2) if post.kind != "roof" else rng.normal(0, 0.3, 2)
    position = (
        post.position[0] + float(jitter[0]),
        post.position[1] + float(jitter[1]),
        post.position[2],
    )
    rel = np.asarray(position[:2]) - np.asarray(launcher[:2])
    dist = float(np.hypot(*rel))
    azimuth = float(np.degrees(np.arctan2(rel[0], rel[1])) % 360)
    heading = ev.heading_deg if ev is not None else 0.0
    bearing = float((azimuth - heading + 180) % 360 - 180)
    portrait = bool(rng.random() < 0.3)
    width, height = SIZE_LANDSCAPE[::-1] if portrait else SIZE_LANDSCAPE
    fps = FPS_CHOICES[int(rng.integers(0, len(FPS_CHOICES)))]
    # framing: the launch area spans this much of the frame's width
    span = float(rng.uniform(30, 100) if dist < 200 else rng.uniform(50, 170))
    if portrait:
        span *= 0.6
    hfov = float(np.degrees(2 * np.arctan(span / 2 / dist)))
    hfov = float(np.clip(hfov, 2.5, 2 * MAIN_HALF_FOV[portrait]))
    zoom_total = np.tan(np.radians(MAIN_HALF_FOV[portrait])) / np.tan(np.radians(hfov / 2))
    optical = 3.0 if zoom_total >= 3.0 and rng.random() < 0.5 else 1.0
    x_frac = float(rng.uniform(0.3, 0.7))
    y_frac = float(rng.uniform(0.55, 0.78))
    yaw, pitch = aim(position, launcher, hfov, width, height, x_frac, y_frac)
    steady = 1.0 / np.sqrt(max(1.0, zoom_total / 3.0))
    bumps = tuple(
        (float(rng.uniform(0.5, 11.0)), *(float(v) for v in rng.normal(0, 1.2, 3) * steady))
        for _ in range(int(rng.integers(0, 3)))
    )
    follow = 0.0 if rng.random() < 0.4 or ev is None else float(rng.uniform(0.2, 0.8))
    hand = Hand(
        wander_deg=float(rng.uniform(0.4, 3.0) * steady),
        roll_deg=float(np.clip(rng.normal(0, 2.5), -7, 7)),
        roll_wander_deg=float(rng.uniform(0.3, 2.5)),
        tremor_deg=float(rng.uniform(0.03, 0.22) * steady),
        bumps=bumps,
        follow=follow,
        follow_lag_s=float(rng.uniform(0.3, 0.9)),
        seed=sub_seed(seed, "hand", key),
    )
    # duration and when the launch is seen: its sound must arrive inside the clip
    delay = dist / 343.0
    duration = float(rng.uniform(6.0, 12.0))
    latest = duration - 3.2 - delay
    if latest < 1.2:
        duration = min(12.0, 1.2 + 3.2 + delay + float(rng.uniform(0.3, 1.5)))
        latest = duration - 3.2 - delay
    t_launch = float(rng.uniform(1.2, max(1.2, latest)))
    frames = round(duration * float(fps))
    duration = frames / float(fps)
    zoom = ZoomRamp()
    if rng.random() < 0.35:
        factor = (
            float(rng.uniform(1.4, 2.5)) if rng.random() < 0.7 else 1 / float(rng.uniform(1.3, 2.0))
        )
        t0 = (
            (t_launch + float(rng.uniform(0.3, 2.5)))
            if (rng.random() < 0.5 and ev)
            else float(rng.uniform(0.0, duration - 1.0))
        )
        zoom = ZoomRamp(1.0, factor, t0, t0 + float(rng.uniform(0.6, 2.0)))
    rig = Rig(position, yaw, pitch, width, height, hfov, hand, zoom)
    period = PERIOD[g.lighting]
    shutter = {"day": (1 / 250, 1 / 60), "dusk": (1 / 60, 1 / 30), "night": (1 / 30, 1 / 20)}
    phone = Phone(
        wb=(float(1 + rng.normal(0, 0.04)), 1.0, float(1 + rng.normal(0, 0.04))),
        gamma=float(rng.uniform(0.95, 1.15)),
        contrast=float(rng.uniform(0.0, 0.35)),
        vignette=float(rng.uniform(0.1, 0.35)),
        blur=float(rng.uniform(0.0, 0.5)),
        zoom_softness=float(rng.uniform(0.2, 0.5)),
        optical_zoom=optical,
        noise=float(rng.uniform(1.2, 3.0)),
        target=float(rng.uniform(0.30, 0.42)),
        max_gain=float(rng.uniform(3, 7)),
        ae_down_s=float(rng.uniform(0.06, 0.2)),
        ae_up_s=float(rng.uniform(0.4, 1.2)),
        shutter_s=float(rng.uniform(*shutter[period])),
        seed=sub_seed(seed, "phone", key),
    )
    r = rng.random()
    sound_kind = (
        "none" if r < 0.12 else "music_only" if r < 0.20 else "music_over" if r < 0.35 else "field"
    )
    acoustics = mic = edit = None
    stereo = bool(rng.random() < 0.4)
    rate = 48000 if rng.random() < 0.7 else 44100
    bitrate = int(rng.choice([96000, 128000]) if stereo else rng.choice([64000, 96000]))
    if sound_kind != "none":
        hs, hc = 2.0, position[2]
        ground_ms = (np.hypot(dist, hc + hs) - np.hypot(dist, hc - hs)) / 343.0 * 1000
        busy = g.theme in ("village", "compound", "yard")
        acoustics = Acoustics(
            ground_delay_ms=float(ground_ms),
            ground_gain=float(rng.uniform(0.4, 0.8)),
            early=tuple(
                (float(rng.uniform(3, 60)), float(rng.uniform(0.1, 0.5) * rng.choice([-1, 1])))
                for _ in range(int(rng.integers(2, 9)))
            ),
            echoes=tuple(
                (float(2 * rng.uniform(15, 120) / 343 * 1000), float(rng.uniform(0.1, 0.45)))
                for _ in range(int(rng.integers(1 if busy else 0, 4)))
            ),
            rt60_s=float(rng.uniform(0.2, 1.0)),
            tail_level=float(rng.uniform(0.02, 0.25)),
        )
        voices = int(rng.choice([0, 1, 2], p=[0.55, 0.3, 0.15]))
        mic = Mic(
            channels=2 if stereo else 1,
            wind_rms=float(np.exp(rng.uniform(np.log(0.01), np.log(0.35)))),
            overload=float(rng.uniform(1.5, 4.0)),
            voices=voices,
            shout_after_s=float(rng.uniform(0.3, 1.5)) if rng.random() < 0.3 else None,
            agc_target=float(rng.uniform(0.08, 0.2)),
            agc_max_gain=float(rng.uniform(3, 15)),
            agc_release_s=float(rng.uniform(0.4, 2.0)),
            seed=sub_seed(seed, "mic", key),
        )
        edit = Edit()
        if sound_kind != "field":
            edit = Edit(
                sound_kind,
                "beat" if rng.random() < 0.6 else "chant",
                float(rng.uniform(-10, 2)),
                float(rng.uniform(0.3, 1.0)),
                sub_seed(seed, "music", key),
            )
    clip = f"{ev.id if ev else g.id + 'X'}-{post.id}"
    return Take(
        clip,
        g.site,
        g.theme,
        g.id,
        ev.id if ev else None,
        ev,
        post,
        position,
        azimuth,
        dist,
        bearing,
        g.lighting,
        rig,
        phone,
        fps,
        frames,
        t_launch if ev else None,
        world_t - t_launch,
        int(rng.integers(20, 29)),
        sound_kind,
        acoustics,
        mic,
        edit,
        rate,
        bitrate,
    )


def takes(seed: int = DEFAULT_SEED) -> list[Take]:
    """Every recording of the set, group by group."""
    out = []
    for g in groups(seed):
        if not g.launches:  # unrelated footage without a launch
            out.append(_take(seed, g, None, g.posts[0], 100.0))
            continue
        for ev in g.launches:
            rng = sub_rng(seed, "cameras", ev.id)
            if g.id.startswith("U"):
                chosen = [g.posts[0]]
            else:
                n = int(rng.choice([2, 3, 4], p=[0.3, 0.4, 0.3]))
                chosen = [
                    g.posts[int(i)] for i in sorted(rng.choice(len(g.posts), n, replace=False))
                ]
            out.extend(_take(seed, g, ev, post, ev.launch_t) for post in chosen)
    return out


# ------------------------------------------------------------------ ground truth


def clip_truth(t: Take) -> dict:
    """What one clip shows and how it was made."""
    _, pitch = look_at(t.position, t.event.launcher if t.event else (0, 0, 1.9))
    return {
        "clip": t.clip,
        "path": t.path,
        "site": t.site,
        "theme": t.theme,
        "group": t.group,
        "launch": t.launch,
        "post": f"{t.group}-{t.post.id}",
        "camera": {
            "azimuth_deg": round(t.azimuth_deg, 2),
            "distance_m": round(t.distance_m, 1),
            "height_m": round(t.position[2], 1),
            "height_kind": t.post.kind,
            "far": t.post.far,
            "position": [round(v, 2) for v in t.position],
            "bearing_from_rail_deg": round(t.bearing_from_rail_deg, 1),
            "portrait": t.rig.height > t.rig.width,
            "hfov_deg": round(t.rig.hfov_deg, 2),
            "zoom": None
            if t.rig.zoom.start == t.rig.zoom.end
            else {
                "from": 1.0,
                "to": round(t.rig.zoom.end, 3),
                "t0_s": round(t.rig.zoom.t0, 3),
                "t1_s": round(t.rig.zoom.t1, 3),
            },
            "shake_deg": round(t.rig.hand.wander_deg, 2),
            "roll_deg": round(t.rig.hand.roll_deg, 2),
            "tremor_deg": round(t.rig.hand.tremor_deg, 3),
            "follows_drone": round(t.rig.hand.follow, 2),
            "elevation_to_launcher_deg": round(pitch, 2),
        },
        "lighting": t.lighting,
        "period": PERIOD[t.lighting],
        "width": t.rig.width,
        "height": t.rig.height,
        "fps": str(t.fps),
        "frames": t.frames,
        "duration_s": round(t.duration_s, 6),
        "clock_start_s": round(t.clock_start_s, 6),
        "launch_at_s": None if t.launch_media_t is None else round(t.launch_media_t, 6),
        "sound_at_s": None
        if t.launch_media_t is None or t.sound_kind in ("none", "music_only")
        else round(t.launch_media_t + t.distance_m / 343.0, 3),
        "sound": {
            "kind": t.sound_kind,
            "channels": t.mic.channels if t.mic else 0,
            "rate": t.audio_rate if t.mic else None,
            "bitrate": t.audio_bitrate if t.mic else None,
            "wind_rms": round(t.mic.wind_rms, 4) if t.mic else None,
            "voices": t.mic.voices if t.mic else 0,
            "shout": bool(t.mic and t.mic.shout_after_s is not None),
            "echoes": len(t.acoustics.echoes) if t.acoustics else 0,
            "rt60_s": round(t.acoustics.rt60_s, 2) if t.acoustics else None,
            "music_db": round(t.edit.music_db, 1) if t.edit and t.edit.kind != "none" else None,
        },
        "crf": t.crf,
    }


def pair_truth(a: Take, b: Take) -> dict:
    """The relation of two clips; for one launch, how their media times relate."""
    if a.launch is not None and a.launch == b.launch:
        rel = "same_launch"
    elif a.site == b.site:
        rel = "same_site_other_launch"
    else:
        rel = "unrelated"
    out: dict = {"a": a.path, "b": b.path, "relation": rel}
    if rel == "same_launch":
        # other media time = media time - offset_s (the README's offset_s, from a's side)
        out["offset_s"] = round(b.clock_start_s - a.clock_start_s, 6)
        out["sound_lag_s"] = round((a.distance_m - b.distance_m) / 343.0, 3)
    if rel != "unrelated":
        out["azimuth_apart_deg"] = round(abs((a.azimuth_deg - b.azimuth_deg + 180) % 360 - 180), 1)
        out["same_post"] = a.post.id == b.post.id and a.group == b.group
        out["same_group"] = a.group == b.group
    return out
