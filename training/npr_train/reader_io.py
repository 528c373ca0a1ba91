"""Reader weights on disk: fp16 state_dicts, training checkpoints (their EMA weights), ONNX exports."""
import copy
import os

import torch

from .models import Reader, export_onnx

ADDED = tuple(name + "." for name in Reader.EXTRA_BLOCKS)
# heads newer than some saved readers: they start untrained when loading those
NEW_HEADS = ("plate.",)


def save_fp16(model, path):
    sd = {k: (v.half() if v.is_floating_point() else v) for k, v in model.state_dict().items()}
    tmp = path + ".tmp"
    torch.save(sd, tmp)
    os.replace(tmp, path)


def read_state(path):
    """The float weights of a file: an fp16 state_dict, or a training checkpoint's EMA (else model) weights."""
    sd = torch.load(path, map_location="cpu")
    if "ema" in sd and isinstance(sd["ema"], dict):
        sd = sd["ema"]
    elif "model" in sd and isinstance(sd["model"], dict):
        sd = sd["model"]
    return {k: v.float() if v.is_floating_point() else v for k, v in sd.items()}


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


def export(model, out_dir, log=print):
    """reader.pt (fp16 state_dict) and reader.onnx into out_dir."""
    os.makedirs(out_dir, exist_ok=True)
    m = copy.deepcopy(model).cpu().float().eval()
    save_fp16(m, os.path.join(out_dir, "reader.pt"))
    tmp = os.path.join(out_dir, "reader.onnx.tmp")
    export_onnx(m, tmp, "reader")
    os.replace(tmp, os.path.join(out_dir, "reader.onnx"))
    log(f"exported {os.path.join(out_dir, 'reader.onnx')} and reader.pt")
