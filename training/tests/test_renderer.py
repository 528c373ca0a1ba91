"""The synthetic plate renderer (npr_train.plates.render_plate): what every region's plates carry."""
import re

import numpy as np
import pytest

from npr_train.models import REGIONS
from npr_train.plates import render_plate


@pytest.mark.parametrize("region", REGIONS)
def test_every_region_renders_a_labelled_plate_inside_its_image(region):
    for seed in range(3):
        p = render_plate(np.random.default_rng(seed), region)
        img, corners = p["image"], np.asarray(p["corners"], np.float32)
        assert img.dtype == np.uint8 and img.ndim == 3 and img.shape[2] == 3
        assert p["region"] == region
        assert re.fullmatch(r"[A-Z0-9]{2,10}", p["text"]), p["text"]
        assert p["lines"] in (1, 2) and "".join(p["line_texts"]) == p["text"] and len(p["line_texts"]) == p["lines"]
        h, w = img.shape[:2]
        assert corners.shape == (4, 2)
        assert (corners[:, 0] >= -0.5).all() and (corners[:, 0] <= w + 0.5).all()
        assert (corners[:, 1] >= -0.5).all() and (corners[:, 1] <= h + 0.5).all()
        # TL, TR, BR, BL: clockwise in image coordinates, wider than tall for one-line plates
        tl, tr, br, bl = corners
        assert tr[0] > tl[0] and br[0] > bl[0] and bl[1] > tl[1] and br[1] > tr[1]
        if p["lines"] == 1:
            assert np.linalg.norm(tr - tl) > np.linalg.norm(bl - tl)
        # the plate is drawn: its inside is not one flat colour
        x0, y0 = corners.min(0).astype(int)
        x1, y1 = corners.max(0).astype(int)
        assert img[y0:y1, x0:x1].std() > 10


def test_the_same_seed_renders_the_same_plate():
    a = render_plate(np.random.default_rng(7))
    b = render_plate(np.random.default_rng(7))
    c = render_plate(np.random.default_rng(8))
    assert a["text"] == b["text"] and np.array_equal(a["image"], b["image"])
    assert not (a["text"] == c["text"] and a["image"].shape == c["image"].shape and np.array_equal(a["image"], c["image"]))


def test_us_labels_write_letter_o_as_zero():
    texts = [render_plate(np.random.default_rng(s), "us")["text"] for s in range(40)]
    assert not any("O" in t for t in texts)


def test_reader_crops_repeat_for_a_seed():
    """The reader's synthetic crops (and so its seeded validation set) are a function of the seed alone."""
    from npr_train.reader_data import synth_sample
    a = [synth_sample(np.random.default_rng(11)) for _ in range(2)]
    b = synth_sample(np.random.default_rng(12))
    assert a[0][1] == a[1][1] and np.array_equal(a[0][0], a[1][0])
    assert a[0][0].shape == (32, 128, 3) and a[0][0].dtype == np.uint8
    assert not np.array_equal(a[0][0], b[0])
