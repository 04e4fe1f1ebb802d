"""Benchmarks for provenance, measured side by side in one run (medians).

    python scripts/bench.py fingerprint   # ours vs the decode limit vs a naive loop vs peers
    python scripts/bench.py index         # check a 60 s clip against 1,000,000 frame hashes
    python scripts/bench.py memory        # peak memory fingerprinting a one-hour 1080p video
    python scripts/bench.py accuracy      # per-edit detection on the fixtures, ours and peers
    python scripts/bench.py angles        # other_angle/same_site on the fixtures, features compared
    python scripts/bench.py shortlist --items 10000   # other-angle shortlist, 10k archived videos
    python scripts/bench.py closeups             # close-up reader: cost, fingerprint pass, fixtures
    python scripts/bench.py nightly              # rescore with 1 % new media: 100, 1k, 10k claims
    python scripts/bench.py report               # reports of 1,000 claims; Chromium load and sort

Footage is rendered with provenance.synth (a launch site at 1280x720, 30 fps,
H.264, 2 s GOP) into .bench/ and reused between runs. Peers run in their own
venvs (benchmarks/peers/setup.sh); a peer that is not set up is skipped and
said so. Not a test: timings on a shared 2-core machine are noisy, so every
figure is a median of --repeat runs and comparisons are ratios taken in the
same run.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO / ".bench"
PEERS = REPO / "benchmarks" / "peers"
PEER_NAMES = ("videohash", "vpdq", "perception")


# -- footage -------------------------------------------------------------------------------


def encode_stream(
    path: Path,
    frames: Iterable[np.ndarray],
    *,
    width: int,
    height: int,
    fps: int,
    options: dict[str, str],
) -> Path:
    """Encode RGB frames as they come (H.264, GOP 2 s) to ``path``, atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".part.mp4")
    with av.open(str(tmp), "w") as container:
        stream = container.add_stream("libx264", rate=Fraction(fps))
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {**options, "g": str(2 * fps)}
        for frame in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    tmp.replace(path)
    return path


def render_site_clip(
    path: Path, *, seconds: float, width: int, height: int, fps: int = 30, crf: int = 23
) -> Path:
    """A launch-site clip from the fixture renderer, streamed to H.264."""
    if path.exists():
        return path
    from provenance.synth.footage import site_clip_frames

    frames = site_clip_frames(seconds=seconds, width=width, height=height, fps=fps)
    return encode_stream(
        path,
        frames,
        width=width,
        height=height,
        fps=fps,
        options={"crf": str(crf), "preset": "veryfast"},
    )


def clip_720p() -> Path:
    return render_site_clip(
        BENCH / "footage" / "site_720p_60s.mp4", seconds=60, width=1280, height=720
    )


# -- timing helpers ------------------------------------------------------------------------


def median_time(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def pyav_decode_all(path: Path) -> int:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        return sum(1 for _ in container.decode(stream))


def ffmpeg_decode_all(path: Path) -> None:
    subprocess.run(
        ["ffmpeg", "-nostdin", "-loglevel", "error", "-i", str(path), "-f", "null", "-"], check=True
    )


def opencv_decode_all(path: Path) -> int:
    """OpenCV's decoder on the same file (its own FFmpeg), every frame."""
    import cv2

    capture = cv2.VideoCapture(str(path))
    count = 0
    while capture.grab():
        count += 1
    capture.release()
    return count


def pyav_decode_skipping(path: Path, skip: str) -> int:
    """PyAV decoding with frames skipped (BIDIR: I and P frames, what the extractor does)."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        stream.codec_context.skip_frame = skip
        return sum(1 for _ in container.decode(stream))


def provenance_fingerprint(path: Path) -> None:
    from provenance.process import analyse_file

    analyse_file(str(path))


def naive_loop(path: Path) -> int:
    """What one writes first: OpenCV reads every frame, imagehash.phash on each."""
    import cv2
    import imagehash
    from PIL import Image

    capture = cv2.VideoCapture(str(path))
    count = 0
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        imagehash.phash(Image.fromarray(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)))
        count += 1
    capture.release()
    return count


def peer_python(name: str) -> Path | None:
    python = BENCH / "venvs" / name / "bin" / "python"
    return python if python.exists() else None


def run_peer(name: str, files: list[Path], pairs: list[dict], repeat: int) -> dict | None:
    """Run a peer's adapter in its own venv; None if the peer is not set up."""
    python = peer_python(name)
    if python is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        spec = Path(tmp) / "pairs.json"
        out = Path(tmp) / "results.json"
        spec.write_text(json.dumps({"files": [str(f) for f in files], "pairs": pairs}))
        done = subprocess.run(
            [
                str(python),
                str(PEERS / f"adapter_{name}.py"),
                "--pairs",
                str(spec),
                "--out",
                str(out),
                "--repeat",
                str(repeat),
            ],
            capture_output=True,
            text=True,
            timeout=3600,
        )
        if done.returncode != 0 or not out.exists():
            return {"error": (done.stderr or done.stdout)[-500:]}
        return json.loads(out.read_text())


# -- benchmarks ----------------------------------------------------------------------------


def bench_fingerprint(args: argparse.Namespace) -> dict:
    path = Path(args.clip) if args.clip else clip_720p()
    frames = pyav_decode_all(path)  # warm the page cache and count frames
    rows: dict[str, float] = {}
    has_ffmpeg = shutil.which("ffmpeg") is not None
    # interleave so that machine noise hits every contender alike
    samples: dict[str, list[float]] = {}
    contenders: dict[str, Callable[[], object]] = {
        "pyav decode all frames": lambda: pyav_decode_all(path),
        "pyav decode reference frames (NONREF)": lambda: pyav_decode_skipping(path, "NONREF"),
        "pyav decode I and P frames (BIDIR)": lambda: pyav_decode_skipping(path, "BIDIR"),
        "opencv decode all frames (grab)": lambda: opencv_decode_all(path),
        "provenance fingerprint": lambda: provenance_fingerprint(path),
    }
    if has_ffmpeg:
        contenders["ffmpeg decode all frames"] = lambda: ffmpeg_decode_all(path)
    for _ in range(args.repeat):
        for name, fn in contenders.items():
            samples.setdefault(name, []).append(median_time(fn, 1))
    rows = {name: statistics.median(v) for name, v in samples.items()}
    rows["naive: OpenCV read + imagehash.phash per frame"] = median_time(
        lambda: naive_loop(path), max(1, args.repeat // 2)
    )
    peers = {}
    for name in PEER_NAMES:
        result = run_peer(name, [path], [], args.repeat)
        if result is None:
            peers[name] = "not set up (benchmarks/peers/setup.sh)"
        elif "error" in result:
            peers[name] = f"failed: {result['error']}"
        else:
            info = result["files"][str(path)]
            rows[f"peer {name} {result.get('version', '')}".strip()] = (
                info["seconds"] if not info["error"] else float("nan")
            )
            peers[name] = result.get("method", "")
    limit = rows.get("ffmpeg decode all frames", rows["pyav decode all frames"])
    duration = frames / 30.0
    return {
        "clip": str(path.relative_to(REPO) if path.is_relative_to(REPO) else path),
        "frames": frames,
        "seconds": {k: round(v, 3) for k, v in rows.items()},
        "ratio_to_decode_limit": {k: round(v / limit, 2) for k, v in rows.items()},
        "x_realtime": {k: round(duration / v, 1) for k, v in rows.items()},
        "peers": peers,
    }


def bench_index(args: argparse.Namespace) -> dict:
    """The added cost of checking a 60 s clip against n archived frame hashes."""
    from provenance.fingerprint import Fingerprints, MediaFingerprint
    from provenance.index import make_index
    from provenance.keypoints import word_bag
    from provenance.matching import FrameTable, match_fingerprint
    from provenance.process import analyse_file, decode_prints

    path = Path(args.clip) if args.clip else clip_720p()
    query = decode_prints(analyse_file(str(path))[1])
    rng = np.random.default_rng(0)
    per_item = 1000
    thumbs = np.zeros((per_item, 36, 64), np.uint8)
    # a synthetic archive: random frame hashes in 1,000-frame items (no key frames)
    prints = [
        Fingerprints(
            MediaFingerprint(
                time_s=np.arange(per_item, dtype=np.float32) * 0.5,
                hashes=np.repeat(rng.integers(0, 2**63, (per_item, 1), dtype=np.uint64), 8, 1),
                detail=np.full(per_item, 20, np.float32),
                portrait=np.zeros(per_item, bool),
                thumbs=thumbs,
            ),
            [],
            word_bag([]),
        )
        for _ in range(args.hashes // per_item)
    ]
    # worst case: a 60 s clip whose 120 sampled frames all hash differently
    n = len(query.frames)
    busy = Fingerprints(
        MediaFingerprint(
            time_s=query.frames.time_s,
            hashes=rng.integers(0, 2**63, (n, 8), dtype=np.uint64),
            detail=np.full(n, 20, np.float32),
            portrait=np.zeros(n, bool),
            thumbs=np.zeros((n, 36, 64), np.uint8),
        ),
        [],
        word_bag([]),
    )
    out: dict[str, object] = {
        "archive_frame_hashes": args.hashes,
        "query": f"{path.name}: {len(query.frames)} sampled frames, "
        f"{int((query.frames.detail >= 3).sum())} informative",
    }
    for kind in ("numpy", "faiss"):
        try:
            make_index(kind)
        except ImportError:
            out[kind] = "faiss-cpu not installed"
            continue
        start = time.perf_counter()
        table = FrameTable(prints, index=kind)
        build = time.perf_counter() - start
        seconds = median_time(lambda table=table: match_fingerprint(query, table), args.repeat)
        worst = median_time(lambda table=table: match_fingerprint(busy, table), args.repeat)
        out[kind] = {
            "build_s": round(build, 2),
            "match_60s_clip_s": round(seconds, 3),
            "match_60s_all_frames_distinct_s": round(worst, 3),
        }
    return out


def bench_archive(args: argparse.Namespace) -> dict:
    """`check` of the 60 s clip against an archive of n stored 60 s items (seconds)."""
    from provenance.archive import open_archive
    from provenance.archive.sqlite import format_utc, utc_now
    from provenance.fingerprint import KIND as FRAMES_KIND
    from provenance.fingerprint import MediaFingerprint
    from provenance.matching import FrameTable, match_fingerprint
    from provenance.process import analyse_file, decode_prints, full_prints, stored_prints

    path = Path(args.clip) if args.clip else clip_720p()
    _info, stored = analyse_file(str(path))
    query = decode_prints(stored)
    rng = np.random.default_rng(1)
    db = BENCH / f"archive_{args.items}.db"
    for leftover in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
        leftover.unlink(missing_ok=True)
    now = format_utc(utc_now())
    with open_archive(db, write=True) as archive, archive.transaction() as sql:
        for i in range(args.items):
            sha = f"{i:064x}"
            sql.execute(
                "INSERT INTO media (sha256, size_bytes, file, status, first_seen_at)"
                " VALUES (?, 1, '/x', 'done', ?)",
                (sha, now),
            )
            # real-sized fingerprints, each item's frame hashes its own
            frames = MediaFingerprint(
                query.frames.time_s,
                rng.integers(0, 2**63, query.frames.hashes.shape, dtype=np.uint64),
                query.frames.detail,
                query.frames.portrait,
            )
            for kind, data in {**stored, FRAMES_KIND: frames.to_bytes()}.items():
                sql.execute("INSERT INTO fingerprints VALUES (?, ?, ?, ?)", (sha, kind, data, now))
    size_mb = db.stat().st_size / 2**20
    start = time.perf_counter()
    with open_archive(db, write=False) as archive:
        prints = stored_prints(archive)
        loaded = time.perf_counter()
        shas = list(prints)
        table = FrameTable([prints[s] for s in shas], load=lambda i: full_prints(archive, shas[i]))
        built = time.perf_counter()
        match_fingerprint(query, table)
        matched = time.perf_counter()
    return {
        "archive": f"{args.items} items of 60 s ({len(table)} frame hashes), {size_mb:.0f} MB",
        "load_fingerprints_s": round(loaded - start, 2),
        "build_index_s": round(built - loaded, 2),
        "match_s": round(matched - built, 2),
        "total_s": round(matched - start, 2),
    }


def make_long_video(path: Path, *, seconds: int, width: int, height: int, fps: int) -> Path:
    """A cheap long video: a small moving picture on a still background, ultrafast."""
    if path.exists():
        return path
    import cv2
    from skimage import data

    background = cv2.resize(data.astronaut(), (width, height))
    sprite = cv2.resize(data.coffee(), (width // 4, height // 4))

    def frames() -> Iterator[np.ndarray]:
        for i in range(seconds * fps):
            frame = background.copy()
            x = int((width - sprite.shape[1]) * (0.5 + 0.5 * np.sin(i / 200)))
            y = int((height - sprite.shape[0]) * (0.5 + 0.5 * np.cos(i / 300)))
            frame[y : y + sprite.shape[0], x : x + sprite.shape[1]] = sprite
            yield frame

    return encode_stream(
        path,
        frames(),
        width=width,
        height=height,
        fps=fps,
        options={"crf": "30", "preset": "ultrafast"},
    )


def bench_memory(args: argparse.Namespace) -> dict:
    path = make_long_video(
        BENCH / "footage" / "long_1080p_1h.mp4",
        seconds=args.seconds,
        width=1920,
        height=1080,
        fps=25,
    )
    code = (
        "import resource, sys, time; from provenance.process import analyse_file;"
        "t = time.perf_counter(); info, fp = analyse_file(sys.argv[1]);"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, time.perf_counter() - t,"
        " info.duration_s)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True
    )
    peak_kb, seconds, duration = done.stdout.split()
    return {
        "video": f"{path.name} (1920x1080, 25 fps, {float(duration):.0f} s)",
        "peak_rss_mb": round(int(peak_kb) / 1024, 1),
        "fingerprint_s": round(float(seconds), 1),
    }


def bench_accuracy(args: argparse.Namespace) -> dict:
    """Per edit: is each ground-truth copy found (ours, peers), and no trap reported."""
    fixtures = Path(args.fixtures)
    truth = json.loads((fixtures / "ground_truth.json").read_text())
    from provenance.matching import FrameTable, match_fingerprint
    from provenance.process import analyse_file, decode_prints

    media = sorted(truth["media"])
    prints = {m: decode_prints(analyse_file(str(fixtures / m))[1]) for m in media}
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


def bench_angles(args: argparse.Namespace) -> dict:
    """other_angle / same_site on the fixtures, pair verification time, feature comparison."""
    import cv2

    from provenance import views
    from provenance.archive import open_archive
    from provenance.demo import run_demo
    from provenance.findings import claim_order
    from provenance.findings.angles import find_other_angles
    from provenance.frames import extract_frames
    from provenance.model import FindingKind
    from provenance.process import full_prints, stored_prints
    from provenance.synth.truth import event_of

    fixtures = Path(args.fixtures)
    truth = json.loads((fixtures / "ground_truth.json").read_text())
    out = Path(tempfile.mkdtemp(prefix="angles-"))
    run_demo(out, fixtures=fixtures, workers=2)
    with open_archive(out / "provenance.db", write=False) as archive:
        claims = sorted(archive.claims(), key=claim_order)
        media = {r.sha256: r for r in archive.all_media()}
        copies = [f for f in archive.findings() if f.kind is FindingKind.COPY]
        prints = stored_prints(archive)
        started = time.perf_counter()
        found = find_other_angles(
            claims, media, prints, lambda sha: full_prints(archive, sha), copies
        )
        matching_s = time.perf_counter() - started
    shutil.rmtree(out, ignore_errors=True)

    wanted = {frozenset((p["a"], p["b"])) for p in truth["other_angles"]}
    same_site = {frozenset((p["a"], p["b"])) for p in truth["same_site"]}
    night = {frozenset(p) for p in truth["traps"]["night"]}
    reported = []
    for f in found:
        (ea, ca), (eb, cb) = event_of(truth, f.media), event_of(truth, f.other_media)
        right_angle = ea is not None and ea == eb and ca != cb
        site_a = truth["media"].get(f.media, {}).get("site") or (ea or "?")[0]
        site_b = truth["media"].get(f.other_media, {}).get("site") or (eb or "?")[0]
        right_site = ea is not None and eb is not None and ea != eb and site_a == site_b
        reported.append(
            {
                "kind": f.kind.value,
                "media": f.media,
                "other": f.other_media,
                "right": right_angle if f.kind is FindingKind.OTHER_ANGLE else right_site,
                "offset_s": f.evidence.get("offset_s"),
                "sound_correlation": f.evidence.get("sound_correlation"),
                "sound_says": f.evidence.get("sound_says"),
            }
        )
    angle_pairs = {
        frozenset((r["media"], r["other"])) for r in reported if r["kind"] == "other_angle"
    }
    result = {
        "other_angle": {
            "truth_pairs_found": f"{len(wanted & angle_pairs)}/{len(wanted)}",
            "missed": sorted(" ~ ".join(sorted(p)) for p in wanted - angle_pairs),
            "reported": sum(r["kind"] == "other_angle" for r in reported),
            "right": sum(r["right"] for r in reported if r["kind"] == "other_angle"),
            "same_site_pairs_called_other_angle": sorted(
                " ~ ".join(sorted(p)) for p in same_site & angle_pairs
            ),
            "night_pairs_called_other_angle": sorted(
                " ~ ".join(sorted(p)) for p in night & angle_pairs
            ),
        },
        "same_site": {
            "reported": sum(r["kind"] == "same_site" for r in reported),
            "right": sum(r["right"] for r in reported if r["kind"] == "same_site"),
        },
        "findings": reported,
        "find_other_angles_s": round(matching_s, 2),
    }

    # feature comparison: best key-frame pair per media pair, epipolar inliers
    def keyframes(path: str, most: int) -> list:
        frames = list(extract_frames(fixtures / path))
        picks = np.linspace(0, len(frames) - 1, most).round().astype(int)
        return [frames[i].luma for i in sorted(set(picks))]

    def rootsift(d: np.ndarray) -> np.ndarray:
        d = d / np.maximum(d.sum(axis=1, keepdims=True), 1e-7)
        return np.sqrt(d).astype(np.float32)

    detectors = {
        "orb": (lambda: cv2.ORB_create(1500), cv2.NORM_HAMMING, None),
        "sift": (lambda: cv2.SIFT_create(800, contrastThreshold=0.02), cv2.NORM_L2, None),
        "rootsift": (lambda: cv2.SIFT_create(800, contrastThreshold=0.02), cv2.NORM_L2, rootsift),
        "asift(rootsift)": (
            lambda: cv2.AffineFeature_create(cv2.SIFT_create(800, contrastThreshold=0.02)),
            cv2.NORM_L2,
            rootsift,
        ),
    }
    groups = {
        "other_angle": [(p["a"], p["b"]) for p in truth["other_angles"]],
        "same_site": [(p["a"], p["b"]) for p in truth["same_site"]],
        "same_model_other_place": [tuple(p) for p in truth["traps"]["same_model_other_place"]],
        "night": [tuple(p) for p in truth["traps"]["night"]],
    }
    comparison = {}
    for name, (make, norm, post) in detectors.items():
        detector, per_frame, rows = make(), [], {}
        frames_cache: dict[str, list] = {}
        for group, pairs in groups.items():
            counts = []
            for a, b in pairs:
                for path in (a, b):
                    if path not in frames_cache:
                        feats = []
                        for luma in keyframes(path, 3 if name.startswith("asift") else 5):
                            t0 = time.perf_counter()
                            kp, d = detector.detectAndCompute(luma, None)
                            per_frame.append(time.perf_counter() - t0)
                            pts = np.float32([k.pt for k in kp]).reshape(-1, 2)
                            if d is not None and post is not None:
                                d = post(d)
                            feats.append((pts, d))
                        frames_cache[path] = feats
                best = 0
                for pa, da in frames_cache[a]:
                    for pb, db in frames_cache[b]:
                        if da is None or db is None or len(da) < 8 or len(db) < 8:
                            continue
                        knn = cv2.BFMatcher(norm).knnMatch(da, db, k=2)
                        good = [
                            m[0] for m in knn if len(m) == 2 and m[0].distance < 0.8 * m[1].distance
                        ]
                        if len(good) < 8:
                            continue
                        src = pa[[m.queryIdx for m in good]]
                        dst = pb[[m.trainIdx for m in good]]
                        try:
                            _, mask = cv2.findFundamentalMat(src, dst, cv2.USAC_MAGSAC, 1.0, 0.999)
                        except cv2.error:
                            mask = None
                        best = max(best, int(mask.sum()) if mask is not None else 0)
                counts.append(best)
            rows[group] = counts
        rows["extract_ms_per_frame"] = round(1000 * statistics.median(per_frame), 1)
        comparison[name] = rows
    result["feature_comparison_best_pair_F_inliers"] = comparison

    # verifying one candidate pair, one core, from stored features
    cv2.setNumThreads(1)
    a = views.SceneViews.keyframes_from_bytes(
        views.SceneViews(
            [views.sift_features(x, i) for i, x in enumerate(keyframes("media/C001_a.mp4", 6))],
            np.zeros(0, np.uint32),
            np.zeros(0, np.uint8),
            views.EventTrack.empty(),
        ).keyframes_to_bytes()
    )
    b = [views.sift_features(x, i) for i, x in enumerate(keyframes("media/C024_a.mp4", 6))]
    result["verify_pair_s_median"] = round(
        median_time(lambda: views.relate_views(a, b), args.repeat), 4
    )
    return result


def bench_shortlist(args: argparse.Namespace) -> dict:
    """The other-angle shortlist of a new video against ``--items`` archived videos.

    Real features, synthetic archive: every archived distractor is five key
    frames drawn from the fixtures' real SIFT key frames of *unrelated* footage
    (original videos of sites other than A and B: no copy, no other angle and
    no same-site video of the pairs queried), each keeping a random 70 % of its
    words. For each of the fixtures' four other-angle pairs, the earlier video
    is hidden among them and the later one is the query; the rank of the
    earlier one is reported. An earlier version of this benchmark drew
    distractors from all fixture videos, copies of the A1 and B1 footage
    included, so "distractors" held the very scene queried.
    """
    from provenance import views
    from provenance.frames import extract_frames
    from provenance.keypoints import MIN_KEYFRAME_GAP_S, WordBag, WordIndex

    fixtures = Path(args.fixtures)
    truth = json.loads((fixtures / "ground_truth.json").read_text())

    def keyframes(path: str) -> list:
        found, next_key = [], 0.0
        for f in extract_frames(fixtures / path):
            if f.time_s >= next_key:
                found.append(views.sift_features(f.luma, f.time_s))
                next_key = f.time_s + MIN_KEYFRAME_GAP_S
        return views.drop_overlays(found)[0]

    pairs = [(p["a"], p["b"]) for p in truth["other_angles"]]
    queried_sites = {truth["media"][m]["site"] for pair in pairs for m in pair}
    unrelated = [
        m
        for m, v in truth["media"].items()
        if v["kind"] == "video"
        and v["content"] in ("wide", "night", "filler", "closeup")
        and v["site"] not in queried_sites
    ]
    real = {m: keyframes(m) for m in unrelated + sorted({m for p in pairs for m in p})}
    pool = [np.unique(views.words_of(k).ravel()) for m in unrelated for k in real[m]]
    rng = np.random.default_rng(7)
    bags = []
    for _ in range(args.items - 1):
        parts = [pool[i] for i in rng.integers(0, len(pool), 5)]
        kept = np.concatenate([p[rng.random(len(p)) < 0.7] for p in parts])
        words, counts = np.unique(kept, return_counts=True)
        bags.append(WordBag(words.astype(np.uint32), np.minimum(counts, 3).astype(np.uint8)))
    target = int(rng.integers(0, args.items))
    ranks, query_s, build_s = {}, [], []
    for a, b in pairs:
        archived = [*bags[:target], WordBag(*views.view_words(real[a])), *bags[target:]]
        query = WordBag(*views.view_words(real[b]))
        started = time.perf_counter()
        index = WordIndex(archived, vocabulary=views.VOCABULARY)
        build_s.append(time.perf_counter() - started)
        ranked = index.shortlist(query, top=args.items)
        ranks[f"{Path(a).stem} <- {Path(b).stem}"] = next(
            (r + 1 for r, (i, _) in enumerate(ranked) if i == target), None
        )
        query_s.append(
            median_time(lambda i=index, q=query: i.shortlist(q, top=8), args.repeat)
        )
    matrix = index.matrix
    index_bytes = matrix.data.nbytes + matrix.indices.nbytes + matrix.indptr.nbytes
    stored = sum(len(b.words) * 5 for b in archived)  # uint32 word + uint8 count
    return {
        "archived_videos": args.items,
        "distractor_sources": [Path(m).stem for m in unrelated],
        "build_index_s_median": round(statistics.median(build_s), 3),
        "shortlist_s_median": round(statistics.median(query_s), 4),
        "true_partner_rank": ranks,
        "index_bytes_per_video": round(index_bytes / args.items),
        "stored_word_bytes_per_video": round(stored / args.items),
        "words_per_video_median": int(statistics.median(len(b.words) for b in bags)),
    }


def bench_closeups(args: argparse.Namespace) -> dict:
    """Cost of the close-up reader, and whether it slows the fingerprint pass.

    Side by side, interleaved, on the 60 s 720p clip: the fingerprint pass as
    the reused-footage stage runs it, the same pass feeding the close-up
    candidate picker, and the OCR of the picked frames. Then every fixture
    item read as the pipeline reads it, against the ground truth.
    """
    from provenance import closeups
    from provenance.fingerprint import fingerprint_frames
    from provenance.frames import extract_frames
    from provenance.media import probe_media

    path = Path(args.clip) if args.clip else clip_720p()
    duration = probe_media(str(path)).duration_s or 60.0
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", "from provenance.closeups import RapidReader; RapidReader()"],
        check=True,
    )
    load_s = time.perf_counter() - started
    closeups.RapidReader()  # loaded here too, outside the timings

    def plain() -> None:
        fingerprint_frames(extract_frames(path), duration_s=duration)

    picked: list = []

    def with_picker() -> None:
        picker = closeups.CandidateFrames()

        def frames():
            for frame in extract_frames(path):
                picker.offer(frame.time_s, frame.luma)
                yield frame

        fingerprint_frames(frames(), duration_s=duration)
        picked[:] = picker.frames()

    samples: dict[str, list[float]] = {"plain": [], "picker": [], "ocr": []}
    for _ in range(args.repeat):
        samples["plain"].append(median_time(plain, 1))
        samples["picker"].append(median_time(with_picker, 1))
        samples["ocr"].append(median_time(lambda: closeups.read_media_closeups(picked), 1))
    med = {k: statistics.median(v) for k, v in samples.items()}

    fixtures = Path(args.fixtures)
    truth = json.loads((fixtures / "ground_truth.json").read_text())
    per_kind: dict[str, list[float]] = {"image": [], "video": []}
    right = exact = readable = 0
    for media, entry in truth["media"].items():
        t0 = time.perf_counter()
        picker = closeups.CandidateFrames()
        for frame in extract_frames(fixtures / media):
            picker.offer(frame.time_s, frame.luma)
        reading = closeups.read_media_closeups(picker.frames())
        per_kind[entry["kind"]].append(time.perf_counter() - t0)
        right += reading.closeup == entry["closeup"]
        if entry["serial_readable"]:
            readable += 1
            exact += [m.text for m in reading.identifiers] == [entry["serial"]]
    return {
        "clip": str(path.relative_to(REPO) if path.is_relative_to(REPO) else path),
        "clip_seconds": round(duration, 1),
        "model_load_s (fresh process, incl. Python start)": round(load_s, 2),
        "fingerprint_pass_s_median": round(med["plain"], 3),
        "fingerprint_pass_with_candidate_picker_s_median": round(med["picker"], 3),
        "picker_ratio": round(med["picker"] / med["plain"], 3),
        "ocr_of_candidates_s_median": round(med["ocr"], 3),
        "candidates_read": len(picked),
        "closeup_stage_s_per_minute_of_footage": round(
            (med["ocr"] + med["picker"] - med["plain"]) * 60.0 / duration, 3
        ),
        "fixtures": {
            "closeup_decision_right": f"{right}/{len(truth['media'])}",
            "serials_read_exactly": f"{exact}/{readable}",
            "read_s_median_still": round(statistics.median(per_kind["image"]), 3),
            "read_s_median_video (decode + pick + OCR)": round(
                statistics.median(per_kind["video"]), 3
            ),
        },
    }


def bench_nightly(args: argparse.Namespace) -> dict:
    """A nightly ``rescore`` on archives of synthetic fingerprints, 1 % of them new.

    Every claim holds one 7 s item whose fingerprints are those of a fixture
    video (C002_a) made its own: random frame hashes and thumbnails, ORB and
    SIFT descriptors XORed with random bytes, so its visual words are its own
    too (unrelated footage). All but 1 % of the items are already matched (for
    copies and for other angles); the run matches the new ones against the
    whole archive, derives every finding and scores every claim.
    Media are already fingerprinted: fingerprinting new media costs the same
    per item whatever the archive's size (see the fingerprint benchmark).
    For 1,000 claims (``--full-claims``) the run is also timed with nothing matched yet: the
    first full re-scoring of an archive fingerprinted by ``ingest``.
    """
    from provenance import views
    from provenance.archive import open_archive
    from provenance.archive.sqlite import format_utc, utc_now
    from provenance.findings.angles import MATCHER as VIEWS_MATCHER
    from provenance.findings.copies import MATCHER
    from provenance.fingerprint import KIND as FRAMES_KIND
    from provenance.fingerprint import THUMBS_KIND, MediaFingerprint
    from provenance.keypoints import KIND as KEYPOINTS_KIND
    from provenance.keypoints import WORDS_KIND, features_to_bytes, word_bag
    from provenance.nightly import rescore
    from provenance.process import analyse_file, decode_prints

    _info, stored = analyse_file(str(Path(args.fixtures) / "media" / "C002_a.mp4"))
    template_prints = decode_prints(stored)
    template = template_prints.frames
    rng = np.random.default_rng(3)

    def own_prints() -> dict[str, bytes]:
        frames = MediaFingerprint(
            template.time_s,
            rng.integers(0, 2**63, template.hashes.shape, dtype=np.uint64),
            template.detail,
            template.portrait,
            rng.integers(0, 256, template.thumbs.shape, dtype=np.uint8),
        )
        keyframes = [
            dataclasses.replace(
                k, descriptors=k.descriptors ^ rng.integers(0, 256, k.descriptors.shape, np.uint8)
            )
            for k in template_prints.keyframes
        ]
        scene = template_prints.views
        view_frames = [
            dataclasses.replace(
                k, descriptors=k.descriptors ^ rng.integers(0, 256, k.descriptors.shape, np.uint8)
            )
            for k in scene.keyframes
        ]
        own_scene = views.SceneViews(view_frames, *views.view_words(view_frames), scene.track)
        return {
            **stored,
            FRAMES_KIND: frames.to_bytes(),
            THUMBS_KIND: frames.thumbs_to_bytes(),
            KEYPOINTS_KIND: features_to_bytes(keyframes),
            WORDS_KIND: word_bag(keyframes).to_bytes(),
            views.KIND: own_scene.keyframes_to_bytes(),
            views.WORDS_KIND: own_scene.words_to_bytes(),
        }

    def build(n: int, matched_share: float) -> Path:
        db = BENCH / f"nightly_{n}.db"
        for leftover in (db, Path(f"{db}-wal"), Path(f"{db}-shm"), Path(f"{db}.lock")):
            leftover.unlink(missing_ok=True)
        now = format_utc(utc_now())
        old = round(n * matched_share)
        with open_archive(db, write=True) as archive, archive.transaction() as sql:
            for i in range(n):
                sha = f"{i:064x}"
                sql.execute(
                    "INSERT INTO media (sha256, size_bytes, file, status, kind, width, height,"
                    " duration_s, first_seen_at) VALUES (?, 1, '/x', 'done', 'video', 480, 272,"
                    " 7.0, ?)",
                    (sha, now),
                )
                sql.execute(
                    "INSERT INTO claims (id, claimed_at, group_name, first_seen_at)"
                    " VALUES (?, ?, 'G', ?)",
                    (f"N{i:06d}", f"2024-01-01T00:00:{i % 60:02d}.000000Z", now),
                )
                sql.execute(
                    "INSERT INTO claim_media VALUES (?, 0, ?, ?)", (f"N{i:06d}", f"m{i}.mp4", sha)
                )
                for kind, blob in own_prints().items():
                    sql.execute(
                        "INSERT INTO fingerprints VALUES (?, ?, ?, ?)", (sha, kind, blob, now)
                    )
                if i < old:
                    for matcher in (MATCHER, VIEWS_MATCHER):
                        sql.execute(
                            "INSERT INTO matched VALUES (?, ?, ?, NULL, ?)",
                            (matcher.rpartition("-v")[0], sha, matcher, now),
                        )
        return db

    def timed_run(db: Path, workers: int = 1) -> tuple[float, dict]:
        started = time.perf_counter()
        with open_archive(db, write=True) as archive:
            summary = rescore(archive, workers=workers)
        return time.perf_counter() - started, {
            "matched": summary.matched,
            "related": summary.related,
            "findings": summary.findings,
            "scored": summary.claims,
        }

    sizes = [int(x) for x in args.claims.split(",")]
    rows = {}
    for n in sizes:
        db = build(n, 0.99)
        seconds, what = timed_run(db)
        rows[n] = {"rescore_s": round(seconds, 2), **what,
                   "archive_mb": round(db.stat().st_size / 2**20, 1)}
    first = sizes[0]
    growth = {
        f"{n} vs {first}": f"{n / first:.0f}x claims, "
        f"{rows[n]['rescore_s'] / rows[first]['rescore_s']:.1f}x time"
        for n in sizes[1:]
    }
    full = {}
    for workers in (1, 2):
        seconds, what = timed_run(build(args.full_claims, 0.0), workers)
        full[f"workers={workers}"] = {"rescore_s": round(seconds, 2), **what}
    return {
        "nightly_1pct_new (one process)": rows,
        "growth": growth,
        f"first_full_rescore_{args.full_claims}_claims_nothing_matched": full,
    }


def bench_report(args: argparse.Namespace) -> dict:
    """Writing the reports of a large archive, and opening the HTML in Chromium.

    ``--archive`` names a re-scored archive (e.g. ``.bench/nightly_1000.db``
    left by ``bench.py nightly``). Its media files do not exist, so the HTML
    has no evidence pictures: their cost is measured on the fixtures instead
    (seconds per picture).
    """
    from provenance.archive import open_archive
    from provenance.report import collect, write_report

    out = Path(tempfile.mkdtemp(prefix="report-"))
    times: dict[str, float] = {}
    started = time.perf_counter()
    with open_archive(args.archive, write=False) as archive:
        data = collect(archive)
    times["collect_s"] = time.perf_counter() - started
    for fmt in ("html", "json", "csv"):
        started = time.perf_counter()
        write_report(data, fmt, out / f"report.{fmt}")
        times[f"{fmt}_s"] = time.perf_counter() - started
    result: dict = {
        "claims": len(data.claims),
        "findings": sum(len(v.findings) for v in data.claims),
        **{k: round(v, 2) for k, v in times.items()},
        "html_mb": round((out / "report.html").stat().st_size / 2**20, 2),
    }
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if chromium and driver:
        from selenium import webdriver
        from selenium.webdriver.chrome.options import Options
        from selenium.webdriver.chrome.service import Service
        from selenium.webdriver.common.by import By

        options = Options()
        options.binary_location = chromium
        for arg in ("--headless=new", "--no-sandbox", "--disable-gpu"):
            options.add_argument(arg)
        browser = webdriver.Chrome(options=options, service=Service(driver))
        try:
            started = time.perf_counter()
            browser.get((out / "report.html").as_uri())
            result["browser_load_s"] = round(time.perf_counter() - started, 2)
            head = browser.find_elements(By.CSS_SELECTOR, "#claims-table thead th")[4]
            started = time.perf_counter()
            head.click()
            browser.execute_script("return document.body.offsetHeight")  # after the re-layout
            result["browser_sort_by_score_s"] = round(time.perf_counter() - started, 2)
        finally:
            browser.quit()
    # 1,000 claims whose findings all have pictures: each claim re-posts one of
    # the fixture files (same bytes), so every later claim holds a copy finding
    from provenance.ingest import ingest_manifest
    from provenance.manifest import read_manifest
    from provenance.nightly import rescore

    fixtures = Path(args.fixtures)
    media = sorted(p.name for p in (fixtures / "media").iterdir())
    posted = Path(tempfile.mkdtemp(prefix="report-posted-"))
    manifest = posted / "claims.jsonl"
    with manifest.open("w") as out_file:
        for i in range(1000):
            day = 1 + i % 28
            line = {
                "id": f"P{i:04d}",
                "claimed_at": f"2024-{1 + (i // 28) % 12:02d}-{day:02d}T12:00:00Z",
                "group": ["Brigade North", "Eastern Falcons", "Southern Hawks"][i % 3],
                "media": [f"{fixtures.resolve()}/media/{media[i % len(media)]}"],
            }
            out_file.write(json.dumps(line) + "\n")
    with open_archive(posted / "p.db", write=True) as archive:
        ingest_manifest(archive, read_manifest(manifest, allow_outside=True), workers=2)
        rescore(archive, workers=2)
    with open_archive(posted / "p.db", write=False) as archive:
        posted_data = collect(archive)
    started = time.perf_counter()
    write_report(posted_data, "html", posted / "report.html")
    result["html_1000_claims_with_pictures_s"] = round(time.perf_counter() - started, 2)
    result["pictures_in_it"] = len(list((posted / "report_files").glob("*.jpg")))
    shutil.rmtree(posted, ignore_errors=True)

    # evidence pictures on the fixtures: cost per picture
    from provenance.demo import run_demo

    demo_dir = Path(tempfile.mkdtemp(prefix="report-demo-"))
    run_demo(demo_dir, fixtures=Path(args.fixtures), workers=2)
    with open_archive(demo_dir / "provenance.db", write=False) as archive:
        fixture_data = collect(archive)
    started = time.perf_counter()
    write_report(fixture_data, "html", demo_dir / "again.html")
    pictures = len(list((demo_dir / "again_files").glob("*.jpg")))
    spent = time.perf_counter() - started
    result["fixtures_html_with_pictures_s"] = round(spent, 2)
    result["fixtures_pictures"] = pictures
    result["s_per_picture"] = round(spent / max(pictures, 1), 3)
    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(demo_dir, ignore_errors=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument(
        "what",
        choices=[
            "fingerprint",
            "index",
            "memory",
            "accuracy",
            "archive",
            "angles",
            "shortlist",
            "closeups",
            "nightly",
            "report",
        ],
    )
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--clip", help="use this video instead of the rendered 720p clip")
    parser.add_argument("--hashes", type=int, default=1_000_000)
    parser.add_argument("--items", type=int, default=5000, help="archive: stored items")
    parser.add_argument("--seconds", type=int, default=3600, help="memory: video length")
    parser.add_argument("--fixtures", default=str(REPO / "fixtures"))
    parser.add_argument("--claims", default="100,1000,10000", help="nightly: archive sizes")
    parser.add_argument("--archive", default=str(BENCH / "nightly_1000.db"), help="report: archive")
    parser.add_argument(
        "--full-claims", type=int, default=1000, help="nightly: size of the run matching all"
    )
    args = parser.parse_args()
    runner = {
        "fingerprint": bench_fingerprint,
        "index": bench_index,
        "memory": bench_memory,
        "accuracy": bench_accuracy,
        "archive": bench_archive,
        "angles": bench_angles,
        "shortlist": bench_shortlist,
        "closeups": bench_closeups,
        "nightly": bench_nightly,
        "report": bench_report,
    }[args.what]
    result = runner(args)
    result["machine"] = (
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    result["date"] = date.today().isoformat()
    result["command"] = "python scripts/bench.py " + " ".join(sys.argv[1:])
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
