"""The reader's camera looks (npr_train.reader_data.LOOKS): what `reader train --small-share/--haze` change."""
import numpy as np
import pytest

from npr_train import reader_data


@pytest.fixture
def looks():
    saved = dict(reader_data.LOOKS)
    yield reader_data.LOOKS
    reader_data.LOOKS.update(saved)


def _stripes():
    # a high-contrast plate-like pattern: black strokes on white
    img = np.full((32, 128, 3), 235, np.uint8)
    img[:, ::8] = 20
    img[:, 1::8] = 20
    return img


def test_defaults_are_the_committed_recipe():
    assert reader_data.LOOKS == {"small_share": 0.15, "haze": 0.0}


def test_haze_squeezes_the_contrast_of_synthetic_crops_only(looks):
    img = _stripes()
    spread = lambda x: float(np.percentile(x, 95) - np.percentile(x, 5))
    plain = [spread(reader_data._camera(np.random.default_rng(s), img)) for s in range(40)]
    reader_data.set_looks(haze=1.0)
    hazy = [spread(reader_data._camera(np.random.default_rng(s), img)) for s in range(40)]
    real = [spread(reader_data._camera(np.random.default_rng(s), img, mild=True)) for s in range(40)]
    assert np.median(hazy) < 0.75 * np.median(plain)
    # real crops (mild) carry their own camera: no haze added
    reader_data.set_looks(haze=0.0)
    assert real == [spread(reader_data._camera(np.random.default_rng(s), img, mild=True)) for s in range(40)]


def test_small_share_sets_how_many_crops_are_seen_under_18_px(looks, monkeypatch):
    img = np.random.default_rng(0).integers(0, 255, (200, 800, 3), dtype=np.uint8)
    quad = np.array([[0, 0], [800, 0], [800, 200], [0, 200]], np.float32)
    seen = []
    warp = reader_data.warp_quad

    def spy(im, q, w=reader_data.READER_W, h=reader_data.READER_H, supersample=True):
        seen.append(h)
        return warp(im, q, w, h, supersample)

    monkeypatch.setattr(reader_data, "warp_quad", spy)

    def tiny_share(n=1500):
        seen.clear()
        rng = np.random.default_rng(1)
        for _ in range(n):
            reader_data.degrade_warp(rng, img, quad)
        return np.mean(np.array(seen) < 18)

    assert abs(tiny_share() - 0.15) < 0.03
    reader_data.set_looks(small_share=0.4)
    assert abs(tiny_share() - 0.4) < 0.05
