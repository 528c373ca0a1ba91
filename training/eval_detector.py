"""Detector validation on the dev photos, exactly as at inference (long side 640, padded to /32).

    /usr/bin/python3 eval_detector.py [--model ../models/detector.pt] [--overlay ID_OR_INDEX --out x.png]

Prints detection recall at IoU >= 0.3 per region and false plates per image on the photos whose labels
are complete. The dev photos are for validation only: never train on them.
"""
import argparse
import json
import os
import sys
import time

import cv2
import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from npr_train.models import CORNER_UNIT, DETECTOR_STRIDE, Detector  # noqa: E402
from npr_train.scenes import SHARED  # noqa: E402

DEV = os.path.join(SHARED, "data", "plates")
SIZE = 640
REGIONS = ["gb", "eu", "us", "br"]


def prepare(img_rgb, size=SIZE):
    """RGB uint8 photo -> (uint8 padded 3xHxW array, scale), as the runtime does."""
    h, w = img_rgb.shape[:2]
    s = size / max(h, w)
    nh, nw = max(1, round(h * s)), max(1, round(w * s))
    r = cv2.resize(img_rgb, (nw, nh), interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR)
    ph, pw = (nh + 31) // 32 * 32, (nw + 31) // 32 * 32
    out = np.zeros((ph, pw, 3), np.uint8)
    out[:nh, :nw] = r
    return np.ascontiguousarray(out.transpose(2, 0, 1)), s


def load_dev(path=DEV):
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


def iou(a, b):
    """IoU of boxes a (N,4) and b (M,4)."""
    if len(a) == 0 or len(b) == 0:
        return np.zeros((len(a), len(b)), np.float32)
    x0 = np.maximum(a[:, None, 0], b[None, :, 0]); y0 = np.maximum(a[:, None, 1], b[None, :, 1])
    x1 = np.minimum(a[:, None, 2], b[None, :, 2]); y1 = np.minimum(a[:, None, 3], b[None, :, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    aa = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1]); bb = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    return inter / np.maximum(aa[:, None] + bb[None, :] - inter, 1e-6)


def decode(heat, geom, scale, thr=0.3, nms_iou=0.3):
    """heat (1,1,h,w), geom (1,10,h,w) tensors -> boxes (N,4) in original pixels, scores, quads (N,4,2)."""
    peaks = (heat == F.max_pool2d(heat, 3, 1, 1)) & (heat > thr)
    ys, xs = torch.nonzero(peaks[0, 0], as_tuple=True)
    if len(ys) == 0:
        return np.zeros((0, 4), np.float32), np.zeros(0, np.float32), np.zeros((0, 4, 2), np.float32)
    scores = heat[0, 0, ys, xs].numpy()
    g = geom[0, :, ys, xs].numpy().T  # N,10
    cx = (xs.numpy() + g[:, 0]) * DETECTOR_STRIDE
    cy = (ys.numpy() + g[:, 1]) * DETECTOR_STRIDE
    quads = np.stack([cx, cy], 1)[:, None, :] + g[:, 2:].reshape(-1, 4, 2) * CORNER_UNIT
    quads = quads / scale
    boxes = np.concatenate([quads.min(1), quads.max(1)], 1)
    order = np.argsort(-scores)
    keep = []
    for i in order:
        if all(iou(boxes[i:i + 1], boxes[j:j + 1])[0, 0] < nms_iou for j in keep):
            keep.append(i)
    return boxes[keep], scores[keep], quads[keep]


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


def load_model(path):
    m = Detector()
    sd = torch.load(path, map_location="cpu")
    if "model" in sd:
        sd = sd["model"]
    m.load_state_dict({k: (v.float() if v.is_floating_point() else v) for k, v in sd.items()})
    return m.eval()


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
    ap.add_argument("--model", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "models", "detector.pt"))
    ap.add_argument("--thr", type=float, default=0.3)
    ap.add_argument("--overlay", help="dev image id or index: write a heatmap overlay")
    ap.add_argument("--out", default="/tmp/detector_overlay.png")
    args = ap.parse_args()
    torch.set_num_threads(1)
    model = load_model(args.model)
    if args.overlay is not None:
        recs = [json.loads(l) for l in open(os.path.join(DEV, "dev.jsonl"))]
        r = recs[int(args.overlay)] if args.overlay.isdigit() else next(x for x in recs if x["id"] == args.overlay)
        boxes, scores = overlay(model, os.path.join(DEV, r["file"]), args.out, args.thr)
        print(r["id"], "labels", [p["box"] for p in r["plates"]], "detections", boxes.round(0).tolist(), scores.round(2).tolist())
        return
    items = load_dev()
    res = validate(model, items, args.thr)
    print(table(res))
    print(json.dumps(res))


if __name__ == "__main__":
    main()
