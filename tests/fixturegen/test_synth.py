"""Tests of the synthetic fixture generator (provenance.synth).

One session-scoped fixture generates the whole set into a temporary folder
(about 20-40 s on two cores); the other tests read it or test small pieces.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from fixturegen import FIXTURE_FORMAT, make_fixture_set, sites
from fixturegen import audio as au
from fixturegen import catalogue as cat
from fixturegen import edits as ed
from fixturegen.closeup import serial_height_px
from fixturegen.overlays import SH_INTRO, bumper_frames
from fixturegen.recipes import FPS, Built, Close, build
from fixturegen.scene import NEAR_M, base_pose, draw_textured, project
from fixturegen.videoio import decode_video, encode_video, frame_at, read_image

SEED = cat.DEFAULT_SEED


@pytest.fixture(scope="session")
def fixture_set(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("fixtures")
    make_fixture_set(out, seed=SEED)
    return out


@pytest.fixture(scope="session")
def truth(fixture_set) -> dict:
    return json.loads((fixture_set / "ground_truth.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def manifest(fixture_set) -> list[dict]:
    lines = (fixture_set / "manifest.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def _probe(path: Path) -> dict:
    with av.open(str(path)) as c:
        s = c.streams.video[0]
        return {"duration_s": float(s.duration * s.time_base), "fps": float(s.average_rate),
                "width": s.width, "height": s.height,
                "times": [float(f.pts * f.time_base) for f in c.decode(s)]}


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ----------------------------------------------------------------- geometry


def _visible_points(cams, planes, per_plane=(6, 4)):
    """Points of the planes that every camera sees in front of it and inside its frame."""
    pts = np.concatenate([p.points(*per_plane) for p in planes])
    keep = np.ones(len(pts), bool)
    for cam in cams:
        uv, depth = project(base_pose(cam), pts)
        keep &= (depth > 1) & (uv[:, 0] >= 0) & (uv[:, 0] < cam.width) & (uv[:, 1] >= 0) & (
            uv[:, 1] < cam.height)
    return pts[keep]


def _epipolar_error(F: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    ah = np.column_stack([a, np.ones(len(a))])
    bh = np.column_stack([b, np.ones(len(b))])
    lines = ah @ F.T
    return np.abs(np.sum(lines * bh, axis=1)) / np.hypot(lines[:, 0], lines[:, 1])


@pytest.mark.parametrize("cam_a,cam_b,event", [
    ("A1-cam1", "A1-cam2", "A1"), ("A1-cam1", "A1-cam3", "A1"), ("A1-cam2", "A1-cam3", "A1"),
    ("B1-cam1", "B1-cam2", "B1"),
])
def test_other_angles_have_real_parallax(cam_a, cam_b, event):
    ca, cb = sites.CAMERAS[cam_a], sites.CAMERAS[cam_b]
    site = sites.site_of(sites.EVENTS[event])
    pts = _visible_points([ca, cb], site.planes)
    depths = project(base_pose(ca), pts)[1]
    assert len(pts) >= 30 and depths.max() / depths.min() > 4  # planes at clearly different depths
    a = project(base_pose(ca), pts)[0].astype(np.float32)
    b = project(base_pose(cb), pts)[0].astype(np.float32)
    H, _ = cv2.findHomography(a, b, cv2.RANSAC, 3.0)
    ah = np.column_stack([a, np.ones(len(a))]) @ H.T
    err_h = np.linalg.norm(ah[:, :2] / ah[:, 2:3] - b, axis=1)
    assert np.median(err_h) > 5.0, "one homography maps one view onto the other: no parallax"
    F, _ = cv2.findFundamentalMat(a, b, cv2.FM_8POINT)
    assert np.median(_epipolar_error(F, a, b)) < 1.0


def test_cameras_of_an_event_are_metres_apart_and_turned():
    for event, names in (("A1", ["A1-cam1", "A1-cam2", "A1-cam3"]), ("B1", ["B1-cam1", "B1-cam2"])):
        cams = [sites.CAMERAS[n] for n in names]
        for i, a in enumerate(cams):
            for b in cams[i + 1:]:
                assert np.linalg.norm(a.C - b.C) > 5, (event, a.name, b.name)
                assert abs(a.yaw_deg - b.yaw_deg) > 3, (event, a.name, b.name)


def test_near_planes_are_in_front_of_every_camera():
    """Launchers, vehicles and buildings are whole in every view; the very wide
    tree lines and hills reach behind some cameras and are clipped (next test)."""
    for cam in sites.CAMERAS.values():
        event = next(e for e in sites.EVENTS.values() if cam.name.startswith(e.id))
        for plane in sites.site_of(event).planes:
            if np.linalg.norm(plane.centre()[:2] - cam.C[:2]) > 70:
                continue
            _, depth = project(base_pose(cam), plane.corners())
            assert depth.min() > NEAR_M, (cam.name, plane.name)


def test_planes_reaching_behind_the_camera_are_clipped():
    """A plane through the camera's position: only its part in front may be drawn."""
    cam = sites.CAMERAS["A1-cam1"]
    pose = base_pose(cam)
    # a wide vertical wall running from 50 m behind to 50 m ahead, 6 m to the right,
    # its behind-the-camera half red and its front half green
    n = 400
    tex = np.zeros((60, n, 4), np.float32)
    tex[..., 3] = 1
    behind = np.zeros(n, bool)
    fwd = pose.R[2]
    for i in range(n):
        world = np.array([cam.C[0] + 6, cam.C[1] - 50 + 100 * i / n, 0])
        behind[i] = (world - pose.C) @ fwd < 0
    tex[:, behind, 0] = 1
    tex[:, ~behind, 1] = 1
    canvas = np.zeros((cam.height, cam.width, 3), np.float32)
    origin = np.array([cam.C[0] + 6, cam.C[1] - 50, 6.0])
    draw_textured(canvas, pose, tex, origin, np.array([0, 100 / n, 0]), np.array([0, 0, -0.1]))
    assert canvas[..., 1].max() > 0.9  # the front part is drawn
    assert canvas[..., 0].max() < 0.05  # nothing from behind the camera


def test_copy_edits_are_homographies():
    cam = sites.CAMERAS["A1-cam1"]
    pts = _visible_points([cam], sites.site_of(sites.EVENTS["A1"]).planes)
    src = project(base_pose(cam), pts)[0]
    size = (cam.width, cam.height)
    box = ed.Crop(0.1, 0.1, 0.9, 0.9)
    for M in (ed.crop_map(box, size, size), ed.hflip_map(cam.width),
              ed.hflip_map(cam.width) @ ed.crop_map(box, size, size)):
        dst = np.column_stack([src, np.ones(len(src))]) @ M.T
        dst = dst[:, :2] / dst[:, 2:3]
        H, _ = cv2.findHomography(src.astype(np.float32), dst.astype(np.float32), cv2.RANSAC, 1.0)
        sh = np.column_stack([src, np.ones(len(src))]) @ H.T
        assert np.median(np.linalg.norm(sh[:, :2] / sh[:, 2:3] - dst, axis=1)) < 0.05


def test_crop_copy_matches_its_source_through_the_crop_map(fixture_set, truth):
    row = next(r for r in truth["copies"] if r["media"] == "media/C015_a.mp4")
    assert row["source"] == "media/C001_a.mp4" and "crop" in row["edits"]
    src, cpy = decode_video(fixture_set / row["source"]), decode_video(fixture_set / row["media"])
    t = 3.0
    a, b = frame_at(src, t), frame_at(cpy, t)
    h, w = a.shape[:2]
    M = ed.crop_map(ed.Crop(0.1, 0.1, 0.9, 0.9), (w, h), (b.shape[1], b.shape[0]))
    warped = cv2.warpPerspective(a, M, (b.shape[1], b.shape[0]))
    inner = (slice(40, -40), slice(60, -60))  # away from the new overlays
    diff = np.abs(warped[inner].astype(int) - b[inner].astype(int)).mean()
    assert diff < 8, diff
    # the same instant from the other angle (offset 2.3 s) is not related by the crop map
    other = frame_at(decode_video(fixture_set / "media/C010_a.mp4"), t - 2.3)
    assert np.abs(cv2.warpPerspective(other, M, (b.shape[1], b.shape[0]))[inner].astype(int)
                  - b[inner].astype(int)).mean() > diff * 2


# ------------------------------------------------------------- ground truth


def test_ground_truth_lists_exactly_the_manifest_media(fixture_set, truth, manifest):
    assert truth["format"] == FIXTURE_FORMAT and truth["seed"] == SEED
    listed = [m for row in manifest for m in row["media"]]
    assert sorted(listed) == sorted(truth["media"])
    for path, e in truth["media"].items():
        assert (fixture_set / path).is_file(), path
        assert e["claim"] == path.split("/")[1].split("_")[0]
    on_disk = sorted("media/" + p.name for p in (fixture_set / "media").iterdir())
    assert on_disk == sorted(truth["media"])
    assert 22 <= len(manifest) <= 28
    assert {row["group"] for row in manifest} == {cat.BN, cat.EF, cat.SH}
    assert all("2024-09-01" <= row["claimed_at"] <= "2024-11-30T23:59:59Z" for row in manifest)
    assert any("<script>" in row["text"] for row in manifest)


def test_manifest_csv_matches_jsonl(fixture_set, manifest):
    import csv

    with open(fixture_set / "manifest.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["id"] for r in rows] == [m["id"] for m in manifest]
    for r, m in zip(rows, manifest, strict=True):
        assert r["media"].split(";") == m["media"]
        assert r["text"] == m["text"]


def test_manifest_is_accepted_by_the_reader(fixture_set, manifest):
    from provenance.intake import read_manifest

    parsed = read_manifest(fixture_set / "manifest.jsonl")
    assert not parsed.problems
    assert len(parsed.entries) == len(manifest)


def test_media_properties_match_the_files(fixture_set, truth):
    for path, e in truth["media"].items():
        if e["kind"] == "image":
            img = read_image(fixture_set / path)
            assert (img.shape[1], img.shape[0]) == (e["width"], e["height"]), path
            assert e["duration_s"] is None and e["fps"] is None
            continue
        p = _probe(fixture_set / path)
        assert (p["width"], p["height"]) == (e["width"], e["height"]), path
        assert abs(p["duration_s"] - e["duration_s"]) < 0.05, (path, p["duration_s"])
        if e["vfr"]:
            assert e["fps"] == "vfr"
            steps = np.diff(p["times"])
            assert steps.max() - steps.min() > 0.02, "VFR video has regular frame times"
        else:
            assert abs(p["fps"] - e["fps"]) < 0.01, path
            assert np.allclose(np.diff(p["times"]), 1 / e["fps"], atol=1e-3), path
        if e["launch_at_s"] is not None:
            assert 0 <= e["launch_at_s"] < e["duration_s"], path


def test_copy_segments_fit_both_media_and_the_speed(truth):
    media = truth["media"]
    for row in truth["copies"]:
        assert row["media"] in media and row["source"] in media
        assert media[row["source"]]["content"] != "copy", "source must be the original"
        seg = row["segment"]
        if seg is None:
            assert "image" in (media[row["media"]]["kind"], media[row["source"]]["kind"])
            continue
        eps = 1e-6
        assert 0 <= seg["start_s"] < seg["end_s"] <= media[row["media"]]["duration_s"] + eps
        assert 0 <= seg["other_start_s"] < seg["other_end_s"] <= media[row["source"]][
            "duration_s"] + eps
        speed = (seg["other_end_s"] - seg["other_start_s"]) / (seg["end_s"] - seg["start_s"])
        assert abs(speed - row["speed"]) < 1e-6, row


def test_copy_launch_times_follow_their_segment(truth):
    media = truth["media"]
    for row in truth["copies"]:
        seg, src = row["segment"], media[row["source"]]
        if seg is None or src["launch_at_s"] is None:
            continue
        if seg["other_start_s"] <= src["launch_at_s"] < seg["other_end_s"]:
            expect = seg["start_s"] + (src["launch_at_s"] - seg["other_start_s"]) / row["speed"]
            assert abs(media[row["media"]]["launch_at_s"] - expect) < 1e-6, row["media"]


def test_launch_flash_is_at_launch_at_s(fixture_set, truth):
    for path, e in truth["media"].items():
        if e["kind"] != "video" or e["launch_at_s"] is None:
            continue
        if e["content"] not in ("wide", "night"):
            continue
        d = decode_video(fixture_set / path)
        first = next(i for i, t in enumerate(d.times) if t >= e["launch_at_s"] - 1e-6)
        assert d.times[first] - e["launch_at_s"] < 0.1  # the flash lasts 0.2 s
        at = d.frames[first].max(axis=2)
        before = frame_at(d, e["launch_at_s"] - 0.5).max(axis=2)
        assert (at >= 250).sum() > (before >= 250).sum() + 15, path


def test_other_angles_and_same_site(truth):
    media, when = truth["media"], {c.id: c.claimed_at for c in cat.CLAIMS}
    pairs = {(r["a"], r["b"]) for r in truth["other_angles"]}
    assert ("media/C001_a.mp4", "media/C010_a.mp4") in pairs
    by_event: dict[str, list[str]] = {}
    for p, e in media.items():
        if e["event"] and e["content"] in ("wide", "night"):
            by_event.setdefault(e["event"], []).append(p)
    expected = sum(len(v) * (len(v) - 1) // 2 for v in by_event.values())
    assert len(truth["other_angles"]) == expected and expected >= 4
    assert len(by_event["A1"]) >= 3 and len(by_event["B1"]) >= 2
    for r in truth["other_angles"]:
        a, b = media[r["a"]], media[r["b"]]
        assert a["event"] == b["event"] == r["event"] and a["camera"] != b["camera"]
        assert abs(r["offset_s"] - (b["event_clock_start_s"] - a["event_clock_start_s"])) < 1e-9
        assert when[a["claim"]] <= when[b["claim"]]
    for r in truth["same_site"]:
        a, b = media[r["a"]], media[r["b"]]
        assert a["site"] == b["site"] == r["site"] and a["event"] != b["event"]
    assert any({"A1", "A2"} == {media[r["a"]]["event"], media[r["b"]]["event"]}
               for r in truth["same_site"])


def test_originals_come_before_the_claims_that_recycle_them(truth):
    media, claims = truth["media"], truth["claims"]
    when = {c.id: c.claimed_at for c in cat.CLAIMS}
    for cid, c in claims.items():
        assert c["original"] == (not c["recycles"])
        assert all(when[o] < when[cid] for o in c["recycles"]), cid
    for row in truth["copies"]:
        if not row["same_claim"]:
            assert when[media[row["source"]]["claim"]] < when[media[row["media"]]["claim"]]
        else:
            assert media[row["source"]]["claim"] == media[row["media"]]["claim"]
    assert sum(r["same_claim"] for r in truth["copies"]) >= 1
    for r in truth["recycled_identifiers"]:
        assert when[media[r["first_media"]]["claim"]] < when[media[r["media"]]["claim"]]
        assert media[r["media"]]["serial"] == media[r["first_media"]]["serial"] == r["serial"]
    bn = [c.id for c in cat.CLAIMS if c.group == cat.BN]
    early, late = bn[:3], bn[-5:]
    assert all(claims[c]["original"] for c in early)
    assert not any(claims[c]["original"] for c in late)


def test_all_required_edits_are_covered(truth):
    edits = {e for r in truth["copies"] for e in r["edits"]}
    assert {"identical", "reencode_low_bitrate", "resize", "crop", "hflip", "overlay",
            "brightness_contrast_gamma", "color_shift", "grayscale", "letterbox", "pillarbox",
            "speed", "fps_change", "excerpt", "embedded", "pip", "rotate90", "frame_grab",
            "still_to_video"} <= edits
    speeds = {r["speed"] for r in truth["copies"]}
    assert 0.8 in speeds and 1.25 in speeds
    assert any("via" in r for r in truth["copies"])
    a = truth["copies"][[r["media"] for r in truth["copies"]].index("media/C012_a.mp4")]
    assert a["edits"] == ["identical"]


def test_identical_reupload_has_the_same_bytes(fixture_set):
    assert _sha(fixture_set / "media/C012_a.mp4") == _sha(fixture_set / "media/C004_a.mp4")


# ---------------------------------------------------------------- traps etc.


def test_night_videos_are_dark(fixture_set, truth):
    night = [p for p, e in truth["media"].items() if e["night"] and e["kind"] == "video"]
    sites_seen = {truth["media"][p]["site"] for p in night}
    assert len(sites_seen - {None}) >= 2
    for p in night:
        d = decode_video(fixture_set / p)
        luma = [float((f.astype(np.float32) @ np.array([0.299, 0.587, 0.114])).mean())
                for f in d.frames]
        assert max(luma) < 30, (p, max(luma))
    assert truth["traps"]["night"]


def test_bumper_frames_are_identical_across_videos(fixture_set, truth):
    a = bumper_frames(SH_INTRO, sites.WIDE_W, sites.WIDE_H, FPS)
    b = bumper_frames(SH_INTRO, sites.WIDE_W, sites.WIDE_H, FPS)
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
    with_bumper = [p for p, e in truth["media"].items() if e["bumper"]]
    assert len(with_bumper) >= 3
    decoded = [decode_video(fixture_set / p) for p in with_bumper]
    n = round(SH_INTRO.duration_s * FPS)
    for d in decoded[1:]:
        inside = np.mean([np.abs(d.frames[i].astype(int) - decoded[0].frames[i].astype(int)).mean()
                          for i in range(n)])
        after = np.abs(d.frames[n + 6].astype(int) - decoded[0].frames[n + 6].astype(int)).mean()
        assert inside < 2.0 and after > 10 * max(inside, 0.5)
    for path in with_bumper:
        assert truth["media"][path]["bumper"] == {"id": "SH-intro", "start_s": 0.0, "end_s": 1.5}
    assert len(truth["traps"]["bumper"]) == len(with_bumper) * (len(with_bumper) - 1) // 2


def test_closeups_readable_serials_are_tall_enough(truth):
    media = truth["media"]
    readable = [e for e in media.values() if e["closeup"] and e["serial_readable"]]
    unreadable = [e for e in media.values() if e["serial"] and
                  not e["serial_readable"] and e["content"] == "closeup"]
    assert len({e["airframe"] for e in readable if e["content"] == "closeup"}) >= 6
    assert len(unreadable) >= 2
    # shots of an airframe whose markings do not resolve are not identifying close-ups
    assert not any(e["closeup"] for e in unreadable if e["serial_text_height_px"] < 12)
    assert all(e["closeup"] for e in readable)
    assert all(e["serial_text_height_px"] >= 24 for e in readable)
    for p in cat.plans():
        if isinstance(p.recipe, Close) and media[p.path]["serial_readable"]:
            assert serial_height_px(p.recipe.spec) >= 24, p.path


def test_recycled_airframe_is_a_new_shot(fixture_set, truth):
    r = next(x for x in truth["recycled_identifiers"] if x["media"] == "media/C010_b.jpg")
    first = frame_at(decode_video(fixture_set / r["first_media"]), 0.0)
    new = read_image(fixture_set / r["media"])
    assert first.shape != new.shape or np.abs(first.astype(int) - new.astype(int)).mean() > 20
    assert r["media"] not in {c["media"] for c in truth["copies"]}


# -------------------------------------------------------------- determinism


def test_items_are_byte_reproducible(fixture_set, tmp_path):
    """Rebuild a few items in this process (no workers) and compare bytes."""
    wanted = ["media/C004_b.jpg", "media/C003_a.mp4", "media/C011_a.mp4", "media/C021_a.mp4"]
    plans = {p.path: p for p in cat.plans()}
    built: dict[str, Built] = {}
    (tmp_path / "media").mkdir()
    for path in ["media/C002_b.jpg", *wanted]:
        plan = plans[path]
        for need in plan.needs:
            if need not in built:
                built[need] = build(plans[need], tmp_path, SEED, {})
        built[path] = build(plan, tmp_path, SEED, {n: built[n] for n in plan.needs})
    for path in wanted:
        assert _sha(tmp_path / path) == _sha(fixture_set / path), path


def test_plans_are_listed_after_their_sources():
    seen: set[str] = set()
    for p in cat.plans():
        assert all(n in seen for n in p.needs), p.path
        seen.add(p.path)


# -------------------------------------------------------------------- sound


def _launch_onset_s(x: np.ndarray, after_s: float) -> float:
    """First time after ``after_s`` where the sound above 1 kHz jumps 10x over the ambient."""
    from scipy import signal

    y = signal.sosfiltfilt(signal.butter(4, 1000, "highpass", fs=au.SR, output="sos"), x)
    env = np.sqrt(np.convolve(y**2, np.ones(32) / 32, mode="same"))
    i0 = round(after_s * au.SR)
    floor = np.sqrt(np.mean(env[: i0 - 800] ** 2))
    return (i0 + int(np.argmax(env[i0:] > 10 * floor)) + 16) / au.SR


def _ncc(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Normalised cross-correlation of ``b`` against every position in ``a``."""
    from scipy import signal

    c = signal.correlate(a, b, "valid")
    e = np.concatenate([[0.0], np.cumsum(a**2)])
    return c / (np.sqrt(e[len(b):] - e[: -len(b)]) * np.sqrt(b @ b) + 1e-12)


def _heard_delay_s(event: str, camera: str) -> float:
    ev, cam = sites.EVENTS[event], sites.CAMERAS[camera]
    return float(np.linalg.norm(np.subtract(ev.launcher, cam.position))) / au.SOUND_SPEED


def _decode_audio(path: Path) -> tuple[np.ndarray, float]:
    with av.open(str(path)) as c:
        s = c.streams.audio[0]
        frames = list(c.decode(s))
        assert frames[0].pts == 0 and s.rate == au.SR and s.channels == 1
        return (np.concatenate([f.to_ndarray()[0] for f in frames]).astype(np.float64),
                float(s.duration * s.time_base))


def _tiny_frames(n: int) -> list[np.ndarray]:
    return [np.full((48, 64, 3), 10 * i % 250, np.uint8) for i in range(n)]


def test_audio_encoding_is_byte_reproducible_and_optional(tmp_path):
    ev = sites.EVENTS["A1"]
    sound = au.soundtrack(ev, sites.CAMERAS["A1-cam1"].position, 19.6, 1.0, 7,
                          bumper_id=SH_INTRO.id, lead_s=0.5)
    assert len(sound) == round(1.5 * au.SR) and 0.05 < np.abs(sound).max() < 0.9
    frames = _tiny_frames(18)
    for name in ("a1", "a2"):
        encode_video(tmp_path / f"{name}.mp4", frames, fps=FPS, audio=sound)
    for name in ("v1", "v2"):
        encode_video(tmp_path / f"{name}.mp4", frames, fps=FPS)
    encode_video(tmp_path / "vfr.mp4", frames, times=[i * 0.07 for i in range(18)],
                 duration_s=1.3, audio=sound)  # longer than the video: trimmed
    assert _sha(tmp_path / "a1.mp4") == _sha(tmp_path / "a2.mp4")
    assert _sha(tmp_path / "v1.mp4") == _sha(tmp_path / "v2.mp4") != _sha(tmp_path / "a1.mp4")
    with av.open(str(tmp_path / "v1.mp4")) as c:
        assert not c.streams.audio
    for name, dur in (("a1", 1.5), ("vfr", 1.3)):
        x, audio_dur = _decode_audio(tmp_path / f"{name}.mp4")
        assert abs(audio_dur - dur) < 1e-3 and len(x) >= round(dur * au.SR)
    # the video is the same with or without sound
    assert all(np.array_equal(a, b) for a, b in zip(
        decode_video(tmp_path / "a1.mp4").frames, decode_video(tmp_path / "v1.mp4").frames,
        strict=True))
    # the jingle is the same for every use of a bumper
    assert np.array_equal(au.jingle(SH_INTRO.id, 1.5), au.jingle(SH_INTRO.id, 1.5))
    assert not np.array_equal(au.jingle(SH_INTRO.id, 1.5), au.jingle("other", 1.5))


def test_launch_is_heard_after_the_sound_travel_time(tmp_path):
    """Each camera hears the bang at launch + distance / 343 m/s, over quieter ambient."""
    for event, camera in (("A1", "A1-cam1"), ("A1", "A1-cam2"), ("A1", "A1-cam3"),
                          ("A2", "A2-cam1")):
        ev = sites.EVENTS[event]
        x = au.camera_track(ev, sites.CAMERAS[camera].position, ev.launch_t - 1.0, 2.0, 3)
        heard = 1.0 + _heard_delay_s(event, camera)
        assert abs(_launch_onset_s(x, 0.9) - heard) < 0.005, camera
        pre, roar = x[: round(0.9 * au.SR)], x[round((heard + 0.2) * au.SR):]
        snr_db = 10 * np.log10(np.mean(roar**2) / np.mean(pre**2))
        assert 12 < snr_db < 28 and 0.2 < np.abs(x).max() < 0.9, (camera, snr_db)
    # and through the AAC encoder, in media time
    ev = sites.EVENTS["A1"]
    sound = au.camera_track(ev, sites.CAMERAS["A1-cam2"].position, ev.launch_t - 1.0, 1.5, 4)
    encode_video(tmp_path / "clip.mp4", _tiny_frames(18), fps=FPS, audio=sound)
    x, _ = _decode_audio(tmp_path / "clip.mp4")
    assert abs(_launch_onset_s(x, 0.9) - (1.0 + _heard_delay_s("A1", "A1-cam2"))) < 0.01


def test_cameras_of_one_launch_share_its_sound_and_another_launch_does_not():
    """The same launch correlates across cameras at the lag the distances predict;
    a launch at the same site on another day does not, nor do the ambients."""
    a1, a2 = sites.EVENTS["A1"], sites.EVENTS["A2"]
    pos = {c: sites.CAMERAS[c].position for c in ("A1-cam1", "A1-cam2", "A1-cam3", "A2-cam1")}
    ref = au.camera_track(a1, pos["A1-cam1"], a1.launch_t - 0.5, 2.0, 11)
    other = au.camera_track(a2, pos["A2-cam1"], a2.launch_t - 0.5, 2.0, 12)
    for camera, seed in (("A1-cam2", 13), ("A1-cam3", 14)):
        x = au.camera_track(a1, pos[camera], a1.launch_t - 0.5, 2.0, seed)
        start = round((0.5 + _heard_delay_s("A1", camera)) * au.SR)
        window = x[start : start + au.SR // 2]  # half a second from the heard bang
        c = _ncc(ref, window)
        lag = start + round((_heard_delay_s("A1", "A1-cam1") - _heard_delay_s("A1", camera))
                            * au.SR)
        assert abs(int(np.argmax(c)) - lag) <= 3, camera
        assert c.max() > 0.25, (camera, c.max())
        off = np.abs(np.delete(c, np.arange(lag - 80, lag + 80)))
        c_other = np.abs(_ncc(other, window))
        assert c.max() > 2.5 * max(off.max(), c_other.max()), camera
        assert c_other.max() < 0.15, camera
    assert np.array_equal(au.launch_source(a1), au.launch_source(sites.EVENTS["A1"]))
    s1, s2 = au.launch_source(a1), au.launch_source(a2)
    assert abs(np.corrcoef(s1, s2)[0, 1]) < 0.05
    w1, w2 = au.ambient(1, au.SR * 2), au.ambient(2, au.SR * 2)
    assert abs(np.corrcoef(w1, w2)[0, 1]) < 0.1 and np.array_equal(w1, au.ambient(1, au.SR * 2))


def test_wide_fixture_files_have_sound_and_other_files_do_not(fixture_set, truth):
    with_sound = set()
    for path, e in truth["media"].items():
        if e["kind"] != "video":
            assert e["audio"] is False, path
            continue
        with av.open(str(fixture_set / path)) as c:
            assert len(c.streams.audio) == int(e["audio"]), path
        if e["audio"]:
            with_sound.add(path)
            x, dur = _decode_audio(fixture_set / path)
            assert abs(dur - e["duration_s"]) < 1e-3 and 0.1 < np.abs(x).max() < 0.9, path
            if e["content"] in ("wide", "night") and e["launch_at_s"] is not None:
                heard = e["launch_at_s"] + _heard_delay_s(e["event"], e["camera"])
                assert abs(_launch_onset_s(x, e["launch_at_s"] - 0.1) - heard) < 0.02, path
    wides = {p for p, e in truth["media"].items() if e["content"] in ("wide", "night")}
    assert wides <= with_sound and with_sound - wides == {"media/C012_a.mp4"}  # identical copy
    # the channel's jingle is the same in unrelated videos with its bumper
    jingles = [_decode_audio(fixture_set / p)[0][: au.SR] for p in sorted(with_sound)
               if truth["media"][p]["bumper"]]
    assert len(jingles) >= 2 and np.abs(jingles[0] - jingles[1]).max() < 1e-3
