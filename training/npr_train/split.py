"""The fixed validation split carved from the training data (shared/data/train-real).

Checkpoints, decoder constants and data choices are chosen on this split, never on the dev photos.
Every training loader asks `crop_side` / `scene_side` and keeps only "train"; the validation code keeps
only "val". The sides depend on the records alone (stable hashes, fixed time cuts), so they do not move
between runs, machines or Python versions.

- OCR crops: by plate TEXT (sha1 of the upper-cased text), ~20%: every frame of a plate is on one side.
- Kaggle and CCPD scenes: by file name (sha1), ~20%.
- Romanian dashcam scenes (frames of 4 videos, 1-4 s apart, the same cars in neighbouring frames): by
  video and time: the last ~20% of each video (t >= VIDEO_VAL_FROM[video]) is held back, and the
  GUARD_S seconds before that cut are used by neither side, so that no vehicle is on both sides.
- Synthetic: a fixed seeded set made from the held-back sources only (see detector_val).
"""
import hashlib
import os
import re

VAL_SHARE = 0.2
# first held-back second of each video: the frame at 80% of that video's frames, in time order
VIDEO_VAL_FROM = {"dayride_type1_001": 1174, "dayride_type1_002": 658, "dayride_type1_003": 314,
                  "nightride_type3_001": 486}
GUARD_S = 20
_FRAME = re.compile(r"^(?P<video>.+)-t(?P<t>\d+)$")


def _unit(key):
    """A stable number in [0, 1) for a key."""
    return int(hashlib.sha1(key.encode("utf-8")).hexdigest()[:8], 16) / 2 ** 32


def crop_side(text):
    """'train' or 'val' for a real OCR crop of this plate text."""
    return "val" if _unit("text:" + text.upper()) < VAL_SHARE else "train"


def video_frame(file):
    """(video, second) of a dashcam frame file name like robertlucian-ro/<video>-t0123.jpg, else None."""
    m = _FRAME.match(os.path.splitext(os.path.basename(file))[0])
    return (m["video"], int(m["t"])) if m else None


def scene_side(file):
    """'train', 'val' or 'guard' (neither) for a real scene, by its manifest file path."""
    vf = video_frame(file) if file.startswith("robertlucian-ro/") else None
    if vf is not None:
        video, t = vf
        cut = VIDEO_VAL_FROM.get(video)
        if cut is None:  # a video added later: held back whole, until a cut is chosen for it
            return "val"
        if t >= cut:
            return "val"
        return "guard" if t >= cut - GUARD_S else "train"
    return "val" if _unit("scene:" + file) < VAL_SHARE else "train"


def scene_source(file):
    """'kaggle', 'ccpd' or 'ro' from a manifest file path."""
    if file.startswith("ccpd"):
        return "ccpd"
    if file.startswith("robertlucian-ro"):
        return "ro"
    return "kaggle"
