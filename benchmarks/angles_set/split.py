"""The split of the multi-camera set: half A tunes, half B judges.

    python -m benchmarks.angles_set.split [--set .bench/angles_set]   # the halves' sizes
    python -m benchmarks.angles_set.split --write                      # rewrite split.json

**Rule.** The unit is a *launch group*: the launches of one site on one day,
minutes apart, the launcher moved a few metres between them, filmed from one
pool of camera posts (``truth.json``: ``groups``). A group is never cut, so
every trap pair (another launch of the same group) lies inside one half.
Each site's groups, in time order, alternate between the halves; the first
group of site ``Sn`` goes to A when n is odd, to B when n is even (S1: A B A,
S2: B A B, S3: A B, S4: B A, S5: A B, S6: B A). The single-clip unrelated
sites: U1 and U3 to A, U2 and U4 to B. So both halves hold launches of every
site, at day, dusk and night, same-site traps within groups, and (S1 in A, S2
in B) same-site pairs across days. A pair belongs to a half when both its
clips do; pairs across the halves are in neither.

**Fixed.** The assignment is written down in ``split.json`` beside this file
(committed) and read from there; :func:`halves` refuses a set whose groups
are not exactly the ones it lists, so a changed generator cannot move
launches between the halves silently. ``--write`` rewrites it from the rule
(a deliberate change, to be committed).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

SPLIT_FILE = Path(__file__).with_name("split.json")
HALVES = ("A", "B")
NAMES = {"A": "tuning", "B": "held-apart"}


class SplitMismatch(ValueError):
    """The set's launch groups are not the ones ``split.json`` assigns."""


def rule(groups: Sequence[str]) -> dict[str, list[str]]:
    """Assign launch groups (``S1g0``, ``U2g0``, ...) to the halves by the rule above."""
    out: dict[str, list[str]] = {"A": [], "B": []}
    for gid in sorted(groups, key=_key):
        m = re.fullmatch(r"([SU])(\d+)g(\d+)", gid)
        if m is None:
            raise SplitMismatch(f"unexpected group id {gid!r}")
        kind, site, k = m.group(1), int(m.group(2)), int(m.group(3))
        first = "A" if site % 2 == 1 else "B"
        half = first if (k % 2 == 0 or kind == "U") else ("B" if first == "A" else "A")
        out[half].append(gid)
    return out


def _key(gid: str) -> tuple[str, int, int]:
    m = re.fullmatch(r"([SU])(\d+)g(\d+)", gid)
    return (m.group(1), int(m.group(2)), int(m.group(3))) if m else (gid, 0, 0)


def load_truth(set_dir: Path) -> dict:
    """The set's ground truth (``truth.json``, written by ``make_set``)."""
    return json.loads((set_dir / "truth.json").read_text(encoding="utf-8"))


def load_split(path: Path = SPLIT_FILE) -> dict[str, list[str]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return {h: list(data[h]) for h in HALVES}


def halves(truth: dict, path: Path = SPLIT_FILE) -> dict[str, list[str]]:
    """The committed assignment, checked against the set's groups."""
    split = load_split(path)
    listed = [g for h in HALVES for g in split[h]]
    if len(listed) != len(set(listed)):
        raise SplitMismatch(f"{path}: a group is listed twice")
    have = set(truth["groups"])
    if set(listed) != have:
        raise SplitMismatch(
            f"{path} does not match the set: missing {sorted(have - set(listed))}, "
            f"unknown {sorted(set(listed) - have)}"
        )
    return split


def clips_of(truth: dict, half: str, path: Path = SPLIT_FILE) -> list[str]:
    """The media paths of ``half`` (A or B)."""
    groups = set(halves(truth, path)[half])
    return [p for p, c in truth["clips"].items() if c["group"] in groups]


def pairs_of(truth: dict, half: str, path: Path = SPLIT_FILE) -> list[dict]:
    """The pairs whose two clips are both in ``half``."""
    inside = set(clips_of(truth, half, path))
    return [p for p in truth["pairs"] if p["a"] in inside and p["b"] in inside]


def sizes(truth: dict) -> dict:
    out = {}
    split = halves(truth)
    for h in HALVES:
        clips = [truth["clips"][p] for p in clips_of(truth, h)]
        out[h] = {
            "name": NAMES[h],
            "groups": split[h],
            "clips": len(clips),
            "launches": len({c["launch"] for c in clips if c["launch"]}),
            "periods": dict(Counter(c["period"] for c in clips)),
            "pairs": dict(Counter(p["relation"] for p in pairs_of(truth, h))),
        }
    inside = {(p["a"], p["b"]) for h in HALVES for p in pairs_of(truth, h)}
    out["pairs_across_halves"] = dict(
        Counter(p["relation"] for p in truth["pairs"] if (p["a"], p["b"]) not in inside)
    )
    return out


def main(argv: Sequence[str] | None = None) -> dict:
    from .._common import emit, parser
    from .make_set import DEFAULT_OUT

    p = parser("angles_set.split", __doc__)
    p.add_argument("--set", type=Path, default=DEFAULT_OUT)
    p.add_argument(
        "--write",
        action="store_true",
        help=f"rewrite {SPLIT_FILE.name} from the rule (to be committed)",
    )
    args = p.parse_args(argv)
    truth = load_truth(args.set)
    if args.write:
        split = rule(list(truth["groups"]))
        SPLIT_FILE.write_text(
            json.dumps(
                {
                    "format": 1,
                    "rule": "see benchmarks/angles_set/split.py",
                    "A": split["A"],
                    "B": split["B"],
                },
                indent=1,
            )
            + "\n",
            encoding="utf-8",
        )
    return emit("angles_set.split", sizes(truth), argv)


if __name__ == "__main__":
    main()
