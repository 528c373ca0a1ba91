"""Reader validation on the split held back from the training data (npr_train.split), never on the dev
photos. Two fixed sets:

- real: every real OCR crop whose plate text is held back (US, BR, AR), cropped as the dev photos'
  labelled plates are (the crop's frame, for BR a plate-shaped box inside it, as the quad; widened and
  warped as the runtime does; squarish plates also read as two halves);
- synthetic: SYNTH_N rendered plates (seed SYNTH_SEED) degraded as in training (corner jitter, camera).

And, for the plate head, the detector's false plates on the held-back scenes and backgrounds
(`mine_not_plates --side val`, NOT_PLATES_VAL), cropped as the runtime crops them: the share a reader
lets through (plate chance >= 0.5, the runtime's MIN_PLATE_CHANCE) is what its head would report.
"""
import json
import os

import cv2
import numpy as np

from .models import REGIONS
from .reader_eval import forward_crops
from .reader_data import REAL_DIR, quad_aspect, split_quad, synth_sample, warp_quad, widen_quad
from .split import crop_side

SYNTH_SEED = 20261203
SYNTH_N = 600
NOT_PLATES_VAL = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "runs", "not-plates-val.jsonl")


def _group(region):
    return region if region in ("gb", "us", "br", "ar") else "eu"


def load_real(root=REAL_DIR):
    out = []
    man = os.path.join(root, "manifest.jsonl")
    if not os.path.exists(man):
        return out
    for line in open(man):
        r = json.loads(line)
        if r.get("kind") != "plate" or r["region"] not in ("us", "br", "ar") or crop_side(r["text"]) != "val":
            continue
        im = cv2.imread(os.path.join(root, r["file"]), cv2.IMREAD_COLOR)
        if im is None:
            continue
        im = np.ascontiguousarray(im[..., ::-1])
        H, W = im.shape[:2]
        if r["region"] == "br":  # about 2.2:1 crops around a 3:1 plate
            pw, ph = 0.9 * W, min(0.9 * H, 0.9 * W / 3.0)
            x0, y0 = (W - pw) / 2, (H - ph) / 2
            q = np.array([[x0, y0], [x0 + pw, y0], [x0 + pw, y0 + ph], [x0, y0 + ph]], np.float32)
        else:
            q = np.array([[0, 0], [W, 0], [W, H], [0, H]], np.float32)
        wq = widen_quad(q)
        two = np.stack([warp_quad(im, h) for h in split_quad(wq)]) if quad_aspect(q) < 2.5 else None
        out.append(dict(region=r["region"], text=r["text"].upper(), one=warp_quad(im, wq), two=two))
    return out


def make_synthetic(n=SYNTH_N, seed=SYNTH_SEED):
    rng = np.random.default_rng(seed)
    out = []
    while len(out) < n:
        crop, text, reg = synth_sample(rng)
        if text:  # the halves of one-line plates ("nothing here") are not readings to score
            out.append(dict(region=_group(REGIONS[reg]), text=text, one=crop, two=None))
    return out


def load_not_plates(path=NOT_PLATES_VAL):
    """Crops of the held-back not-plates (empty when the file has not been mined)."""
    if not os.path.exists(path):
        return []
    from .scenes import load_scenes, seeded_background

    scene_list = load_scenes(side="val")
    crops = []
    for line in open(path):
        r = json.loads(line)
        img = scene_list[r["scene"]]["erased"] if "scene" in r else seeded_background(r["background"], scene_list)
        crops.append(warp_quad(img, widen_quad(np.array(r["quad"], np.float32))))
    return crops


def let_through(model, crops):
    """Share (%) of not-plate crops whose plate chance is >= 0.5."""
    if not crops:
        return float("nan")
    model.eval()
    _, plate = forward_crops(model, crops)
    return 100.0 * float((plate.sigmoid() >= 0.5).float().mean())


def load_sets():
    return dict(real=load_real(), synthetic=make_synthetic())


def score(res):
    """The reader's selection figure: the mean of the real and the synthetic exact rates (overall)."""
    return float(np.mean([r["all"]["exact"] for r in res.values() if "all" in r]))
