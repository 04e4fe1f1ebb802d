#!/usr/bin/env python3
"""Print adapter results.json files side by side (stdlib only).

python3 summarize.py results_vpdq.json results_perception.json ...
"""

import json
import os
import sys


def main(paths):
    for p in paths:
        with open(p) as fh:
            d = json.load(fh)
        print(f"== {d['peer']} {d['version']}  complete={d.get('complete')}")
        print(f"   method:    {d['method']}")
        print(
            f"   threshold: {d['threshold']}  (score: {d['score_kind']}; "
            f"{'higher' if d['higher_is_more_similar'] else 'lower'} = more similar)"
        )
        for f, r in d["files"].items():
            s = (
                "ERROR " + r["error"][:120]
                if r["error"]
                else f"{r['seconds']:.3f} s (cpu {r.get('cpu_seconds', 0):.2f} s)"
            )
            print(f"   file {os.path.basename(f):24s} {s}")
        ok = 0
        for q in d["pairs"]:
            if q["error"]:
                print(f"   pair {q['edit']:24s} ERROR {q['error'][:120]}")
                continue
            good = q["match"] == q["expected"]
            ok += good
            sc = "None" if q["score"] is None else f"{q['score']:.3f}"
            print(
                f"   pair {q['edit']:24s} expected={q['expected']!s:5s} match={q['match']!s:5s} "
                f"score={sc:>9s} {'ok' if good else 'WRONG'}"
            )
        print(f"   correct {ok}/{len(d['pairs'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
