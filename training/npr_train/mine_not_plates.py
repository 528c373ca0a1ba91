"""Hard not-plates for the reader: where the committed detector fires on things that are not plates.

    /usr/bin/python3 -m npr_train.mine_not_plates [--detector ../models/detector.pt] [--reader ../models/reader.pt]
                                                  [--backgrounds 1500] [--out runs/not-plates.jsonl]
    /usr/bin/python3 -m npr_train.mine_not_plates --side val      # -> runs/not-plates-val.jsonl

The detector's false plates on real photos (badges, grilles, lamps, window corners, sign lettering) are
what the reader must learn to read as "nothing here": random patches (reader_data.NotPlates) are too
easy. This runs the detector, as at inference (long side 640 and 800, padded to /32), over

- the real training scenes (the split's training side) with their labelled plates smeared out
  (scenes.load_scenes, "erased"; a row's "scene" is an index into that list), and
- procedural cluttered backgrounds (scenes.procedural_background, regenerated from their seed),

and keeps detections scoring >= --threshold that lie away from every labelled plate. The Kaggle scenes'
labels are incomplete, so a detection that the current reader reads fluently (>= 4 characters, every
character at >= 0.8) may be an unlabelled real plate and is left out. Output: one JSON line per
not-plate with its source (scene index or background seed), its quad in that image's pixels and the
detector's score. Training reads it with `python -m npr_train.reader train --hard-negatives FILE`.
Nothing here touches the dev photos, and by default not the held-back scenes: `--side val` mines those
instead (and backgrounds of other seeds, from VAL_BACKGROUND_SEED on), for `reader eval`'s count of
the not-plates a reader's plate head lets through (reader_val.load_not_plates); never train on that file.
"""
import argparse
import json
import os
import time

import numpy as np
import torch

from . import reader_data, scenes
from .detect import decode, iou, load_detector, prepare
from .reader_eval import emitted
from .reader_io import reader_from

TRAINING = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VAL_BACKGROUND_SEED = 1_000_000  # held-back backgrounds: seeds no training file uses


def detections(detector, img, sizes, thr):
    """Quads (N,4,2) and scores of `img` at each detector size, in `img` pixels, overlapping ones merged."""
    quads, scores = [], []
    for size in sizes:
        x, s = prepare(img, size)
        with torch.no_grad():
            heat, geom = detector(torch.from_numpy(x)[None].float() / 255)
        _, sc, q = decode(heat, geom, s, thr=thr)
        quads.extend(q)
        scores.extend(sc)
    boxes = np.array([np.concatenate([q.min(0), q.max(0)]) for q in quads], np.float32).reshape(-1, 4)
    kept = []
    for i in np.argsort(-np.array(scores)):
        if not kept or iou(boxes[i:i + 1], boxes[kept]).max() < 0.3:
            kept.append(i)
    return [(quads[i], float(scores[i])) for i in kept]


def touches(q, labelled):
    """Whether quad q overlaps any labelled plate (expanded 1.3 x 1.6, as NotPlates keeps away)."""
    box = np.concatenate([q.min(0), q.max(0)])
    for lq in labelled:
        e = scenes._expand_quad(lq, 1.3, 1.6)
        lb = np.concatenate([e.min(0), e.max(0)])
        if box[0] < lb[2] and box[2] > lb[0] and box[1] < lb[3] and box[3] > lb[1]:
            return True
    return False


def fluent(reader, img, q):
    """The current reader reads the crop like a plate (>= 4 characters, each at >= 0.8)."""
    crop = reader_data.warp_quad(img, reader_data.widen_quad(q))
    x = torch.from_numpy(crop.astype(np.float32) / 255).permute(2, 0, 1)[None]
    with torch.no_grad():
        logits = reader(x)[0]
    chars, probs = emitted(logits)[0]
    return len(chars) >= 4 and min(probs) >= 0.8, "".join(chars)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--detector", default=os.path.join(TRAINING, "..", "models", "detector.pt"))
    ap.add_argument("--reader", default=os.path.join(TRAINING, "..", "models", "reader.pt"))
    ap.add_argument("--side", choices=["train", "val"], default="train",
                    help="the split's side to mine (val: held back, only to measure a plate head)")
    ap.add_argument("--backgrounds", type=int, default=None, help="procedural backgrounds (default 1500, val 300)")
    ap.add_argument("--threshold", type=float, default=0.2, help="detector score kept (runtime: 0.3)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", default=None, help="default runs/not-plates.jsonl (val: runs/not-plates-val.jsonl)")
    args = ap.parse_args()
    val = args.side == "val"
    if args.out is None:
        args.out = os.path.join(TRAINING, "runs", "not-plates-val.jsonl" if val else "not-plates.jsonl")
    n_backgrounds = args.backgrounds if args.backgrounds is not None else (300 if val else 1500)
    first_seed = VAL_BACKGROUND_SEED if val else 0
    torch.set_num_threads(args.threads)
    detector = load_detector(args.detector)
    reader = reader_from(args.reader).eval()
    scene_list = scenes.load_scenes(side=args.side)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    kept = skipped = 0
    t0 = time.time()
    with open(args.out, "w") as out:
        for i, sc in enumerate(scene_list):
            img = sc["erased"]
            for q, score in detections(detector, img, (640, 800), args.threshold):
                if touches(q, sc["quads"]):
                    continue
                real, text = fluent(reader, img, q)
                if real:
                    skipped += 1
                    continue
                out.write(json.dumps({"scene": i, "quad": q.round(1).tolist(), "score": round(score, 3), "read": text}) + "\n")
                kept += 1
            if (i + 1) % 50 == 0:
                print(f"scenes {i + 1}/{len(scene_list)}: {kept} not-plates, {skipped} left out as possible plates "
                      f"({time.time() - t0:.0f} s)", flush=True)
        for seed in range(first_seed, first_seed + n_backgrounds):
            img = scenes.seeded_background(seed, scene_list)
            # drawn at the detector's working scale already: read as is
            for q, score in detections(detector, img, (max(img.shape[:2]),), args.threshold):
                out.write(json.dumps({"background": seed, "quad": q.round(1).tolist(), "score": round(score, 3)}) + "\n")
                kept += 1
            if (seed - first_seed + 1) % 250 == 0:
                print(f"backgrounds {seed - first_seed + 1}/{n_backgrounds}: {kept} not-plates ({time.time() - t0:.0f} s)", flush=True)
    print(f"wrote {kept} not-plates to {args.out} ({skipped} possible real plates left out) in {time.time() - t0:.0f} s")


if __name__ == "__main__":
    main()
