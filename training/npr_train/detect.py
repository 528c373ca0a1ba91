"""The detector as the runtime runs it (packages/recognition/src/detect-plates.ts): the photo resized so
its long side is 640, padded to multiples of 32, heatmap peaks (3x3 local maxima above a threshold),
corners decoded per training/MODEL_IO.md, then NMS on the corners' boxes."""
import cv2
import numpy as np
import torch
import torch.nn.functional as F

from .models import CORNER_UNIT, DETECTOR_STRIDE, Detector

SIZE = 640
RUNTIME_THRESHOLD = 0.3  # DETECTION_THRESHOLD's default in packages/recognition


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


def iou(a, b):
    """IoU of boxes a (N,4) and b (M,4)."""
    if len(a) == 0 or len(b) == 0:
        return np.zeros((len(a), len(b)), np.float32)
    x0 = np.maximum(a[:, None, 0], b[None, :, 0]); y0 = np.maximum(a[:, None, 1], b[None, :, 1])
    x1 = np.minimum(a[:, None, 2], b[None, :, 2]); y1 = np.minimum(a[:, None, 3], b[None, :, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    aa = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1]); bb = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    return inter / np.maximum(aa[:, None] + bb[None, :] - inter, 1e-6)


def decode(heat, geom, scale, thr=RUNTIME_THRESHOLD, nms_iou=0.3):
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


@torch.no_grad()
def detect(model, x_uint8_chw, scale, thr=RUNTIME_THRESHOLD):
    """Run `model` on one prepared image; boxes, scores, quads in the original photo's pixels."""
    heat, geom = model(torch.from_numpy(x_uint8_chw).float().div_(255).unsqueeze(0))
    return decode(heat, geom, scale, thr)


def load_detector(path):
    """A Detector with the weights of `path` (an fp16 state_dict, or a training checkpoint's model)."""
    m = Detector()
    sd = torch.load(path, map_location="cpu")
    if "model" in sd and isinstance(sd["model"], dict):
        sd = sd["model"]
    m.load_state_dict({k: (v.float() if v.is_floating_point() else v) for k, v in sd.items()})
    return m.eval()
