from pathlib import Path

import pytest
from conftest import write_image, write_video

from provenance.errors import MediaOpenError, MediaTooLarge
from provenance.media import probe_media, sha256_file
from provenance.model import MediaKind


def test_probe_video_reports_size_duration_and_rate(tmp_path: Path) -> None:
    info = probe_media(write_video(tmp_path / "v.mp4", seconds=3, fps=10))
    assert info.kind is MediaKind.VIDEO
    assert (info.width, info.height) == (96, 64)
    assert info.fps == pytest.approx(10)
    assert info.duration_s == pytest.approx(3.0, abs=0.15)


def test_probe_image(tmp_path: Path) -> None:
    info = probe_media(write_image(tmp_path / "s.png"))
    assert info.kind is MediaKind.IMAGE and (info.width, info.height) == (64, 48)
    assert info.duration_s is None


def test_kind_comes_from_content_not_name(tmp_path: Path) -> None:
    misnamed = tmp_path / "photo.mp4"
    write_image(tmp_path / "x.png").rename(misnamed)
    assert probe_media(misnamed).kind is MediaKind.IMAGE


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty file"),
        (b"this is a text file, not a video\n" * 20, "neither an image nor a video"),
        (b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 100, "neither an image nor a video"),
    ],
    ids=["zero-bytes", "text-renamed", "mp4-header-only"],
)
def test_unusable_files_raise_with_reason(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "bad.mp4"
    path.write_bytes(content)
    with pytest.raises(MediaOpenError, match=reason) as info:
        probe_media(path)
    assert str(path) in str(info.value)


def test_truncated_jpeg_is_refused(tmp_path: Path) -> None:
    path = write_image(tmp_path / "s.jpg", size=(256, 256))
    path.write_bytes(path.read_bytes()[:400])
    with pytest.raises(MediaOpenError, match="broken image"):
        probe_media(path)


def test_huge_image_refused_before_decoding(tmp_path: Path) -> None:
    from PIL import Image

    path = tmp_path / "huge.png"
    Image.new("1", (20000, 20000)).save(path)  # a few KB on disk, 400 Mpx decoded
    with pytest.raises(MediaTooLarge, match=r"400000000 pixels|20000x20000"):
        probe_media(path)


def test_sha256_identifies_bytes(tmp_path: Path) -> None:
    a = write_video(tmp_path / "a.mp4", seed=1)
    b = tmp_path / "b.mp4"
    b.write_bytes(a.read_bytes())
    assert sha256_file(a) == sha256_file(b) != sha256_file(write_video(tmp_path / "c.mp4", seed=2))
