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


def channels_of(sd):
    """The channels a reader state_dict was made with (Reader.CHANNELS, or a slim reader's)."""
    names = ("features.0.0.weight", "features.2.0.weight", "features.4.0.weight", "deep.0.0.weight", "collapse.0.weight")
    return tuple(int(sd[n].shape[0]) for n in names)


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
    m = Reader(extra=extra_of(sd), channels=channels_of(sd))
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


def slimmed(model, channels):
    """A reader with `channels` (Reader.slim) that starts as `model` cut down: in every layer the channels
    with the largest batch-norm scales are kept (the ones the trained reader leans on most), and each next
    layer keeps the matching inputs. A residual block's output is its input's channels, so its last layer
    keeps those; the heads keep the features they pooled. Distillation (`reader train --teacher`) then
    teaches the cut reader what the dropped channels carried."""
    src = {k: v.detach().clone() for k, v in model.state_dict().items()}
    extra = extra_of(src)
    out = Reader(extra=extra, channels=channels)
    dst = out.state_dict()

    def top(bn, n):
        return torch.argsort(src[bn + ".weight"].abs(), descending=True)[:n].sort().values

    def take(prefix, conv, bn, keep_in, keep_out):
        w = src[f"{prefix}{conv}.weight"][keep_out][:, keep_in]
        dst[f"{prefix}{conv}.weight"] = w
        for name in ("weight", "bias", "running_mean", "running_var"):
            dst[f"{prefix}{bn}.{name}"] = src[f"{prefix}{bn}.{name}"][keep_out]
        dst[f"{prefix}{bn}.num_batches_tracked"] = src[f"{prefix}{bn}.num_batches_tracked"]

    def layer(prefix, keep_in, n):  # a conv_bn: conv at .0, batch norm at .1
        keep_out = top(prefix + "1", n)
        take(prefix, "0", "1", keep_in, keep_out)
        return keep_out

    def residual(prefix, keep, width):  # body: conv .0, bn .1, relu, conv .3, bn .4
        if not extra:
            return
        inner = top(prefix + "body.1", width)
        take(prefix + "body.", "0", "1", keep, inner)
        take(prefix + "body.", "3", "4", inner, keep)

    c1, c2, c3, c4, c5 = channels
    rgb = torch.arange(3)
    k1 = layer("features.0.", rgb, c1)
    k2 = layer("features.2.", k1, c2)
    k3 = layer("features.5.", layer("features.4.", k2, c3), c3)
    residual("glyphs.", k3, c3)
    k4 = layer("deep.1.", layer("deep.0.", k3, c4), c4)
    residual("strokes.", k4, c4)
    collapsed = top("collapse.1", c5)
    take("collapse.", "0", "1", k4, collapsed)
    k5 = layer("context.1.", layer("context.0.", collapsed, c5), c5)
    residual("wide_context.", k5, c5)
    dst["classify.weight"] = src["classify.weight"][:, k5]
    dst["classify.bias"] = src["classify.bias"]
    dst["region.weight"] = src["region.weight"][:, k3]
    dst["region.bias"] = src["region.bias"]
    # the plate head pools [mean(f), max(f), mean(d), max(d)] of the glyph map f and the reading features d
    n3 = src["region.weight"].shape[1]
    n5 = src["classify.weight"].shape[1]
    pooled = torch.cat([k3, n3 + k3, 2 * n3 + k5, 2 * n3 + n5 + k5])
    dst["plate.0.weight"] = src["plate.0.weight"][:, pooled]
    for name in ("plate.0.bias", "plate.2.weight", "plate.2.bias"):
        dst[name] = src[name]
    out.load_state_dict(dst)
    return out
