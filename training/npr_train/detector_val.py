"""Detector validation on the split held back from the training data (npr_train.split), never on the
dev photos. Two sets, both fixed:

- real: the held-back real scenes (Kaggle, CCPD, Romanian dashcam), run as the runtime runs the detector
  (long side 640, padded to /32, threshold RUNTIME_THRESHOLD);
- synthetic: SYNTH_N procedural scenes (seed SYNTH_SEED) with plates rendered or cut from the held-back
  OCR crops on backgrounds from the held-back scenes; every plate is labelled, with its corners.

Measured per set: recall (a labelled plate matched by a detection at IoU >= 0.3, one detection each),
false plates per image (synthetic: every unmatched detection; real: detections matching no labelled
plate, an upper bound, as Kaggle and dashcam labels leave plates out), and the quad's quality on the
matched plates, as fractions of the labelled plate's width W:

- corner error (where corners are labelled: CCPD, synthetic): per plate, the mean distance of the four
  predicted corners from the labelled ones / W; mean and 95th percentile over plates;
- edge error (every plate): the predicted quad's bounding box against the labelled box, per side,
  positive where the quad is inside the plate (too tight). Left and right matter most: a too-tight
  side cuts off the first or last character. `lr_p95` is the 95th percentile of |left| and |right|
  pooled, `tight5` the share of plates with a side more than 5% of W inside the plate.
"""
import time

import numpy as np
import torch

from .detect import RUNTIME_THRESHOLD, decode, iou, prepare
from .scenes import SceneGenerator, load_scenes, quad_width

SYNTH_SEED = 20261202
SYNTH_N = 240
IOU_MATCH = 0.3


def _box(q):
    return np.concatenate([q.min(0), q.max(0)]).astype(np.float32)


def load_real():
    """The held-back real scenes, prepared as the runtime prepares a photo."""
    out = []
    for sc in load_scenes(side="val"):
        x, s = prepare(sc["image"])
        out.append(dict(x=x, scale=s, quads=sc["quads"], corners=sc["corners"], source=sc["source"], ignored=[],
                        file=sc["file"]))
    return out


def make_synthetic(n=SYNTH_N, seed=SYNTH_SEED, scenes=None):
    """The seeded synthetic set: the same images and labels every time (the held-back sources only)."""
    gen = SceneGenerator(p_real=0.0, p_replace=0.0, side="val", scenes=scenes)
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        d = gen.make_sample(rng)
        out.append(dict(x=np.ascontiguousarray(d["image"].transpose(2, 0, 1)), scale=1.0, quads=d["quads"],
                        corners=[True] * len(d["quads"]), source="synthetic", ignored=d["ignored"]))
    return out


def load_sets():
    """{'real': [...], 'synthetic': [...]} (about 20 s)."""
    real = load_real()
    return dict(real=real, synthetic=make_synthetic())


def _match(item, boxes, scores, quads):
    """Greedy one-to-one matching by score; returns rows for matched plates and the false-plate count."""
    gt = [np.asarray(q, np.float32) for q in item["quads"]]
    gb = np.array([_box(q) for q in gt], np.float32).reshape(-1, 4)
    m = iou(gb, boxes)
    used, rows, fp = set(), [], 0
    ign = np.array([_box(q) for q in item["ignored"]], np.float32).reshape(-1, 4)
    for j in np.argsort(-scores):
        cands = [i for i in range(len(gt)) if i not in used and m[i, j] >= IOU_MATCH]
        if not cands:
            if len(ign) == 0 or iou(boxes[j:j + 1], ign).max() < IOU_MATCH:
                fp += 1
            continue
        i = max(cands, key=lambda i: m[i, j])
        used.add(i)
        g, p = gt[i], quads[j]
        w = max(1.0, float(quad_width(g)))
        pb, gbx = _box(p), gb[i]
        row = dict(width=w, iou=float(m[i, j]), source=item["source"],
                   left=(pb[0] - gbx[0]) / w, right=(gbx[2] - pb[2]) / w,
                   top=(pb[1] - gbx[1]) / w, bottom=(gbx[3] - pb[3]) / w)
        if item["corners"][i]:
            row["corner"] = float(np.linalg.norm(p - g, axis=1).mean() / w)
        rows.append(row)
    return rows, fp, len(gt)


def _summary(rows, fp, n_plates, n_images):
    corner = np.array([r["corner"] for r in rows if "corner" in r])
    lr = np.abs(np.array([v for r in rows for v in (r["left"], r["right"])]))
    tb = np.abs(np.array([v for r in rows for v in (r["top"], r["bottom"])]))
    tight = np.array([max(r["left"], r["right"]) > 0.05 for r in rows])
    pct = lambda a, q: float(np.percentile(a, q)) if len(a) else float("nan")  # noqa: E731
    return dict(images=n_images, plates=n_plates, recall=len(rows) / max(1, n_plates), fp_per_img=fp / max(1, n_images),
                mean_iou=float(np.mean([r["iou"] for r in rows])) if rows else 0.0,
                corner_n=int(len(corner)), corner_mean=float(corner.mean()) if len(corner) else float("nan"),
                corner_p95=pct(corner, 95), lr_mean=float(lr.mean()) if len(lr) else float("nan"), lr_p95=pct(lr, 95),
                tb_mean=float(tb.mean()) if len(tb) else float("nan"), tight5=float(tight.mean()) if len(tight) else 0.0)


@torch.no_grad()
def evaluate(model, sets, thr=RUNTIME_THRESHOLD):
    """Figures per set and per real source (kaggle, ccpd, ro); see the module docstring."""
    model.eval()
    t0 = time.time()
    res = {}
    for name, items in sets.items():
        groups = {}
        for it in items:
            heat, geom = model(torch.from_numpy(it["x"]).float().div_(255).unsqueeze(0))
            boxes, scores, quads = decode(heat, geom, it["scale"], thr)
            rows, fp, n = _match(it, boxes, scores, quads)
            for key in (name, f"{name}/{it['source']}") if name == "real" else (name,):
                g = groups.setdefault(key, [[], 0, 0, 0])
                g[0] += rows; g[1] += fp; g[2] += n; g[3] += 1
        for key, (rows, fp, n, k) in groups.items():
            res[key] = _summary(rows, fp, n, k)
    res["seconds"] = time.time() - t0
    res["thr"] = thr
    return res


def table(res):
    head = (f"{'set':<16}{'images':>7}{'plates':>7}{'recall':>8}{'FP/img':>8}{'IoU':>7}"
            f"{'corner n':>9}{'mean':>7}{'p95':>7}{'L/R mean':>9}{'p95':>7}{'tight>5%':>9}{'T/B mean':>9}")
    lines = [head]
    for key in ["synthetic", "real", "real/kaggle", "real/ro", "real/ccpd"]:
        if key not in res:
            continue
        r = res[key]
        f = lambda v: "   -  " if v != v else f"{v:6.3f}"  # noqa: E731
        lines.append(f"{key:<16}{r['images']:>7}{r['plates']:>7}{r['recall']:8.3f}{r['fp_per_img']:8.3f}{r['mean_iou']:7.3f}"
                     f"{r['corner_n']:>9} {f(r['corner_mean'])} {f(r['corner_p95'])}  {f(r['lr_mean'])} {f(r['lr_p95'])}"
                     f"  {r['tight5']:7.3f}  {f(r['tb_mean'])}")
    lines.append(f"(threshold {res['thr']}; errors as fractions of the plate's width; real FP/img counts detections on "
                 "unlabelled plates too)")
    return "\n".join(lines)


def selection_score(res):
    """Lower is better: the synthetic corner p95 plus the real scenes' left/right edge p95."""
    return res["synthetic"]["corner_p95"] + res["real"]["lr_p95"]


def acceptable(res, before, recall_slack=0.0, fp_slack=0.02):
    """The selection rule's guard: recall on each set not below `before`'s (less `recall_slack`), and false
    plates per image not above `before`'s plus `fp_slack` (synthetic) or 10% plus `fp_slack` (real)."""
    return (res["real"]["recall"] >= before["real"]["recall"] - recall_slack
            and res["synthetic"]["recall"] >= before["synthetic"]["recall"] - recall_slack
            and res["synthetic"]["fp_per_img"] <= before["synthetic"]["fp_per_img"] + fp_slack
            and res["real"]["fp_per_img"] <= before["real"]["fp_per_img"] * 1.1 + fp_slack)
