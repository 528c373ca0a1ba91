"""The validation split (npr_train.split): stable, about a fifth, every frame of a plate or vehicle on one side."""
import numpy as np

from npr_train import split


def test_crop_side_depends_on_the_text_only_and_holds_back_about_a_fifth():
    rng = np.random.default_rng(0)
    texts = ["".join(rng.choice(list("ABCDEFGHJKLMNPRSTUVWXYZ0123456789"), 7)) for _ in range(5000)]
    sides = [split.crop_side(t) for t in texts]
    share = sides.count("val") / len(sides)
    assert 0.17 < share < 0.23
    assert all(split.crop_side(t.lower()) == s for t, s in zip(texts, sides))  # case does not move a plate
    # fixed values: a change of the hash or the share would silently move plates between the sides
    assert [split.crop_side(t) for t in ("FUW999", "AB123CD", "Q1W2E3")] == ["train", "val", "train"]


def test_dashcam_frames_split_by_video_time_with_a_guard_band():
    cut = split.VIDEO_VAL_FROM["dayride_type1_001"]
    f = lambda t: f"robertlucian-ro/dayride_type1_001-t{t:04d}.jpg"  # noqa: E731
    assert split.scene_side(f(cut)) == "val"
    assert split.scene_side(f(cut + 300)) == "val"
    assert split.scene_side(f(cut - 1)) == "guard"
    assert split.scene_side(f(cut - split.GUARD_S)) == "guard"
    assert split.scene_side(f(cut - split.GUARD_S - 1)) == "train"
    assert split.scene_side(f(3)) == "train"
    assert split.scene_side("robertlucian-ro/a_new_video-t0010.jpg") == "val"
    assert split.video_frame(f(12)) == ("dayride_type1_001", 12)


def test_web_scenes_split_by_file_and_stay_put():
    files = [f"kaggle-car-plate-detection/Cars{i}.jpg" for i in range(2000)]
    sides = [split.scene_side(f) for f in files]
    assert set(sides) == {"train", "val"}
    assert 0.16 < sides.count("val") / len(sides) < 0.24
    assert sides[7:10] == ["train", "val", "train"]  # fixed: Cars8 is held back
    assert split.scene_source("ccpd/x.jpg") == "ccpd" and split.scene_source("robertlucian-ro/x-t0001.jpg") == "ro"
