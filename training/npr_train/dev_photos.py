"""The dev photos (shared/data/plates): the integrator's check of a candidate about to be committed,
run once per candidate and reported in the model card. Nothing in training selects or shapes anything
on them: training validates on the split carved from the training data (npr_train.split).

    /usr/bin/python3 -m npr_train.detector eval --dev [--model ../models/detector.pt]
    /usr/bin/python3 -m npr_train.reader eval --dev [--model ../models/reader.pt]
    /usr/bin/python3 -m npr_train.dev_photos --overlay ID_OR_INDEX --out x.png   # one photo's heatmap and quads
"""
import argparse
import json
import os
import time

import cv2
import numpy as np
import torch

from .detect import decode, iou, load_detector, prepare
from .reader_data import quad_aspect, split_quad, warp_quad, widen_quad
from .scenes import SHARED

DEV = os.path.join(SHARED, "data", "plates")
REGIONS = ["gb", "eu", "us", "br"]


def load_detector_dev(path=DEV):
    items = []
    with open(os.path.join(path, "dev.jsonl")) as f:
        for line in f:
            r = json.loads(line)
            img = cv2.imread(os.path.join(path, r["file"]), cv2.IMREAD_COLOR)
            if img is None:
                continue
            x, s = prepare(cv2.cvtColor(img, cv2.COLOR_BGR2RGB))
            boxes = [[p["box"]["x"], p["box"]["y"], p["box"]["x"] + p["box"]["width"], p["box"]["y"] + p["box"]["height"]]
                     for p in r["plates"]]
            items.append(dict(id=r["id"], region=r["region"], complete=bool(r.get("labels_complete")), x=x, scale=s,
                              boxes=np.array(boxes, np.float32).reshape(-1, 4)))
    return items


THRESHOLDS = (0.3, 0.4, 0.5)


def _score(dets, items, thr, iou_thr):
    per = {r: [0, 0] for r in REGIONS}  # found, total
    fp, n_complete, ious = 0, 0, []
    for it, (boxes, scores) in zip(items, dets):
        keep = scores >= thr
        boxes, scores = boxes[keep], scores[keep]
        m = iou(it["boxes"], boxes)
        for i in range(len(it["boxes"])):
            hit = m.shape[1] > 0 and m[i].max() >= iou_thr
            per[it["region"]][0] += int(hit)
            per[it["region"]][1] += 1
            if hit:
                ious.append(float(m[i].max()))
        if it["complete"]:
            n_complete += 1
            used = set()
            for j in np.argsort(-scores):  # one detection per labelled plate; the rest are false
                cands = [i for i in range(len(it["boxes"])) if i not in used and m[i, j] >= iou_thr]
                if cands:
                    used.add(cands[0])
                else:
                    fp += 1
    rec = {r: per[r][0] / max(1, per[r][1]) for r in REGIONS}
    found, total = sum(v[0] for v in per.values()), sum(v[1] for v in per.values())
    res = dict(thr=thr, recall=rec, recall_all=found / max(1, total), macro=float(np.mean(list(rec.values()))),
               fp_per_img=fp / max(1, n_complete), mean_iou=float(np.mean(ious)) if ious else 0.0)
    res["score"] = res["macro"] - 0.5 * res["fp_per_img"]
    return res


@torch.no_grad()
def validate(model, items, thr=0.3, iou_thr=0.3, thresholds=THRESHOLDS):
    """Scores at `thr` (top level) and at each of `thresholds` (res['by_thr']); res['best_score'] is the best
    score over those thresholds (the runtime chooses its own threshold), used for model selection."""
    model.eval()
    t0 = time.time()
    lo = min((thr,) + tuple(thresholds))
    dets = []
    for it in items:
        x = torch.from_numpy(it["x"]).float().div_(255).unsqueeze(0)
        heat, geom = model(x)
        boxes, scores, _ = decode(heat, geom, it["scale"], lo)
        dets.append((boxes, scores))
    res = _score(dets, items, thr, iou_thr)
    res["by_thr"] = [_score(dets, items, t, iou_thr) for t in thresholds]
    res["best_score"] = max([res["score"]] + [r["score"] for r in res["by_thr"]])
    res["seconds"] = time.time() - t0
    return res


def table(res):
    head = "thr   " + "  ".join(f"{k:>6}" for k in REGIONS) + "     all   macro  FP/img(gb)  meanIoU  score"
    lines = [head]
    for r in [res] + [x for x in res.get("by_thr", []) if x["thr"] != res["thr"]]:
        rec = r["recall"]
        lines.append(f"{r['thr']:.2f}  " + "  ".join(f"{rec[k]:6.3f}" for k in REGIONS) +
                     f"  {r['recall_all']:6.3f}  {r['macro']:6.3f}  {r['fp_per_img']:10.3f}  {r['mean_iou']:7.3f}  {r['score']:.3f}")
    lines.append("(recall at IoU >= 0.3 per region; FP/img on the photos whose labels are complete; "
                 f"best score {res.get('best_score', res['score']):.3f})")
    return "\n".join(lines)


def detector_table(model):
    return table(validate(model, load_detector_dev()))


def load_reader_dev(manifest=os.path.join(DEV, "dev.jsonl")):
    """Crops of the labelled dev plates, made as the runtime would from a box-shaped quad.
    Returns a list of dict(region, text, crops={"one": 1x crop, "two": 2 crops or None})."""
    out = []
    if not os.path.exists(manifest):
        print(f"[reader_data] no dev manifest at {manifest}", flush=True)
        return out
    base = os.path.dirname(manifest)
    for line in open(manifest):
        r = json.loads(line)
        img = None
        for p in r["plates"]:
            if p.get("uncertain"):
                continue
            if img is None:
                img = cv2.imread(os.path.join(base, r["file"]), cv2.IMREAD_COLOR)
                if img is None:
                    break
                img = img[..., ::-1]
            b = p["box"]
            q = np.array([[b["x"], b["y"]], [b["x"] + b["width"], b["y"]], [b["x"] + b["width"], b["y"] + b["height"]],
                          [b["x"], b["y"] + b["height"]]], np.float32)
            wq = widen_quad(q)
            one = warp_quad(img, wq)
            two = None
            if quad_aspect(q) < 2.5:
                two = np.stack([warp_quad(img, h) for h in split_quad(wq)])
            out.append(dict(region=r["region"], text=p["text"].upper(), one=one, two=two))
    return out


def overlay(model, path, out, thr=0.3):
    img = cv2.cvtColor(cv2.imread(path), cv2.COLOR_BGR2RGB)
    x, s = prepare(img)
    with torch.no_grad():
        heat, geom = model(torch.from_numpy(x).float().div(255).unsqueeze(0))
    boxes, scores, quads = decode(heat, geom, s, thr)
    vis = x.transpose(1, 2, 0).copy()
    hm = cv2.resize(heat[0, 0].numpy(), (vis.shape[1], vis.shape[0]), interpolation=cv2.INTER_NEAREST)
    vis = np.clip(vis * 0.6 + hm[..., None] * np.array([255, 60, 0]) * 0.7, 0, 255).astype(np.uint8)
    for q, sc in zip(quads, scores):
        cv2.polylines(vis, [np.round(q * s).astype(np.int32)], True, (0, 255, 0), 1)
        cv2.putText(vis, f"{sc:.2f}", tuple(int(v) for v in q[0] * s), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (255, 255, 0), 1)
    cv2.imwrite(out, cv2.cvtColor(vis, cv2.COLOR_RGB2BGR))
    return boxes, scores


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "models", "detector.pt"))
    ap.add_argument("--thr", type=float, default=0.3)
    ap.add_argument("--overlay", required=True, help="dev image id or index: write a heatmap overlay")
    ap.add_argument("--out", default="/tmp/detector_overlay.png")
    args = ap.parse_args()
    model = load_detector(args.model)
    recs = [json.loads(line) for line in open(os.path.join(DEV, "dev.jsonl"))]
    r = recs[int(args.overlay)] if args.overlay.isdigit() else next(x for x in recs if x["id"] == args.overlay)
    boxes, scores = overlay(model, os.path.join(DEV, r["file"]), args.out, args.thr)
    print(r["id"], "labels", [p["box"] for p in r["plates"]], "detections", boxes.round(0).tolist(), scores.round(2).tolist())


if __name__ == "__main__":
    main()
