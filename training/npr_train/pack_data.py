"""A smaller copy of the training data for a machine that lacks ../shared (a GPU box reached by copying
the working tree, with a size limit): the same manifests and files, each image no larger than training
uses it (scenes: long side CACHE_LONG_SIDE, as load_scenes caches them; plate crops: RealCrops' 96 px
height, with a margin), labels rescaled with it. Fonts are copied as they are.

    /usr/bin/python3 -m npr_train.pack_data --out ../gpu-data          # then NPR_SHARED=../gpu-data
"""
import argparse
import json
import os
import shutil

import cv2

from .scenes import CACHE_LONG_SIDE, SHARED


def _save(img, path, quality):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    cv2.imwrite(path, img, [cv2.IMWRITE_JPEG_QUALITY, quality])


def pack_scenes(src, dst):
    out = []
    for line in open(os.path.join(src, "manifest.jsonl")):
        r = json.loads(line)
        img = cv2.imread(os.path.join(src, r["file"]), cv2.IMREAD_COLOR)
        s = min(1.0, CACHE_LONG_SIDE / max(img.shape[:2]))
        if s < 1.0:
            img = cv2.resize(img, None, fx=s, fy=s, interpolation=cv2.INTER_AREA)
        r["file"] = os.path.splitext(r["file"])[0] + ".jpg"
        _save(img, os.path.join(dst, r["file"]), 75)
        r["width"], r["height"] = img.shape[1], img.shape[0]
        for p in r["plates"]:
            b = p["box"]
            p["box"] = {k: b[k] * s for k in ("x", "y", "width", "height")}
            if p.get("corners"):
                p["corners"] = [[x * s, y * s] for x, y in p["corners"]]
        out.append(r)
    with open(os.path.join(dst, "manifest.jsonl"), "w") as f:
        f.writelines(json.dumps(r) + "\n" for r in out)


def pack_ocr(src, dst, max_h=128):
    os.makedirs(dst, exist_ok=True)
    for name in ("manifest.jsonl", "chars-manifest.jsonl"):
        rows = []
        for line in open(os.path.join(src, name)):
            r = json.loads(line)
            img = cv2.imread(os.path.join(src, r["file"]), cv2.IMREAD_UNCHANGED)
            if r.get("kind") == "plate" and img.shape[0] > max_h:
                img = cv2.resize(img, (int(img.shape[1] * max_h / img.shape[0]), max_h), interpolation=cv2.INTER_AREA)
            if r["file"].endswith(".png"):
                os.makedirs(os.path.dirname(os.path.join(dst, r["file"])), exist_ok=True)
                cv2.imwrite(os.path.join(dst, r["file"]), img)
            else:
                _save(img, os.path.join(dst, r["file"]), 88)
            r["width"], r["height"] = img.shape[1], img.shape[0]
            rows.append(r)
        with open(os.path.join(dst, name), "w") as f:
            f.writelines(json.dumps(r) + "\n" for r in rows)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    real = os.path.join(SHARED, "data", "train-real")
    pack_scenes(os.path.join(real, "scenes"), os.path.join(args.out, "data", "train-real", "scenes"))
    pack_ocr(os.path.join(real, "ocr"), os.path.join(args.out, "data", "train-real", "ocr"))
    fonts = os.path.join(SHARED, "data", "fonts")
    if os.path.isdir(fonts):
        shutil.copytree(fonts, os.path.join(args.out, "data", "fonts"), dirs_exist_ok=True)
    shutil.copy2(os.path.join(real, "README.md"), os.path.join(args.out, "data", "train-real", "README.md"))
    total = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(args.out) for f in fs)
    print(f"wrote {args.out}: {total / 2 ** 20:.1f} MiB")


if __name__ == "__main__":
    main()
