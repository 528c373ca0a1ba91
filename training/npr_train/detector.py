"""The plate detector (npr_train.models.Detector): train, evaluate, export, select.

    cd training
    /usr/bin/python3 -m npr_train.detector train --init ../models/detector.pt --until 21:00 --run runs/D1
    /usr/bin/python3 -m npr_train.detector eval --model ../models/detector.pt          # the validation split
    /usr/bin/python3 -m npr_train.detector select --run runs/D1 --before ../models/detector.pt
    /usr/bin/python3 -m npr_train.detector export --model runs/D1/candidate/detector.pt --to ../models

CenterNet-style: focal loss on the centre heatmap, L1 on the centre offset, the four corners and the box
they span at the cells about each centre. AdamW, linear warm-up then cosine decay over the time budget
(--until) or --steps. Validation on the split held back from the training data (npr_train.detector_val),
never on the dev photos; every validated model is exported to RUN/snap/STEP. Nothing is written to
models/ except by `export --to`.
"""
import argparse
import copy
import datetime as dt
import json
import math
import os
import shutil
import signal
import time

import numpy as np
import torch
from torch.utils.data import DataLoader, IterableDataset, get_worker_info

from . import detector_val
from .detect import load_detector
from .models import Detector, export_onnx

HERE = os.path.dirname(os.path.abspath(__file__))
TRAINING = os.path.dirname(HERE)
MODELS = os.path.normpath(os.path.join(TRAINING, "..", "models"))


# ------------------------------------------------------------------------------------------ data

class Crops(IterableDataset):
    """Endless scene crops (npr_train.scenes.SceneGenerator, training side of the split). The stream of
    worker w starting at step s is fixed by (seed, w, s): a run repeats, and a resumed run goes on with
    a stream of its own."""

    def __init__(self, seed, start_step, crop, gen_args):
        self.seed, self.start_step, self.crop, self.gen_args = seed, start_step, crop, gen_args

    def __iter__(self):
        from .scenes import SceneGenerator
        torch.set_num_threads(1)
        wi = get_worker_info()
        rng = np.random.default_rng([self.seed, wi.id if wi else 0, self.start_step])
        gen = SceneGenerator(crop=self.crop, side="train", **self.gen_args)
        while True:
            d = gen.make_sample(rng)
            yield (torch.from_numpy(d["image"].transpose(2, 0, 1).copy()), torch.from_numpy(d["heat"]),
                   torch.from_numpy(d["heat_weight"]), torch.from_numpy(d["geom"]), torch.from_numpy(d["geom_weight"]),
                   torch.from_numpy(d["corner_weight"]), torch.from_numpy(d["box_weight"]))


# ------------------------------------------------------------------------------------------ losses

def focal_loss(pred, gt, weight):
    """CenterNet focal loss; pred already through a sigmoid. Normalised by the number of centres."""
    p = pred.clamp(1e-4, 1 - 1e-4)
    pos = gt.ge(0.999).float()
    neg = (1 - pos) * weight
    pos_loss = -(torch.log(p) * (1 - p) ** 2 * pos).sum()
    neg_loss = -(torch.log(1 - p) * p ** 2 * (1 - gt) ** 4 * neg).sum()
    n = pos.sum().clamp(min=1)
    return (pos_loss + neg_loss) / n


# left and right edges count more: a quad too tight there cuts off the first or last character
EDGE_WEIGHTS = (1.5, 1.0, 1.5, 1.0)  # x0, y0, x1, y1


def _span(g):
    x, y = g[:, 2::2], g[:, 3::2]
    return torch.stack([x.min(1)[0], y.min(1)[0], x.max(1)[0], y.max(1)[0]], 1)


def geom_losses(pred, gt, off_w, corner_w, box_w):
    """L1 of the offset (per cell), of the corners (per corner, x+y) and of the box the corners span
    (per edge, EDGE_WEIGHTS), each normalised by its weights' sum."""
    d = (pred - gt).abs()
    lo = (d[:, :2] * off_w.unsqueeze(1)).sum() / off_w.sum().clamp(min=1e-3)
    lc = (d[:, 2:] * corner_w.unsqueeze(1)).sum() / corner_w.sum().clamp(min=1e-3) / 4
    ew = torch.tensor(EDGE_WEIGHTS, device=pred.device).view(1, 4, 1, 1)
    db = (_span(pred) - _span(gt)).abs() * ew * box_w.unsqueeze(1)
    lb = db.sum() / box_w.sum().clamp(min=1e-3) / float(sum(EDGE_WEIGHTS))
    return lo, lc, lb


# ------------------------------------------------------------------------------------------ files

def fp16_state(model):
    return {k: (v.detach().cpu().half() if v.is_floating_point() else v.detach().cpu()) for k, v in model.state_dict().items()}


def write_model(model, out_dir):
    """detector.pt (fp16 state_dict) and detector.onnx (exported from the fp16-rounded weights: what ships)."""
    os.makedirs(out_dir, exist_ok=True)
    sd = fp16_state(model)
    torch.save(sd, os.path.join(out_dir, "detector.pt.tmp"))
    os.replace(os.path.join(out_dir, "detector.pt.tmp"), os.path.join(out_dir, "detector.pt"))
    m = Detector()
    m.load_state_dict({k: (v.float() if v.is_floating_point() else v) for k, v in sd.items()})
    export_onnx(m, os.path.join(out_dir, "detector.onnx.tmp"), "detector")
    os.replace(os.path.join(out_dir, "detector.onnx.tmp"), os.path.join(out_dir, "detector.onnx"))


def parse_until(s):
    if not s:
        return None
    now = dt.datetime.now()
    h, m = map(int, s.split(":"))
    t = now.replace(hour=h, minute=m, second=0, microsecond=0)
    if t <= now:
        t += dt.timedelta(days=1)
    return t.timestamp()


# ------------------------------------------------------------------------------------------ train

def train(args):
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    run = args.run
    os.makedirs(run, exist_ok=True)
    logf = open(os.path.join(run, "log.txt"), "a")

    def log(msg):
        line = f"{time.strftime('%H:%M:%S')} {msg}"
        print(line, flush=True)
        logf.write(line + "\n")
        logf.flush()

    dev = torch.device(args.device)
    model = Detector().to(dev)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=args.wd)
    step, used_s, best = 0, 0.0, None
    last = os.path.join(run, "last.pt")
    if args.resume and os.path.exists(last):
        ck = torch.load(last, map_location=dev)
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["optimizer"])
        step, used_s = ck["step"], ck.get("used_s", 0.0)
        log(f"resumed from {last} at step {step}")
    elif args.init:
        model.load_state_dict(load_detector(args.init).state_dict())
        model.to(dev)
        log(f"initialised from {args.init}")
    end_t = parse_until(args.until) if args.until else (time.time() + 60 * args.minutes if args.minutes else None)
    log(f"args {vars(args)}; params {sum(p.numel() for p in model.parameters())}")

    sets = None
    if not args.no_val:
        t = time.time()
        sets = detector_val.load_sets()
        log(f"validation split: {len(sets['real'])} real scenes, {len(sets['synthetic'])} synthetic, "
            f"loaded in {time.time() - t:.1f}s")

    gen_args = dict(p_real=args.p_real, p_replace=args.p_replace, us_share=args.us_share,
                    targets=dict(extent=args.extent, size_weight=args.size_weight))
    loader = DataLoader(Crops(args.seed, step, args.crop, gen_args), batch_size=args.batch, num_workers=args.workers,
                        persistent_workers=args.workers > 0, prefetch_factor=4 if args.workers > 0 else 2)
    t_start = time.time()
    used0 = used_s
    t_last, n_last = time.time(), 0
    hist = os.path.join(run, "history.jsonl")
    agg = np.zeros(5)
    model.train()
    stop = {"flag": False}
    signal.signal(signal.SIGTERM, lambda *_: stop.update(flag=True))

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
                        used_s=used0 + time.time() - t_start, args=vars(args)), last + ".tmp")
        os.replace(last + ".tmp", last)

    def run_val():
        snap = os.path.join(run, "snap", str(step))
        write_model(copy.deepcopy(model).cpu(), snap)
        if sets is None:
            log(f"  snapshot {snap}")
            return
        res = detector_val.evaluate(load_detector(os.path.join(snap, "detector.pt")), sets)
        model.train()
        log(f"validation at step {step} ({res['seconds']:.0f}s), snapshot {snap}:\n" + detector_val.table(res))
        with open(hist, "a") as f:
            f.write(json.dumps(dict(step=step, time=time.strftime("%Y-%m-%dT%H:%M:%S"), snap=snap, **res)) + "\n")

    for img, heat, hw, geom, gw, cw, bw in loader:
        if stop["flag"] or (end_t is not None and time.time() >= end_t) or (args.steps and step >= args.steps):
            break
        lr = lr_at(step)
        for g in opt.param_groups:
            g["lr"] = lr
        x = img.to(dev).float().div_(255)
        ph, pg = model(x)
        lh = focal_loss(ph[:, 0], heat.to(dev), hw.to(dev))
        lo, lc, lb = geom_losses(pg, geom.to(dev), gw.to(dev), cw.to(dev), bw.to(dev))
        loss = lh + lo + args.corner_weight * lc + args.box_weight * lb
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        opt.step()
        step += 1
        n_last += x.shape[0]
        agg += [loss.item(), lh.item(), lo.item(), lc.item(), lb.item()]
        if step % args.log_every == 0:
            now = time.time()
            sps = n_last / (now - t_last)
            a = agg / args.log_every
            eta = f"{(end_t - now) / 60:.0f} min left" if end_t else (
                f"ETA {(args.steps - step) * args.batch / sps / 60:.0f} min" if args.steps else "")
            log(f"step {step} loss {a[0]:.3f} (heat {a[1]:.3f} off {a[2]:.3f} corners {a[3]:.3f} box {a[4]:.3f}) "
                f"lr {lr:.2e} {sps:.1f} samples/s {sps / args.batch:.2f} steps/s {eta}")
            agg[:] = 0
            t_last, n_last = now, 0
        if step % args.ckpt_every == 0:
            checkpoint()
        if step % args.val_every == 0:
            run_val()
    checkpoint()
    if step % args.val_every != 0:
        run_val()
    log(f"done at step {step}")
    os._exit(0)  # do not wait for the data worker


# ------------------------------------------------------------------------------------------ eval / select / export

def evaluate_cmd(args):
    torch.set_num_threads(args.threads)
    if args.dev:
        from . import dev_photos
        print(dev_photos.detector_table(load_detector(args.model)))
        return
    res = detector_val.evaluate(load_detector(args.model), detector_val.load_sets(), args.thr)
    print(detector_val.table(res))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(res, f, indent=1)


def select_cmd(args):
    """Evaluate every snapshot of a run on the split and copy the best by the stated rule to RUN/candidate."""
    torch.set_num_threads(args.threads)
    sets = None

    def figures(model_path):
        nonlocal sets
        sets = sets or detector_val.load_sets()
        return detector_val.evaluate(load_detector(model_path), sets)

    if args.before_json:
        with open(args.before_json) as f:
            before = json.load(f)
    else:
        before = figures(args.before)
    print(f"before ({args.before_json or args.before}):\n{detector_val.table(before)}", flush=True)
    # the figures written at training time are the same evaluation of the same snapshot: reuse them
    recorded = {}
    hist = os.path.join(args.run, "history.jsonl")
    if os.path.exists(hist) and not args.reevaluate:
        for line in open(hist):
            r = json.loads(line)
            recorded[r["step"]] = r
    snaps = sorted((int(s), os.path.join(args.run, "snap", s)) for s in os.listdir(os.path.join(args.run, "snap"))
                   if s.isdigit())
    rows = []
    for step, path in snaps:
        res = recorded.get(step) or figures(os.path.join(path, "detector.pt"))
        ok = detector_val.acceptable(res, before)
        score = detector_val.selection_score(res)
        rows.append((step, path, res, ok, score))
        print(f"step {step}: score {score:.4f} {'ok' if ok else 'fails the guard'}\n{detector_val.table(res)}", flush=True)
    out = dict(before=dict(model=args.before, score=detector_val.selection_score(before), **before),
               snapshots=[dict({k: v for k, v in r.items() if k not in ("step", "time", "snap")}, step=s, path=p,
                               acceptable=ok, score=sc) for s, p, r, ok, sc in rows])
    good = [r for r in rows if r[3]]
    if good:
        step, path, res, _, score = min(good, key=lambda r: r[4])
        if score < out["before"]["score"]:
            cand = os.path.join(args.run, "candidate")
            os.makedirs(cand, exist_ok=True)
            for name in ("detector.pt", "detector.onnx"):
                shutil.copy2(os.path.join(path, name), os.path.join(cand, name))
            out["chosen"] = dict(step=step, path=cand)
            print(f"chosen: step {step} (score {score:.4f} against {out['before']['score']:.4f}) -> {cand}")
    if "chosen" not in out:
        print("no snapshot beats the model before under the rule: no candidate")
    print(summary_table(out))
    with open(os.path.join(args.run, "selection.json"), "w") as f:
        json.dump(out, f, indent=1)


def summary_table(sel):
    """selection.json as one markdown table: the model before, then each snapshot."""
    lines = ["| model | real recall | real FP/img | real L/R mean | real L/R p95 | real tight>5% | synth recall | "
             "synth FP/img | synth corner mean | synth corner p95 | synth L/R p95 | score | passes guard |",
             "| --- | " + " | ".join(["---"] * 12) + " |"]

    def row(name, r, ok):
        re_, sy = r["real"], r["synthetic"]
        return (f"| {name} | {re_['recall']:.3f} | {re_['fp_per_img']:.3f} | {re_['lr_mean']:.3f} | {re_['lr_p95']:.3f} | "
                f"{re_['tight5']:.3f} | {sy['recall']:.3f} | {sy['fp_per_img']:.3f} | {sy['corner_mean']:.3f} | "
                f"{sy['corner_p95']:.3f} | {sy['lr_p95']:.3f} | {detector_val.selection_score(r):.4f} | {ok} |")
    lines.append(row("before", sel["before"], "-"))
    for r in sel["snapshots"]:
        mark = " (chosen)" if sel.get("chosen", {}).get("step") == r["step"] else ""
        lines.append(row(f"step {r['step']}{mark}", r, "yes" if r["acceptable"] else "no"))
    return "\n".join(lines)


def export_cmd(args):
    """Write detector.pt and detector.onnx of --model to --to (models/ only when asked for by name)."""
    write_model(load_detector(args.model), args.to)
    print(f"exported {args.model} -> {os.path.join(args.to, 'detector.pt')}, {os.path.join(args.to, 'detector.onnx')}")


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m npr_train.detector", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("train", help="train or fine-tune; snapshots and validation in --run")
    t.add_argument("--run", default=os.path.join(TRAINING, "runs", "detector"), help="run folder (checkpoints, logs, snapshots)")
    t.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    t.add_argument("--until", help="HH:MM local time to stop (and end the cosine schedule)")
    t.add_argument("--minutes", type=float, default=0, help="instead of --until: stop after this many minutes")
    t.add_argument("--steps", type=int, default=0, help="stop after this many steps (0: only --until/--minutes)")
    t.add_argument("--batch", type=int, default=16)
    t.add_argument("--crop", type=int, default=320)
    t.add_argument("--lr", type=float, default=2e-3)
    t.add_argument("--wd", type=float, default=1e-4)
    t.add_argument("--warmup", type=int, default=300)
    t.add_argument("--workers", type=int, default=1)
    t.add_argument("--threads", type=int, default=1)
    t.add_argument("--log-every", type=int, default=25)
    t.add_argument("--ckpt-every", type=int, default=200)
    t.add_argument("--val-every", type=int, default=300)
    t.add_argument("--resume", action="store_true", help="continue from RUN/last.pt")
    t.add_argument("--init", help="start from these weights (e.g. ../models/detector.pt)")
    t.add_argument("--no-val", action="store_true", help="export snapshots without validating them")
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--p-real", type=float, default=0.3, help="share of real scenes as they are")
    t.add_argument("--p-replace", type=float, default=0.3, help="share of real scenes with their plates replaced")
    t.add_argument("--us-share", type=float, default=0.0, help="share of rendered textures forced to US plates")
    t.add_argument("--corner-weight", type=float, default=1.0)
    t.add_argument("--box-weight", type=float, default=0.0, help="weight of the loss on the box the corners span")
    t.add_argument("--extent", type=float, default=0.0,
                   help="geometry targets also at the cells within this share of the plate's extent (scenes.make_targets)")
    t.add_argument("--size-weight", action="store_true", help="geometry losses weighted towards small plates")
    e = sub.add_parser("eval", help="figures on the validation split (or, with --dev, the dev photos)")
    e.add_argument("--model", default=os.path.join(MODELS, "detector.pt"))
    e.add_argument("--thr", type=float, default=0.3)
    e.add_argument("--threads", type=int, default=1)
    e.add_argument("--json", help="also write the figures here")
    e.add_argument("--dev", action="store_true", help="the dev photos instead (once per candidate about to be committed)")
    s = sub.add_parser("select", help="evaluate a run's snapshots; copy the best by the rule to RUN/candidate")
    s.add_argument("--run", required=True)
    s.add_argument("--before", default=os.path.join(MODELS, "detector.pt"))
    s.add_argument("--before-json", help="the --before model's figures, written by `eval --json` (saves evaluating it again)")
    s.add_argument("--reevaluate", action="store_true", help="evaluate every snapshot again (not RUN/history.jsonl)")
    s.add_argument("--threads", type=int, default=1)
    x = sub.add_parser("export", help="write detector.pt + detector.onnx of a model to a folder")
    x.add_argument("--model", required=True)
    x.add_argument("--to", required=True, help="target folder (e.g. ../models: only when committing a candidate)")
    args = ap.parse_args(argv)
    {"train": train, "eval": evaluate_cmd, "select": select_cmd, "export": export_cmd}[args.cmd](args)


if __name__ == "__main__":
    main()
