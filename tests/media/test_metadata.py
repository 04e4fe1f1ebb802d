"""What a file says about itself: MP4, MOV, MKV, JPEG, PNG and WebP, and files that lie or break."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import write_image, write_video
from PIL import Image

from provenance.fingerprint import codecs
from provenance.media import read_metadata
from provenance.media._metadata import MAX_TAGS, parse_time
from provenance.model import MediaKind

PHONE = {
    "creation_time": "2024-03-01T10:00:00.000000Z",
    "com.apple.quicktime.make": "Apple",
    "com.apple.quicktime.model": "iPhone 12",
    "com.apple.quicktime.location.ISO6709": "+48.8584+002.2945+035.000/",
}


@pytest.mark.parametrize("suffix", [".mp4", ".mov", ".mkv"])
def test_a_video_says_when_where_and_with_what_it_was_recorded(tmp_path: Path, suffix: str):
    said = read_metadata(write_video(tmp_path / f"v{suffix}", tags=PHONE), MediaKind.VIDEO)
    assert said.error is None and not said.empty
    assert said.notes == ()  # nothing missing; no credentials where the format has none
    assert said.capture is not None
    assert said.capture.moment == datetime(2024, 3, 1, 10, tzinfo=UTC) and said.capture.zoned
    assert said.capture.field == "container creation_time"
    assert said.device == "Apple iPhone 12"
    assert said.place == "+48.8584+002.2945+035.000/"
    assert ("container", "com.apple.quicktime.make", "Apple") in {
        (t.where, t.key.lower(), t.value)
        for t in said.tags  # Matroska writes upper case
    }
    assert codecs.decode_metadata(codecs.encode_metadata(said)) == said


def _exif() -> Image.Exif:
    exif = Image.Exif()
    exif[271], exif[272], exif[305] = "Samsung", "SM-A515F", "Snapseed 2.0"
    exif.get_ifd(0x8769)[36867] = "2024:05:01 12:00:00"  # DateTimeOriginal, no zone
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (48.0, 51.0, 29.0), "E", (2.0, 17.0, 40.0)
    return exif


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_a_still_says_it_in_exif(tmp_path: Path, fmt: str):
    path = tmp_path / f"s.{fmt.lower()}"
    Image.new("RGB", (32, 24), (90, 120, 30)).save(path, fmt, exif=_exif())
    said = read_metadata(path, MediaKind.IMAGE)
    assert said.capture is not None and not said.capture.zoned
    assert said.capture.field == "EXIF DateTimeOriginal"
    assert said.capture.latest == datetime(2024, 5, 2, 2, tzinfo=UTC)  # local time anywhere
    assert (said.device, said.software) == ("Samsung SM-A515F", "Snapseed 2.0")
    assert said.place == "+48.858056 +2.294444"
    assert codecs.decode_metadata(codecs.encode_metadata(said)) == said


def test_png_text_chunks_are_read(tmp_path: Path):
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Software", "GIMP 2.10")
    path = tmp_path / "t.png"
    Image.new("RGB", (8, 8)).save(path, pnginfo=info)
    said = read_metadata(path, MediaKind.IMAGE)
    assert said.software == "GIMP 2.10" and said.capture is None


def test_a_file_without_metadata_says_nothing_and_gets_a_note(tmp_path: Path):
    still = read_metadata(write_image(tmp_path / "a.png"), MediaKind.IMAGE)
    assert still.empty and still.capture is None
    video = read_metadata(write_video(tmp_path / "b.mp4"), MediaKind.VIDEO)
    assert video.capture is None and video.device is None
    assert any("stripped" in n for n in video.notes)


def test_placeholders_and_nonsense_are_no_time(tmp_path: Path):
    for value in ("1904-01-01T00:00:00.000000Z", "1970-01-01T00:00:00Z", "yesterday"):
        path = write_video(tmp_path / f"p{len(value)}.mp4", tags={"creation_time": value})
        said = read_metadata(path, MediaKind.VIDEO)
        assert said.capture is None, value
        assert any("creation_time" in n for n in said.notes), said.notes
    assert parse_time("0000:00:00 00:00:00") is None


def test_times_that_disagree_are_noted(tmp_path: Path):
    tags = {"creation_time": "2024-03-01T10:00:00Z", "date": "2023-01-01T00:00:00Z"}
    said = read_metadata(write_video(tmp_path / "d.mkv", tags=tags), MediaKind.VIDEO)
    assert any("disagree" in n for n in said.notes)


def test_a_huge_metadata_box_is_cut_with_a_note(tmp_path: Path):
    tags = {f"key{i:04d}": "x" * 5000 for i in range(MAX_TAGS + 50)}
    said = read_metadata(write_video(tmp_path / "h.mkv", tags=tags), MediaKind.VIDEO)
    assert len(said.tags) == MAX_TAGS and all(len(t.value) <= 300 for t in said.tags)
    assert any("not read" in n for n in said.notes)


def test_broken_metadata_is_a_note_not_a_crash(tmp_path: Path):
    path = tmp_path / "broken.jpg"
    Image.new("RGB", (16, 16)).save(path, "JPEG", exif=_exif())
    data = bytearray(path.read_bytes())
    start = data.index(b"Exif\x00\x00") + 6
    data[start + 8 : start + 40] = b"\xff" * 32  # the EXIF directory, overwritten
    path.write_bytes(bytes(data))
    said = read_metadata(path, MediaKind.IMAGE)  # never raises for the file's sake
    assert not said.empty  # what could be read is kept, with the note
    assert any(n.startswith("damaged metadata: ") for n in said.notes), said.notes
    gone = read_metadata(tmp_path / "missing.mp4", MediaKind.VIDEO)
    assert gone.error is not None and "missing.mp4" in gone.error


def test_naive_times_are_counted_from_the_latest_they_can_mean():
    moment, zoned = parse_time("2024:05:01 12:00:00")  # type: ignore[misc]
    assert not zoned and moment == datetime(2024, 5, 1, 12, tzinfo=UTC)
    moment, zoned = parse_time("2024-05-01T12:00:00+0300")  # type: ignore[misc]
    assert zoned and moment == datetime(2024, 5, 1, 9, tzinfo=UTC)
    assert parse_time("2024-05-01T12:00:00") == (datetime(2024, 5, 1, 12, tzinfo=UTC), False)


def _test_signer():
    """A throwaway ES256 root and signer made here: the c2pa-python wheel ships no test
    certificate, and the tests may not download one."""
    import datetime as dt

    import c2pa
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    def name(cn: str) -> x509.Name:
        return x509.Name(
            [
                x509.NameAttribute(NameOID.COMMON_NAME, cn),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "provenance tests"),
            ]
        )

    def usage(sign: bool) -> x509.KeyUsage:
        return x509.KeyUsage(
            digital_signature=sign, content_commitment=False, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=not sign,
            crl_sign=not sign, encipher_only=False, decipher_only=False,
        )  # fmt: skip

    start = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    root_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())

    def cert(subject, issuer, public, serial, ca):
        built = (
            x509.CertificateBuilder()
            .subject_name(subject).issuer_name(issuer).public_key(public).serial_number(serial)
            .not_valid_before(start).not_valid_after(start + dt.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .add_extension(usage(not ca), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        )  # fmt: skip
        if not ca:
            built = built.add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False
            ).add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()),
                critical=False,
            )
        return built.sign(root_key, hashes.SHA256())

    root = cert(name("test root"), name("test root"), root_key.public_key(), 1, True)
    leaf = cert(name("test signer"), root.subject, key.public_key(), 2, False)
    pem = serialization.Encoding.PEM
    chain = leaf.public_bytes(pem) + root.public_bytes(pem)
    private = key.private_bytes(
        pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return c2pa.Signer.from_info(
        c2pa.C2paSignerInfo(c2pa.C2paSigningAlg.ES256, chain, private, None)
    )


def test_content_credentials_read_as_signed_and_valid_and_tampered_as_invalid(tmp_path: Path):
    import io

    c2pa = pytest.importorskip("c2pa")
    pytest.importorskip("cryptography")
    manifest = {
        "claim_generator_info": [{"name": "provenance tests", "version": "1"}],
        "title": "a launch",
        "assertions": [
            {
                "label": "c2pa.actions",
                "data": {
                    "actions": [
                        {
                            "action": "c2pa.created",
                            "when": "2024-06-01T08:00:00Z",
                            "digitalSourceType": "http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture",
                        }
                    ]
                },
            }
        ],
    }
    source, signed = io.BytesIO(), io.BytesIO()
    Image.new("RGB", (64, 48), (120, 30, 30)).save(source, "JPEG")
    source.seek(0)
    with c2pa.Builder(manifest) as builder:
        builder.sign(_test_signer(), "image/jpeg", source, signed)
    path = tmp_path / "signed.jpg"
    path.write_bytes(signed.getvalue())

    said = read_metadata(path, MediaKind.IMAGE)
    assert said.c2pa is not None and said.c2pa.state == "Valid"  # intact; signer not trusted
    assert said.c2pa.signer == "provenance tests / test signer"
    assert said.c2pa.actions == ("c2pa.created 2024-06-01T08:00:00Z",)
    assert "signingCredential.untrusted" in said.c2pa.failures
    assert said.capture is not None and said.capture.field == "C2PA c2pa.created"
    assert codecs.decode_metadata(codecs.encode_metadata(said)) == said

    tampered = bytearray(signed.getvalue())
    tampered[-200] ^= 0xFF  # a byte of the picture, after signing
    (tmp_path / "tampered.jpg").write_bytes(bytes(tampered))
    broken = read_metadata(tmp_path / "tampered.jpg", MediaKind.IMAGE)
    assert broken.c2pa is not None and broken.c2pa.state == "Invalid"
    assert broken.capture is None  # a time in credentials that fail is not taken
    assert any("changed after signing" in n for n in broken.notes)

    damaged = bytearray(signed.getvalue())
    damaged[damaged.index(b"jumb") + 11] ^= 0xFF  # inside the manifest's own boxes
    (tmp_path / "damaged.jpg").write_bytes(bytes(damaged))
    unread = read_metadata(tmp_path / "damaged.jpg", MediaKind.IMAGE)  # a note, never a crash
    assert unread.c2pa is None and unread.error is None
    assert any(n.startswith("content credentials could not be read") for n in unread.notes)

    plain = read_metadata(write_image(tmp_path / "plain.jpg"), MediaKind.IMAGE)
    assert plain.c2pa is None and plain.empty
