"""Shared test helpers: tiny media made on the fly (seeded) and manifests."""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "provenance" / "fixtures"


def write_video(
    path: Path,
    *,
    seconds: float = 2.0,
    fps: int = 10,
    seed: int = 0,
    size: tuple[int, int] = (96, 64),
    tags: dict[str, str] | None = None,
) -> Path:
    """A small H.264 video of moving seeded noise blocks: distinct per seed.

    ``tags`` are written as the container's metadata (any key, in MP4 and MOV too).
    """
    rng = np.random.default_rng(seed)
    width, height = size
    base = rng.integers(0, 255, (height // 8, width // 8, 3), dtype=np.uint8)
    base = np.kron(base, np.ones((8, 8, 1), dtype=np.uint8))
    path.parent.mkdir(parents=True, exist_ok=True)
    options = {"movflags": "use_metadata_tags"} if path.suffix in (".mp4", ".mov") else {}
    with av.open(str(path), "w", options=options) as container:
        container.metadata.update(tags or {})
        stream = container.add_stream("libx264", rate=Fraction(fps))
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"crf": "30", "preset": "ultrafast"}
        for i in range(int(seconds * fps)):
            frame = np.roll(base, i, axis=1)
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def write_image(path: Path, *, seed: int = 0, size: tuple[int, int] = (64, 48)) -> Path:
    rng = np.random.default_rng(seed)
    pixels = rng.integers(0, 255, (size[1], size[0], 3), dtype=np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(pixels).save(path)
    return path


def claim(
    claim_id: str, media: list[str], *, day: int = 1, group: str = "Brigade North", **extra: object
) -> dict:
    return {
        "id": claim_id,
        "claimed_at": f"2024-10-{day:02d}T12:00:00Z",
        "group": group,
        "media": media,
        **extra,
    }


def write_manifest(path: Path, claims: list[dict | str]) -> Path:
    """JSONL manifest; a str entry is written as a raw line."""
    lines = [c if isinstance(c, str) else json.dumps(c) for c in claims]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """A manifest folder with three distinct videos and one image."""
    for i, name in enumerate(["a.mp4", "b.mp4", "c.mp4"]):
        write_video(tmp_path / "media" / name, seed=i)
    write_image(tmp_path / "media" / "still.jpg", seed=7)
    return tmp_path


@pytest.fixture
def archive_path(tmp_path: Path) -> Path:
    return tmp_path / "archive" / "provenance.db"


@pytest.fixture(autouse=True)
def _archive_dir(archive_path: Path) -> None:
    archive_path.parent.mkdir(parents=True, exist_ok=True)


@pytest.fixture(autouse=True)
def _no_error_logs(
    request: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture
) -> Iterator[None]:
    """Fail any test whose code logs at ERROR: bad input is a WARNING, not an error.

    Only our own failures (internal errors) log at ERROR: tests that cause one on
    purpose are marked ``our_bug`` and check the log themselves.
    """
    yield
    if request.node.get_closest_marker("our_bug"):
        return
    errors = [r for r in caplog.get_records("call") if r.levelno >= logging.ERROR]
    assert not errors, f"logged at ERROR: {[r.getMessage() for r in errors]}"


@functools.lru_cache(maxsize=16)
def _picture(name: str, width: int, height: int) -> np.ndarray:
    import cv2
    from skimage import data

    image = cv2.resize(getattr(data, name)(), (width, height), interpolation=cv2.INTER_AREA)
    return np.stack([image] * 3, axis=-1) if image.ndim == 2 else image


def pan_frame(
    t: float, *, picture: str = "astronaut", size: tuple[int, int] = (320, 180)
) -> np.ndarray:
    """The frame at source time ``t`` of a slow pan over a scikit-image picture."""
    width, height = size
    image = _picture(picture, width * 2, height * 2)
    x = int(width / 2 + width / 2 * np.sin(t / 3.0))
    y = int(height / 2 + height / 2 * np.sin(t / 4.0 + 1.0))
    return np.ascontiguousarray(image[y : y + height, x : x + width])


def write_frames(path: Path, frames, *, fps: int = 15) -> Path:
    """Encode an iterable of RGB frames as H.264."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w") as container:
        stream = None
        for frame in frames:
            if stream is None:
                stream = container.add_stream("libx264", rate=Fraction(fps))
                stream.height, stream.width = frame.shape[:2]
                stream.pix_fmt = "yuv420p"
                stream.options = {"crf": "26", "preset": "ultrafast"}
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


# -- the bundled fixtures, built into a demo archive once per session ----------------


@pytest.fixture(scope="session")
def truth() -> dict:
    """The fixtures' ground truth."""
    return json.loads((FIXTURES / "ground_truth.json").read_text())


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory):
    """``provenance demo`` on the committed fixtures: archive and reports."""
    from provenance.jobs import run_demo

    return run_demo(tmp_path_factory.mktemp("demo"), fixtures=FIXTURES, workers=2)


@pytest.fixture(scope="session")
def findings(demo) -> list:
    """Every finding the demo archive holds."""
    from provenance.archive import open_archive

    with open_archive(demo.archive, write=False) as archive:
        return archive.findings()


# -- fingerprints made up for the matcher's tests ----------------------------------------


def made_up_prints(
    hashes: np.ndarray,
    *,
    tiles: np.ndarray | None = None,
    fills: np.ndarray | None = None,
    words=None,
    views=None,
):
    """Complete fingerprints of a video whose frames (twice a second) hash to ``hashes``
    under every symmetry, with blank thumbnails, no key frames and ``words`` (none)."""
    from provenance.fingerprint import Fingerprints, MediaFingerprint, WordBag

    n = len(hashes)
    frames = MediaFingerprint(
        time_s=np.arange(n, dtype=np.float32) / 2,
        hashes=np.repeat(hashes[:, None], 8, axis=1),
        detail=np.full(n, 10.0, np.float32),
        portrait=np.zeros(n, bool),
        thumbs=np.zeros((n, 36, 64), np.uint8),
        tile_hashes=np.zeros((n, 0), np.uint64) if tiles is None else tiles,
        fill_hashes=np.zeros((n, 0), np.uint64) if fills is None else fills,
    )
    no_words = WordBag(np.zeros(0, np.uint32), np.zeros(0, np.uint8))
    return Fingerprints(frames, [], no_words if words is None else words, views)


def flip_bits(hashes: np.ndarray, bits: int, rng: np.random.Generator) -> np.ndarray:
    """Each hash with ``bits`` of its bits flipped (an edit the hashes survive)."""
    out = hashes.copy()
    for i in range(len(out)):
        for b in rng.choice(64, bits, replace=False):
            out[i] ^= np.uint64(1) << np.uint64(b)
    return out
