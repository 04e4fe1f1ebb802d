"""Which source footage is for tuning and which is held apart: fixed, written down.

The copy benchmark is split by *source footage*: every original cut from a
source, every copy made from it, every trap built on it and every composite
whose footage comes from it belong to the source's half (composites only
ever combine footage of one half). A unit (:data:`benchmarks.copies.sources.UNITS`)
is a source, or sources that share a place, or one rendered launch site.

- Half **A, "tuning"**: thresholds and parameters may be chosen on it.
- Half **B, "held-apart"**: results are reported on it; no parameter is ever
  chosen on it. Looking at its failures to decide what to change makes it a
  tuning half: don't.

The halves below were drawn once (2026-11-30) by :func:`draw` with seed 16,
stratified so that each half holds as many originals as the other, two
daytime launch sites and one night site, and then written down. They must
never change silently: :func:`check` fails when a unit is added, removed or
renamed without this list being edited, and a new unit goes to a half by an
edit of this file, recorded in its history (BENCHMARKS.md says which half is
which).
"""

from __future__ import annotations

TUNING, HELD_APART = "A", "B"
SEED = 16

HALVES: dict[str, tuple[str, ...]] = {
    "A": (
        "dog",
        "balle-jbart",
        "kphoto",
        "vtest",
        "realshort",
        "bikes",
        "cockatoo",
        "cyclist",
        "scene-C",
        "scene-B",
        "scene-E",
    ),
    "B": (
        "balle-vp9",
        "diver",
        "motion",
        "carphone",
        "shepard",
        "lab",
        "tree",
        "city",
        "scene-D",
        "scene-A",
        "scene-F",
    ),
}


def half_of(unit: str) -> str:
    for half, units in HALVES.items():
        if unit in units:
            return half
    raise KeyError(f"unit {unit!r} is in no half: add it to benchmarks/copies/split.py")


def check(units) -> None:
    """Every unit in exactly one half, and no half naming a unit that does not exist."""
    names = [u.name for u in units]
    listed = [n for half in HALVES.values() for n in half]
    missing = sorted(set(names) - set(listed))
    unknown = sorted(set(listed) - set(names))
    twice = sorted({n for n in listed if listed.count(n) > 1})
    if missing or unknown or twice:
        raise ValueError(
            f"benchmarks/copies/split.py is out of step with the sources: not split {missing}, "
            f"unknown {unknown}, in both halves {twice}"
        )


def draw(units, seed: int = SEED) -> dict[str, list[str]]:
    """How :data:`HALVES` was drawn (kept for the record, never called by the benchmark):
    a seeded shuffle of each stratum (real sources, daytime sites, night sites), each unit
    in turn going to the half with fewer originals so far (then fewer units, then A)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    by_name = {u.name: u for u in units}
    strata = [
        [u.name for u in units if u.kind == "real"],
        [u.name for u in units if u.kind == "render" and not u.cuts[0].night],
        [u.name for u in units if u.kind == "render" and u.cuts[0].night],
    ]
    halves: dict[str, list[str]] = {"A": [], "B": []}
    n = {"A": 0, "B": 0}
    for stratum in strata:
        for name in (str(x) for x in rng.permutation(stratum)):
            h = min("AB", key=lambda h: (n[h], len(halves[h]), h))
            halves[h].append(name)
            n[h] += len(by_name[name].cuts)
    return halves
