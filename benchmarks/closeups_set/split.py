"""Split the close-up set into halves A and B (tune on one, judge on the other).

    python -m benchmarks.closeups_set.split [--out .bench/closeups_set]

**Rule.** The unit is the airframe *model*: every airframe of a model, all
their close-ups (sharp or blurred), far views, wide shots that show that model,
and therefore every same-airframe and same-model (trap) pair, lie in one half.
Models with an odd number (M1, M3, M5, M7) go to A, even ones (M2, M4, M6, M8)
to B. Media with no model (scenes and wide shots without a drone) are sorted by
media id and alternate A, B, A, B, ... A pair belongs to a half when both of
its media do (other-model pairs across halves belong to neither).
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from functools import lru_cache
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DEFAULT_OUT = REPO / ".bench" / "closeups_set"


def load_truth(out: Path) -> dict:
    """The set's ``truth.json``."""
    return json.loads((Path(out) / "truth.json").read_text())


@lru_cache(maxsize=4)
def _modelless_rank(ids: tuple[str, ...]) -> dict[str, int]:
    return {mid: i for i, mid in enumerate(sorted(ids))}


def half_of(media_id: str, truth: dict) -> str:
    """``"A"`` or ``"B"`` for a medium, by the rule in the module docstring."""
    m = truth["media"][media_id]
    if m["model"]:
        return "A" if int(m["model"][1:]) % 2 else "B"
    rank = _modelless_rank(tuple(i for i, x in truth["media"].items() if not x["model"]))
    return "A" if rank[media_id] % 2 == 0 else "B"


def pair_half(pair: dict, truth: dict) -> str | None:
    """The half both media of a pair lie in, or None when they straddle the halves."""
    a, b = half_of(pair["a"], truth), half_of(pair["b"], truth)
    return a if a == b else None


def counts(truth: dict) -> dict:
    """Media per kind and pairs per relation in each half."""
    result = {}
    for half in ("A", "B"):
        media = [m for i, m in truth["media"].items() if half_of(i, truth) == half]
        pairs = [p for p in truth["pairs"] if pair_half(p, truth) == half]
        result[half] = {
            "models": sorted({m["model"] for m in media if m["model"] and m["airframe"]}),
            "media": len(media),
            "kinds": dict(sorted(Counter(m["kind"] for m in media).items())),
            "pairs": dict(sorted(Counter(p["relation"] for p in pairs).items())),
        }
    return result


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description="Counts of each half of the close-up set.")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args(argv)
    print(json.dumps(counts(load_truth(args.out)), indent=1))


if __name__ == "__main__":
    main()
