"""Not-plates that look like text: lettering on vans and signs, badges, phone numbers, drain grates and
fences, rendered with an empty target. The detector fires on these in real photos (a van's company
name, a sign, a car's model badge, a storm drain's slots) and a reader trained only on plates and
random patches reads them as plate-like strings. What separates them from plates is their context (no
plate background and border, words rather than plate formats, other lines of text about them), so
they are drawn without any plate around them. They are also kept out of the plates' own looks: no plate
typeface, no plate yellow, and plain lettering (a plate without its border looks like that) only with
other lines of text about it, or slanted or coloured; else the reader learns to say nothing on clean
plates."""
import cv2
import numpy as np

from .plates import DIGITS, LETTERS, _draw_line, _pick_font

FONTS = ["din", "rgB", "rgC", "rgD", "rgE", "rgEM", "rgF", "barlowC", "barlowC7", "barlow", "overpass"]
VOWELS = "AEIOU"
CONSONANTS = "".join(c for c in LETTERS if c not in VOWELS)


def _word(rng, n):
    """A pronounceable letter string (alternating consonant/vowel runs), like a name or a brand."""
    out = []
    vowel = rng.random() < 0.4
    while len(out) < n:
        pool = VOWELS if vowel else CONSONANTS
        out.append(pool[int(rng.integers(len(pool)))])
        if rng.random() < 0.7:
            vowel = not vowel
    return "".join(out)


def _text(rng):
    if rng.random() < 0.65:  # a word or two: company names, model badges, sign words
        words = [_word(rng, int(rng.integers(3, 9))) for _ in range(1 if rng.random() < 0.7 else 2)]
        return " ".join(words)
    # phone numbers and fleet numbers: digit groups longer or differently split than plates. Words with
    # a number ("EXIT 12") are left out: too many plate formats look like that
    groups = [int(rng.integers(3, 5)), int(rng.integers(4, 5))] if rng.random() < 0.6 else [int(rng.integers(8, 12))]
    sep = " " if rng.random() < 0.5 else "-"
    return sep.join("".join(DIGITS[int(rng.integers(10))] for _ in range(g)) for g in groups)


def _background(rng, h, w):
    # no plate yellow: a yellow ground with dark text is a UK rear plate whatever else is about it
    base = rng.choice([(235, 235, 235), (250, 250, 250), (30, 30, 30), (160, 20, 20), (20, 60, 140), (20, 100, 50),
                       (200, 200, 205), (120, 120, 125), (90, 60, 40)])
    img = np.empty((h, w, 3), np.float32)
    img[:] = np.clip(np.array(base, np.float32) + rng.normal(0, 12, 3), 0, 255)
    ramp = np.linspace(rng.uniform(-30, 0), rng.uniform(0, 30), w if rng.random() < 0.5 else h, dtype=np.float32)
    img += ramp[None, :, None] if ramp.shape[0] == w else ramp[:, None, None]
    return img


def text_sample(rng):
    """A crop about one line of non-plate text, with other lines or edges about it; (image, quad)."""
    cap = float(rng.uniform(40, 80))
    W, H = int(cap * rng.uniform(8, 14)), int(cap * rng.uniform(3.2, 4.5))
    img = _background(rng, H, W)
    bg = img[H // 2, 5].copy()
    dark = bg.mean() > 110
    ink = np.clip((np.array([20, 20, 25]) if dark else np.array([240, 240, 240])) + rng.normal(0, 15, 3), 0, 255)
    coloured = rng.random() < 0.35
    if coloured:  # company colours
        ink = np.array(rng.choice([(200, 20, 20), (20, 50, 160), (20, 120, 40), (230, 120, 0)]), np.float32)
    italic = rng.random() < 0.35
    # plain lettering (one colour on a plain ground, as plates are) is a negative only with other lines of
    # text about it; coloured or slanted lettering also alone
    if coloured or italic:
        lines = tuple(side for side in (-1, 1) if rng.random() < 0.5)
    else:
        lines = [(-1,), (1,), (-1, 1)][int(rng.integers(3))]
    font = _pick_font(rng, FONTS)
    text = _text(rng)
    cx, cy = W / 2 + rng.normal(0, W * 0.05), H / 2
    condense = rng.uniform(0.8, 1.3)
    x0, x1, _ = _draw_line(img, font, text, cx, cy, cap, ink, W * 0.9, cap * rng.uniform(0.05, 0.25), condense,
                           group_gap=cap * rng.uniform(0.4, 0.8), shadow=(2, 2, (60, 60, 60), 0.5) if rng.random() < 0.2 else None,
                           bold=int(rng.integers(0, 3)), rng=rng)
    # other lines of smaller text above and below: signs and van sides rarely carry one line alone
    for side in lines:
        h2 = cap * rng.uniform(0.45, 0.9)
        _draw_line(img, _pick_font(rng, FONTS), _text(rng), W / 2, cy + side * (cap / 2 + h2 / 2 + cap * rng.uniform(0.15, 0.35)),
                   h2, ink, W * 0.95, h2 * 0.1, rng.uniform(0.8, 1.2), group_gap=h2 * 0.5, rng=rng)
    if italic:  # as on badges and logos
        sh = rng.uniform(-0.25, -0.1)
        M = np.float32([[1, sh, -sh * H / 2], [0, 1, 0]])
        img = cv2.warpAffine(img, M, (W, H), borderMode=cv2.BORDER_REPLICATE)
    # the crop reaches the lines about the text (a detector's box on a sign takes them in)
    pw, ph = (x1 - x0) * rng.uniform(0.95, 1.15), cap * (rng.uniform(2.3, 2.9) if lines else rng.uniform(1.2, 1.7))
    q = np.array([[cx - pw / 2, cy - ph / 2], [cx + pw / 2, cy - ph / 2], [cx + pw / 2, cy + ph / 2], [cx - pw / 2, cy + ph / 2]],
                 np.float32)
    if pw / ph > 5:  # the detector boxes plate-shaped parts of long text: take a plate-wide window of it
        nw = ph * rng.uniform(2.5, 5)
        off = rng.uniform(-(pw - nw) / 2, (pw - nw) / 2)
        q[:, 0] = np.clip(q[:, 0], cx + off - nw / 2, cx + off + nw / 2)
    return np.clip(img, 0, 255).astype(np.uint8), q


def slots_sample(rng):
    """Rows of dark slots or bars: drain grates, vents, fences, grilles read as 1s and 7s."""
    H, W = int(rng.uniform(90, 140)), int(rng.uniform(300, 450))
    img = _background(rng, H, W)
    img += rng.normal(0, rng.uniform(3, 12), img.shape).astype(np.float32)
    n = int(rng.integers(6, 22))
    top, bot = H * rng.uniform(0.25, 0.4), H * rng.uniform(0.6, 0.75)
    left, right = W * rng.uniform(0.05, 0.2), W * rng.uniform(0.8, 0.95)
    pitch = (right - left) / n
    slot = pitch * rng.uniform(0.3, 0.7)
    shade = np.clip(img[int(top)].mean(0) * rng.uniform(0.1, 0.45), 0, 255)
    lean = rng.uniform(-0.3, 0.3) * (bot - top)
    for i in range(n):
        x = left + i * pitch
        pts = np.array([[x, top], [x + slot, top], [x + slot + lean, bot], [x + lean, bot]], np.int32)
        cv2.fillConvexPoly(img, pts, shade.tolist(), cv2.LINE_AA)
    if rng.random() < 0.5:  # the grate's frame
        cv2.rectangle(img, (int(left - pitch), int(top - 6)), (int(right + pitch), int(bot + 6)), (shade * 1.3).tolist(), 3)
    q = np.array([[left, top], [right, top], [right, bot], [left, bot]], np.float32)
    c = q.mean(0)
    q = c + (q - c) * np.array([rng.uniform(0.9, 1.15), rng.uniform(1.1, 1.5)], np.float32)
    return np.clip(img, 0, 255).astype(np.uint8), q
