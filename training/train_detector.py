"""Train the plate detector (npr_train.models.Detector) on scene crops from npr_train.scenes.

    cd training && OMP_NUM_THREADS=1 /usr/bin/python3 train_detector.py --until 16:00 [--resume] [--init ../models/detector.pt]
    /usr/bin/python3 train_detector.py --export-only     # models/detector.pt -> models/detector.onnx

CenterNet-style: focal loss on the centre heatmap, L1 on the centre offset and the four corners at the
cells about each centre. AdamW, linear warm-up then cosine decay over the time budget (--until) or
--steps. Checkpoints (model, optimizer, step) every --ckpt-every steps to runs/detector/last.pt.
Every --val-every steps the model is run on the dev photos exactly as at inference; the best by
score (macro recall - 0.5 * false plates per image, best over thresholds 0.3/0.4/0.5) is saved to models/detector.pt (fp16 state_dict)
and exported to models/detector.onnx. Figures go to runs/detector/history.jsonl.
"""
import argparse
import copy
import datetime as dt
import json
import math
import os
import sys
import time

import numpy as np
import torch
from torch.utils.data import DataLoader, IterableDataset, get_worker_info

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from npr_train.models import Detector, export_onnx  # noqa: E402

RUN_DIR = os.path.join(HERE, "runs", "detector")
MODELS = os.path.normpath(os.path.join(HERE, "..", "models"))


class Crops(IterableDataset):
    def __init__(self, seed, crop):
        self.seed, self.crop = seed, crop

    def __iter__(self):
        from npr_train.scenes import SceneGenerator
        torch.set_num_threads(1)
        wi = get_worker_info()
        rng = np.random.default_rng([self.seed, wi.id if wi else 0, int(time.time())])
        gen = SceneGenerator(crop=self.crop)
        while True:
            d = gen.make_sample(rng)
            yield (torch.from_numpy(d["image"].transpose(2, 0, 1).copy()), torch.from_numpy(d["heat"]),
                   torch.from_numpy(d["heat_weight"]), torch.from_numpy(d["geom"]), torch.from_numpy(d["geom_weight"]),
                   torch.tensor([gen.stats["tex_rendered"], gen.stats["tex_crop"]]))


def focal_loss(pred, gt, weight):
    """CenterNet focal loss; pred already through a sigmoid. Normalised by the number of centres."""
    p = pred.clamp(1e-4, 1 - 1e-4)
    pos = gt.ge(0.999).float()
    neg = (1 - pos) * weight
    pos_loss = -(torch.log(p) * (1 - p) ** 2 * pos).sum()
    neg_loss = -(torch.log(1 - p) * p ** 2 * (1 - gt) ** 4 * neg).sum()
    n = pos.sum().clamp(min=1)
    return (pos_loss + neg_loss) / n


def geom_loss(pred, gt, weight):
    w = weight.unsqueeze(1)
    d = (pred - gt).abs() * w
    n = weight.sum().clamp(min=1e-3)
    return d[:, :2].sum() / n, d[:, 2:].sum() / n / 4  # per corner (x+y)


def parse_until(s):
    if not s:
        return None
    now = dt.datetime.now()
    h, m = map(int, s.split(":"))
    t = now.replace(hour=h, minute=m, second=0, microsecond=0)
    if t <= now:
        t += dt.timedelta(days=1)
    return t.timestamp()


def save_best(model, res, step, log):
    os.makedirs(MODELS, exist_ok=True)
    sd = {k: (v.half() if v.is_floating_point() else v) for k, v in model.state_dict().items()}
    torch.save(sd, os.path.join(MODELS, "detector.pt.tmp"))
    os.replace(os.path.join(MODELS, "detector.pt.tmp"), os.path.join(MODELS, "detector.pt"))
    m = copy.deepcopy(model).cpu()
    # export what ships: the fp16-rounded weights
    m.load_state_dict({k: (v.float() if v.is_floating_point() else v) for k, v in sd.items()})
    export_onnx(m, os.path.join(MODELS, "detector.onnx.tmp"), "detector")
    os.replace(os.path.join(MODELS, "detector.onnx.tmp"), os.path.join(MODELS, "detector.onnx"))
    log(f"  saved best (score {res['best_score']:.3f}, step {step}) -> models/detector.pt, models/detector.onnx")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    ap.add_argument("--until", help="HH:MM local time to stop (and end the cosine schedule)")
    ap.add_argument("--steps", type=int, default=0, help="stop after this many steps (0: only --until)")
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--crop", type=int, default=320)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--wd", type=float, default=1e-4)
    ap.add_argument("--warmup", type=int, default=300)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--ckpt-every", type=int, default=200)
    ap.add_argument("--val-every", type=int, default=300)
    ap.add_argument("--resume", action="store_true", help="continue from runs/detector/last.pt")
    ap.add_argument("--init", help="start from these weights (e.g. ../models/detector.pt)")
    ap.add_argument("--no-val", action="store_true")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--export-only", action="store_true",
                    help="only re-export models/detector.onnx from models/detector.pt (after a change to MODEL_IO.md)")
    args = ap.parse_args()
    if args.export_only:
        sd = torch.load(os.path.join(MODELS, "detector.pt"), map_location="cpu")
        m = Detector()
        m.load_state_dict({k: (v.float() if v.is_floating_point() else v) for k, v in sd.items()})
        export_onnx(m, os.path.join(MODELS, "detector.onnx.tmp"), "detector")
        os.replace(os.path.join(MODELS, "detector.onnx.tmp"), os.path.join(MODELS, "detector.onnx"))
        print(f"exported {os.path.join(MODELS, 'detector.onnx')} from detector.pt")
        return

    torch.set_num_threads(args.threads)
    os.makedirs(RUN_DIR, exist_ok=True)
    logf = open(os.path.join(RUN_DIR, "log.txt"), "a")

    def log(msg):
        line = f"{time.strftime('%H:%M:%S')} {msg}"
        print(line, flush=True)
        logf.write(line + "\n")
        logf.flush()

    dev = torch.device(args.device)
    model = Detector().to(dev)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=args.wd)
    step, used_s, best = 0, 0.0, -1e9
    last = os.path.join(RUN_DIR, "last.pt")
    if args.resume and os.path.exists(last):
        ck = torch.load(last, map_location=dev)
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["optimizer"])
        step, used_s, best = ck["step"], ck.get("used_s", 0.0), ck.get("best", -1e9)
        log(f"resumed from {last} at step {step} (best score {best:.3f})")
    elif args.init:
        sd = torch.load(args.init, map_location=dev)
        sd = sd.get("model", sd)
        model.load_state_dict({k: (v.float() if v.is_floating_point() else v) for k, v in sd.items()})
        log(f"initialised from {args.init}")
    end_t = parse_until(args.until)
    log(f"args {vars(args)}; params {sum(p.numel() for p in model.parameters())}")

    items = None
    if not args.no_val:
        from eval_detector import load_dev, table, validate
        t = time.time()
        items = load_dev()
        log(f"dev photos: {len(items)} loaded in {time.time() - t:.1f}s")

    loader = DataLoader(Crops(args.seed + step, args.crop), batch_size=args.batch, num_workers=args.workers,
                        persistent_workers=args.workers > 0, prefetch_factor=4 if args.workers > 0 else 2)
    t_start = time.time()
    used0 = used_s
    t_last, n_last = time.time(), 0
    hist = os.path.join(RUN_DIR, "history.jsonl")
    agg = np.zeros(4)
    model.train()

    def lr_at(step):
        if step < args.warmup:
            return args.lr * (step + 1) / args.warmup
        if end_t is not None:
            spent = used0 + (time.time() - t_start)
            frac = spent / max(1.0, spent + max(0.0, end_t - time.time()))
        elif args.steps:
            frac = step / args.steps
        else:
            frac = 0.0
        return args.lr * (0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * min(1.0, frac))))

    def checkpoint():
        torch.save(dict(model=model.state_dict(), optimizer=opt.state_dict(), step=step,
                        used_s=used0 + time.time() - t_start, best=best), last + ".tmp")
        os.replace(last + ".tmp", last)

    def run_val():
        nonlocal best
        res = validate(model, items)
        model.train()
        log(f"validation at step {step} ({res['seconds']:.1f}s):\n" + table(res))
        with open(hist, "a") as f:
            f.write(json.dumps(dict(step=step, time=time.strftime("%Y-%m-%dT%H:%M:%S"), **res)) + "\n")
        if res["best_score"] > best:
            best = res["best_score"]
            save_best(model, res, step, log)

    for img, heat, hw, geom, gw, texc in loader:
        if (end_t is not None and time.time() >= end_t) or (args.steps and step >= args.steps):
            break
        lr = lr_at(step)
        for g in opt.param_groups:
            g["lr"] = lr
        x = img.to(dev).float().div_(255)
        ph, pg = model(x)
        lh = focal_loss(ph[:, 0], heat.to(dev), hw.to(dev))
        lo, lc = geom_loss(pg, geom.to(dev), gw.to(dev))
        loss = lh + lo + lc
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        opt.step()
        step += 1
        n_last += x.shape[0]
        agg += [loss.item(), lh.item(), lo.item(), lc.item()]
        if step % 25 == 0:
            now = time.time()
            sps = n_last / (now - t_last)
            a = agg / 25
            eta = f"{(end_t - now) / 60:.0f} min left" if end_t else (
                f"ETA {(args.steps - step) * args.batch / sps / 60:.0f} min" if args.steps else "")
            tr, tc = texc[-1].tolist()
            log(f"step {step} loss {a[0]:.3f} (heat {a[1]:.3f} off {a[2]:.3f} corners {a[3]:.3f}) lr {lr:.2e} "
                f"{sps:.1f} samples/s {sps / args.batch:.2f} steps/s {eta} [textures rendered {tr} crops {tc}]")
            agg[:] = 0
            t_last, n_last = now, 0
        if step % args.ckpt_every == 0:
            checkpoint()
        if items is not None and step % args.val_every == 0:
            run_val()
    checkpoint()
    if items is not None and step % args.val_every != 0:
        run_val()
    log(f"done at step {step}; best score {best:.3f}")
    os._exit(0)  # do not wait for the data worker


if __name__ == "__main__":
    main()
