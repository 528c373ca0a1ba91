#!/usr/bin/env python3
"""Train the plate reader (CTC over 32 steps + region head), see training/MODEL_IO.md.

    cd training
    OMP_NUM_THREADS=1 /usr/bin/python3 train_reader.py --until 16:00            # fresh run
    OMP_NUM_THREADS=1 /usr/bin/python3 train_reader.py --until 18:00 --resume   # continue runs/reader/last.pt
    /usr/bin/python3 train_reader.py --init ../models/reader.pt --until 17:00    # fine-tune the committed weights
    /usr/bin/python3 train_reader.py --export-only                               # last.pt's EMA weights -> models/

Data: synthetic plates (npr_train.plates) and real crops (shared/data/train-real), ~60/40 per batch.
Every --val-every steps the EMA weights read the dev-set crops (shared/data/plates/dev.jsonl; model
selection only); when the overall exact rate improves, models/reader.pt (fp16 state_dict) and
models/reader.onnx are written and the figures appended to runs/reader/history.jsonl.
"""
import argparse
import copy
import datetime as dt
import json
import math
import os
import signal
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from npr_train.models import ALPHABET, REGIONS, Reader, export_onnx  # noqa: E402
from npr_train import reader_data  # noqa: E402

EVAL_REGIONS = ["gb", "eu", "us", "br"]


def real_mix(text):
    """"us=0.5,br=0.2" -> {"us": 0.5, "br": 0.2}"""
    try:
        return {k.strip(): float(v) for k, v in (part.split("=") for part in text.split(","))}
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected region=share,... (e.g. us=0.5,br=0.35,ar=0.15), got {text!r}")


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--until", help="stop at this local time HH:MM (today, or tomorrow if already past)")
    ap.add_argument("--max-steps", type=int, default=0, help="stop after this many steps (0: no limit)")
    ap.add_argument("--hours", type=float, default=0, help="without --until: run this long (default 1 h)")
    ap.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--warmup", type=int, default=300)
    ap.add_argument("--wd", type=float, default=1e-4)
    ap.add_argument("--region-weight", type=float, default=0.3)
    ap.add_argument("--plate-weight", type=float, default=0.3, help="weight of the plate/not-plate head's loss")
    ap.add_argument("--only-plate-head", action="store_true",
                    help="train the plate/not-plate head alone on the frozen reader (its readings stay as they are)")
    ap.add_argument("--snapshots", action="store_true", help="export the EMA weights at every validation to RUN_DIR/snap/STEP")
    ap.add_argument("--real-frac", type=float, default=0.4)
    ap.add_argument("--neg-frac", type=float, default=0.05, help="share of not-plate crops with an empty target")
    ap.add_argument("--hard-negatives", help="mine_not_plates.py's output: half of the not-plates are the detector's false plates")
    ap.add_argument("--text-negatives", type=float, default=0.0,
                    help="share of the not-plates that are rendered lettering, signs, badges and grates (text_not_plates.py)")
    ap.add_argument("--scene-plates", type=float, default=0.0,
                    help="share of the plates that are the real scenes' labelled plates (no text: plate head only)")
    ap.add_argument("--real-mix", type=real_mix, default=None,
                    help="shares of the real crops by region, e.g. us=0.5,br=0.35,ar=0.15 (the default)")
    ap.add_argument("--ema", type=float, default=0.998)
    ap.add_argument("--val-every", type=int, default=300)
    ap.add_argument("--ckpt-every", type=int, default=200)
    ap.add_argument("--log-every", type=int, default=20)
    ap.add_argument("--run-dir", default=os.path.join(HERE, "runs", "reader"))
    ap.add_argument("--models-dir", default=os.path.join(HERE, "..", "models"))
    ap.add_argument("--resume", action="store_true", help="continue from RUN_DIR/last.pt")
    ap.add_argument("--init", help="start from these weights (e.g. ../models/reader.pt, fp16 state_dict; of a run's "
                                   "last.pt, its EMA weights)")
    ap.add_argument("--extra", type=int, default=None, choices=[0, 1],
                    help="residual blocks added to the reader (models.Reader); default: as in --init or the checkpoint, else 0")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-val", action="store_true")
    ap.add_argument("--export-only", action="store_true")
    return ap.parse_args()


def deadline(args):
    now = dt.datetime.now()
    if args.until:
        hh, mm = map(int, args.until.split(":"))
        t = now.replace(hour=hh, minute=mm, second=0, microsecond=0)
        if t <= now:
            t += dt.timedelta(days=1)
        return t.timestamp()
    return now.timestamp() + 3600 * (args.hours or 1.0)


class Log:
    def __init__(self, path):
        self.f = open(path, "a")

    def __call__(self, *a):
        s = " ".join(str(x) for x in a)
        line = f"[{time.strftime('%H:%M:%S')}] {s}"
        print(line, flush=True)
        self.f.write(line + "\n")
        self.f.flush()


def emitted(logits):
    """logits N,T,C -> per row, the greedy CTC decoding's characters and the probability of each."""
    p = logits.float().softmax(-1)
    conf, idx = p.max(-1)
    out = []
    for row, crow in zip(idx.tolist(), conf.tolist()):
        s, cs, prev = [], [], 0
        for k, c in zip(row, crow):
            if k != 0 and k != prev:
                s.append(ALPHABET[k - 1])
                cs.append(c)
            prev = k
        out.append((s, cs))
    return out


def greedy(logits):
    """logits N,T,C -> list of (text, confidence = mean max prob of emitted chars)."""
    return [("".join(s), float(np.mean(cs)) if cs else 0.0) for s, cs in emitted(logits)]


def fold(s):
    return s.replace("O", "0").replace("I", "1")


@torch.no_grad()
def validate(model, dev, device):
    model.eval()
    ones = np.stack([d["one"] for d in dev])
    twos = [(i, d["two"]) for i, d in enumerate(dev) if d["two"] is not None]
    batch = [ones] + ([np.concatenate([t for _, t in twos])] if twos else [])
    x = torch.from_numpy(np.concatenate(batch)).to(device).permute(0, 3, 1, 2).float().div_(255)
    logits, region, plate = model(x)
    reads = greedy(logits.cpu())
    plate_p = torch.sigmoid(plate[:len(dev)]).cpu().numpy()
    n = len(dev)
    best = [reads[i] for i in range(n)]
    for j, (i, _) in enumerate(twos):
        a, b = reads[n + 2 * j], reads[n + 2 * j + 1]
        if a[0] and b[0]:
            cand = (a[0] + b[0], min(a[1], b[1]))
            if cand[1] > best[i][1] or not best[i][0]:
                best[i] = cand
    res = {}
    for reg in EVAL_REGIONS + ["all"]:
        idx = [i for i, d in enumerate(dev) if reg == "all" or d["region"] == reg]
        if not idx:
            continue
        ok = sum(best[i][0] == dev[i]["text"] for i in idx)
        lenient = sum(fold(best[i][0]) == fold(dev[i]["text"]) for i in idx)
        res[reg] = dict(n=len(idx), exact=100.0 * ok / len(idx), lenient=100.0 * lenient / len(idx),
                        not_plate=100.0 * float(np.mean(plate_p[idx] < 0.5)))
    return res, best


def fmt_table(res):
    lines = ["region     n   exact  lenient  not-a-plate"]
    for k, v in res.items():
        lines.append(f"{k:<6} {v['n']:>5} {v['exact']:6.1f}% {v['lenient']:6.1f}%  {v['not_plate']:6.1f}%")
    return "\n".join(lines)


def save_fp16(model, path):
    sd = {k: (v.half() if v.is_floating_point() else v) for k, v in model.state_dict().items()}
    tmp = path + ".tmp"
    torch.save(sd, tmp)
    os.replace(tmp, path)


def read_state(path):
    sd = torch.load(path, map_location="cpu")
    if "ema" in sd and isinstance(sd["ema"], dict):
        sd = sd["ema"]
    elif "model" in sd and isinstance(sd["model"], dict):
        sd = sd["model"]
    return {k: v.float() if v.is_floating_point() else v for k, v in sd.items()}


ADDED = tuple(name + "." for name in Reader.EXTRA_BLOCKS)
# heads newer than some saved readers: they start untrained when loading those
NEW_HEADS = ("plate.",)


def extra_of(sd):
    """The `extra` a reader state_dict was made with."""
    return int(any(k.startswith(ADDED) for k in sd))


def load_weights(model, path, sd=None):
    """Load weights (`sd`: already read from `path`); a reader with the added blocks may start from one
    without them (the blocks start as the identity), and one with the plate head from one without it."""
    sd = read_state(path) if sd is None else sd
    missing, unexpected = model.load_state_dict(sd, strict=False)
    if unexpected or any(not k.startswith(ADDED + NEW_HEADS) for k in missing):
        raise RuntimeError(f"{path} does not fit this model: missing {missing[:5]}, unexpected {unexpected[:5]}")


def reader_from(path):
    """The reader a weights file was trained as, with those weights."""
    sd = read_state(path)
    m = Reader(extra=extra_of(sd))
    load_weights(m, path, sd)
    return m


def export(model, models_dir, log):
    os.makedirs(models_dir, exist_ok=True)
    m = copy.deepcopy(model).cpu().float().eval()
    save_fp16(m, os.path.join(models_dir, "reader.pt"))
    tmp = os.path.join(models_dir, "reader.onnx.tmp")
    export_onnx(m, tmp, "reader")
    os.replace(tmp, os.path.join(models_dir, "reader.onnx"))
    log(f"exported {os.path.join(models_dir, 'reader.onnx')} and reader.pt")


def main():
    args = parse_args()
    torch.set_num_threads(args.threads)
    os.makedirs(args.run_dir, exist_ok=True)
    log = Log(os.path.join(args.run_dir, "progress.log"))
    device = torch.device(args.device)
    last_path = os.path.join(args.run_dir, "last.pt")

    extra = args.extra
    if extra is None:
        src = last_path if args.resume and os.path.exists(last_path) else args.init
        extra = extra_of(read_state(src)) if src else 0
    model = Reader(extra=extra).to(device)
    ema = copy.deepcopy(model).eval()
    for p in ema.parameters():
        p.requires_grad_(False)
    if args.only_plate_head:
        for name, p in model.named_parameters():
            p.requires_grad_(name.startswith(NEW_HEADS))
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=args.lr, weight_decay=args.wd)
    step, best, t_start, mixer_state = 0, -1.0, time.time(), None
    if args.resume and os.path.exists(last_path):
        ck = torch.load(last_path, map_location="cpu")
        model.load_state_dict(ck["model"])
        ema.load_state_dict(ck["ema"])
        opt.load_state_dict(ck["opt"])
        step, best, t_start = ck["step"], ck["best"], ck["t_start"]
        mixer_state = ck.get("mixer_rng")
        torch.set_rng_state(ck["torch_rng"])
        log(f"resumed {last_path} at step {step}, best dev exact {best:.1f}%")
    elif args.init:
        load_weights(model, args.init)
        ema.load_state_dict(model.state_dict())
        log(f"initialised from {args.init} (reader extra={extra})")
    model.to(device)
    ema.to(device)

    if args.export_only:
        export(ema, args.models_dir, log)
        return

    t_end = deadline(args)
    if args.resume and t_end <= t_start:
        t_start = time.time()
    log(f"training until {dt.datetime.fromtimestamp(t_end):%Y-%m-%d %H:%M}, device {device}, threads {args.threads}, "
        f"batch {args.batch}, lr {args.lr}")

    dev = [] if args.no_val else reader_data.load_dev()
    log(f"dev crops: {len(dev)} plates" + (f" ({sum(d['two'] is not None for d in dev)} also read as two halves)" if dev else ""))
    mixer = reader_data.Mixer(seed=args.seed + step, real_frac=args.real_frac, neg_frac=args.neg_frac,
                              hard_negatives=args.hard_negatives, text_negatives=args.text_negatives,
                              real_mix=args.real_mix, scene_plates=args.scene_plates)
    if mixer_state is not None:
        mixer.rng.bit_generator.state = mixer_state

    def lr_at(step, now):
        if step < args.warmup:
            return args.lr * (step + 1) / args.warmup
        frac = min(1.0, max(0.0, (now - t_start) / max(1.0, t_end - t_start)))
        return args.lr * (0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * frac)))

    def checkpoint():
        ck = dict(model=model.state_dict(), ema=ema.state_dict(), opt=opt.state_dict(), step=step, best=best,
                  t_start=t_start, torch_rng=torch.get_rng_state(), mixer_rng=mixer.rng.bit_generator.state,
                  args=vars(args))
        torch.save(ck, last_path + ".tmp")
        os.replace(last_path + ".tmp", last_path)

    def run_val():
        nonlocal best
        if not dev:
            return
        t0 = time.time()
        res, _ = validate(ema, dev, device)
        overall = res["all"]["exact"]
        improved = overall > best
        log(f"validation at step {step} ({time.time() - t0:.1f}s), EMA weights:\n" + fmt_table(res)
            + (f"\nimproved {best:.1f}% -> {overall:.1f}%" if improved else f"\nbest so far {best:.1f}%"))
        with open(os.path.join(args.run_dir, "history.jsonl"), "a") as f:
            f.write(json.dumps(dict(time=time.strftime("%Y-%m-%dT%H:%M:%S"), step=step, saved=improved,
                                    **{k: round(v["exact"], 2) for k, v in res.items()},
                                    lenient=round(res["all"]["lenient"], 2), not_plate=round(res["all"]["not_plate"], 2))) + "\n")
        if improved:
            best = overall
            export(ema, args.models_dir, log)
        if args.snapshots:
            export(ema, os.path.join(args.run_dir, "snap", str(step)), log)

    stop = {"flag": False}

    def on_signal(signum, frame):
        stop["flag"] = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    def train_mode():
        # with the reader frozen its batch-norm statistics must stay as they are too
        model.eval() if args.only_plate_head else model.train()

    train_mode()
    t_log, n_log, loss_acc, ctc_acc, reg_acc, plate_acc = time.time(), 0, 0.0, 0.0, 0.0, 0.0
    data_time = 0.0
    while not stop["flag"]:
        now = time.time()
        if now >= t_end or (args.max_steps and step >= args.max_steps):
            break
        for g in opt.param_groups:
            g["lr"] = lr_at(step, now)
        td = time.time()
        imgs, texts, regs = mixer.batch(args.batch)
        data_time += time.time() - td
        x = torch.from_numpy(imgs).to(device).permute(0, 3, 1, 2).float().div_(255)
        logits, region, plate = model(x)
        # plates of unknown text (text None) train the plate head only
        known = [i for i, t in enumerate(texts) if t is not None]
        targets = torch.tensor([c for i in known for c in reader_data.encode_text(texts[i])], dtype=torch.long)
        tlens = torch.tensor([len(reader_data.encode_text(texts[i])) for i in known], dtype=torch.long)
        lp = logits[known].float().log_softmax(-1).permute(1, 0, 2)  # T, N, C
        ilens = torch.full((lp.shape[1],), lp.shape[0], dtype=torch.long)
        ctc = F.ctc_loss(lp, targets.to(device), ilens, tlens, blank=0, reduction="mean", zero_infinity=True)
        rt = torch.from_numpy(regs).to(device)
        rl = F.cross_entropy(region, rt, ignore_index=reader_data.IGNORE) if (rt >= 0).any() else region.sum() * 0
        is_plate = torch.tensor([float(t != "") for t in texts], device=device)
        pl = F.binary_cross_entropy_with_logits(plate, is_plate)
        loss = ctc + args.region_weight * rl + args.plate_weight * pl
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        opt.step()
        with torch.no_grad():
            d = min(args.ema, (1 + step) / (10 + step))
            for pe, pm in zip(ema.parameters(), model.parameters()):
                pe.mul_(d).add_(pm.detach(), alpha=1 - d)
            for be, bm in zip(ema.buffers(), model.buffers()):
                be.copy_(bm)
        step += 1
        n_log += 1
        loss_acc += loss.item()
        ctc_acc += ctc.item()
        reg_acc += rl.item()
        plate_acc += pl.item()
        if step % args.log_every == 0:
            el = time.time() - t_log
            sps = n_log * args.batch / el
            eta = max(0, t_end - time.time())
            log(f"step {step} loss {loss_acc / n_log:.3f} (ctc {ctc_acc / n_log:.3f} region {reg_acc / n_log:.3f} "
                f"plate {plate_acc / n_log:.3f}) "
                f"lr {opt.param_groups[0]['lr']:.2e} {sps:.0f} samples/s {n_log / el:.2f} steps/s "
                f"(data {100 * data_time / el:.0f}%) ETA {eta / 60:.0f} min (stops {dt.datetime.fromtimestamp(t_end):%H:%M})")
            t_log, n_log, loss_acc, ctc_acc, reg_acc, plate_acc, data_time = time.time(), 0, 0.0, 0.0, 0.0, 0.0, 0.0
        if step % args.ckpt_every == 0:
            checkpoint()
        if step % args.val_every == 0:
            run_val()
            train_mode()
            t_log = time.time()
    checkpoint()
    log(f"stopping at step {step} ({'signal' if stop['flag'] else 'time/step limit'}); checkpoint {last_path}")
    if not stop["flag"] and step % args.val_every != 0:
        run_val()
    log(f"done; best dev exact {best:.1f}%")


if __name__ == "__main__":
    main()
