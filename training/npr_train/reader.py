"""The plate reader (npr_train.models.Reader): train, evaluate, export. See training/MODEL_IO.md.

    cd training
    /usr/bin/python3 -m npr_train.reader train --init ../models/reader.pt --until 17:00 --run runs/R1
    /usr/bin/python3 -m npr_train.reader train --run runs/R1 --resume --until 18:00   # continue RUN/last.pt
    /usr/bin/python3 -m npr_train.reader eval --model runs/R1/best/reader.pt [--errors]  # the validation split
    /usr/bin/python3 -m npr_train.reader export --model runs/R1/best/reader.pt --to ../models
    # a slim reader (0.6 x the channels, ~0.36 x the multiply-adds) cut down from the committed one and distilled from it
    /usr/bin/python3 -m npr_train.reader train --init ../models/reader.pt --width 0.6 --teacher ../models/reader.pt --run runs/S1 ...

Loss: CTC over 32 steps + region cross-entropy + the plate head's binary cross-entropy. Data: synthetic
plates (npr_train.plates) and the training side of the real crops (npr_train.split), ~60/40 per batch.
Every --val-every steps the EMA weights are scored on the validation split (npr_train.reader_val: the
held-back real crops and a seeded synthetic set; never the dev photos); the best by reader_val.score
is exported to RUN/best, and with --snapshots every validated EMA to RUN/snap/STEP. Nothing is written
to models/ except by `export --to`.
"""
import argparse
import copy
import datetime as dt
import json
import math
import os
import signal
import time

import numpy as np
import torch
import torch.nn.functional as F

from . import reader_data, reader_val
from .models import Reader
from .reader_eval import fmt_table, validate
from .reader_io import NEW_HEADS, channels_of, export, extra_of, load_weights, read_state, reader_from, slimmed

TRAINING = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def real_mix(text):
    """"us=0.5,br=0.2" -> {"us": 0.5, "br": 0.2}"""
    try:
        return {k.strip(): float(v) for k, v in (part.split("=") for part in text.split(","))}
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected region=share,... (e.g. us=0.5,br=0.35,ar=0.15), got {text!r}")


def parse_args(argv=None):
    top = argparse.ArgumentParser(prog="python -m npr_train.reader", description=__doc__,
                                  formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = top.add_subparsers(dest="cmd", required=True)
    e = sub.add_parser("eval", help="the validation split's tables (or, with --dev, the dev photos')")
    e.add_argument("--model", default=os.path.join(TRAINING, "..", "models", "reader.pt"))
    e.add_argument("--errors", action="store_true", help="list the misread plates (label -> reading)")
    e.add_argument("--threads", type=int, default=1)
    e.add_argument("--dev", action="store_true", help="the dev photos instead (once per candidate about to be committed)")
    x = sub.add_parser("export", help="write reader.pt + reader.onnx of a model to a folder")
    x.add_argument("--model", required=True, help="weights (fp16 state_dict, or a run's last.pt: its EMA)")
    x.add_argument("--to", required=True, help="target folder (e.g. ../models: only when committing a candidate)")
    ap = sub.add_parser("train", help="train or fine-tune; checkpoints, validation and exports in --run")
    ap.add_argument("--until", help="stop at this local time HH:MM (today, or tomorrow if already past)")
    ap.add_argument("--max-steps", type=int, default=0, help="stop after this many steps (0: no limit)")
    ap.add_argument("--hours", type=float, default=0, help="without --until: run this long (default 1 h)")
    ap.add_argument("--minutes", type=float, default=0, help="without --until: run this many minutes (instead of --hours)")
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
    ap.add_argument("--snapshots", action="store_true", help="export the EMA weights at every validation to RUN/snap/STEP")
    ap.add_argument("--real-frac", type=float, default=0.4)
    ap.add_argument("--neg-frac", type=float, default=0.05, help="share of not-plate crops with an empty target")
    ap.add_argument("--hard-negatives", help="mine_not_plates.py's output: half of the not-plates are the detector's false plates")
    ap.add_argument("--text-negatives", type=float, default=0.0,
                    help="share of the not-plates that are rendered lettering, signs, badges and grates (text_not_plates.py)")
    ap.add_argument("--scene-plates", type=float, default=0.0,
                    help="share of the plates that are the real scenes' labelled plates (no text: plate head only)")
    ap.add_argument("--real-mix", type=real_mix, default=None,
                    help="shares of the real crops by region, e.g. us=0.5,br=0.35,ar=0.15 (the default)")
    ap.add_argument("--small-share", type=float, default=None,
                    help="share of synthetic crops seen at 10-18 px tall (default 0.15, reader_data.LOOKS)")
    ap.add_argument("--haze", type=float, default=None,
                    help="share of synthetic crops with their contrast squeezed (default 0)")
    ap.add_argument("--ema", type=float, default=0.998)
    ap.add_argument("--val-every", type=int, default=300)
    ap.add_argument("--ckpt-every", type=int, default=200)
    ap.add_argument("--log-every", type=int, default=20)
    ap.add_argument("--run", dest="run_dir", default=os.path.join(TRAINING, "runs", "reader"),
                    help="run folder: last.pt, logs, history.jsonl, best/ (the best validated EMA), snap/STEP")
    ap.add_argument("--resume", action="store_true", help="continue from RUN/last.pt")
    ap.add_argument("--init", help="start from these weights (e.g. ../models/reader.pt, fp16 state_dict; of a run's "
                                   "last.pt, its EMA weights)")
    ap.add_argument("--extra", type=int, default=None, choices=[0, 1],
                    help="residual blocks added to the reader (models.Reader); default: as in --init or the checkpoint, else 0")
    ap.add_argument("--width", type=float, default=None,
                    help="a slim reader: the committed reader's channels times this (about width^2 of its multiply-adds); "
                         "default: as --init / --resume, else 1")
    ap.add_argument("--teacher", help="distil from this reader (e.g. ../models/reader.pt): the student also learns "
                                      "its softened per-step readings, region and plate chances")
    ap.add_argument("--distill", type=float, default=1.0, help="weight of the distillation loss (with --teacher)")
    ap.add_argument("--distill-temp", type=float, default=2.0, help="softening temperature of the readings (with --teacher)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-val", action="store_true")
    return top.parse_args(argv)


def distill_loss(student, teacher, temperature, region_weight, plate_weight):
    """What a student reader learns from its teacher beyond the labels: the teacher's readings softened by
    `temperature` at every time step (KL, scaled by T^2 as usual so its gradients keep their size), its region
    distribution, and its plate chance. Zero where the student's outputs are the teacher's."""
    (logits, region, plate), (t_logits, t_region, t_plate) = student, teacher
    t = temperature

    def kl(s, k, temp):
        return F.kl_div(F.log_softmax(s.float() / temp, -1), F.log_softmax(k.float() / temp, -1),
                        log_target=True, reduction="none").sum(-1).mean() * temp * temp

    target = torch.sigmoid(t_plate.float())
    # BCE against a soft target minus that target's own entropy: a KL between two Bernoullis, 0 at agreement
    plate_kl = (F.binary_cross_entropy_with_logits(plate.float(), target)
                - F.binary_cross_entropy_with_logits(t_plate.float(), target))
    return kl(logits, t_logits, t) + region_weight * kl(region, t_region, 1.0) + plate_weight * plate_kl


def deadline(args):
    now = dt.datetime.now()
    if args.until:
        hh, mm = map(int, args.until.split(":"))
        t = now.replace(hour=hh, minute=mm, second=0, microsecond=0)
        if t <= now:
            t += dt.timedelta(days=1)
        return t.timestamp()
    return now.timestamp() + (60 * args.minutes if args.minutes else 3600 * (args.hours or 1.0))


class Log:
    def __init__(self, path):
        self.f = open(path, "a")

    def __call__(self, *a):
        s = " ".join(str(x) for x in a)
        line = f"[{time.strftime('%H:%M:%S')}] {s}"
        print(line, flush=True)
        self.f.write(line + "\n")
        self.f.flush()


def eval_cmd(args):
    torch.set_num_threads(args.threads)
    m = reader_from(args.model)
    if args.dev:
        from .dev_photos import load_reader_dev
        sets = dict(dev=load_reader_dev())
    else:
        sets = reader_val.load_sets()
    figures = {}
    for name, items in sets.items():
        figures[name], reads = validate(m, items)
        print(fmt_table(figures[name], name))
        if args.errors:
            for d, (t, c) in zip(items, reads):
                if t != d["text"]:
                    print(f"{d['region']:<3} {d['text']:<10} -> {t:<10} conf {c:.2f}")
    if not args.dev:
        print(f"score {reader_val.score(figures):.2f} (reader_val.score: the mean of the sets' overall exact rates)")
        negatives = reader_val.load_not_plates()
        if negatives:
            print(f"held-back not-plates (mine_not_plates --side val): {len(negatives)}, "
                  f"let through by the plate head {reader_val.let_through(m, negatives):.1f}%")


def main(argv=None):
    args = parse_args(argv)
    if args.cmd == "eval":
        return eval_cmd(args)
    if args.cmd == "export":
        export(reader_from(args.model), args.to)
        return
    train(args)


def train(args):
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    os.makedirs(args.run_dir, exist_ok=True)
    log = Log(os.path.join(args.run_dir, "progress.log"))
    device = torch.device(args.device)
    last_path = os.path.join(args.run_dir, "last.pt")

    extra = args.extra
    src = last_path if args.resume and os.path.exists(last_path) else args.init
    src_state = read_state(src) if src else None
    if extra is None:
        extra = extra_of(src_state) if src_state else 0
    if args.width is not None:
        channels = Reader.slim(args.width)
    else:
        channels = channels_of(src_state) if src_state else Reader.CHANNELS
    model = Reader(extra=extra, channels=channels).to(device)
    teacher = None
    if args.teacher:
        teacher = reader_from(args.teacher).to(device).eval()
        for p in teacher.parameters():
            p.requires_grad_(False)
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
        log(f"resumed {last_path} at step {step}, best validation score {best:.2f}")
    elif args.init:
        if channels_of(src_state) == channels:
            load_weights(model, args.init)
            log(f"initialised from {args.init} (reader extra={extra})")
        else:
            model.load_state_dict(slimmed(reader_from(args.init), channels).state_dict())
            log(f"initialised from {args.init} cut down to channels {channels} (reader_io.slimmed)")
        ema.load_state_dict(model.state_dict())
    model.to(device)
    ema.to(device)

    t_end = deadline(args)
    if args.resume and t_end <= t_start:
        t_start = time.time()
    log(f"training until {dt.datetime.fromtimestamp(t_end):%Y-%m-%d %H:%M}, device {device}, threads {args.threads}, "
        f"batch {args.batch}, lr {args.lr}, channels {channels} ({sum(p.numel() for p in model.parameters())} parameters)"
        + (f", distilling {args.teacher} (weight {args.distill}, temperature {args.distill_temp})" if teacher else ""))

    sets = {} if args.no_val else reader_val.load_sets()
    log("validation split: " + ", ".join(f"{k} {len(v)} plates" for k, v in sets.items()))
    reader_data.set_looks(args.small_share, args.haze)  # after the validation set is made with the defaults
    log(f"looks: {reader_data.LOOKS}")
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
        if args.snapshots:
            export(ema, os.path.join(args.run_dir, "snap", str(step)), log)
        if not sets:
            return
        t0 = time.time()
        res = {k: validate(ema, v, device)[0] for k, v in sets.items()}
        score = reader_val.score(res)
        improved = score > best
        log(f"validation at step {step} ({time.time() - t0:.1f}s), EMA weights:\n"
            + "\n".join(fmt_table(r, k) for k, r in res.items())
            + (f"\nimproved {best:.2f} -> {score:.2f}" if improved else f"\nscore {score:.2f}, best so far {best:.2f}"))
        with open(os.path.join(args.run_dir, "history.jsonl"), "a") as f:
            f.write(json.dumps(dict(time=time.strftime("%Y-%m-%dT%H:%M:%S"), step=step, saved=improved, score=score,
                                    **{k: {g: round(v["exact"], 2) for g, v in r.items()} for k, r in res.items()})) + "\n")
        if improved:
            best = score
            export(ema, os.path.join(args.run_dir, "best"), log)

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
        if teacher is not None:
            with torch.no_grad():
                taught = teacher(x)
            loss = loss + args.distill * distill_loss((logits, region, plate), taught, args.distill_temp,
                                                      args.region_weight, args.plate_weight)
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
    log(f"done; best validation score {best:.2f} ({os.path.join(args.run_dir, 'best')})")


if __name__ == "__main__":
    main()
