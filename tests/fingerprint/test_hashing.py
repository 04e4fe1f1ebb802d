import imagehash
import numpy as np
import pytest
from PIL import Image
from skimage import data

from provenance.fingerprint import KEYFRAME_MIN_DETAIL
from provenance.fingerprint._hashing import (
    VARIANTS,
    detail,
    dihedral_hashes,
    hamming,
    phash_thumbnails,
    thumbnail,
)

PICTURES = ["astronaut", "coffee", "chelsea", "camera", "rocket", "grass", "coins"]


def pillow_thumb(image: Image.Image) -> np.ndarray:
    """The 32x32 thumbnail exactly as imagehash.phash makes it."""
    return np.asarray(image.convert("L").resize((32, 32), Image.LANCZOS), dtype=np.float64)


@pytest.mark.parametrize("name", PICTURES)
def test_same_bits_as_imagehash(name: str) -> None:
    rng = np.random.default_rng(0)
    image = Image.fromarray(getattr(data, name)())
    crops = [image] + [
        image.crop((*rng.integers(0, 80, 2), image.width - 10, image.height - 5)) for _ in range(5)
    ]
    ours = phash_thumbnails(np.stack([pillow_thumb(c) for c in crops]))
    assert [f"{int(h):016x}" for h in ours] == [str(imagehash.phash(c)) for c in crops]


@pytest.mark.parametrize("name", PICTURES)
def test_dihedral_variants_are_the_hashes_of_the_transformed_image(name: str) -> None:
    image = Image.fromarray(getattr(data, name)()).convert("L").resize((32, 32), Image.LANCZOS)
    hashes = dihedral_hashes(pillow_thumb(image)[None])[0]
    transforms = {
        "identity": image,
        "hflip": image.transpose(Image.FLIP_LEFT_RIGHT),
        "rot90": image.transpose(Image.ROTATE_90),
        "rot180": image.transpose(Image.ROTATE_180),
        "rot270": image.transpose(Image.ROTATE_270),
    }
    for variant, transformed in transforms.items():
        expected = phash_thumbnails(np.asarray(transformed, dtype=np.float64)[None])[0]
        assert hashes[VARIANTS.index(variant)] == expected, variant


SCENES = [p for p in PICTURES if p != "grass"]  # pure texture has no stable low frequencies


@pytest.mark.parametrize("name", SCENES)
def test_robust_to_small_changes_not_to_large_ones(name: str) -> None:
    image = Image.fromarray(getattr(data, name)()).convert("L")

    def h(im: Image.Image) -> int:
        return phash_thumbnails(thumbnail(np.asarray(im))[None])[0]

    base = h(image)
    assert hamming(base, h(image.rotate(2, resample=Image.BILINEAR))) <= 10
    assert hamming(base, h(image.resize((image.width // 3, image.height // 3)))) <= 6
    assert hamming(base, h(image.point(lambda v: min(255, int(v * 1.2 + 10))))) <= 6
    assert hamming(base, h(image.rotate(45, resample=Image.BILINEAR))) > 10


def test_fast_thumbnail_agrees_with_imagehash() -> None:
    distances = [
        int(
            hamming(
                phash_thumbnails(
                    thumbnail(np.asarray(Image.fromarray(getattr(data, n)()).convert("L")))[None]
                )[0],
                int(str(imagehash.phash(Image.fromarray(getattr(data, n)()))), 16),
            )
        )
        for n in PICTURES
    ]
    assert max(distances) <= 4


def test_detail_separates_flat_frames_from_scenes_by_day_or_night() -> None:
    rng = np.random.default_rng(1)
    scene = thumbnail(data.camera())
    flat = np.full((32, 32), 128.0)
    gradient_sky = np.tile(np.linspace(90, 200, 32)[:, None], (1, 32))
    black_noise = thumbnail(rng.normal(4, 2, (512, 512)).clip(0, 255).astype(np.uint8))
    night_scene = thumbnail((data.camera() * 0.1).astype(np.uint8))
    d = detail(np.stack([scene, flat, gradient_sky, black_noise, night_scene]))
    assert d[0] > 10 and d[1] == 0 and d[2] < 3 and d[3] < 3
    # a dark scene keeps its structure, only darker: it is evidence like the day scene
    assert d[4] > 2 * KEYFRAME_MIN_DETAIL


def test_bad_shapes_are_programming_errors() -> None:
    with pytest.raises(ValueError, match="thumbnails"):
        phash_thumbnails(np.zeros((2, 16, 16)))


def test_variants_compose_as_the_symmetries_of_the_square() -> None:
    from provenance.fingerprint import VARIANTS, compose_variants

    v = VARIANTS.index
    assert compose_variants(v("hflip"), v("hflip")) == v("identity")
    assert compose_variants(v("rot90"), v("rot90")) == v("rot180")
    assert compose_variants(v("rot90"), v("rot270")) == v("identity")
    for a in range(8):
        assert sorted(compose_variants(a, b) for b in range(8)) == list(range(8))
        assert compose_variants(a, 0) == a == compose_variants(0, a)
