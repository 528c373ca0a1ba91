"""A fixed, seeded set of whole validation photos for the end-to-end recogniser, made from training material.

Decoder constants and runtime rules are chosen on these, never on the dev photos. Each photo is a real
scene held back by the validation split (`npr_train.split.scene_side`) with its labelled plates smeared
out, resized to 1280 px wide, carrying 1..3 plates of one region: rendered by
`npr_train.plates.render_plate` (gb, European countries, us, br) or, for a share of the us/br photos,
real crops from shared/data/train-real/ocr held back by their text (`split.crop_side`), with that text. Plates get the detector's training perspective, lighting and degradations
(`scenes.random_quad`, `scenes.paste_plate`), the whole photo its photometric jitter and JPEG.

Written as images plus a manifest in the evaluator's format (shared/eval/README.md), so that

    /usr/bin/python3 -m npr_train.val_photos --out /tmp/npr-val --n 300
    node ../shared/eval/evaluate.mjs --manifest /tmp/npr-val/manifest.jsonl --cmd "pnpm --silent npr recognise --jsonl"

scores the runtime on them. Same seed, same photos. `labels_complete` is false: the scenes hold
unlabelled real plates, so false plates are not counted.
"""
import argparse
import json
import math
import os

import cv2
import numpy as np

from . import plates
from .split import crop_side, scene_side
from .scenes import TRAIN_REAL, SceneGenerator, erase_plates, paste_plate, random_quad

WIDTH = 1280
# photo regions and their shares (the product's users: UK first, then the rest of Europe, US, Brazil)
REGION_SHARES = {"gb": 0.25, "eu": 0.25, "us": 0.3, "br": 0.2}
EUROPE = ["de", "fr", "nl", "pl", "sk", "cz", "it", "es", "eu"]
# share of the us/br photos whose plates are real crops rather than rendered ones
REAL_CROP_SHARE = 0.35


def _backgrounds(root):
    """Every held-back real scene as a plain background: (RGB image, its labelled quads smeared out)."""
    out = []
    with open(os.path.join(root, "scenes", "manifest.jsonl")) as f:
        for line in f:
            r = json.loads(line)
            if r["width"] < 600 or scene_side(r["file"]) != "val":  # small ones would look blown up at 1280 px
                continue
            img = cv2.imread(os.path.join(root, "scenes", r["file"]), cv2.IMREAD_COLOR)
            if img is None:
                continue
            img = cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
            quads = []
            for p in r["plates"]:
                b = p["box"]
                x0, y0, x1, y1 = b["x"], b["y"], b["x"] + b["width"], b["y"] + b["height"]
                quads.append(np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], np.float32))
            out.append(erase_plates(img, quads))
    return out


def _labelled_crops(root):
    """Held-back real US and BR crops with their labelled text (one per text), as paste textures by region."""
    by_region, seen = {}, set()
    with open(os.path.join(root, "ocr", "manifest.jsonl")) as f:
        for line in f:
            r = json.loads(line)
            if r["region"] not in ("us", "br") or (r["region"], r["text"]) in seen or crop_side(r["text"]) != "val":
                continue
            img = cv2.imread(os.path.join(root, "ocr", r["file"]), cv2.IMREAD_COLOR)
            if img is None:
                continue
            seen.add((r["region"], r["text"]))
            h, w = img.shape[:2]
            corners = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)  # the crops are tight to the plate
            by_region.setdefault(r["region"], []).append(dict(image=cv2.cvtColor(img, cv2.COLOR_BGR2RGB), corners=corners,
                                                              text=r["text"], region=r["region"]))
    return by_region


def _place(rng, taken, w, h, pw, aspect):
    for _ in range(20):
        cx, cy = rng.uniform(0.1, 0.9) * w, rng.uniform(0.3, 0.92) * h
        box = (cx - pw * 0.7, cy - pw / aspect, cx + pw * 0.7, cy + pw / aspect)
        if all(box[2] < o[0] or box[0] > o[2] or box[3] < o[1] or box[1] > o[3] for o in taken):
            taken.append(box)
            return random_quad(rng, cx, cy, pw, aspect)
    return None


def make_photo(rng, backgrounds, crops):
    region_group = rng.choice(list(REGION_SHARES), p=np.array(list(REGION_SHARES.values())) / sum(REGION_SHARES.values()))
    bg = backgrounds[int(rng.integers(len(backgrounds)))]
    f = WIDTH / bg.shape[1]
    img = cv2.resize(bg, (WIDTH, int(round(bg.shape[0] * f))), interpolation=cv2.INTER_AREA if f < 1 else cv2.INTER_LINEAR)
    if rng.random() < 0.5:
        img = np.ascontiguousarray(img[:, ::-1])
    h, w = img.shape[:2]
    country = str(rng.choice(EUROPE)) if region_group == "eu" else region_group
    use_real = region_group in crops and rng.random() < REAL_CROP_SHARE
    labels, taken = [], []
    for _ in range(int(rng.choice([1, 1, 1, 2, 2, 3]))):
        if use_real:
            tex = crops[region_group][int(rng.integers(len(crops[region_group])))]
            text = tex["text"]
        else:
            tex = plates.render_plate(rng, region=country)
            text = tex["text"]
        c = tex["corners"]
        aspect = max(1.0, np.linalg.norm(c[1] - c[0]) / max(1.0, np.linalg.norm(c[3] - c[0])))
        # plate widths at 1280 px: half small (40..140 px, distant cars), half 100..420 px
        pw = math.exp(rng.uniform(math.log(40), math.log(140))) if rng.random() < 0.5 else math.exp(rng.uniform(math.log(100), math.log(420)))
        q = _place(rng, taken, w, h, pw, aspect)
        if q is None:
            continue
        paste_plate(rng, img, tex, q)
        x0, y0 = np.floor(q.min(0)).astype(int)
        x1, y1 = np.ceil(q.max(0)).astype(int)
        x0, y0, x1, y1 = max(0, x0), max(0, y0), min(w, x1), min(h, y1)
        labels.append(dict(text=text, box=dict(x=int(x0), y=int(y0), width=int(x1 - x0), height=int(y1 - y0)),
                           region=tex.get("region", country), corners=[[round(float(a), 1), round(float(b), 1)] for a, b in q]))
    img = SceneGenerator.photometric(rng, img)
    return img, labels, ("eu" if region_group == "eu" else region_group), country


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--seed", type=int, default=20261202)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    os.makedirs(os.path.join(args.out, "images"), exist_ok=True)
    print("loading scenes and crops ...", flush=True)
    backgrounds = _backgrounds(TRAIN_REAL)
    crops = _labelled_crops(TRAIN_REAL)
    with open(os.path.join(args.out, "manifest.jsonl"), "w") as man:
        for i in range(args.n):
            img, labels, region, country = make_photo(rng, backgrounds, crops)
            name = f"images/val-{i:04d}.jpg"
            cv2.imwrite(os.path.join(args.out, name), cv2.cvtColor(img, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 88])
            man.write(json.dumps(dict(id=f"val-{i:04d}", file=name, region=region, country=country, width=img.shape[1],
                                      height=img.shape[0], labels_complete=False,
                                      plates=[dict(text=l["text"], box=l["box"]) for l in labels])) + "\n")
            if (i + 1) % 25 == 0:
                print(f"{i + 1}/{args.n} photos", flush=True)
    print(f"wrote {args.n} photos and manifest.jsonl to {args.out}")


if __name__ == "__main__":
    main()
