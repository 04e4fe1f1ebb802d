"""Score copy detection on one half of the copy benchmark's set, per edit class.

    python -m benchmarks.copies.score --set DIR --half A|B [--out results.json]
    python -m benchmarks.copies.score --set DIR --half B --peers [--out results.json]

Ingests the half's claims (``DIR/manifest.<half>.jsonl``) into a fresh archive
with the library, as ``provenance demo`` does (``ingest_manifest(...,
fingerprint=False)``, then ``rescore(archive, workers=2)``), reads the copy
findings and compares them with ``DIR/truth.json``:

- **recall per edit class**: a copy pair (later item, earlier original) is found
  when the later item's copy finding names the original's claim, as the
  original (``other_claim``) or among the other holders (``evidence.also_in``);
- **precision**: a copy finding is right when its two items share footage of
  one original (a copy against its original, or two copies of one original);
- **trap violations**: a trap pair linked by a copy finding either way;
- **earliest holder**: the share of copy findings whose ``other_claim`` is an
  original of the item (the originals are the earliest claims), and of the
  thirty re-posts whose finding names the chain's original;
- **segment error**: for pairs whose finding names the original, the largest
  of the four differences between the finding's segment and the true one
  (both ends, both items): median and share within 1 s.

``--peers`` also runs the peer tools of ``benchmarks/peers`` (vpdq, perception's
framewise PHash) and perception's TMK (``peer_tmk.py``), each in its own venv at
its documented threshold, on every true pair and trap pair of the half and a
seeded sample of unrelated pairs, and gives our detector's answer on the same
pairs (linked by a copy finding either way) in the same table. A peer that is
not set up (``bash benchmarks/peers/setup.sh``) is reported as such and skipped.

Half A is for tuning, half B is held apart (``benchmarks/copies/split.py``):
report on B, choose nothing on it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import numpy as np

from .make_set import ALONE, DEFAULT_OUT
from .sources import REPO

PEERS_DIR = REPO / "benchmarks" / "peers"
VENVS = Path(os.environ.get("BENCH_VENVS", REPO / ".bench" / "venvs"))
# peer -> (venv, adapter script)
PEERS = {
    "vpdq": ("vpdq", PEERS_DIR / "adapter_vpdq.py"),
    "perception": ("perception", PEERS_DIR / "adapter_perception.py"),
    "tmk": ("perception", Path(__file__).with_name("peer_tmk.py")),
}
UNRELATED_SAMPLE = 400
TOLERANCE_S = 1.0
TARGETS = {**{c: 0.95 for c in ALONE}, "night": 0.95, "pip_small": 0.90, "split_screen": 0.90}


# ------------------------------------------------------------------------------- the run


def run_detector(set_dir: Path, half: str, archive_path: Path, workers: int) -> dict:
    """Ingest the half into a fresh archive and re-score it; the copy findings and media states."""
    from provenance.archive import open_archive
    from provenance.intake import read_manifest
    from provenance.jobs.ingest import ingest_manifest
    from provenance.jobs.rescore import rescore

    archive_path.parent.mkdir(parents=True, exist_ok=True)
    for leftover in (
        archive_path,
        Path(f"{archive_path}-wal"),
        Path(f"{archive_path}-shm"),
        Path(f"{archive_path}.lock"),
    ):
        leftover.unlink(missing_ok=True)
    manifest = read_manifest(set_dir / f"manifest.{half}.jsonl")
    if manifest.problems:
        raise SystemExit(f"manifest problems: {manifest.problems[:3]}")
    t0 = time.perf_counter()
    with open_archive(archive_path, write=True, create=True) as archive:
        ingest_manifest(archive, manifest, fingerprint=False)
        rescore(archive, workers=workers)
    seconds = time.perf_counter() - t0
    return {
        **read_archive(archive_path),
        "seconds": round(seconds, 1),
        "claims": len(manifest.entries),
    }


def detector_identity() -> dict:
    """Which provenance code ran: its folder, a digest of its sources, and the repository's
    commit and whether its provenance/ differed from it (others may be editing it)."""
    import hashlib

    import provenance

    root = Path(provenance.__file__).parent
    digest = hashlib.sha256()
    for f in sorted(root.rglob("*.py")):
        digest.update(str(f.relative_to(root)).encode() + b"\0" + f.read_bytes())
    out = {"path": str(root), "sources_sha256": digest.hexdigest()[:16]}
    try:
        out["repo_commit"] = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "provenance"],
            cwd=REPO,
            capture_output=True,
            text=True,
        ).stdout.strip()
        out["repo_provenance_modified"] = bool(dirty)
    except OSError:
        pass
    return out


def _claim_id(x) -> str:
    """A claim id, whether the archive gives it as a string or as a holder (claim, media)."""
    return str(getattr(x, "claim_id", x))


def read_archive(archive_path: Path, *, refind: bool = False) -> dict:
    """The copy findings and the media states of an archive (read only).

    ``refind``: the copy findings derived again, with the code that runs now,
    from the copy matches the archive stores (a change to how findings are
    drawn from matches, measured without analysing or matching anything again).
    """
    from provenance.archive import open_archive
    from provenance.findings import copy_findings
    from provenance.jobs.matching import copy_matches

    with open_archive(archive_path, write=False) as archive:
        media = archive.all_media()
        stored = archive.claims()
        claims = len(stored)
        if refind:
            by_sha = {m.sha256: m for m in media}
            findings = copy_findings(stored, by_sha, copy_matches(archive))
        else:
            findings = archive.findings()
    states: dict[str, int] = defaultdict(int)
    for m in media:
        states[str(getattr(m.status, "value", m.status))] += 1
    copies = []
    for f in findings:
        if f.kind.value != "copy":
            continue
        seg = f.segment
        copies.append(
            {
                "item": Path(f.media).stem,
                "other": _claim_id(f.other_claim),
                "other_media": f.other_media,
                "also_in": [_claim_id(a) for a in getattr(f.evidence, "also_in", ())],
                "method": type(f.evidence).__name__,
                "segment": None
                if seg is None
                else [seg.start_s, seg.end_s, seg.other_start_s, seg.other_end_s],
                "confidence": f.confidence,
            }
        )
    return {
        "claims": claims,
        "media_states": dict(states),
        "copy_findings": copies,
        "other_findings": sum(1 for f in findings if f.kind.value != "copy"),
        "seconds": None,
    }


# ------------------------------------------------------------------------------- scoring


def _median(xs: list[float]) -> float | None:
    return round(statistics.median(xs), 3) if xs else None


def score(truth: dict, half: str, run: dict) -> dict:
    items = {i: it for i, it in truth["items"].items() if it["half"] == half}
    originals = {i: set(it["originals"]) for i, it in items.items()}
    pairs = [p for p in truth["pairs"] if p["half"] == half]
    traps = [t for t in truth["traps"] if t["half"] == half]
    found_by_item = {f["item"]: f for f in run["copy_findings"]}

    def links(f: dict | None, other: str) -> bool:
        return f is not None and (f["other"] == other or other in f["also_in"])

    per_class: dict[str, dict] = defaultdict(
        lambda: {"pairs": 0, "found": 0, "named": 0, "errors": [], "missed": []}
    )
    all_errors = []
    for p in pairs:
        c = per_class[p["class"]]
        c["pairs"] += 1
        f = found_by_item.get(p["later"])
        if not links(f, p["earlier"]):
            c["missed"].append(p["later"])
            continue
        c["found"] += 1
        if f["other"] == p["earlier"]:
            c["named"] += 1
            if f["segment"] is not None:
                want = p["segment"]["later"] + p["segment"]["earlier"]
                err = max(abs(a - b) for a, b in zip(f["segment"], want, strict=True))
                c["errors"].append(err)
                all_errors.append(err)
    classes = {}
    for name, c in sorted(per_class.items(), key=lambda kv: _class_order(kv[0])):
        classes[name] = {
            "pairs": c["pairs"],
            "found": c["found"],
            "recall": round(c["found"] / c["pairs"], 3) if c["pairs"] else None,
            "target": TARGETS.get(name),
            "original_named": c["named"],
            "segment_error_median_s": _median(c["errors"]),
            "segment_within_1s": round(
                sum(e <= TOLERANCE_S for e in c["errors"]) / len(c["errors"]), 3
            )
            if c["errors"]
            else None,
            "missed": c["missed"],
        }
    # precision: each copy finding, and each other holder it lists
    right = wrong = also_right = also_wrong = named_original = 0
    false = []
    for f in run["copy_findings"]:
        mine = originals.get(f["item"], set())
        if mine & originals.get(f["other"], set()):
            right += 1
        else:
            wrong += 1
            false.append(f"{f['item']} ~ {f['other']}")
        named_original += f["other"] in mine
        for a in f["also_in"]:
            if mine & originals.get(a, set()):
                also_right += 1
            else:
                also_wrong += 1
    violations = []
    for t in traps:
        if links(found_by_item.get(t["a"]), t["b"]) or links(found_by_item.get(t["b"]), t["a"]):
            violations.append(t)
    chain = truth["chains"][half]
    chain_named = sum(
        1
        for r in chain["reposts"]
        if (found_by_item.get(r) or {}).get("other") == chain["original"]
    )
    chain_found = sum(1 for r in chain["reposts"] if links(found_by_item.get(r), chain["original"]))
    n_findings = right + wrong
    return {
        "half": half,
        "role": truth["halves"][half]["role"],
        "items": len(items),
        "pairs": len(pairs),
        "traps": len(traps),
        "run_seconds": run["seconds"],
        "media_states": run["media_states"],
        "copy_findings": n_findings,
        "precision": round(right / n_findings, 4) if n_findings else None,
        "false_findings": false,
        "also_in_precision": round(also_right / (also_right + also_wrong), 4)
        if also_right + also_wrong
        else None,
        "trap_violations": len(violations),
        "trap_violation_pairs": violations,
        "traps_by_kind": _count(t["kind"] for t in traps),
        "earliest_holder_named": round(named_original / n_findings, 4) if n_findings else None,
        "chain": {
            "original": chain["original"],
            "reposts": len(chain["reposts"]),
            "found": chain_found,
            "original_named": chain_named,
            "rate": round(chain_named / len(chain["reposts"]), 3),
        },
        "recall_all_pairs": round(sum(c["found"] for c in classes.values()) / len(pairs), 4),
        "segment_error_median_s": _median(all_errors),
        "segment_within_1s": round(sum(e <= TOLERANCE_S for e in all_errors) / len(all_errors), 4)
        if all_errors
        else None,
        "classes": classes,
    }


def _count(xs) -> dict[str, int]:
    out: dict[str, int] = defaultdict(int)
    for x in xs:
        out[x] += 1
    return dict(out)


def _class_order(name: str) -> tuple[int, int, str]:
    if name in ALONE:
        return (0, ALONE.index(name), name)
    order = ["night", "intro_outro", "music_bed", "repost_chain"]
    if name in order:
        return (1, order.index(name), name)
    return (2, 0, name)


# ------------------------------------------------------------------------------- peers


def peer_pairs(truth: dict, half: str, set_dir: Path, seed: int = 16) -> list[dict]:
    """Every true pair and trap pair of the half, and a seeded sample of unrelated pairs."""
    items = {i: it for i, it in truth["items"].items() if it["half"] == half}
    path = {i: str((set_dir / it["file"]).resolve()) for i, it in items.items()}
    pairs = [
        {"a": path[p["earlier"]], "b": path[p["later"]], "edit": p["class"], "expected": True}
        for p in truth["pairs"]
        if p["half"] == half
    ]
    traps = {frozenset((t["a"], t["b"])) for t in truth["traps"] if t["half"] == half}
    pairs += [
        {"a": path[t["a"]], "b": path[t["b"]], "edit": f"trap:{t['kind']}", "expected": False}
        for t in truth["traps"]
        if t["half"] == half
    ]
    rng = np.random.default_rng(seed)
    ids = sorted(items)
    origs = {i: set(items[i]["originals"]) for i in ids}
    seen: set[frozenset] = set()
    tries = 0
    while len(seen) < UNRELATED_SAMPLE and tries < 100 * UNRELATED_SAMPLE:
        tries += 1
        a, b = (str(x) for x in rng.choice(ids, 2, replace=False))
        key = frozenset((a, b))
        if key in seen or key in traps or origs[a] & origs[b]:
            continue
        seen.add(key)
        first, second = sorted((a, b), key=lambda i: items[i]["claimed_at"])
        pairs.append({"a": path[first], "b": path[second], "edit": "unrelated", "expected": False})
    return pairs


def run_peer(name: str, pairs: list[dict], work: Path, *, reuse: bool) -> dict:
    venv, adapter = PEERS[name]
    python = VENVS / venv / "bin" / "python"
    if not python.exists():
        return {"error": f"not set up ({python} missing: bash benchmarks/peers/setup.sh)"}
    out = work / f"{name}.json"
    spec = work / "pairs.json"
    if not (reuse and out.exists() and json.loads(out.read_text()).get("complete")):
        files = sorted({p[k] for p in pairs for k in ("a", "b")})
        spec.write_text(json.dumps({"files": files, "pairs": pairs}))
        log = work / f"{name}.log"
        t0 = time.perf_counter()
        with open(log, "w") as err:
            done = subprocess.run(
                [
                    "nice",
                    "-n",
                    "5",
                    str(python),
                    str(adapter),
                    "--pairs",
                    str(spec),
                    "--out",
                    str(out),
                ],
                stdout=err,
                stderr=subprocess.STDOUT,
                env={**os.environ, "PYTHONPATH": str(PEERS_DIR)},
            )
        if done.returncode != 0 or not out.exists():
            return {"error": f"exit {done.returncode}, see {log}"}
        print(f"[{name}] {time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)
    result = json.loads(out.read_text())
    if not result.get("complete"):
        return {"error": f"incomplete results in {out} (the peer crashed)"}
    return result


def decisions_of(result: dict) -> dict[tuple[str, str], bool | None]:
    return {
        (p["a"], p["b"]): (None if p.get("error") else bool(p["match"])) for p in result["pairs"]
    }


def our_decisions(pairs: list[dict], run: dict) -> dict[tuple[str, str], bool]:
    linked = set()
    for f in run["copy_findings"]:
        for other in [f["other"], *f["also_in"]]:
            linked.add(frozenset((f["item"], other)))
    return {
        (p["a"], p["b"]): frozenset((Path(p["a"]).stem, Path(p["b"]).stem)) in linked for p in pairs
    }


def pair_table(pairs: list[dict], decided: dict[str, dict]) -> dict:
    """Per class, each contender's recall on true pairs; false matches on traps and unrelated."""
    out: dict[str, dict] = {}
    classes = sorted({p["edit"] for p in pairs if p["expected"]}, key=_class_order)
    for who, dec in decided.items():
        row: dict[str, object] = {}
        for c in classes:
            ps = [p for p in pairs if p["expected"] and p["edit"] == c]
            got = [dec.get((p["a"], p["b"])) for p in ps]
            row[c] = {
                "pairs": len(ps),
                "found": sum(1 for g in got if g),
                "errors": sum(1 for g in got if g is None),
                "recall": round(sum(1 for g in got if g) / len(ps), 3),
            }
        neg = [p for p in pairs if not p["expected"]]
        tp = sum(1 for p in pairs if p["expected"] and dec.get((p["a"], p["b"])))
        fp_trap = sum(1 for p in neg if p["edit"].startswith("trap:") and dec.get((p["a"], p["b"])))
        fp_unrel = sum(1 for p in neg if p["edit"] == "unrelated" and dec.get((p["a"], p["b"])))
        n_trap = sum(1 for p in neg if p["edit"].startswith("trap:"))
        row["_summary"] = {
            "true_pairs": sum(1 for p in pairs if p["expected"]),
            "found": tp,
            "trap_pairs": n_trap,
            "trap_matches": fp_trap,
            "unrelated_pairs": len(neg) - n_trap,
            "unrelated_matches": fp_unrel,
            "precision_on_these_pairs": round(tp / (tp + fp_trap + fp_unrel), 4)
            if tp + fp_trap + fp_unrel
            else None,
        }
        out[who] = row
    return out


# ------------------------------------------------------------------------------- output


def markdown(result: dict) -> str:
    s = result["ours"]
    lines = [
        f"### Half {s['half']} ({s['role']}): {s['items']} items, {s['pairs']} copy pairs, "
        f"{s['traps']} trap pairs",
        "",
        "| edit class | pairs | found | recall | target | original named | segment error "
        "median (s) | within 1 s |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, c in s["classes"].items():
        lines.append(
            f"| {name} | {c['pairs']} | {c['found']} | {_fmt(c['recall'])} | "
            f"{_fmt(c['target'], '-')} | {c['original_named']} | "
            f"{_fmt(c['segment_error_median_s'], '-')} | {_fmt(c['segment_within_1s'], '-')} |"
        )
    ch = s["chain"]
    lines += [
        "",
        f"- all pairs: recall {_fmt(s['recall_all_pairs'])}; copy findings {s['copy_findings']}, "
        f"precision {_fmt(s['precision'])} (target 0.99); other holders listed right "
        f"{_fmt(s['also_in_precision'])}",
        f"- trap violations: {s['trap_violations']} of {s['traps']} (target 0)",
        f"- earliest holder named: {_fmt(s['earliest_holder_named'])} of copy findings; "
        f"30-re-post chain of {ch['original']}: {ch['original_named']}/{ch['reposts']} name "
        f"the original, {ch['found']}/{ch['reposts']} link it (target 0.99)",
        f"- segments: median error {_fmt(s['segment_error_median_s'], '-')} s, within 1 s "
        f"{_fmt(s['segment_within_1s'], '-')}",
        f"- ingest + rescore of the half: {s['run_seconds']} s; media {s['media_states']}",
    ]
    if "pairs_table" in result:
        table = result["pairs_table"]
        who = list(table)
        lines += [
            "",
            "Same pairs, every contender (recall per class; false matches below):",
            "",
            "| edit class | pairs | " + " | ".join(who) + " |",
            "| --- | --- | " + " | ".join("---" for _ in who) + " |",
        ]
        classes = [c for c in table[who[0]] if c != "_summary"]
        for c in classes:
            n = table[who[0]][c]["pairs"]
            lines.append(
                f"| {c} | {n} | " + " | ".join(_fmt(table[w][c]["recall"]) for w in who) + " |"
            )
        for key, label in (
            ("trap_matches", "trap pairs matched"),
            ("unrelated_matches", "unrelated pairs matched"),
            ("precision_on_these_pairs", "precision on these pairs"),
        ):
            lines.append(
                f"| **{label}** | "
                + (
                    str(table[who[0]]["_summary"]["trap_pairs"])
                    if key == "trap_matches"
                    else str(table[who[0]]["_summary"]["unrelated_pairs"])
                    if key == "unrelated_matches"
                    else ""
                )
                + " | "
                + " | ".join(_fmt(table[w]["_summary"][key]) for w in who)
                + " |"
            )
        for name, err in result.get("peer_errors", {}).items():
            lines.append(f"\n{name}: {err}")
    return "\n".join(lines)


def _fmt(x, none: str = "n/a") -> str:
    if x is None:
        return none
    if isinstance(x, float):
        return f"{x:.3f}"
    return str(x)


def main(argv: Sequence[str] | None = None) -> dict:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.copies.score",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--set", default=str(DEFAULT_OUT), help="the set's folder (make_set --out)")
    p.add_argument("--half", required=True, choices=("A", "B"))
    p.add_argument("--out", help="write the results JSON here")
    p.add_argument("--archive", help="archive path (default .bench/copies/archive_<half>.db)")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument(
        "--reuse-run",
        action="store_true",
        help="score the findings of the half's last run again (its archive in "
        ".bench/copies/half_<half>/, not re-run)",
    )
    p.add_argument(
        "--refind",
        action="store_true",
        help="with --archive: derive the copy findings again from the matches that archive "
        "stores, with the code that runs now (nothing analysed or matched again)",
    )
    p.add_argument("--peers", action="store_true", help="also run the peers on the same pairs")
    p.add_argument("--reuse-peers", action="store_true", help="keep complete peer results")
    args = p.parse_args(argv)
    set_dir = Path(args.set)
    truth = json.loads((set_dir / "truth.json").read_text())
    work = REPO / ".bench" / "copies" / f"half_{args.half}"
    work.mkdir(parents=True, exist_ok=True)
    run_file = work / "run.json"
    archive = Path(args.archive) if args.archive else work / "archive.db"
    if args.refind:
        if not archive.exists():
            raise SystemExit(f"--refind: no archive at {archive}")
        run = read_archive(archive, refind=True)
        run["detector"] = {**detector_identity(), "refind_from": str(archive)}
    elif args.reuse_run and run_file.exists():
        run = json.loads(run_file.read_text())
    elif args.reuse_run and archive.exists():
        run = read_archive(archive)
    else:
        run = run_detector(set_dir, args.half, archive, args.workers)
        run["detector"] = detector_identity()
    run.setdefault(
        "detector",
        {"unknown": "an archive scored again, from a run before the detector was recorded"},
    )
    run_file.write_text(json.dumps(run))
    result: dict = {"ours": score(truth, args.half, run), "detector": run["detector"]}
    if args.peers:
        pairs = peer_pairs(truth, args.half, set_dir)
        decided = {"provenance": our_decisions(pairs, run)}
        errors = {}
        for name in PEERS:
            res = run_peer(name, pairs, work, reuse=args.reuse_peers)
            if "error" in res:
                errors[name] = res["error"]
                continue
            decided[name] = decisions_of(res)
            result.setdefault("peer_methods", {})[name] = {
                k: res.get(k) for k in ("version", "method", "threshold")
            }
        result["pairs_table"] = pair_table(pairs, decided)
        result["peer_errors"] = errors
    result["machine"] = (
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    result["date"] = date.today().isoformat()
    result["command"] = " ".join(
        ["python -m benchmarks.copies.score", *(sys.argv[1:] if argv is None else argv)]
    )
    text = markdown(result)
    result["markdown"] = text
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=1) + "\n")
    print(text)
    return result


if __name__ == "__main__":
    main()
