"""Contact sheets for eyeballing the reader's training data.

    /usr/bin/python3 -m npr_train.reader_samples        # /tmp/reader_samples.png (48 training crops as the reader sees them)
    /usr/bin/python3 -m npr_train.reader_samples --raw /tmp/raw_plates.png --seed 3   # also raw renders of every region
"""
import argparse

import cv2
import numpy as np

from .models import REGIONS
from .plates import render_plate
from .reader_data import Mixer


def label(im, text):
    im = cv2.copyMakeBorder(im, 0, 14, 0, 4, cv2.BORDER_CONSTANT, value=(255, 255, 255))
    cv2.putText(im, text, (2, im.shape[0] - 3), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (0, 0, 0), 1)
    return im


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="/tmp/reader_samples.png")
    ap.add_argument("--raw", help="also write a sheet of raw renders (two per region) here")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--n", type=int, default=48)
    a = ap.parse_args()
    x, texts, regs = Mixer(seed=a.seed).batch(a.n)
    tiles = [label(cv2.resize(x[i], (256, 64), interpolation=cv2.INTER_NEAREST),
                   f"{texts[i] or '(blank)'} {REGIONS[regs[i]] if regs[i] >= 0 else '-'}") for i in range(a.n)]
    rows = [np.hstack(tiles[i:i + 6] + [np.full_like(tiles[0], 255)] * (6 - len(tiles[i:i + 6])))
            for i in range(0, a.n, 6)]
    cv2.imwrite(a.out, cv2.cvtColor(np.vstack(rows), cv2.COLOR_RGB2BGR))
    print("wrote", a.out)
    if a.raw:
        rng = np.random.default_rng(a.seed)
        tiles = []
        for r in REGIONS:
            for _ in range(2):
                p = render_plate(rng, r)
                im = p["image"].copy()
                cv2.polylines(im, [p["corners"].round().astype(np.int32)], True, (255, 0, 255), 1)
                w = int(im.shape[1] * 100 / im.shape[0])
                im = cv2.resize(im, (w, 100))
                im = cv2.copyMakeBorder(im, 0, 0, 0, max(0, 420 - w), cv2.BORDER_CONSTANT, value=(255, 255, 255))[:, :420]
                tiles.append(label(im, f"{p['text']} {p['region']} lines={p['lines']}"))
        rows = [np.hstack(tiles[i:i + 4]) for i in range(0, len(tiles), 4)]
        cv2.imwrite(a.raw, cv2.cvtColor(np.vstack(rows), cv2.COLOR_RGB2BGR))
        print("wrote", a.raw)


if __name__ == "__main__":
    main()
