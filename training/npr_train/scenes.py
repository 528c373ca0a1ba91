"""Training samples for the plate detector: square crops at the scale the detector sees at inference.

At inference the photo is resized so that its long side is 640 px (training/MODEL_IO.md). The detector
is fully convolutional, so it trains on CROP x CROP crops of scenes at that scale, where plates are
about 18..300 px wide. Each sample is one of:

- "real":      a real labelled scene (Kaggle web photos, CCPD) as is, boxes or corners as targets.
               Kaggle labels are incomplete, so the heatmap negatives of these samples weigh less.
- "replace":   a real scene (mirrored half of the time) whose labelled plates are covered by pasted
               plates (rendered or real crops, never mirrored), plus 0..2 extra pasted plates.
- "synthetic": a procedural background (gradients, noise, textures, random text, signs, grilles,
               patches of real scenes) with 0..4 pasted plates.

Pasted plates get random perspective, scale, rotation (+-15 deg), blur, lighting matched to the
background, shadows, partial occlusion and sometimes a holder/bumper behind them. Whole crops get
colour jitter, noise and JPEG artefacts.

Textures: `npr_train.plates.render_plate` (the synthetic renderer, imported when present) mixed with
real plate crops from shared/data/train-real/ocr (US, BR, AR).

`make_sample(rng)` returns image (uint8 CROPxCROPx3 RGB), heat (float32 h x w), heat_weight (float32
h x w; 0 = ignore), geom (float32 10 x h x w), geom_weight (float32 h x w) and quads (list of 4x2
float32 corners TL,TR,BR,BL in crop pixels).
"""
import importlib
import json
import math
import os
import string

import cv2
import numpy as np

from . import split
from .models import CORNER_UNIT, DETECTOR_STRIDE

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_SHARED = os.path.normpath(os.path.join(HERE, "..", "..", "..", "shared"))
SHARED = os.environ.get("NPR_SHARED", DEFAULT_SHARED)
TRAIN_REAL = os.path.join(SHARED, "data", "train-real")

CROP = 320
MIN_PLATE_W = 12  # narrower plates (at 640 scale) are ignored: neither positive nor negative
CACHE_LONG_SIDE = 1000  # scenes are cached at most this large


# ----------------------------------------------------------------------------------------- sources

def load_scenes(root=TRAIN_REAL, side="train"):
    """Real scenes of one side of the split (npr_train.split: "train", "val"; None: all): list of
    dict(image=RGB uint8, quads=[4x2 float32], corners=[bool: labelled corners, else a box],
    source='kaggle'|'ccpd'|'ro', file)."""
    out = []
    with open(os.path.join(root, "scenes", "manifest.jsonl")) as f:
        for line in f:
            r = json.loads(line)
            if side is not None and split.scene_side(r["file"]) != side:
                continue
            img = cv2.imread(os.path.join(root, "scenes", r["file"]), cv2.IMREAD_COLOR)
            if img is None:
                continue
            img = cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
            s = min(1.0, CACHE_LONG_SIDE / max(img.shape[:2]))
            if s < 1.0:
                img = cv2.resize(img, None, fx=s, fy=s, interpolation=cv2.INTER_AREA)
            quads, has_corners = [], []
            for p in r["plates"]:
                if p.get("corners"):
                    q = np.array(p["corners"], np.float32)
                else:
                    b = p["box"]
                    x0, y0, x1, y1 = b["x"], b["y"], b["x"] + b["width"], b["y"] + b["height"]
                    q = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], np.float32)
                quads.append(q * s)
                has_corners.append(bool(p.get("corners")))
            out.append(dict(image=img, quads=quads, corners=has_corners, erased=erase_plates(img, quads),
                            source=split.scene_source(r["file"]), file=r["file"]))
    return out


def erase_plates(img, quads):
    """The scene with its labelled plates smeared out (for use as a plain background)."""
    out = img.copy()
    if not quads:
        return out
    blur = cv2.blur(img, (31, 31))
    mask = np.zeros(img.shape[:2], np.uint8)
    for q in quads:
        cv2.fillPoly(mask, [np.round(_expand_quad(q, 1.15, 1.3)).astype(np.int32)], 255)
    out[mask > 0] = blur[mask > 0]
    return out


def load_crops(root=TRAIN_REAL, max_per_text=2, side="train"):
    """Real plate crops (tight to the plate) of one side of the split as textures: list of dict(image, corners)."""
    out, seen = [], {}
    with open(os.path.join(root, "ocr", "manifest.jsonl")) as f:
        for line in f:
            r = json.loads(line)
            if side is not None and split.crop_side(r["text"]) != side:
                continue
            key = (r["region"], r["text"])
            if seen.get(key, 0) >= max_per_text:  # BR has up to 12 frames of one plate
                continue
            seen[key] = seen.get(key, 0) + 1
            img = cv2.imread(os.path.join(root, "ocr", r["file"]), cv2.IMREAD_COLOR)
            if img is None:
                continue
            img = cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
            h, w = img.shape[:2]
            if r["region"] == "ar":  # AR frames have a little margin around the plate
                mx, my = 0.03 * w, 0.06 * h
            else:
                mx, my = 0.0, 0.0
            c = np.array([[mx, my], [w - mx, my], [w - mx, h - my], [mx, h - my]], np.float32)
            out.append(dict(image=img, corners=c, region=r["region"]))
    return out


class RenderedPool:
    """Plates from npr_train.plates.render_plate, when that module exists; a pool refreshed slowly
    so that a slow renderer does not slow the data pipeline. Falls back silently to real crops."""

    def __init__(self, size=400, refresh_every=2, us_share=0.0):
        self.size, self.refresh_every, self.us_share = size, refresh_every, us_share
        self.fn, self.pool, self.calls, self.failures, self.next_try = None, [], 0, 0, 0

    def _try_import(self):
        try:
            mod = importlib.import_module("npr_train.plates")
            self.fn = getattr(mod, "render_plate")
        except Exception:
            self.fn = None

    def _render(self, rng):
        try:
            # US plates (small, framed, many looks) are where the quads fall short most: --us-share renders more
            d = self.fn(rng, region="us") if self.us_share and rng.random() < self.us_share else self.fn(rng)
            img = np.ascontiguousarray(d["image"][..., :3]).astype(np.uint8)
            c = np.asarray(d["corners"], np.float32).reshape(4, 2)
            if img.ndim != 3 or img.shape[0] < 8 or img.shape[1] < 16:
                raise ValueError("bad render")
            alpha = d.get("alpha")
            if alpha is not None:
                alpha = np.asarray(alpha, np.uint8)
                if alpha.shape != img.shape[:2]:
                    alpha = None
            return dict(image=img, corners=c, region=d.get("region"), alpha=alpha)
        except Exception:
            self.failures += 1
            if self.failures > 50:  # broken renderer: stop asking
                self.fn = None
            return None

    def sample(self, rng):
        self.calls += 1
        if self.fn is None and self.calls >= self.next_try:
            self._try_import()
            self.next_try = self.calls + 2000
        if self.fn is None:
            return None
        if len(self.pool) < self.size:
            p = self._render(rng)
            if p is not None:
                self.pool.append(p)
            return p
        if self.calls % self.refresh_every == 0:
            p = self._render(rng)
            if p is not None:
                self.pool[int(rng.integers(len(self.pool)))] = p
        return self.pool[int(rng.integers(len(self.pool)))]


# ------------------------------------------------------------------------------------ backgrounds

def _noise_texture(rng, s):
    cells = int(rng.choice([2, 4, 8, 16, 32, 64]))
    small = rng.random((cells, cells, 3)).astype(np.float32)
    if rng.random() < 0.6:
        small = np.repeat(small.mean(2, keepdims=True), 3, 2)
    img = cv2.resize(small, (s, s), interpolation=cv2.INTER_CUBIC if rng.random() < 0.5 else cv2.INTER_NEAREST)
    return np.clip(img * 255, 0, 255)


def _gradient(rng, s):
    c0, c1 = rng.random(3) * 255, rng.random(3) * 255
    ang = rng.random() * 2 * math.pi
    yy, xx = np.mgrid[0:s, 0:s].astype(np.float32) / s
    t = np.clip((xx * math.cos(ang) + yy * math.sin(ang) + 1) / 2, 0, 1)[..., None]
    return c0 * (1 - t) + c1 * t


def _random_text(rng, n):
    chars = string.ascii_uppercase + string.digits + string.ascii_lowercase + "  -.:/"
    return "".join(rng.choice(list(chars), n))


def _draw_clutter(rng, img):
    """Hard negatives: lines, rectangles, signs with text, grilles, random text."""
    s = img.shape[0]
    for _ in range(int(rng.integers(0, 12))):
        col = tuple(int(v) for v in rng.integers(0, 256, 3))
        k = rng.random()
        if k < 0.2:
            p0, p1 = rng.integers(-s // 4, s + s // 4, 2), rng.integers(-s // 4, s + s // 4, 2)
            cv2.line(img, tuple(int(v) for v in p0), tuple(int(v) for v in p1), col, int(rng.integers(1, 8)))
        elif k < 0.4:
            x, y = rng.integers(0, s, 2)
            w, h = rng.integers(10, s // 2, 2)
            cv2.rectangle(img, (int(x), int(y)), (int(x + w), int(y + h)), col, -1 if rng.random() < 0.7 else 2)
        elif k < 0.65:  # sign-like rectangle with text (several lines, or odd aspect ratios)
            w = int(rng.integers(30, 200))
            h = int(w * rng.choice([rng.uniform(0.5, 1.5), rng.uniform(0.1, 0.2)]))
            x, y = int(rng.integers(-20, s - 10)), int(rng.integers(-20, s - 10))
            cv2.rectangle(img, (x, y), (x + w, y + h), col, -1)
            tc = tuple(int(v) for v in rng.integers(0, 256, 3))
            lines = int(rng.integers(1, 4)) if h > 0.4 * w else 1
            fs = max(0.25, h / lines / 40.0)
            for i in range(lines):
                cv2.putText(img, _random_text(rng, int(rng.integers(3, 12))), (x + 3, y + int((i + 0.8) * h / lines)),
                            int(rng.integers(0, 8)), fs, tc, max(1, int(fs * 2)), cv2.LINE_AA)
        elif k < 0.8:  # grille / blinds: repeated bars
            x, y = int(rng.integers(0, s)), int(rng.integers(0, s))
            w, h = int(rng.integers(30, 250)), int(rng.integers(15, 120))
            gap = int(rng.integers(3, 12))
            vertical = rng.random() < 0.3
            for i in range(0, h if not vertical else w, gap):
                if vertical:
                    cv2.line(img, (x + i, y), (x + i, y + h), col, max(1, gap // 2))
                else:
                    cv2.line(img, (x, y + i), (x + w, y + i), col, max(1, gap // 2))
        else:  # loose text
            x, y = int(rng.integers(0, s)), int(rng.integers(0, s))
            fs = rng.uniform(0.3, 2.0)
            cv2.putText(img, _random_text(rng, int(rng.integers(2, 10))), (x, y), int(rng.integers(0, 8)), fs, col,
                        max(1, int(rng.integers(1, 4))), cv2.LINE_AA)
    return img


def procedural_background(rng, scenes, s=CROP):
    k = rng.random()
    if k < 0.3 and scenes:  # a patch of a real scene, scaled up (plates in it are mostly unlabeled-size blurs)
        sc = scenes[int(rng.integers(len(scenes)))]["erased"]
        h, w = sc.shape[:2]
        cs = int(rng.integers(min(h, w) // 6, min(h, w) // 2 + 2))
        x, y = int(rng.integers(0, w - cs + 1)), int(rng.integers(0, h - cs + 1))
        img = cv2.resize(sc[y:y + cs, x:x + cs], (s, s), interpolation=cv2.INTER_LINEAR).astype(np.float32)
    elif k < 0.6:
        img = _noise_texture(rng, s)
    else:
        img = _gradient(rng, s)
        if rng.random() < 0.5:
            img = img * 0.6 + _noise_texture(rng, s) * 0.4
    img = np.ascontiguousarray(np.clip(img, 0, 255).astype(np.uint8))
    img = _draw_clutter(rng, img)
    if rng.random() < 0.5:
        img = cv2.GaussianBlur(img, (0, 0), rng.uniform(0.5, 2.0))
    return img


def seeded_background(seed, scenes):
    """The procedural background of this seed: the same image every time for the same scene list (hard
    not-plates mined on it are stored as seed + quad, not as pixels)."""
    return procedural_background(np.random.default_rng(seed), scenes)


# ------------------------------------------------------------------------------------ plate paste

def _plate_width(rng):
    """Plate width in pixels at the inference scale (long side 640): the dev photos have US plates of
    ~30..70 px and EU/BR/GB plates of ~80..200 px."""
    if rng.random() < 0.5:
        return math.exp(rng.uniform(math.log(18), math.log(90)))
    return math.exp(rng.uniform(math.log(60), math.log(300)))


def random_quad(rng, cx, cy, w, aspect):
    """A plate quad of width w about (cx, cy): rotation +-15 deg, yaw foreshortening, small pitch/shear."""
    h = w / aspect
    yaw = rng.uniform(-1, 1) * (0.5 if rng.random() < 0.7 else 0.9)  # radians-ish
    pitch = rng.uniform(-0.35, 0.35)
    q = np.array([[-w / 2, -h / 2], [w / 2, -h / 2], [w / 2, h / 2], [-w / 2, h / 2]], np.float32)
    q[:, 0] *= math.cos(yaw)
    # perspective: the far side is shorter
    ky = math.sin(yaw) * 0.18
    q[1, 1] *= 1 - ky; q[2, 1] *= 1 - ky; q[0, 1] *= 1 + ky; q[3, 1] *= 1 + ky
    kx = math.sin(pitch) * 0.15
    q[0, 0] *= 1 - kx; q[1, 0] *= 1 - kx; q[2, 0] *= 1 + kx; q[3, 0] *= 1 + kx
    shear = rng.uniform(-0.12, 0.12)
    q[:, 0] += q[:, 1] * shear
    a = math.radians(rng.uniform(-15, 15) if rng.random() < 0.85 else rng.uniform(-4, 4))
    R = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]], np.float32)
    q = q @ R.T
    q += rng.normal(0, 0.015 * w, q.shape).astype(np.float32)
    return q + np.array([cx, cy], np.float32)


def _expand_quad(q, fx, fy):
    c = q.mean(0)
    xdir = ((q[1] - q[0]) + (q[2] - q[3])) / 2
    ydir = ((q[3] - q[0]) + (q[2] - q[1])) / 2
    out = q.copy()
    sx = np.array([-1, 1, 1, -1], np.float32)[:, None]
    sy = np.array([-1, -1, 1, 1], np.float32)[:, None]
    out = c + sx * xdir * fx / 2 + sy * ydir * fy / 2
    return out.astype(np.float32)


def paste_plate(rng, img, tex, dst):
    """Warp texture `tex` (dict image, corners) onto quad `dst` of img (uint8 RGB, modified in place)."""
    s_h, s_w = img.shape[:2]
    timg, tc = tex["image"], tex["corners"].astype(np.float32)
    # pre-shrink the texture near the target size so the warp does not alias
    tw = np.linalg.norm(tc[1] - tc[0])
    dw = max(np.linalg.norm(dst[1] - dst[0]), np.linalg.norm(dst[2] - dst[3]))
    f = min(1.0, 1.5 * dw / max(tw, 1))
    if f < 0.9:
        timg = cv2.resize(timg, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)
        tc = tc * f
        if tex.get("alpha") is not None:
            tex = dict(tex, alpha=cv2.resize(tex["alpha"], (timg.shape[1], timg.shape[0]), interpolation=cv2.INTER_AREA))
    timg = timg.astype(np.float32)
    # plate-level degradations before the warp
    if rng.random() < 0.3:
        timg = timg + rng.normal(0, rng.uniform(2, 12), timg.shape)
    if rng.random() < 0.25:  # shadow across the plate
        hh, ww = timg.shape[:2]
        p = rng.random(2) * [ww, hh]
        ang = rng.random() * 2 * math.pi
        yy, xx = np.mgrid[0:hh, 0:ww]
        side = ((xx - p[0]) * math.cos(ang) + (yy - p[1]) * math.sin(ang)) > 0
        timg[side] *= rng.uniform(0.35, 0.7)
    if rng.random() < 0.15:  # glare
        hh, ww = timg.shape[:2]
        cx, cy, r = rng.random() * ww, rng.random() * hh, rng.uniform(0.2, 0.6) * ww
        yy, xx = np.mgrid[0:hh, 0:ww]
        g = np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * r * r))[..., None]
        timg = timg + g * rng.uniform(60, 200)
    timg = np.clip(timg, 0, 255)

    alpha = tex.get("alpha")
    keep_margin = alpha is not None and rng.random() < 0.4  # keep the renderer's margin ("car body")
    if keep_margin:
        mask_src = np.ones(timg.shape[:2], np.float32)
    elif alpha is not None:
        mask_src = alpha.astype(np.float32) / 255
        if mask_src.shape != timg.shape[:2]:
            mask_src = cv2.resize(mask_src, (timg.shape[1], timg.shape[0]), interpolation=cv2.INTER_AREA)
    else:
        mask_src = np.zeros(timg.shape[:2], np.float32)
        cv2.fillPoly(mask_src, [np.round(tc * 4).astype(np.int32)], 1.0, lineType=cv2.LINE_AA, shift=2)
    H = cv2.getPerspectiveTransform(tc, dst.astype(np.float32))
    ext = dst
    if keep_margin:  # the warped texture reaches beyond the plate quad
        th, tw_ = timg.shape[:2]
        ext = cv2.perspectiveTransform(np.array([[[0, 0], [tw_, 0], [tw_, th], [0, th]]], np.float32), H)[0]
    x0, y0 = np.floor(ext.min(0)).astype(int) - 2
    x1, y1 = np.ceil(ext.max(0)).astype(int) + 3
    x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, s_w), min(y1, s_h)
    if x1 <= x0 or y1 <= y0:
        return
    T = np.array([[1, 0, -x0], [0, 1, -y0], [0, 0, 1]], np.float64) @ H
    size = (int(x1 - x0), int(y1 - y0))
    warped = cv2.warpPerspective(timg, T, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    mask = cv2.warpPerspective(mask_src, T, size, flags=cv2.INTER_LINEAR)[..., None]
    region = img[y0:y1, x0:x1].astype(np.float32)
    # lighting: pull the plate toward the brightness and colour of what is around it
    bg_mean = region.reshape(-1, 3).mean(0) + 1
    pl_mean = (warped * mask).reshape(-1, 3).sum(0) / (mask.sum() + 1e-3) + 1
    gain = (bg_mean.mean() / pl_mean.mean()) ** rng.uniform(0.1, 0.6) * rng.uniform(0.75, 1.2)
    cast = (bg_mean / bg_mean.mean()) ** rng.uniform(0, 0.4)
    warped = warped * np.clip(gain, 0.25, 1.5) * cast
    # blur proportional to the plate size, sometimes motion blur
    if rng.random() < 0.5:
        sig = rng.uniform(0.3, 0.6 + dw / 120)
        warped = cv2.GaussianBlur(warped, (0, 0), sig)
        mask = cv2.GaussianBlur(mask[..., 0], (0, 0), min(sig, 1.0))[..., None]
    if rng.random() < 0.1:
        k = int(rng.integers(3, 8))
        ker = np.zeros((k, k), np.float32)
        ker[k // 2] = 1.0 / k
        M = cv2.getRotationMatrix2D((k / 2 - 0.5, k / 2 - 0.5), rng.uniform(0, 180), 1.0)
        ker = cv2.warpAffine(ker, M, (k, k))
        ker /= ker.sum() + 1e-6
        warped = cv2.filter2D(warped, -1, ker)
    if mask.ndim == 2:
        mask = mask[..., None]
    out = region * (1 - mask) + warped * mask
    img[y0:y1, x0:x1] = np.clip(out, 0, 255).astype(np.uint8)


def draw_holder(rng, img, q):
    """Something the plate is mounted on: a holder frame or a bumper patch around the quad."""
    fx, fy = rng.uniform(1.03, 1.35), rng.uniform(1.08, 1.8)
    e = _expand_quad(q, fx, fy)
    col = rng.integers(0, 256, 3) if rng.random() < 0.5 else np.full(3, rng.integers(0, 70))
    cv2.fillPoly(img, [np.round(e * 4).astype(np.int32)], tuple(int(v) for v in col), lineType=cv2.LINE_AA, shift=2)


def occlude(rng, img, q):
    """Cover a part of the plate (a hand-sized blob, a pole, a tow bar): up to ~30 % of its area."""
    w = np.linalg.norm(q[1] - q[0])
    h = np.linalg.norm(q[3] - q[0])
    c = q.mean(0)
    side = rng.integers(4)
    col = tuple(int(v) for v in rng.integers(0, 256, 3))
    if side < 2:  # vertical bar over a side part
        x = c[0] + (rng.uniform(0.2, 0.5) * (1 if side else -1)) * w
        bw = rng.uniform(0.05, 0.25) * w
        cv2.rectangle(img, (int(x - bw / 2), int(c[1] - h)), (int(x + bw / 2), int(c[1] + h)), col, -1)
    else:  # something from above or below
        y = c[1] + (0.5 if side == 2 else -0.5) * h
        cv2.ellipse(img, (int(c[0] + rng.uniform(-0.3, 0.3) * w), int(y)),
                    (int(rng.uniform(0.1, 0.35) * w), int(rng.uniform(0.15, 0.4) * h)), 0, 0, 360, col, -1)


# ---------------------------------------------------------------------------------------- targets

def quad_width(q):
    return 0.5 * (np.linalg.norm(q[1] - q[0]) + np.linalg.norm(q[2] - q[3]))


def visible_fraction(q, s):
    poly = q.astype(np.float32)
    area = abs(cv2.contourArea(poly))
    if area < 1:
        return 0.0
    box = np.array([[0, 0], [s, 0], [s, s], [0, s]], np.float32)
    inter, _ = cv2.intersectConvexConvex(poly, box)
    return float(inter) / area


def make_targets(quads, s=CROP, ignore=(), neg_weight=1.0, box_only=None, extent=0.0, size_weight=False):
    """Heatmap (Gaussian about each plate centre, sigma from the plate size), its weight (0 about
    ignored plates), geometry (offset + corners in the units of MODEL_IO.md) and three weights:
    geom_weight (the offset) and corner_weight at the 3x3 cells about each centre (1 at the centre,
    0.5 about it), and box_weight (the box the corners span).

    - box_only[i]: plate i is labelled by a box, not by its corners (Kaggle, dashcam scenes): its
      corners are not targets (corner_weight 0), only the box they span (box_weight), and the offset.
    - extent > 0: the geometry is also a target at the cells within `extent` x the plate's half width
      and half height of its centre (weight 0.25): more of the plate's cells learn where its edges are.
    - size_weight: the corner and box weights scale with sqrt(64 px / plate width), clipped to
      0.5..2, so that an error costs about what it costs as a fraction of the plate's width."""
    st = DETECTOR_STRIDE
    g = s // st
    heat = np.zeros((g, g), np.float32)
    hw = np.full((g, g), neg_weight, np.float32)
    geom = np.zeros((10, g, g), np.float32)
    gw = np.zeros((g, g), np.float32)
    cw = np.zeros((g, g), np.float32)
    bw = np.zeros((g, g), np.float32)
    owner = np.zeros((g, g), np.float32)  # heat of the plate that owns the geometry of a cell
    yy, xx = np.mgrid[0:g, 0:g].astype(np.float32)
    for q in ignore:
        c = q.mean(0) / st
        r = max(1.5, quad_width(q) / st / 2)
        hw[(np.abs(xx + 0.5 - c[0]) <= r) & (np.abs(yy + 0.5 - c[1]) <= max(1.5, r / 2))] = 0
    for i, q in enumerate(quads):
        c = q.mean(0)
        cc = c / st
        col, row = int(math.floor(cc[0])), int(math.floor(cc[1]))
        if not (0 <= col < g and 0 <= row < g):
            continue
        wc = quad_width(q) / st
        sig = float(np.clip(0.12 * wc, 0.5, 2.5))
        gauss = np.exp(-((xx - col) ** 2 + (yy - row) ** 2) / (2 * sig * sig))
        gauss[row, col] = 1.0
        heat = np.maximum(heat, gauss)
        hw[row, col] = max(hw[row, col], 1.0)
        sw = float(np.clip(math.sqrt(64.0 / max(quad_width(q), 1.0)), 0.5, 2.0)) if size_weight else 1.0
        corners_too = not (box_only is not None and box_only[i])
        cells = [(row + dr, col + dc, 1.0 if (dr == 0 and dc == 0) else 0.5) for dr in (-1, 0, 1) for dc in (-1, 0, 1)]
        if extent > 0:
            hx = int(extent * wc / 2)
            hy = int(extent * quad_height(q) / st / 2)
            cells += [(row + dr, col + dc, 0.25) for dr in range(-hy, hy + 1) for dc in range(-hx, hx + 1)
                      if max(abs(dr), abs(dc)) > 1]
        for r_, c_, wv in cells:
            if not (0 <= r_ < g and 0 <= c_ < g):
                continue
            own = gauss[r_, c_] + 1e-3 * wv  # the nearer plate's centre owns a cell
            if own <= owner[r_, c_]:
                continue
            owner[r_, c_] = own
            geom[0, r_, c_] = cc[0] - c_
            geom[1, r_, c_] = cc[1] - r_
            geom[2:, r_, c_] = ((q - c) / CORNER_UNIT).reshape(-1)
            gw[r_, c_] = wv
            cw[r_, c_] = wv * sw if corners_too else 0.0
            bw[r_, c_] = wv * sw
    return heat, hw, geom, gw, cw, bw


def quad_height(q):
    return 0.5 * (np.linalg.norm(q[3] - q[0]) + np.linalg.norm(q[2] - q[1]))


# ---------------------------------------------------------------------------------------- samples

class SceneGenerator:
    """Training samples from one side of the split (`side`: "train", or "val" for the seeded synthetic
    validation set). `targets`: make_targets' options (box_only is set here, from the labels)."""

    def __init__(self, root=TRAIN_REAL, crop=CROP, p_real=0.3, p_replace=0.3, p_rendered=0.6, side="train",
                 us_share=0.0, targets=None, scenes=None):
        self.scenes = load_scenes(root, side) if scenes is None else scenes
        self.crops = load_crops(root, side=side)
        self.rendered = RenderedPool(us_share=us_share)
        self.crop = crop
        self.p_real, self.p_replace, self.p_rendered = p_real, p_replace, p_rendered
        self.targets = dict(targets or {})
        self.stats = {"real": 0, "replace": 0, "synthetic": 0, "tex_rendered": 0, "tex_crop": 0}

    # textures -----------------------------------------------------------------------------------
    def texture(self, rng):
        if rng.random() < self.p_rendered:
            t = self.rendered.sample(rng)
            if t is not None:
                self.stats["tex_rendered"] += 1
                return t
        self.stats["tex_crop"] += 1
        t = self.crops[int(rng.integers(len(self.crops)))]
        return t

    def _paste(self, rng, img, dst, tex):
        if rng.random() < 0.45:
            draw_holder(rng, img, dst)
        paste_plate(rng, img, tex, dst)
        if rng.random() < 0.12:
            occlude(rng, img, dst)

    # scenes -------------------------------------------------------------------------------------
    def _scaled_scene(self, rng, sc):
        """The scene resized about the inference scale (long side 640, jittered), its quads too."""
        img = sc["image"]
        base = 640.0 / max(img.shape[:2])
        f = base * math.exp(rng.uniform(math.log(0.6), math.log(1.7)))
        if sc["quads"]:
            wmax = max(quad_width(q) for q in sc["quads"]) * f
            if wmax > 300:
                f *= 300 / wmax
            wmin = min(quad_width(q) for q in sc["quads"]) * f
            if wmin < 16 and wmax * 16 / wmin <= 300:
                f *= 16 / wmin
        img = cv2.resize(img, None, fx=f, fy=f, interpolation=cv2.INTER_AREA if f < 1 else cv2.INTER_LINEAR)
        return img, [q * f for q in sc["quads"]]

    def _crop_window(self, rng, img, quads):
        s = self.crop
        h, w = img.shape[:2]
        if h < s or w < s:  # pad like the runtime (zeros) or with a background
            canvas = np.zeros((max(h, s), max(w, s), 3), np.uint8)
            if rng.random() < 0.5:
                canvas[:] = procedural_background(rng, self.scenes, max(h, w, s))[:canvas.shape[0], :canvas.shape[1]]
            canvas[:h, :w] = img
            img, h, w = canvas, canvas.shape[0], canvas.shape[1]
        if quads and rng.random() < 0.85:
            c = quads[int(rng.integers(len(quads)))].mean(0)
            x = int(np.clip(c[0] - rng.uniform(0.1, 0.9) * s, 0, w - s))
            y = int(np.clip(c[1] - rng.uniform(0.1, 0.9) * s, 0, h - s))
        else:
            x, y = int(rng.integers(0, w - s + 1)), int(rng.integers(0, h - s + 1))
        off = np.array([x, y], np.float32)
        return np.ascontiguousarray(img[y:y + s, x:x + s]), [q - off for q in quads]

    def _place_free(self, rng, quads, w, aspect, tries=10):
        s = self.crop
        for _ in range(tries):
            cx, cy = rng.uniform(0.05, 0.95) * s, rng.uniform(0.05, 0.95) * s
            q = random_quad(rng, cx, cy, w, aspect)
            ok = True
            for o in quads:
                d = np.abs(o.mean(0) - q.mean(0))
                if d[0] < (quad_width(o) + w) * 0.6 and d[1] < (quad_width(o) / 2.5 + w / aspect) * 0.8:
                    ok = False
                    break
            if ok:
                return q
        return None

    @staticmethod
    def _aspect(tex):
        c = tex["corners"]
        return max(1.0, quad_width(c) / max(1.0, 0.5 * (np.linalg.norm(c[3] - c[0]) + np.linalg.norm(c[2] - c[1]))))

    def _add_free_plates(self, rng, img, quads, n):
        """Pastes up to n plates where they overlap none of `quads`; appends the placed ones to it."""
        for _ in range(n):
            tex = self.texture(rng)
            asp = self._aspect(tex) * rng.uniform(0.9, 1.1)
            q = self._place_free(rng, quads, _plate_width(rng), asp)
            if q is not None:
                self._paste(rng, img, q, tex)
                quads.append(q)

    def make_sample(self, rng):
        s = self.crop
        k = rng.random()
        neg_weight = 1.0
        boxed = None  # per quad: labelled by a box only (its corners are not targets)
        if k < self.p_real:
            mode = "real"
            sc = self.scenes[int(rng.integers(len(self.scenes)))]
            img, quads = self._scaled_scene(rng, sc)
            img, quads = self._crop_window(rng, img, quads)
            img = img.copy()
            boxed = [not c for c in sc["corners"]]
            if sc["source"] != "ccpd":
                neg_weight = 0.6  # not every plate is boxed (Kaggle web photos, dashcam frames)
        elif k < self.p_real + self.p_replace:
            mode = "replace"
            sc = self.scenes[int(rng.integers(len(self.scenes)))]
            img, quads = self._scaled_scene(rng, sc)
            if rng.random() < 0.5:  # mirror the background only; its plates get covered below
                img = np.ascontiguousarray(img[:, ::-1])
                W = img.shape[1]
                quads = [np.stack([W - q[1, 0], q[1, 1], W - q[0, 0], q[0, 1], W - q[3, 0], q[3, 1], W - q[2, 0], q[2, 1]]).reshape(4, 2).astype(np.float32) for q in quads]
            img, quads = self._crop_window(rng, img, quads)
            img = img.copy()
            new = []
            for q in quads:
                if quad_width(q) < 8:
                    continue
                dst = _expand_quad(q, rng.uniform(1.0, 1.1), rng.uniform(1.0, 1.15))
                dst = dst + rng.normal(0, 0.01 * quad_width(q), dst.shape).astype(np.float32)
                self._paste(rng, img, dst, self.texture(rng))
                new.append(dst.astype(np.float32))
            quads = new
            self._add_free_plates(rng, img, quads, int(rng.integers(0, 3)))
        else:
            mode = "synthetic"
            img = procedural_background(rng, self.scenes, s)
            if rng.random() < 0.5:
                img = np.ascontiguousarray(img[:, ::-1])
            quads = []
            self._add_free_plates(rng, img, quads, int(rng.choice([0, 1, 1, 1, 2, 2, 3, 4])))
        self.stats[mode] += 1
        img = self.photometric(rng, img)
        pos, ign, pos_boxed = [], [], []
        for i, q in enumerate(quads):
            if quad_width(q) < MIN_PLATE_W:
                ign.append(q)
                continue
            c = q.mean(0)
            if not (0 <= c[0] < s and 0 <= c[1] < s):
                if visible_fraction(q, s) > 0.3:
                    ign.append(q)
                continue
            if visible_fraction(q, s) < 0.6:
                ign.append(q)
            else:
                pos.append(q)
                pos_boxed.append(bool(boxed[i]) if boxed is not None else False)
        heat, hw, geom, gw, cw, bw = make_targets(pos, s, ign, neg_weight, box_only=pos_boxed, **self.targets)
        return dict(image=img, heat=heat, heat_weight=hw, geom=geom, geom_weight=gw, corner_weight=cw, box_weight=bw,
                    quads=pos, boxed=pos_boxed, ignored=ign, mode=mode)

    @staticmethod
    def photometric(rng, img):
        f = img.astype(np.float32)
        if rng.random() < 0.8:
            f = f * rng.uniform(0.6, 1.35) + rng.uniform(-30, 30)
            f = f * rng.uniform(0.85, 1.15, 3)
            if rng.random() < 0.3:
                g = f.mean(2, keepdims=True)
                f = g + (f - g) * rng.uniform(0.0, 0.8)  # desaturate (night / IR looks)
            if rng.random() < 0.2:
                f = 255 * (np.clip(f, 0, 255) / 255) ** rng.uniform(0.6, 1.6)
        if rng.random() < 0.2:
            f = cv2.GaussianBlur(f, (0, 0), rng.uniform(0.4, 1.2))
        if rng.random() < 0.4:
            f = f + rng.normal(0, rng.uniform(1, 8), f.shape)
        out = np.clip(f, 0, 255).astype(np.uint8)
        if rng.random() < 0.6:
            ok, buf = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(25, 95))])
            out = cv2.imdecode(buf, cv2.IMREAD_UNCHANGED)
        return out


def contact_sheet(samples, path, cols=4):
    """Crops with their target quads (green), ignored quads (red) and heatmap peaks (yellow)."""
    tiles = []
    for d in samples:
        t = d["image"].copy()
        heat = cv2.resize(d["heat"], (t.shape[1], t.shape[0]), interpolation=cv2.INTER_NEAREST)
        t = np.clip(t * 0.8 + heat[..., None] * np.array([80, 80, 0]), 0, 255).astype(np.uint8)
        for q in d["quads"]:
            cv2.polylines(t, [np.round(q).astype(np.int32)], True, (0, 255, 0), 1)
            cv2.circle(t, tuple(int(v) for v in np.round(q[0])), 2, (255, 0, 255), -1)  # TL
        for q in d.get("ignored", []):
            cv2.polylines(t, [np.round(q).astype(np.int32)], True, (255, 0, 0), 1)
        # decode the geometry target at heat == 1 cells, as the runtime would
        ys, xs = np.nonzero(d["heat"] >= 0.999)
        for r, c in zip(ys, xs):
            g = d["geom"][:, r, c]
            cx, cy = (c + g[0]) * DETECTOR_STRIDE, (r + g[1]) * DETECTOR_STRIDE
            pts = np.array([cx, cy]) + g[2:].reshape(4, 2) * CORNER_UNIT
            cv2.polylines(t, [np.round(pts).astype(np.int32)], True, (255, 255, 0), 1)
        cv2.putText(t, d.get("mode", ""), (3, 12), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (255, 255, 255), 1)
        tiles.append(t)
    while len(tiles) % cols:
        tiles.append(np.zeros_like(tiles[0]))
    rows = [np.hstack(tiles[i:i + cols]) for i in range(0, len(tiles), cols)]
    cv2.imwrite(path, cv2.cvtColor(np.vstack(rows), cv2.COLOR_RGB2BGR))
