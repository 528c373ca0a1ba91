"""Training and validation crops for the reader (training/MODEL_IO.md).

Every crop is made the way the runtime makes it (packages/recognition/src/perspective-warp.ts): the
plate quadrilateral is widened about its centre (1.10 x 1.25), perspective-warped to 128 x 32 with
bilinear sampling, clamped edges, and n x n supersampling when the plate is larger than the crop.
Synthetic plates get their quad jittered (detector corner error) and are degraded the way a camera
would see them; real crops (US, BR, AR) use their frame as the quad.
"""
import json
import os

import cv2
import numpy as np

from .models import ALPHABET, READER_H, READER_W, REGIONS
from . import scenes, split, text_not_plates
from .plates import mount_on_car, render_plate

SHARED = os.environ.get("NPR_SHARED", os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared"))
REAL_DIR = os.path.join(SHARED, "data", "train-real", "ocr")
IGNORE = -100
CHAR_INDEX = {c: i + 1 for i, c in enumerate(ALPHABET)}


# ------------------------------------------------------------------------------ geometry (as runtime)

def widen_quad(q, fx=1.10, fy=1.25):
    q = np.asarray(q, np.float64)
    c = q.mean(0)
    u = (q[1] - q[0] + q[2] - q[3]) / 2
    v = (q[3] - q[0] + q[2] - q[1]) / 2
    det = u[0] * v[1] - u[1] * v[0]
    if abs(det) < 1e-9:
        return (c + (q - c) * [fx, fy]).astype(np.float32)
    d = q - c
    a = (d[:, 0] * v[1] - d[:, 1] * v[0]) / det
    b = (u[0] * d[:, 1] - u[1] * d[:, 0]) / det
    return (c + fx * a[:, None] * u + fy * b[:, None] * v).astype(np.float32)


def split_quad(q):
    q = np.asarray(q, np.float32)
    ml, mr = (q[0] + q[3]) / 2, (q[1] + q[2]) / 2
    return np.stack([q[0], q[1], mr, ml]), np.stack([ml, mr, q[2], q[3]])


def quad_aspect(q):
    q = np.asarray(q, np.float64)
    w = (np.linalg.norm(q[0] - q[1]) + np.linalg.norm(q[3] - q[2])) / 2
    h = (np.linalg.norm(q[0] - q[3]) + np.linalg.norm(q[1] - q[2])) / 2
    return w / h if h > 0 else float("inf")


def warp_quad(img, quad, out_w=READER_W, out_h=READER_H, supersample=True):
    """Bilinear warp of `quad` (continuous coordinates: pixel i covers [i, i+1)) to out_w x out_h,
    clamped edges, with the runtime's n x n supersampling when shrinking."""
    quad = np.asarray(quad, np.float32)
    n = 1
    if supersample:
        sw = max(np.linalg.norm(quad[0] - quad[1]), np.linalg.norm(quad[3] - quad[2])) / out_w
        sh = max(np.linalg.norm(quad[0] - quad[3]), np.linalg.norm(quad[1] - quad[2])) / out_h
        n = int(min(4, max(1, round(max(sw, sh)))))
    W, H = out_w * n, out_h * n
    rect = np.array([[0, 0], [W, 0], [W, H], [0, H]], np.float32)
    M = cv2.getPerspectiveTransform(rect, quad).astype(np.float64)
    T1 = np.array([[1, 0, 0.5], [0, 1, 0.5], [0, 0, 1]])
    T0 = np.array([[1, 0, -0.5], [0, 1, -0.5], [0, 0, 1]])
    M = T0 @ M @ T1
    out = cv2.warpPerspective(img, M, (W, H), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                              borderMode=cv2.BORDER_REPLICATE)
    if n > 1:
        out = cv2.resize(out, (out_w, out_h), interpolation=cv2.INTER_AREA)
    return out


def encode_text(text):
    return [CHAR_INDEX[c] for c in text if c in CHAR_INDEX]


# ------------------------------------------------------------------------------ degradations


def _motion_kernel(rng, length):
    k = np.zeros((length, length), np.float32)
    k[length // 2, :] = 1
    M = cv2.getRotationMatrix2D((length / 2 - 0.5, length / 2 - 0.5), rng.uniform(0, 180), 1)
    k = cv2.warpAffine(k, M, (length, length))
    return k / max(k.sum(), 1e-6)


def _on_plate_effects(rng, img, corners):
    """Things that sit on the plate in the world: shadow, glare, dirt, occluders. img float32."""
    H, W = img.shape[:2]
    x0, y0 = corners.min(0)
    x1, y1 = corners.max(0)
    pw, ph = x1 - x0, y1 - y0
    if rng.random() < 0.25:  # shadow: a dark polygon over part of the image
        pts = np.array([[rng.uniform(-0.2, 1.2) * W, rng.uniform(-0.2, 1.2) * H] for _ in range(4)], np.int32)
        m = np.zeros((H, W), np.float32)
        cv2.fillPoly(m, [pts], 1.0)
        if rng.random() < 0.5:
            m = cv2.GaussianBlur(m, (0, 0), max(0.5, ph * 0.1))
        img *= (1 - m * rng.uniform(0.3, 0.7))[..., None]
    if rng.random() < 0.15:  # glare: a bright blob
        cx, cy = rng.uniform(x0, x1), rng.uniform(y0, y1)
        yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
        s = rng.uniform(0.1, 0.5) * pw
        g = np.exp(-(((xx - cx) / s) ** 2 + ((yy - cy) / (s * rng.uniform(0.3, 1))) ** 2))
        img += (g * rng.uniform(50, 150))[..., None]
    if rng.random() < 0.2:  # dirt: brownish speckles and smudges
        m = np.zeros((H, W), np.float32)
        for _ in range(int(rng.integers(3, 30))):
            cv2.circle(m, (int(rng.uniform(x0, x1)), int(rng.uniform(y0, y1))), int(rng.uniform(1, ph * 0.15) + 1),
                       float(rng.uniform(0.2, 0.8)), -1)
        m = cv2.GaussianBlur(m, (0, 0), max(0.5, ph * 0.03))
        col = np.array([rng.uniform(60, 110), rng.uniform(50, 90), rng.uniform(30, 60)], np.float32)
        m = m[..., None] * rng.uniform(0.3, 0.8)
        img[:] = img * (1 - m) + col * m
    if rng.random() < 0.06:  # occluder at a plate edge (tow bar, leg, bumper): covers the margin and a sliver
        col = np.array(rng.uniform(0, 255, 3), np.float32)
        if rng.random() < 0.5:
            xa = x0 - pw * 0.2 if rng.random() < 0.5 else x1 - pw * rng.uniform(0.0, 0.04)
            cv2.rectangle(img, (int(xa), 0), (int(xa + pw * rng.uniform(0.05, 0.2)), H), col.tolist(), -1)
        else:
            ya = y1 - ph * rng.uniform(0.0, 0.08)
            cv2.rectangle(img, (int(x0 + pw * rng.uniform(0, 0.7)), int(ya)),
                          (int(x0 + pw * rng.uniform(0.3, 1.0)), H), col.tolist(), -1)
    return img


# Shares of the hardest camera looks in the synthetic crops. The held-out photos' misreads are mostly small
# plates (W/H, M/H, 8/B) and low-contrast ones: `reader train --small-share/--haze` raise them for a run. The
# defaults are the recipe every committed reader was trained with, and what the synthetic validation set
# (reader_val, made before a run sets these) is degraded with.
LOOKS = dict(small_share=0.15, haze=0.0)


def set_looks(small_share=None, haze=None):
    if small_share is not None:
        LOOKS["small_share"] = small_share
    if haze is not None:
        LOOKS["haze"] = haze


def _camera(rng, crop, ir_ok=True, mild=False):
    """Photometric camera effects on a (small) uint8 crop; returns uint8."""
    x = crop.astype(np.float32)
    if not mild and LOOKS["haze"] and rng.random() < LOOKS["haze"]:
        # haze, backlight, a washed-out or dirty plate: the contrast squeezed to a third..two thirds, brighter
        m = x.mean()
        x = (x - m) * rng.uniform(0.3, 0.65) + m + rng.uniform(-20, 45)
    # colour / brightness / contrast / gamma
    if rng.random() < 0.8:
        lo, hi = (0.8, 1.2) if mild else (0.6, 1.3)
        x = x * rng.uniform(lo, hi) + rng.uniform(-40, 40) * (0.5 if mild else 1)
        x = (x - 128) * rng.uniform(lo, hi) + 128
        x *= rng.uniform(0.88, 1.12, size=3).astype(np.float32)  # white balance
    r = rng.random()
    if ir_ok and r < (0.03 if mild else 0.1):  # night / IR: grayscale-ish, high contrast
        g = x.mean(2, keepdims=True)
        g = (g - g.mean()) * rng.uniform(1.2, 2.0) + g.mean() + rng.uniform(-20, 20)
        tint = np.array([1, 1, 1], np.float32) if rng.random() < 0.7 else np.array([0.6, 1.0, 0.6], np.float32)
        x = np.repeat(g, 3, 2) * tint
    elif r < 0.18:  # desaturate
        g = x.mean(2, keepdims=True)
        a = rng.uniform(0.3, 1.0)
        x = x * (1 - a) + g * a
    x = np.clip(x, 0, 255)
    if rng.random() < 0.5:
        x = 255.0 * (x / 255.0) ** rng.uniform(0.6, 1.6)
    if rng.random() < (0.2 if mild else 0.5):  # sensor noise
        x = x + rng.normal(0, rng.uniform(2, 6 if mild else 10), size=x.shape).astype(np.float32)
    x = np.clip(x, 0, 255).astype(np.uint8)
    if rng.random() < (0.3 if mild else 0.6):
        ok, enc = cv2.imencode(".jpg", x[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(40 if mild else 20, 91))])
        x = cv2.imdecode(enc, cv2.IMREAD_COLOR)[..., ::-1]
    return x


def degrade_warp(rng, img, quad, ir_ok=True, real=False):
    """Warp `quad` (already widened, maybe a half) of img the way a camera of random resolution and
    then the runtime would: a low-resolution view (10-60 px tall crop), blur, camera effects, then
    bilinear resize to 128 x 32."""
    q = np.asarray(quad, np.float32)
    src_h = max(np.linalg.norm(q[0] - q[3]), np.linalg.norm(q[1] - q[2]))
    r = rng.random()
    small = LOOKS["small_share"]
    lo_h = rng.uniform(10, 18) if r < small else (rng.uniform(18, 34) if r < 0.75 else rng.uniform(34, 60))
    if real:  # real crops already carry their camera's blur and noise: degrade them less
        lo_h = rng.uniform(18, 34) if r < 0.7 else rng.uniform(34, 60)
    lo_h = min(lo_h, src_h * 1.5)
    lo_w = lo_h * READER_W / READER_H * rng.uniform(0.9, 1.1)
    ratio = src_h / lo_h
    x = img
    if ratio > 1.5:  # the optics / sensor low-pass before sampling at the lower resolution
        x = cv2.GaussianBlur(x, (0, 0), 0.4 * ratio)
    lo = warp_quad(x, q, int(round(lo_w)), int(round(lo_h)), supersample=False)
    b = rng.random() * (3 if real else 1)
    if b < 0.2:
        lo = cv2.GaussianBlur(lo, (0, 0), rng.uniform(0.4, 1.1))
    elif b < 0.32:
        lo = cv2.filter2D(lo, -1, _motion_kernel(rng, int(rng.integers(2, 5))))
    lo = _camera(rng, lo, ir_ok, mild=real)
    # the runtime warps from the photo to 128 x 32 bilinearly (box-averaging when shrinking)
    interp = cv2.INTER_LINEAR if lo.shape[0] <= READER_H else cv2.INTER_AREA
    if lo.shape[0] > READER_H and rng.random() < 0.5:
        interp = cv2.INTER_LINEAR  # some aliasing
    return cv2.resize(lo, (READER_W, READER_H), interpolation=interp)


def jitter_quad(rng, q, amount=1.0, loose=0.0):
    """Emulate detector corner error: per-corner noise, a shift and a scale error; with probability
    `loose` also a large one."""
    q = np.asarray(q, np.float32).copy()
    w = np.linalg.norm(q[1] - q[0])
    h = np.linalg.norm(q[3] - q[0])
    s = amount * rng.uniform(0.3, 1.2)
    q[:, 0] += rng.normal(0, 0.018 * w * s, 4)
    q[:, 1] += rng.normal(0, 0.06 * h * s, 4)
    q += np.array([rng.normal(0, 0.015 * w * s), rng.normal(0, 0.05 * h * s)], np.float32)
    c = q.mean(0)
    q = c + (q - c) * np.array([rng.normal(0.99, 0.03 * s), rng.normal(0.98, 0.07 * s)], np.float32)
    if rng.random() < loose:
        # the detector's quads on real photos are at times much too big or off centre (a frame, the
        # bumper below): the reader must still find the plate's characters inside them
        q += np.array([rng.normal(0, 0.04 * w), rng.normal(0, 0.08 * h)], np.float32)
        q = c + (q - c) * np.array([rng.uniform(1.0, 1.25), rng.uniform(1.0, 1.4)], np.float32)
    return q


def rotate_about(q, deg):
    c = q.mean(0)
    a = np.radians(deg)
    R = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]], np.float32)
    return (q - c) @ R.T + c


# ------------------------------------------------------------------------------ synthetic samples


def synth_sample(rng, region=None):
    """One 128x32 RGB crop from a rendered plate: (crop uint8, text, region index)."""
    p = render_plate(rng, region)
    img = p["image"].astype(np.float32)
    img = _on_plate_effects(rng, img, p["corners"])
    img = np.clip(img, 0, 255).astype(np.uint8)
    q = jitter_quad(rng, p["corners"], loose=0.25)
    if rng.random() < 0.3:
        # small residual rotation: the quad from the detector is slightly rotated w.r.t. the plate
        q = rotate_about(q, rng.normal(0, 2.0))
    q = widen_quad(q)
    text = p["text"]
    if p["lines"] == 2:
        halves = split_quad(q)
        i = int(rng.integers(2))
        q, text = halves[i], p["line_texts"][i]
    elif quad_aspect(p["corners"]) < 2.5 and rng.random() < 0.04:
        # the runtime also reads square-ish single-line plates as two halves: teach "nothing here"
        q, text = split_quad(q)[int(rng.integers(2))], ""
    crop = degrade_warp(rng, img, q)
    return crop, text, REGIONS.index(p["region"])


# ------------------------------------------------------------------------------ real crops


class RealCrops:
    """US / BR / AR plate crops from shared/data/train-real/ocr, kept in memory (decoded)."""

    def __init__(self, root=REAL_DIR, max_h=96, side="train"):
        """`side`: the split's side (npr_train.split.crop_side, by plate text); None: all crops."""
        self.items = {"us": [], "br": [], "ar": []}
        man = os.path.join(root, "manifest.jsonl")
        if not os.path.exists(man):
            print(f"[reader_data] no real crops at {root}; synthetic only", flush=True)
            return
        for line in open(man):
            r = json.loads(line)
            if r.get("kind") != "plate" or r["region"] not in self.items:
                continue
            if side is not None and split.crop_side(r["text"]) != side:
                continue
            im = cv2.imread(os.path.join(root, r["file"]), cv2.IMREAD_COLOR)
            if im is None:
                continue
            im = im[..., ::-1]
            if im.shape[0] > max_h:
                s = max_h / im.shape[0]
                im = cv2.resize(im, (max(1, int(im.shape[1] * s)), max_h), interpolation=cv2.INTER_AREA)
            self.items[r["region"]].append((np.ascontiguousarray(im), r["text"].upper()))
        print("[reader_data] real crops: " + ", ".join(f"{k} {len(v)}" for k, v in self.items.items()), flush=True)

    mount_p = 0.5  # share of US crops put back on a car (frame, dealer frame, screws) and seen as a camera would

    def _mounted(self, rng, im):
        """A tight real US crop as a plate on a car, with the synthetic plates' surroundings, plate effects,
        detector-like quads and full camera degradation: real glyphs in the context the detector gives."""
        W = int(rng.uniform(190, 300))
        H = max(8, int(round(W * im.shape[0] / im.shape[1])))
        plate = cv2.resize(im, (W, H), interpolation=cv2.INTER_LINEAR).astype(np.float32)
        img, corners, _ = mount_on_car(rng, plate, max(1, int(H * 0.05)), tall=True)
        img = np.clip(_on_plate_effects(rng, img, corners), 0, 255).astype(np.uint8)
        q = jitter_quad(rng, corners, loose=0.25)
        if rng.random() < 0.3:
            q = rotate_about(q, rng.normal(0, 2.0))
        return degrade_warp(rng, img, widen_quad(q), real=rng.random() < 0.5)

    def sample(self, rng, region):
        pool = self.items[region]
        im, text = pool[int(rng.integers(len(pool)))]
        H, W = im.shape[:2]
        if region == "us" and rng.random() < self.mount_p:
            return self._mounted(rng, im), text, REGIONS.index(region)
        if region == "us":
            # tight crops: the frame is roughly the plate's outer edge
            q = np.array([[0, 0], [W, 0], [W, H], [0, H]], np.float32)
            q = jitter_quad(rng, q, 0.7, loose=0.25)
        elif region == "br":
            # looser crops (about 2.2:1 around a 3:1 plate): take a plate-shaped box inside the frame
            pw = W * rng.uniform(0.82, 0.98)
            ph = min(H * 0.9, pw / rng.uniform(2.6, 3.3))
            cx, cy = W / 2 + rng.normal(0, W * 0.02), H / 2 + rng.normal(0, H * 0.03)
            q = np.array([[cx - pw / 2, cy - ph / 2], [cx + pw / 2, cy - ph / 2], [cx + pw / 2, cy + ph / 2],
                          [cx - pw / 2, cy + ph / 2]], np.float32)
            q = jitter_quad(rng, q, 0.7, loose=0.25)
        else:  # ar: plate-ish crops of varying tightness
            q = np.array([[0, 0], [W, 0], [W, H], [0, H]], np.float32)
            q = jitter_quad(rng, q, 0.5)
        if rng.random() < 0.3:
            q = rotate_about(q, rng.normal(0, 1.5))
        q = widen_quad(q)
        src = im
        if rng.random() < 0.5:  # what lies beyond the tight crop: blurred replicate instead of hard streaks
            src = cv2.copyMakeBorder(im, H // 4, H // 4, W // 10, W // 10, cv2.BORDER_REPLICATE)
            src = src.copy()
            bl = cv2.GaussianBlur(src, (0, 0), 3)
            m = np.ones(src.shape[:2], np.float32)
            m[H // 4:H // 4 + H, W // 10:W // 10 + W] = 0
            m = cv2.GaussianBlur(m, (0, 0), 2)[..., None]
            src = (src * (1 - m) + bl * m).astype(np.uint8)
            q = q + np.array([W // 10, H // 4], np.float32)
        crop = degrade_warp(rng, src, q, ir_ok=region != "ar", real=True)
        reg = REGIONS.index(region) if region in REGIONS else IGNORE
        return crop, text, reg


class NotPlates:
    """Crops of things that are not plates, with an empty target: the detector's false plates on real
    photos (grilles, badges, lamps, signs, corners of the frame) are read as short strings unless the
    reader has learnt to say "nothing here". Patches of the real scenes (labelled plates excluded) and of
    the detector's cluttered procedural backgrounds; with `hard` (mine_not_plates.py's output), half of
    them are where the detector itself fired on those images, with its quads."""

    def __init__(self, hard=None, text_share=0.0, scene_list=None):
        self.text_share = text_share
        self.scenes = real_scenes() if scene_list is None else scene_list
        self.hard = []
        if hard:
            with open(hard) as f:
                rows = [json.loads(line) for line in f]
            self.hard = [r for r in rows if "background" in r or r["scene"] < len(self.scenes)]
        print(f"[reader_data] not-plate sources: {len(self.scenes)} real scenes + procedural clutter"
              f" + {len(self.hard)} of the detector's false plates"
              + (f"; {text_share:.0%} of them rendered text and slots" if text_share else ""), flush=True)

    def _hard(self, rng):
        r = self.hard[int(rng.integers(len(self.hard)))]
        img = self.scenes[r["scene"]]["erased"] if "scene" in r else scenes.seeded_background(r["background"], self.scenes)
        q = jitter_quad(rng, np.array(r["quad"], np.float32))
        return degrade_warp(rng, img, widen_quad(q)), "", IGNORE

    def _quad(self, rng, W, H, avoid):
        for _ in range(10):
            w = W * rng.uniform(0.08, 0.4)
            h = min(H * 0.9, w / rng.uniform(1.6, 4.5))
            x, y = rng.uniform(0, W - w), rng.uniform(0, H - h)
            if all(x + w < q[:, 0].min() or x > q[:, 0].max() or y + h < q[:, 1].min() or y > q[:, 1].max()
                   for q in avoid):
                return np.array([[x, y], [x + w, y], [x + w, y + h], [x, y + h]], np.float32)
        return None

    def _text(self, rng):
        """Rendered lettering or slots with a detector-like quad about them."""
        img, q = text_not_plates.text_sample(rng) if rng.random() < 0.75 else text_not_plates.slots_sample(rng)
        return img, jitter_quad(rng, q)

    def _patch(self, rng):
        """A plate-shaped patch of a real scene (away from its plates) or of a procedural background."""
        while True:
            if self.scenes and rng.random() < 0.6:
                sc = self.scenes[int(rng.integers(len(self.scenes)))]
                img, avoid = sc["image"], [scenes._expand_quad(q, 1.3, 1.6) for q in sc["quads"]]
            else:
                img = np.clip(scenes.procedural_background(rng, self.scenes), 0, 255).astype(np.uint8)
                avoid = []
            q = self._quad(rng, img.shape[1], img.shape[0], avoid)
            if q is not None:
                return img, q

    def sample(self, rng):
        if rng.random() < self.text_share:
            img, q = self._text(rng)
        elif self.hard and rng.random() < 0.5:
            return self._hard(rng)
        else:
            img, q = self._patch(rng)
        if rng.random() < 0.3:
            q = rotate_about(q, rng.normal(0, 3.0))
        return degrade_warp(rng, img, widen_quad(q)), "", IGNORE


def real_scenes(side="train"):
    """scenes.load_scenes() of one side of the split, or none where the real scenes are not at hand."""
    try:
        return scenes.load_scenes(side=side)
    except OSError:
        return []


class ScenePlates:
    """The labelled plates of the real training scenes, as the detector would crop them: real plates of
    every look (Indian, Russian, vanity, dirty, tiny) for the plate head to accept. The scenes carry
    boxes but no texts, so these crops teach "a plate" only (text None: no reading loss). Only the
    training side of the split (npr_train.split) is used; its validation scenes measure the head."""

    def __init__(self, scene_list=None):
        sc = real_scenes() if scene_list is None else scene_list
        self.items = [(s["image"], q) for s in sc for q in s["quads"] if np.linalg.norm(q[1] - q[0]) >= 16]
        print(f"[reader_data] scene plates (no text): {len(self.items)}", flush=True)

    def sample(self, rng):
        img, q = self.items[int(rng.integers(len(self.items)))]
        q = jitter_quad(rng, q)
        if rng.random() < 0.3:
            q = rotate_about(q, rng.normal(0, 2.0))
        return degrade_warp(rng, img, widen_quad(q)), None, IGNORE


class Mixer:
    """Batches: ~60% synthetic, ~40% real (US/BR/AR oversampled), and `neg_frac` not-plates."""

    def __init__(self, seed=0, real_frac=0.4, real=None, neg_frac=0.0, hard_negatives=None, text_negatives=0.0,
                 real_mix=None, scene_plates=0.0):
        self.rng = np.random.default_rng(seed)
        self.real = real if real is not None else RealCrops()
        self.real_frac = real_frac if any(self.real.items.values()) else 0.0
        # real BR crops start with "A" 71% of the time: keep their share moderate so that the uniform letters
        # of the synthetic BR plates set the prior
        self.real_mix = [("us", 0.5), ("br", 0.35), ("ar", 0.15)] if real_mix is None else list(real_mix.items())
        unknown = [k for k, _ in self.real_mix if k not in self.real.items]
        if unknown:
            raise ValueError(f"real_mix: no real crops of region(s) {unknown}; there are {list(self.real.items)}")
        self.real_mix = [(k, p) for k, p in self.real_mix if p > 0 and self.real.items[k]]
        self.neg_frac = neg_frac
        # both draw on the real scenes: load them (a few hundred photos) once
        scene_list = real_scenes() if neg_frac > 0 or scene_plates > 0 else []
        self.negatives = NotPlates(hard_negatives, text_negatives, scene_list) if neg_frac > 0 else None
        self.scene_plates = ScenePlates(scene_list) if scene_plates > 0 else None
        self.scene_frac = scene_plates if self.scene_plates is not None and self.scene_plates.items else 0.0

    def one(self):
        """(crop, text, region): text "" for a not-plate, None for a plate of unknown text."""
        rng = self.rng
        if self.negatives is not None and rng.random() < self.neg_frac:
            return self.negatives.sample(rng)
        if self.scene_frac and rng.random() < self.scene_frac:
            return self.scene_plates.sample(rng)
        if rng.random() < self.real_frac:
            ks = [k for k, _ in self.real_mix]
            ps = np.array([p for _, p in self.real_mix])
            return self.real.sample(rng, ks[rng.choice(len(ks), p=ps / ps.sum())])
        return synth_sample(rng)

    def batch(self, n):
        xs, texts, regs = [], [], []
        for _ in range(n):
            c, t, r = self.one()
            xs.append(c)
            texts.append(t)
            regs.append(r)
        return np.stack(xs), texts, np.array(regs, np.int64)
