"""Scoring the reader on labelled crops: greedy CTC decoding, one- and two-line readings as the runtime
tries them, exact and lenient (O/0, I/1 folded) rates per region."""
import numpy as np
import torch

from .models import ALPHABET


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
def forward_crops(model, crops, device=torch.device("cpu"), batch=256):
    """The reader's CTC logits and plate logits for HxWx3 uint8 crops, in batches (on the CPU)."""
    logits, plate = [], []
    with torch.no_grad():
        for k in range(0, len(crops), batch):
            x = torch.from_numpy(np.stack(crops[k:k + batch])).to(device).permute(0, 3, 1, 2).float().div_(255)
            lg, _, pl = model(x)
            logits.append(lg.cpu())
            plate.append(pl.cpu())
    return torch.cat(logits), torch.cat(plate)


def validate(model, items, device=torch.device("cpu"), batch=256):
    """items: dict(region, text, one=HxWx3 uint8 crop, two=2 crops or None). Returns (figures per region
    and 'all', the reading per item)."""
    model.eval()
    if not items:
        return {}, []
    crops = [d["one"] for d in items]
    twos = [(i, d["two"]) for i, d in enumerate(items) if d["two"] is not None]
    for _, t in twos:
        crops.extend(t)
    logits, plate = forward_crops(model, crops, device, batch)
    reads = greedy(logits)
    n = len(items)
    plate_p = torch.sigmoid(plate[:n]).numpy()
    best = [reads[i] for i in range(n)]
    for j, (i, _) in enumerate(twos):
        a, b = reads[n + 2 * j], reads[n + 2 * j + 1]
        if a[0] and b[0]:
            cand = (a[0] + b[0], min(a[1], b[1]))
            if cand[1] > best[i][1] or not best[i][0]:
                best[i] = cand
    res = {}
    regions = sorted({d["region"] for d in items})
    for reg in regions + ["all"]:
        idx = [i for i, d in enumerate(items) if reg == "all" or d["region"] == reg]
        ok = sum(best[i][0] == items[i]["text"] for i in idx)
        lenient = sum(fold(best[i][0]) == fold(items[i]["text"]) for i in idx)
        res[reg] = dict(n=len(idx), exact=100.0 * ok / len(idx), lenient=100.0 * lenient / len(idx),
                        not_plate=100.0 * float(np.mean(plate_p[idx] < 0.5)))
    return res, best


def fmt_table(res, title=""):
    lines = [f"{title:<10} n   exact  lenient  not-a-plate"]
    for k, v in res.items():
        lines.append(f"{k:<6} {v['n']:>5} {v['exact']:6.1f}% {v['lenient']:6.1f}%  {v['not_plate']:6.1f}%")
    return "\n".join(lines)
