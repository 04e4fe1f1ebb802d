"""Shared harness for the peer adapters (stdlib only: it runs in every peer venv).

An adapter supplies:
  fingerprint(path) -> fp             the peer's own fingerprint call (timed)
  compare(fp_a, fp_b) -> (score, match, extra_dict)   the peer's own comparison rule
  describe(fp) -> dict                small JSON-able summary of one fingerprint (optional)
and metadata (peer, version, method, threshold, score_kind).

CLI (same for all adapters):
  python adapter_X.py --pairs pairs.json --out results.json [--repeat N] [--warmup-run]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import sys
import time
import traceback
from collections.abc import Callable
from typing import Any


def _err(e: BaseException) -> str:
    tb = traceback.format_exception_only(type(e), e)
    return "".join(tb).strip()[:2000]


def _cpu() -> float:
    """user+sys CPU seconds of this process AND its waited-for children (ffmpeg subprocesses)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def base_parser(description: str) -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument(
        "--pairs", required=True, help="pairs.json: {files:[...], pairs:[{a,b,edit,expected}]}"
    )
    ap.add_argument("--out", required=True, help="results.json to write")
    ap.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="fingerprint each file N times; report the median wall time (default 1)",
    )
    ap.add_argument(
        "--warmup-run",
        action="store_true",
        help="also fingerprint the first file once, untimed, before timing anything",
    )
    return ap


def run(
    args: argparse.Namespace,
    *,
    peer: str,
    version: str,
    method: str,
    threshold: str,
    score_kind: str,
    higher_is_more_similar: bool,
    fingerprint: Callable[[str], Any],
    compare: Callable[[Any, Any], tuple],
    describe: Callable[[Any], dict] | None = None,
    config: dict | None = None,
    after_each: Callable[[Any], None] | None = None,
) -> int:
    """after_each(fp) runs after every timed fingerprint call, outside the timing
    (e.g. deleting a peer's scratch files)."""
    with open(args.pairs) as f:
        spec = json.load(f)
    pairs = spec.get("pairs", [])
    files = list(
        dict.fromkeys(
            list(spec.get("files", [])) + [p["a"] for p in pairs] + [p["b"] for p in pairs]
        )
    )
    repeat = max(1, int(args.repeat))

    if args.warmup_run and files:
        try:
            fp0 = fingerprint(files[0])
            if after_each is not None:
                after_each(fp0)
            del fp0
        except Exception:
            pass

    fps: dict[str, Any] = {}
    file_res: dict[str, dict] = {}
    meta = {
        "peer": peer,
        "version": version,
        "method": method,
        "threshold": threshold,
        "score_kind": score_kind,
        "higher_is_more_similar": higher_is_more_similar,
        "config": config or {},
        "repeat": repeat,
        "timing": "time.perf_counter() around the peer's fingerprint call, in-process, after import; "
        "median of --repeat runs. cpu_seconds = user+sys of this process + waited children.",
    }

    def _write(obj: dict) -> None:
        tmp = args.out + ".tmp"
        with open(tmp, "w") as f:
            json.dump(obj, f, indent=2)
        os.replace(tmp, args.out)

    t_all = time.perf_counter()
    for path in files:
        rec: dict[str, Any] = {"seconds": None, "error": None}
        runs, cpus = [], []
        try:
            if not os.path.isfile(path):
                raise FileNotFoundError(path)
            for _ in range(repeat):
                c0 = _cpu()
                t0 = time.perf_counter()
                fp = fingerprint(path)
                runs.append(time.perf_counter() - t0)
                cpus.append(_cpu() - c0)
                if after_each is not None:
                    after_each(fp)
            fps[path] = fp
            rec["seconds"] = statistics.median(runs)
            rec["runs_seconds"] = runs
            rec["cpu_seconds"] = statistics.median(cpus)
            if describe is not None:
                try:
                    rec["fingerprint"] = describe(fp)
                except Exception as e:
                    rec["fingerprint"] = {"describe_error": _err(e)}
        except Exception as e:
            rec["error"] = _err(e)
            if runs:
                rec["runs_seconds"] = runs
        file_res[path] = rec
        # partial results on disk, so a hard crash (segfault in a native peer) loses little
        _write({**meta, "complete": False, "files": file_res, "pairs": []})
        print(
            f"[{peer}] {os.path.basename(path)}: "
            + (f"{rec['seconds']:.3f}s" if rec["error"] is None else f"ERROR {rec['error'][:200]}"),
            file=sys.stderr,
            flush=True,
        )
    fp_total = time.perf_counter() - t_all

    pair_res = []
    for p in pairs:
        r = {
            "a": p["a"],
            "b": p["b"],
            "edit": p.get("edit"),
            "expected": p.get("expected"),
            "score": None,
            "match": None,
            "error": None,
        }
        try:
            for k in ("a", "b"):
                if p[k] not in fps:
                    raise RuntimeError(
                        f"no fingerprint for {k}: "
                        f"{file_res.get(p[k], {}).get('error') or 'missing'}"
                    )
            t0 = time.perf_counter()
            score, match, extra = compare(fps[p["a"]], fps[p["b"]])
            r["compare_seconds"] = time.perf_counter() - t0
            r["score"] = None if score is None else float(score)
            r["match"] = bool(match)
            if extra:
                r["detail"] = extra
        except Exception as e:
            r["error"] = _err(e)
        pair_res.append(r)

    ru_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    ru_kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    out = {
        **meta,
        "complete": True,
        "env": {
            "python": sys.version.split()[0],
            "executable": sys.executable,
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "max_rss_kb_self": ru_self,
            "max_rss_kb_children": ru_kids,
        },
        "fingerprint_total_seconds": fp_total,
        "files": file_res,
        "pairs": pair_res,
    }
    _write(out)
    n_ok = sum(1 for v in file_res.values() if v["error"] is None)
    n_pe = sum(1 for r in pair_res if r["error"] is not None)
    print(
        f"[{peer}] wrote {args.out}: {n_ok}/{len(files)} files ok, "
        f"{len(pair_res) - n_pe}/{len(pair_res)} pairs compared",
        file=sys.stderr,
    )
    return 0
