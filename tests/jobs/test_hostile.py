"""Hostile and broken media, end to end: a clear message, the rest goes on.

Each case puts one bad file into a claim beside a claim with a good video,
then runs ``ingest`` and ``rescore`` as a user would. Whatever the file
holds: no traceback, exit code 1 (some inputs failed) or 0 (nothing failed),
a message naming the file and its reason, the good claim analysed and
scored, and the archive consistent.
"""

from __future__ import annotations

import json
import os
import sqlite3
import struct
import zlib
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from click.testing import CliRunner
from conftest import claim, write_manifest, write_video
from PIL import Image

from provenance.cli import main


def run(*args: str | Path):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=True)


# -- makers: each writes one hostile file at ``path`` ----------------------------------


def zero_bytes(path: Path) -> None:
    path.write_bytes(b"")


def text_as_mp4(path: Path) -> None:
    path.write_text("this is not a video\n" * 100)


def _faststart_video(path: Path, seconds: float = 3.0) -> None:
    write_video(path, seconds=seconds, fps=10, seed=5, size=(96, 64))


def truncated_before_index(path: Path) -> None:
    """An mp4 whose index (moov, written last by default) is cut off."""
    full = path.with_suffix(".full.mp4")
    _faststart_video(full)
    data = full.read_bytes()
    moov = data.rfind(b"moov")
    path.write_bytes(data[: max(16, moov - 8)])
    full.unlink()


def truncated_mid_stream(path: Path) -> None:
    full = path.with_suffix(".full.mp4")
    with av.open(str(full), "w", options={"movflags": "faststart"}) as out:
        stream = out.add_stream("libx264", rate=Fraction(10))
        stream.width, stream.height, stream.pix_fmt = 96, 64, "yuv420p"
        rng = np.random.default_rng(2)
        for _ in range(40):
            frame = rng.integers(0, 255, (64, 96, 3), dtype=np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    data = full.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    full.unlink()


def corrupted_packets(path: Path) -> None:
    _faststart_video(path, seconds=4.0)
    data = bytearray(path.read_bytes())
    rng = np.random.default_rng(3)
    start, end = len(data) // 5, len(data) * 4 // 5
    for i in rng.integers(start, end, 400):
        data[i] = int(rng.integers(0, 256))
    path.write_bytes(bytes(data))


def no_frames(path: Path) -> None:
    """A container whose header is written, and not one frame after it."""
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=Fraction(10))
        stream.width, stream.height, stream.pix_fmt = 96, 64, "yuv420p"
        out.start_encoding()


def audio_only(path: Path) -> None:
    with av.open(str(path), "w") as out:
        stream = out.add_stream("aac", rate=16000)
        samples = (np.sin(np.arange(16000) / 10.0) * 8000).astype(np.int16)[None, :]
        frame = av.AudioFrame.from_ndarray(samples, format="s16", layout="mono")
        frame.sample_rate = 16000
        for packet in stream.encode(frame):
            out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)


def one_pixel(path: Path) -> None:
    Image.new("RGB", (1, 1), (200, 10, 10)).save(path, format="PNG")


def png_bomb(path: Path) -> None:
    """A PNG header claiming 20000x20000 pixels over a few bytes of zeros."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", 20000, 20000, 8, 0, 0, 0, 0)
    rows = zlib.compress(b"\x00" * (20001 * 50), 9)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")
    )


def ten_bit(path: Path) -> None:
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=Fraction(10))
        stream.width, stream.height, stream.pix_fmt = 96, 64, "yuv420p10le"
        rng = np.random.default_rng(4)
        for _ in range(20):
            frame = av.VideoFrame.from_ndarray(
                rng.integers(0, 255, (64, 96, 3), dtype=np.uint8), format="rgb24"
            ).reformat(format="yuv420p10le")
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)


def absurd_frame_rate(path: Path) -> None:
    """A stream whose header says 1/1000 s per frame while frames come once a second."""
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=Fraction(1000))
        stream.width, stream.height, stream.pix_fmt = 96, 64, "yuv420p"
        stream.time_base = Fraction(1, 1000)
        rng = np.random.default_rng(6)
        for i in range(5):
            frame = av.VideoFrame.from_ndarray(
                rng.integers(0, 255, (64, 96, 3), dtype=np.uint8), format="rgb24"
            )
            frame.pts = i * 1000
            frame.time_base = Fraction(1, 1000)
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)


def _flash_with_sound(path: Path, *, layout: str = "mono", rate: int = 16000) -> list[int]:
    """A 4 s video with a flash at 2 s (so its sound is read) and noise as its sound.

    Returns the byte offsets of the sound's packets in the file.
    """
    rng = np.random.default_rng(8)
    with av.open(str(path), "w") as out:
        video = out.add_stream("libx264", rate=Fraction(10))
        video.width, video.height, video.pix_fmt = 96, 64, "yuv420p"
        sound = out.add_stream("aac", rate=rate)
        sound.layout = layout
        channels = len(av.AudioLayout(layout).channels)
        for i in range(40):
            picture = np.full((64, 96, 3), 40, np.uint8)
            picture[20:44, 30:60] = 250 if 20 <= i < 23 else 40
            for packet in video.encode(av.VideoFrame.from_ndarray(picture, format="rgb24")):
                out.mux(packet)
        for packet in video.encode():
            out.mux(packet)
        for start in range(0, 4 * rate, 1024):
            chunk = rng.standard_normal((channels, 1024)).astype(np.float32) * 0.1
            frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout=layout)
            frame.sample_rate, frame.pts = rate, start
            for packet in sound.encode(frame):
                out.mux(packet)
        for packet in sound.encode():
            out.mux(packet)
    with av.open(str(path)) as container:
        return [p.pos for p in container.demux(container.streams.audio[0]) if p.pos]


def surround_sound(path: Path) -> None:
    _flash_with_sound(path, layout="5.1", rate=48000)


def broken_sound(path: Path) -> None:
    """Good pictures, garbage where every packet of the sound should be."""
    positions = _flash_with_sound(path)
    data = bytearray(path.read_bytes())
    rng = np.random.default_rng(9)
    for pos in positions:
        data[pos : pos + 40] = rng.integers(0, 256, 40, dtype=np.uint8).tobytes()
    path.write_bytes(bytes(data))


CASES = {
    "zero-byte.mp4": (zero_bytes, False),
    "text.mp4": (text_as_mp4, False),
    "truncated-before-index.mp4": (truncated_before_index, False),
    "truncated-mid-stream.mp4": (truncated_mid_stream, None),  # the part before the cut may be read
    "corrupted-packets.mp4": (corrupted_packets, None),
    "no-frames.mp4": (no_frames, False),
    "audio-only.mp4": (audio_only, False),
    "one-pixel.png": (one_pixel, True),
    "bomb.png": (png_bomb, False),
    "ten-bit.mp4": (ten_bit, True),
    "absurd-rate.mp4": (absurd_frame_rate, True),
    "surround-sound.mp4": (surround_sound, True),
    "broken-sound.mp4": (broken_sound, True),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_hostile_file_gets_a_clear_message_and_the_rest_goes_on(
    name: str, tmp_path: Path, archive_path: Path
) -> None:
    make, readable = CASES[name]
    (tmp_path / "media").mkdir()
    make(tmp_path / "media" / name)
    write_video(tmp_path / "media" / "good.mp4", seed=1)
    manifest = write_manifest(
        tmp_path / "claims.jsonl",
        [claim("BAD", [f"media/{name}"], day=1), claim("GOOD", ["media/good.mp4"], day=2)],
    )

    ingested = run("ingest", manifest, "--archive", archive_path)
    assert ingested.exception is None or isinstance(ingested.exception, SystemExit), ingested.output
    assert "Traceback" not in ingested.output
    rescored = run("rescore", "--archive", archive_path)
    assert rescored.exception is None or isinstance(rescored.exception, SystemExit)
    assert rescored.exit_code == 0, rescored.output
    report = tmp_path / "r.json"
    assert (
        run("report", "--archive", archive_path, "--format", "json", "--out", report).exit_code == 0
    )
    claims = {c["id"]: c for c in json.loads(report.read_text())["claims"]}

    (bad,) = claims["BAD"]["media"]
    if readable is False or (readable is None and bad["error"]):
        assert ingested.exit_code == 1, ingested.output
        assert name in ingested.output and bad["error"], ingested.output
        assert bad["error"] in ingested.output  # the reason, as recorded
    else:
        assert ingested.exit_code == 0 and bad["error"] is None, ingested.output
    assert claims["BAD"]["credibility"] is not None
    good = claims["GOOD"]
    assert good["media"][0]["error"] is None and good["credibility"]["score"] > 0

    db = sqlite3.connect(archive_path)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert db.execute("SELECT count(*) FROM media WHERE status = 'pending'").fetchone()[0] == 0
    db.close()


# -- long video, huge manifest line, kill -9 during ingest ------------------------------


def long_tiny_video(path: Path, *, frames: int, fps: int, seed: int) -> Path:
    """A long video made cheaply: 32x24 pixels, a pattern sliding sideways."""
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=Fraction(fps))
        stream.width, stream.height, stream.pix_fmt = 32, 24, "yuv420p"
        stream.options = {"preset": "ultrafast", "g": str(60 * fps)}
        base = np.random.default_rng(seed).integers(0, 255, (24, 32, 3), dtype=np.uint8)
        for i in range(frames):
            frame = np.roll(base, i % 32, axis=1)
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


@pytest.mark.slow
def test_a_two_hour_video_is_streamed_through(tmp_path: Path, archive_path: Path) -> None:
    """Two hours at 32x24 and 1 frame a second: cheap to make, long to read."""
    path = tmp_path / "media" / "two-hours.mp4"
    path.parent.mkdir()
    long_tiny_video(path, frames=7200, fps=1, seed=8)
    manifest = write_manifest(tmp_path / "claims.jsonl", [claim("LONG", ["media/two-hours.mp4"])])
    result = run("ingest", manifest, "--archive", archive_path)
    assert result.exit_code == 0, result.output
    report = tmp_path / "r.json"
    run("rescore", "--archive", archive_path)
    run("report", "--archive", archive_path, "--format", "json", "--out", report)
    (media,) = json.loads(report.read_text())["claims"][0]["media"]
    assert media["error"] is None and media["duration_s"] == pytest.approx(7200, abs=2)


def test_a_manifest_line_of_10_mb_is_refused_with_its_line_number(
    tmp_path: Path, archive_path: Path
) -> None:
    write_video(tmp_path / "media" / "ok.mp4", seed=3)
    huge = json.dumps(claim("HUGE", ["media/ok.mp4"], text="x" * 10_000_000))
    manifest = write_manifest(tmp_path / "claims.jsonl", [huge, claim("FINE", ["media/ok.mp4"])])
    result = run("ingest", manifest, "--archive", archive_path)
    assert "Traceback" not in result.output
    assert "claims.jsonl:1" in result.output and result.exit_code == 1, result.output
    assert "1 claims added" in result.output


@pytest.mark.slow
@pytest.mark.parametrize("after", [0, 2, 5])
def test_kill_9_during_ingest_then_ingest_again_finishes(
    tmp_path: Path, archive_path: Path, after: int
) -> None:
    import signal
    import subprocess
    import sys
    import time

    names = []
    for seed in range(70, 78):
        write_video(tmp_path / "media" / f"k{seed}.mp4", seed=seed, seconds=3.0)
        names.append(f"media/k{seed}.mp4")
    manifest = write_manifest(
        tmp_path / "claims.jsonl", [claim(f"K{i}", [n], day=i + 1) for i, n in enumerate(names)]
    )
    command = [sys.executable, "-m", "provenance.cli", "-q", "ingest", str(manifest),
               "--archive", str(archive_path)]  # fmt: skip
    first = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def done() -> int:
        try:
            db = sqlite3.connect(f"file:{archive_path}?mode=ro", uri=True, timeout=5)
            try:
                return db.execute("SELECT count(*) FROM media WHERE status = 'done'").fetchone()[0]
            finally:
                db.close()
        except sqlite3.OperationalError:
            return 0

    deadline = time.monotonic() + 120
    while first.poll() is None and done() < after:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    first.send_signal(signal.SIGKILL)
    first.wait()

    again = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    rescored = subprocess.run(
        [sys.executable, "-m", "provenance.cli", "-q", "rescore", "--archive", str(archive_path)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert rescored.returncode == 0, rescored.stderr
    db = sqlite3.connect(archive_path)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    assert db.execute("SELECT count(*) FROM claims").fetchone()[0] == 8
    assert db.execute("SELECT count(*) FROM claim_media").fetchone()[0] == 8
    assert dict(db.execute("SELECT status, count(*) FROM media GROUP BY status")) == {"done": 8}
    assert db.execute("SELECT count(*) FROM scores").fetchone()[0] == 8
    db.close()


def test_a_full_disk_during_a_write_is_a_clear_error_and_loses_nothing(
    tmp_path: Path, archive_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite's ``max_page_count`` stops the file growing, as a full disk does."""
    import provenance.archive.sqlite as sqlite_archive

    write_video(tmp_path / "media" / "first.mp4", seed=11)
    first = write_manifest(tmp_path / "first.jsonl", [claim("FIRST", ["media/first.mp4"])])
    assert run("ingest", first, "--archive", archive_path).exit_code == 0
    assert run("rescore", "--archive", archive_path).exit_code == 0
    before = sqlite3.connect(archive_path)
    kept = before.execute("SELECT id, first_seen_at FROM claims").fetchall()
    media = before.execute("SELECT sha256, status FROM media").fetchall()
    before.close()

    connect = sqlite_archive._connect

    def full_disk(path, *, write):
        db = connect(path, write=write)
        if write:
            pages = db.execute("PRAGMA page_count").fetchone()[0]
            db.execute(f"PRAGMA max_page_count = {pages}")
        return db

    monkeypatch.setattr(sqlite_archive, "_connect", full_disk)
    for seed in range(12, 16):
        write_video(tmp_path / "media" / f"more{seed}.mp4", seed=seed, seconds=4.0)
    more = write_manifest(
        tmp_path / "more.jsonl",
        [claim(f"M{s}", [f"media/more{s}.mp4"], text="y" * 5000) for s in range(12, 16)],
    )
    result = run("ingest", more, "--archive", archive_path)
    assert result.exit_code == 3, result.output
    assert "Traceback" not in result.output
    assert "cannot write the archive (database or disk is full)" in result.output

    monkeypatch.undo()
    after = sqlite3.connect(archive_path)
    assert after.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert set(kept) <= set(after.execute("SELECT id, first_seen_at FROM claims").fetchall())
    assert set(media) <= set(after.execute("SELECT sha256, status FROM media").fetchall())
    after.close()
    # with room again, the same command finishes the work
    assert run("ingest", more, "--archive", archive_path).exit_code == 0
    assert run("rescore", "--archive", archive_path).exit_code == 0


def test_an_item_past_its_time_limit_is_recorded_as_failed_and_the_run_goes_on(
    tmp_path: Path, archive_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A decoder that will not finish, as far as the run can tell: a long video, a short limit."""
    path = tmp_path / "media" / "endless.mp4"
    path.parent.mkdir()
    long_tiny_video(path, frames=6000, fps=5, seed=9)
    write_video(tmp_path / "media" / "good.mp4", seed=1)
    manifest = write_manifest(
        tmp_path / "claims.jsonl",
        [claim("SLOW", ["media/endless.mp4"]), claim("GOOD", ["media/good.mp4"], day=2)],
    )
    monkeypatch.setenv("PROVENANCE_ITEM_TIME_LIMIT", "0.2")
    result = run("ingest", manifest, "--archive", archive_path)
    assert result.exit_code == 1, result.output
    said = "endless.mp4: unreadable: still decoding after the time limit of 0.2 s: stopped"
    assert said in result.output
    db = sqlite3.connect(archive_path)
    statuses = dict(db.execute("SELECT file, status FROM media").fetchall())
    db.close()
    assert statuses == {str(path): "failed", str(tmp_path / "media" / "good.mp4"): "done"}


def test_a_decoder_stuck_in_one_call_is_stopped_and_the_run_goes_on(
    tmp_path: Path, archive_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file swapped for a named pipe after ingest: opening it blocks inside one C call
    (no writer ever comes), which no check between packets can interrupt."""
    media = tmp_path / "media"
    media.mkdir()
    write_video(media / "stuck.mp4", seed=3)
    write_video(media / "good.mp4", seed=1)
    manifest = write_manifest(
        tmp_path / "claims.jsonl",
        [claim("STUCK", ["media/stuck.mp4"]), claim("GOOD", ["media/good.mp4"], day=2)],
    )
    assert run("ingest", manifest, "--archive", archive_path, "--no-fingerprint").exit_code == 0
    (media / "stuck.mp4").unlink()
    os.mkfifo(media / "stuck.mp4")
    monkeypatch.setenv("PROVENANCE_ITEM_TIME_LIMIT", "1")
    result = run("rescore", "--archive", archive_path)
    assert result.exit_code == 1, result.output
    said = "stuck.mp4: unreadable: still busy 6 s after it started: stopped (hung)"
    assert said in result.output
    db = sqlite3.connect(archive_path)
    statuses = dict(db.execute("SELECT file, status FROM media").fetchall())
    db.close()
    assert statuses == {str(media / "stuck.mp4"): "failed", str(media / "good.mp4"): "done"}


def test_no_sql_or_shell_command_is_built_from_strings():
    """Every SQL statement is a constant with ? parameters; no shell is ever asked."""
    import re

    source = Path(__file__).resolve().parents[1] / "provenance"
    built = re.compile(r"execute(many)?\(\s*(f[\"']|[\"'][^\"']*[\"']\s*(%|\.format|\+))")
    shell = re.compile(r"shell\s*=\s*True|os\.system|os\.popen")
    for path in source.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert not built.search(text), path
        assert not shell.search(text), path
