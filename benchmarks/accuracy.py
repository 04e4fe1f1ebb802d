"""Per edit: is each ground-truth copy found (ours, peers), and no trap reported.

On the fixtures' ground truth (``ground_truth.json``): each copy pair between
claims must match, each trap pair must not. Ours: each pair's fingerprints
matched both ways (``match_fingerprint``); peers (in their own venvs, when
set up) with their own documented comparison and threshold.

    python -m benchmarks.accuracy
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from ._common import PEER_NAMES, add_fixtures, emit, parser, run_peer


def bench(fixtures: Path) -> dict:
    from provenance.fingerprint import codecs
    from provenance.jobs.analyse import analyse_file
    from provenance.match import FrameTable, match_fingerprint

    truth = json.loads((fixtures / "ground_truth.json").read_text())
    media = sorted(truth["media"])
    prints = {m: codecs.decode(analyse_file(str(fixtures / m))[1]) for m in media}
    pairs = [
        {"a": c["source"], "b": c["media"], "edit": "+".join(c["edits"]), "expected": True}
        for c in truth["copies"]
        if not c.get("same_claim")
    ]
    for kind, rows in truth["traps"].items():
        pairs += [{"a": a, "b": b, "edit": f"trap:{kind}", "expected": False} for a, b in rows]

    def ours(pair: dict) -> bool:
        table = FrameTable([prints[pair["a"]]])
        return bool(match_fingerprint(prints[pair["b"]], table)) or bool(
            match_fingerprint(prints[pair["a"]], FrameTable([prints[pair["b"]]]))
        )

    results = {"provenance": {f"{p['edit']} {p['b']}": ours(p) == p["expected"] for p in pairs}}
    files = sorted({fixtures / p[k] for p in pairs for k in ("a", "b")})
    abs_pairs = [{**p, "a": str(fixtures / p["a"]), "b": str(fixtures / p["b"])} for p in pairs]
    for name in PEER_NAMES:
        result = run_peer(name, files, abs_pairs, 1)
        if result is None or "error" in result:
            results[name] = "not set up" if result is None else f"failed: {result['error']}"
            continue
        results[name] = {
            f"{p['edit']} {Path(p['b']).relative_to(fixtures)}": (p["match"] == p["expected"])
            if not p.get("error")
            else None
            for p in result["pairs"]
        }
    summary = {}
    for who, table in results.items():
        if isinstance(table, dict):
            right = [v for v in table.values() if v is not None]
            summary[who] = f"{sum(right)}/{len(table)} right"
    return {"summary": summary, "per_pair": results}


def main(argv: Sequence[str] | None = None) -> dict:
    p = parser("accuracy", __doc__)
    add_fixtures(p)
    args = p.parse_args(argv)
    return emit("accuracy", bench(Path(args.fixtures)), argv)


if __name__ == "__main__":
    main()
