"""Detector targets (npr_train.scenes.make_targets) and their decoding as the runtime decodes them."""
import numpy as np
import torch

from npr_train.detect import decode
from npr_train.detector import geom_losses
from npr_train.models import CORNER_UNIT, DETECTOR_STRIDE
from npr_train.scenes import make_targets

QUAD = np.array([[101.0, 150.0], [197.0, 142.0], [199.0, 171.0], [103.0, 179.0]], np.float32)


def _decode_at(geom, r, c):
    g = geom[:, r, c]
    centre = np.array([(c + g[0]) * DETECTOR_STRIDE, (r + g[1]) * DETECTOR_STRIDE])
    return centre + g[2:].reshape(4, 2) * CORNER_UNIT


def test_the_peak_sits_on_the_centre_cell_and_every_target_cell_decodes_to_the_plate():
    heat, hw, geom, gw, cw, bw = make_targets([QUAD], 320)
    cx, cy = QUAD.mean(0) / DETECTOR_STRIDE
    r, c = np.unravel_index(heat.argmax(), heat.shape)
    assert (r, c) == (int(cy), int(cx)) and heat[r, c] == 1.0
    assert gw[r, c] == 1.0 and cw[r, c] == 1.0 and bw[r, c] == 1.0
    cells = np.argwhere(gw > 0)
    assert len(cells) == 9
    for rr, cc in cells:
        np.testing.assert_allclose(_decode_at(geom, rr, cc), QUAD, atol=1e-3)
    assert hw.min() == 1.0  # no ignored area


def test_runtime_decoding_of_the_targets_gives_back_the_quad_and_its_box():
    heat, _, geom, *_ = make_targets([QUAD], 320)
    boxes, scores, quads = decode(torch.from_numpy(heat)[None, None], torch.from_numpy(geom)[None], 1.0, thr=0.9)
    assert len(quads) == 1 and scores[0] == 1.0
    np.testing.assert_allclose(quads[0], QUAD, atol=1e-3)
    np.testing.assert_allclose(boxes[0], [101, 142, 199, 179], atol=1e-3)


def test_box_labelled_plates_train_the_box_not_the_corners():
    _, _, _, gw, cw, bw = make_targets([QUAD], 320, box_only=[True])
    assert cw.max() == 0.0
    assert gw.max() == 1.0 and bw.max() == 1.0


def test_ignored_plates_are_neither_plate_nor_background():
    other = QUAD + np.array([0, 100], np.float32)
    heat, hw, *_ = make_targets([QUAD], 320, ignore=[other])
    r, c = (other.mean(0) / DETECTOR_STRIDE).astype(int)[::-1]
    assert hw[r, c] == 0.0 and heat[r, c] < 0.01


def test_extent_and_size_weight_widen_and_scale_the_geometry_targets():
    _, _, geom, gw, cw, bw = make_targets([QUAD], 320, extent=0.5, size_weight=True)
    assert (gw > 0).sum() > 9
    for rr, cc in np.argwhere(gw > 0):
        np.testing.assert_allclose(_decode_at(geom, rr, cc), QUAD, atol=1e-3)
    width = 0.5 * (np.linalg.norm(QUAD[1] - QUAD[0]) + np.linalg.norm(QUAD[2] - QUAD[3]))
    assert np.isclose(cw.max(), np.sqrt(64 / width), atol=1e-4)  # a ~96 px plate weighs ~0.82


def test_geometry_losses_are_zero_on_target_and_grow_off_it():
    heat, hw, geom, gw, cw, bw = make_targets([QUAD], 320)
    t = lambda a: torch.from_numpy(a)[None]  # noqa: E731
    lo, lc, lb = geom_losses(t(geom), t(geom), t(gw), t(cw), t(bw))
    assert lo.item() == 0 and lc.item() == 0 and lb.item() == 0
    off = geom.copy()
    off[2] -= 0.25  # the top-left corner 4 px further left: the box grows on the left
    lo, lc, lb = geom_losses(t(off), t(geom), t(gw), t(cw), t(bw))
    assert lo.item() == 0 and lc.item() > 0 and lb.item() > 0
