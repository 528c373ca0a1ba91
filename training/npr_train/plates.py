"""Synthetic number plates, rendered front-on.

    from npr_train.plates import render_plate
    p = render_plate(np.random.default_rng(0), region="gb")
    p["image"]    # uint8 HxWx3 RGB: the plate plus a margin of "car body" around it
    p["corners"]  # float32 4x2: TL, TR, BR, BL of the plate's outer edge in that image
    p["text"]     # label per training/MODEL_IO.md (A-Z0-9 only; US: letter O written as 0)
    p["region"]   # one of models.REGIONS
    p["lines"]    # 1 or 2
    p["line_texts"]  # the label of each text line (two-line plates: upper, lower)
    p["alpha"]    # uint8 HxW, 255 on the plate (rounded corners), 0 on the margin

Plates are laid out in millimetres from the published dimensions and drawn at `scale` pixels per
millimetre (default: a random scale giving a one-line plate about 190-300 px wide).

UK glyphs: no free Charles Wright typeface exists, so they are drawn here as a parametric stroke
font (79 mm high, 50 mm wide, 14 mm stroke, 0 and O share a glyph, 1/I a plain vertical stroke).
Other fonts come from Debian packages fonts-roadgeek (FHWA) and fonts-opendin (DIN 1451), looked up
in /usr/share/fonts and, failing that, in ../shared/data/fonts.
"""
import math
import os
from functools import lru_cache

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from .models import REGIONS

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
DIGITS = "0123456789"

# ----------------------------------------------------------------------------------------- fonts

_FONTS_SHARED = os.path.join(os.environ.get("NPR_SHARED", os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared")),
                             "data", "fonts")
_FONT_DIRS = [
    "/usr/share/fonts/truetype/roadgeek",
    "/usr/share/fonts/truetype/opendin",
] + [os.path.join(_FONTS_SHARED, d) for d in ("roadgeek-2014", "osp-din", "barlow-condensed", "barlow", "overpass")]
_FONT_FILES = {
    "din": "OSP-DIN.ttf",
    "rgB": "RG2014B.ttf", "rgC": "RG2014C.ttf", "rgD": "RG2014D.ttf", "rgE": "RG2014E.ttf",
    "rgEM": "RG2014EM.ttf", "rgF": "RG2014F.ttf",
    # optional (npm @fontsource woff files)
    "barlowC": "barlow-condensed-latin-600-normal.woff", "barlowC7": "barlow-condensed-latin-700-normal.woff",
    "barlow": "barlow-latin-600-normal.woff", "overpass": "overpass-latin-700-normal.woff",
}


@lru_cache(maxsize=None)
def _font_path(key):
    for d in _FONT_DIRS:
        p = os.path.join(d, _FONT_FILES[key])
        if os.path.exists(p):
            return p
    return None


def available_fonts():
    return [k for k in _FONT_FILES if _font_path(k)]


def _pick_font(rng, choices):
    ok = [c for c in choices if c in ("uk", "ukr") or _font_path(c)]
    return ok[rng.integers(len(ok))] if ok else "uk"


GLYPH_H = 96  # cached glyph masks are this tall (cap height); widths follow the font


@lru_cache(maxsize=None)
def _ttf_glyph(key, ch):
    """Mask (uint8, ink=255) of one character cropped to its ink, scaled to GLYPH_H tall for caps/digits."""
    font = ImageFont.truetype(_font_path(key), 140)
    img = Image.new("L", (240, 240), 0)
    ImageDraw.Draw(img).text((40, 20), ch, fill=255, font=font)
    a = np.asarray(img)
    ys, xs = np.nonzero(a > 20)
    if len(xs) == 0:
        return np.zeros((GLYPH_H, GLYPH_H // 3), np.uint8)
    if ch.isalnum():
        a = a[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
    else:  # punctuation keeps its place inside the cap height (a dash stays a thin bar at mid height)
        t, b = _ttf_cap_rows(key)
        a = a[t:b + 1, xs.min():xs.max() + 1]
    # scale so that the cap height of this font maps to GLYPH_H
    cap = _ttf_cap_height(key)
    s = GLYPH_H / cap
    h = max(2, int(round(a.shape[0] * s)))
    w = max(2, int(round(a.shape[1] * s)))
    return cv2.resize(a, (w, h), interpolation=cv2.INTER_AREA)


@lru_cache(maxsize=None)
def _ttf_cap_rows(key):
    font = ImageFont.truetype(_font_path(key), 140)
    img = Image.new("L", (240, 240), 0)
    ImageDraw.Draw(img).text((40, 20), "H", fill=255, font=font)
    ys = np.nonzero(np.asarray(img) > 20)[0]
    return int(ys.min()), int(ys.max())


def _ttf_cap_height(key):
    top, bottom = _ttf_cap_rows(key)
    return float(bottom - top + 1)


# --------------------------------------------------------------------- UK parametric stroke font
# Glyph box 50 x 79 mm, stroke 14 mm. Paths are stroke centre lines, so they stay 7 mm inside the box.
_L, _R, _T, _B = 7.0, 43.0, 7.0, 72.0
_CX, _MID = 25.0, 38.5
_RX = 18.0  # horizontal radius of round parts


def _arc(cx, cy, rx, ry, a0, a1, n=None):
    """Points of an elliptical arc from angle a0 to a1 (degrees, image coordinates: 90 = down)."""
    n = n or max(4, int(abs(a1 - a0) / 10))
    t = np.radians(np.linspace(a0, a1, n + 1))
    return [(cx + rx * math.cos(v), cy + ry * math.sin(v)) for v in t]


def _rrect(L, T, R, B, r):
    """Closed centre line of a rounded rectangle with corner radius r."""
    return (_arc(R - r, T + r, r, r, 270, 360) + _arc(R - r, B - r, r, r, 0, 90) + _arc(L + r, B - r, r, r, 90, 180)
            + _arc(L + r, T + r, r, r, 180, 270) + [(R - r, T)])


def _uk_paths(ch, variant=0):
    L, R, T, B, CX, MID, RX = _L, _R, _T, _B, _CX, _MID, _RX
    ru = (MID - T) / 2  # upper bowl vertical radius
    rl = (B - MID) / 2
    P = []
    if variant == 1 and ch in "0OQD":
        # "Mandatory"-like variant (old Brazilian plates): O/0 a rounded rectangle, D with tighter corners
        r = 10.0
        if ch == "D":
            P.append([(L, T), (R - r, T)] + _arc(R - r, T + r, r, r, 270, 360) + _arc(R - r, B - r, r, r, 0, 90) + [(L, B), (L, T)])
        else:
            P.append(_rrect(L, T, R, B, r))
            if ch == "Q":
                P.append([(CX + 4, B - 16), (R + 2, B + 2)])
        return P
    if ch in "0O":
        P.append(_arc(CX, T + RX, RX, RX, 180, 360) + _arc(CX, B - RX, RX, RX, 0, 180) + [(L, T + RX)])
    elif ch == "Q":
        P.append(_arc(CX, T + RX, RX, RX, 180, 360) + _arc(CX, B - RX, RX, RX, 0, 180) + [(L, T + RX)])
        P.append([(CX + 4, B - 16), (R + 2, B + 2)])
    elif ch in "1I":
        P.append([(7, T), (7, B)])
    elif ch == "2":
        P.append(_arc(CX, T + 16, RX, 16, 195, 360) + [(R, T + 20), (L, B), (R, B)])
    elif ch == "3":
        P.append([(L, T), (R - 2, T), (CX - 1, MID - 1)] + _arc(CX, B - rl - 1, RX, rl + 1, 270, 495))
    elif ch == "4":
        P.append([(R - 8, B), (R - 8, T), (L, B - 22), (R + 2, B - 22)])
    elif ch == "5":
        P.append([(R, T), (L + 1, T), (L, MID - 3)] + _arc(CX, B - rl - 2, RX, rl + 2, 240, 500))
    elif ch == "6":
        P.append(_arc(CX, T + RX, RX, RX, 330, 180) + [(L, B - rl)])
        P.append(_arc(CX, B - rl, RX, rl, 0, 360))
    elif ch == "9":
        P.append(_arc(CX, B - RX, RX, RX, 150, 0) + [(R, T + ru)])
        P.append(_arc(CX, T + ru, RX, ru, 0, 360))
    elif ch == "7":
        P.append([(L, T), (R, T), (L + 10, B)])
    elif ch == "8":
        P.append(_arc(CX, T + ru, RX - 2, ru, 0, 360))
        P.append(_arc(CX, B - rl, RX, rl, 0, 360))
    elif ch == "A":
        a = (R - L) / 2 / (B - T)
        y = B - 20
        P.append([(L, B), (CX, T), (R, B)])
        P.append([(CX - a * (y - T), y), (CX + a * (y - T), y)])
    elif ch == "B":
        P.append([(L, MID), (R - ru + 2, MID)] + _arc(R - ru + 2, T + ru, ru - 2, ru, 90, -90) + [(L, T), (L, B), (R - rl, B)]
                 + _arc(R - rl, MID + rl, rl, rl, 90, -90))
    elif ch == "C":
        P.append(_arc(CX, T + RX, RX, RX, 330, 180) + _arc(CX, B - RX, RX, RX, 180, 30))
    elif ch == "D":
        P.append([(L, T), (R - RX, T)] + _arc(R - RX, T + RX, RX, RX, 270, 360) + _arc(R - RX, B - RX, RX, RX, 0, 90) + [(L, B), (L, T)])
    elif ch == "E":
        P.append([(R, T), (L, T), (L, B), (R, B)])
        P.append([(L, MID), (R - 5, MID)])
    elif ch == "F":
        P.append([(R, T), (L, T), (L, B)])
        P.append([(L, MID), (R - 5, MID)])
    elif ch == "G":
        P.append(_arc(CX, T + RX, RX, RX, 330, 180) + _arc(CX, B - RX, RX, RX, 180, 0) + [(R, MID + 4), (CX + 2, MID + 4)])
    elif ch == "H":
        P += [[(L, T), (L, B)], [(R, T), (R, B)], [(L, MID), (R, MID)]]
    elif ch == "J":
        P.append([(R, T), (R, B - RX)] + _arc(CX, B - RX, RX, RX, 0, 165))
    elif ch == "K":
        P += [[(L, T), (L, B)], [(R, T), (L, MID + 8)], [(L + 13, MID - 4), (R, B)]]
    elif ch == "L":
        P.append([(L, T), (L, B), (R, B)])
    elif ch == "M":
        P.append([(L, B), (L, T), (CX, MID + 10), (R, T), (R, B)])
    elif ch == "N":
        P.append([(L, B), (L, T), (R, B), (R, T)])
    elif ch == "P":
        P.append([(L, B), (L, T), (R - ru, T)] + _arc(R - ru, T + ru + 1, ru, ru + 1, 270, 450) + [(L, MID + 2)])
    elif ch == "R":
        P.append([(L, B), (L, T), (R - ru, T)] + _arc(R - ru, T + ru + 1, ru, ru + 1, 270, 450) + [(L, MID + 2)])
        P.append([(CX - 2, MID + 2), (R, B)])
    elif ch == "S":
        P.append(_arc(CX, T + ru, RX - 1, ru, 330, 90) + _arc(CX, B - rl, RX, rl, 270, 510))
    elif ch == "T":
        P += [[(L - 2, T), (R + 2, T)], [(CX, T), (CX, B)]]
    elif ch == "U":
        P.append([(L, T), (L, B - RX)] + _arc(CX, B - RX, RX, RX, 180, 0) + [(R, T)])
    elif ch == "V":
        P.append([(L - 1, T), (CX, B), (R + 1, T)])
    elif ch == "W":
        P.append([(L - 2, T), (L + 7, B), (CX, T + 22), (R - 7, B), (R + 2, T)])
    elif ch == "X":
        P += [[(L, T), (R, B)], [(R, T), (L, B)]]
    elif ch == "Y":
        P += [[(L, T), (CX, MID + 2), (R, T)], [(CX, MID + 2), (CX, B)]]
    elif ch == "Z":
        P.append([(L, T), (R, T), (L, B), (R, B)])
    elif ch == "-":
        P.append([(L + 4, MID), (R - 4, MID)])
    return P


@lru_cache(maxsize=None)
def _uk_glyph(ch, variant=0, stroke_mm=14.0):
    """Mask of a UK glyph, GLYPH_H tall (= 79 mm); 1 and I are 14 mm wide, the rest 50 mm."""
    k = 4.0  # px per mm while drawing
    w_mm = 14.0 if ch in "1I" else 50.0
    W, H = int(w_mm * k), int(79 * k)
    img = np.zeros((H, W), np.uint8)
    th = int(round(stroke_mm * k))
    for path in _uk_paths(ch, variant):
        pts = np.array([[x * k, y * k] for x, y in path], np.int32)
        # a thick polyline: segments with round caps/joins, which is what cv2.line does for thick lines
        for a, b in zip(pts[:-1], pts[1:]):
            cv2.line(img, tuple(int(v) for v in a), tuple(int(v) for v in b), 255, th, cv2.LINE_AA)
    # the drawn strokes overshoot the 79x50 box only where the caps stick out (e.g. A apex): clip
    s = GLYPH_H / H
    return cv2.resize(img, (max(2, int(round(W * s))), GLYPH_H), interpolation=cv2.INTER_AREA)


_SHARED = os.environ.get("NPR_SHARED", os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared"))
_GB_TILES = None


def _gb_tiles():
    """Real UK character tiles (shared/data/train-real/ocr/chars, binarised Charles Wright glyphs cut from
    2014 UK camera captures, AGPL-3.0): char -> list of ink masks GLYPH_H tall. Empty if not available."""
    global _GB_TILES
    if _GB_TILES is None:
        _GB_TILES = {}
        man = os.path.join(_SHARED, "data", "train-real", "ocr", "chars-manifest.jsonl")
        if os.path.exists(man):
            import json
            for line in open(man):
                r = json.loads(line)
                im = cv2.imread(os.path.join(os.path.dirname(man), r["file"]), cv2.IMREAD_GRAYSCALE)
                if im is None:
                    continue
                ink = 255 - im
                ys, xs = np.nonzero(ink > 100)
                if len(xs) < 10:
                    continue
                ink = ink[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
                if ink.shape[0] < 20:
                    continue
                w = max(2, int(round(ink.shape[1] * GLYPH_H / ink.shape[0])))
                _GB_TILES.setdefault(r["text"], []).append(cv2.resize(ink, (w, GLYPH_H), interpolation=cv2.INTER_LINEAR))
    return _GB_TILES


def has_gb_tiles():
    return bool(_gb_tiles())


def glyph(font, ch, rng=None):
    if font == "uk":
        return _uk_glyph(ch)
    if font == "ukr":
        return _uk_glyph(ch, 1)
    if font == "gbreal":
        pool = _gb_tiles().get("0" if ch == "O" and rng is not None and rng.random() < 0.5 else ch)
        if not pool:
            return _uk_glyph(ch)
        return pool[int(rng.integers(len(pool))) if rng is not None else 0]
    return _ttf_glyph(font, ch)


# ----------------------------------------------------------------------------------- text samplers

def _L_(rng, n, pool=LETTERS):
    return "".join(pool[i] for i in rng.integers(len(pool), size=n))


def _D_(rng, n, first_nonzero=False):
    s = "".join(DIGITS[i] for i in rng.integers(10, size=n))
    if first_nonzero and s[0] == "0":
        s = str(rng.integers(1, 10)) + s[1:]
    return s


UK_LETTERS = "ABCDEFGHJKLMNOPRSTUVWXYZ"  # no I, Q in most positions
UK_CUR_LETTERS = "ABCDEFGHJKLMNOPRSTUVWXY"  # current format: no I, Q, Z in the last three


def sample_uk(rng):
    """Returns (groups, fmt). Groups are the display groups, e.g. ["AB12", "CDE"]."""
    r = rng.random()
    if r < 0.55:  # current: AB12 CDE (age 02-26, 51-76)
        age = rng.choice([f"{y:02d}" for y in list(range(2, 27)) + list(range(51, 76))])
        return [_L_(rng, 2, "ABCDEFGHKLMNOPRSVWXY") + age, _L_(rng, 3, UK_CUR_LETTERS)], "current"
    if r < 0.72:  # prefix A123 BCD
        return [_L_(rng, 1, "ABCDEFGHJKLMNPRSTVWXY") + str(rng.integers(1, 1000)), _L_(rng, 3, UK_LETTERS)], "prefix"
    if r < 0.84:  # suffix ABC 123D
        return [_L_(rng, 3, UK_LETTERS), str(rng.integers(1, 1000)) + _L_(rng, 1, "ABCDEFGHJKLMNPRSTVWXY")], "suffix"
    if r < 0.93:  # dateless: 1-3 letters and 1-4 digits either way round
        a, d = _L_(rng, int(rng.integers(1, 4)), UK_LETTERS), str(rng.integers(1, 10000))
        return ([a, d] if rng.random() < 0.6 else [d, a]), "dateless"
    # Northern Ireland: ABZ 1234 (second/third letter I or Z as in NI codes)
    ni = _L_(rng, 1, "ABCDEFGHJKLMNOPRSTUVWXY") + rng.choice(["IA", "IB", "IG", "IJ", "IL", "IW", "JZ", "KZ", "LZ", "MZ", "NZ", "OI", "RZ", "SZ", "UI", "XI", "YZ", "AZ", "BZ", "CZ", "DZ", "EZ", "FZ", "GZ", "HZ"])
    return [ni[:3] if rng.random() < 0.8 else ni[1:3], str(rng.integers(1, 10000))], "ni"


def sample_eu(rng, country):
    if country == "de":
        city = _L_(rng, int(rng.choice([1, 2, 3], p=[0.3, 0.45, 0.25])), "ABCDEFGHKLMNOPRSTUVWZ")
        mid = _L_(rng, int(rng.integers(1, 3)), "ABCDEFGHJKLMNOPRSTUVWXYZ")
        num = _D_(rng, int(rng.integers(1, 5)), True)
        if len(city) + len(mid) + len(num) > 8:
            num = num[: 8 - len(city) - len(mid)]
        suf = "E" if rng.random() < 0.05 else ("H" if rng.random() < 0.04 else "")
        return [city, mid, num + suf]
    if country == "sk":
        d = rng.choice(["BA", "BL", "BB", "KE", "KI", "NR", "PO", "TT", "TN", "ZA", "PP", "MI", "LV", "TV", "SC", "NZ", "PD", "DS"])
        if rng.random() < 0.35:  # 2023 format: two letters + 3 digits + 2 letters without district
            return [_L_(rng, 2), _D_(rng, 3) + _L_(rng, 2)]
        return [d, _D_(rng, 3) + _L_(rng, 2)]
    if country == "cz":
        return [str(rng.integers(1, 10)) + _L_(rng, 1, "ABCEHJKLMPSTUZ") + (_L_(rng, 1) if rng.random() < 0.5 else str(rng.integers(10))), _D_(rng, 4)]
    if country == "pl":
        if rng.random() < 0.5:
            return [_L_(rng, 2, "BCDEFGKLNOPRSTWZ"), _D_(rng, 5)]
        return [_L_(rng, 3, "BCDEFGKLNOPRSTWZ"), _D_(rng, int(rng.integers(2, 4))) + _L_(rng, 2, "ABCDEFGHJKLMNPRSTUVWXY")]
    if country == "fr":
        return [_L_(rng, 2, "ABCDEFGHJKLMNPQRSTVWXYZ"), _D_(rng, 3), _L_(rng, 2, "ABCDEFGHJKLMNPQRSTVWXYZ")]
    if country == "nl":
        f = rng.integers(6)
        x = "BDFGHJKLNPRSTVXZ"
        if f == 0:
            return [_D_(rng, 2), _L_(rng, 3, x), _D_(rng, 1)]
        if f == 1:
            return [_D_(rng, 1), _L_(rng, 3, x), _D_(rng, 2)]
        if f == 2:
            return [_L_(rng, 2, x), _D_(rng, 3), _L_(rng, 1, x)]
        if f == 3:
            return [_L_(rng, 1, x), _D_(rng, 3), _L_(rng, 2, x)]
        if f == 4:
            return [_L_(rng, 3, x), _D_(rng, 2), _L_(rng, 1, x)]
        return [_L_(rng, 2, x), _L_(rng, 2, x), _D_(rng, 2)]
    if country == "it":
        return [_L_(rng, 2, "ABCDEFGHJKLMNPRSTVWXYZ"), _D_(rng, 3) + _L_(rng, 2, "ABCDEFGHJKLMNPRSTVWXYZ")]
    if country == "es":
        return [_D_(rng, 4), _L_(rng, 3, "BCDFGHJKLMNPRSTVWXYZ")]
    # generic European: 1-3 letters, 2-4 digits, 0-3 letters, in a few orders
    f = rng.integers(4)
    if f == 0:
        return [_L_(rng, int(rng.integers(1, 4))), _D_(rng, int(rng.integers(2, 5)))]
    if f == 1:
        return [_L_(rng, 2), _D_(rng, 3), _L_(rng, 2)]
    if f == 2:
        return [_D_(rng, 3), _L_(rng, 3)]
    return [_L_(rng, 2), _D_(rng, 4) + _L_(rng, int(rng.integers(0, 3)))]


def sample_us(rng):
    f = rng.integers(10)
    if f == 0:
        return [_L_(rng, 3), _D_(rng, 4)]  # ABC 1234
    if f == 1:
        return [_D_(rng, 1, True) + _L_(rng, 3) + _D_(rng, 3)]  # 7ABC123 (CA)
    if f == 2:
        return [_L_(rng, 3), _D_(rng, 3)]
    if f == 3:
        return [_D_(rng, 3), _L_(rng, 3)]
    if f == 4:
        return [_L_(rng, 2), _D_(rng, 5)]
    if f == 5:
        return [_D_(rng, 3), _D_(rng, 3) if rng.random() < 0.5 else _L_(rng, 3)]
    if f == 6:
        return [_L_(rng, 3), _D_(rng, 2) + _L_(rng, 1)]
    if f == 7:
        return [_D_(rng, 1, True) + _L_(rng, 2), _D_(rng, 3)]
    if f == 8:  # vanity
        pool = LETTERS * 3 + DIGITS
        return [_L_(rng, int(rng.integers(3, 8)), pool)]
    return [_L_(rng, 3) + _D_(rng, 4)]


def sample_br(rng, mercosul):
    if mercosul:
        return [_L_(rng, 3) + _D_(rng, 1) + _L_(rng, 1) + _D_(rng, 2)]
    return [_L_(rng, 3), _D_(rng, 4)]


US_STATES = ["ALABAMA", "ALASKA", "ARIZONA", "ARKANSAS", "CALIFORNIA", "COLORADO", "CONNECTICUT", "DELAWARE", "FLORIDA",
             "GEORGIA", "HAWAII", "IDAHO", "ILLINOIS", "INDIANA", "IOWA", "KANSAS", "KENTUCKY", "LOUISIANA", "MAINE",
             "MARYLAND", "MASSACHUSETTS", "MICHIGAN", "MINNESOTA", "MISSISSIPPI", "MISSOURI", "MONTANA", "NEBRASKA",
             "NEVADA", "NEW HAMPSHIRE", "NEW JERSEY", "NEW MEXICO", "NEW YORK", "NORTH CAROLINA", "NORTH DAKOTA", "OHIO",
             "OKLAHOMA", "OREGON", "PENNSYLVANIA", "RHODE ISLAND", "SOUTH CAROLINA", "SOUTH DAKOTA", "TENNESSEE", "TEXAS",
             "UTAH", "VERMONT", "VIRGINIA", "WASHINGTON", "WEST VIRGINIA", "WISCONSIN", "WYOMING", "DISTRICT OF COLUMBIA"]
US_SLOGANS = ["LAND OF LINCOLN", "THE SUNSHINE STATE", "EMPIRE STATE", "GARDEN STATE", "LIVE FREE OR DIE", "GREAT LAKES STATE",
              "THE LONE STAR STATE", "FIRST IN FLIGHT", "FAMOUS POTATOES", "HEART OF DIXIE", "THE LAST FRONTIER",
              "GRAND CANYON STATE", "AMERICA'S DAIRYLAND", "BIG SKY COUNTRY", "VIRGINIA IS FOR LOVERS", "WILD WONDERFUL",
              "PEACH STATE", "EXPLORE MINNESOTA", "TAXATION WITHOUT REPRESENTATION", "VISITPA.COM", "DMV.CA.GOV",
              "SHOW ME STATE", "THE SILVER STATE", "LAND OF ENCHANTMENT", "BIRTHPLACE OF AVIATION", "ALOHA STATE",
              "GREEN MOUNTAIN STATE", "OCEAN STATE", "SPORTSMAN'S PARADISE", "EVERGREEN STATE", ""]
BR_CITIES = ["SP - SAO PAULO", "RJ - RIO DE JANEIRO", "MG - BELO HORIZONTE", "PR - CURITIBA", "RS - PORTO ALEGRE",
             "SC - FLORIANOPOLIS", "BA - SALVADOR", "SP - CAMPINAS", "SP - SANTOS", "GO - GOIANIA", "PE - RECIFE",
             "CE - FORTALEZA", "DF - BRASILIA", "ES - VITORIA", "MG - UBERLANDIA", "SP - GUARULHOS", "PR - LONDRINA"]

# ----------------------------------------------------------------------------------- drawing helpers


def _blend_mask(img, mask, x, y, color, alpha=1.0):
    """Alpha-blend a solid colour through `mask` (uint8) at integer position (x, y); clips at the borders."""
    h, w = mask.shape
    H, W = img.shape[:2]
    x0, y0, x1, y1 = max(0, x), max(0, y), min(W, x + w), min(H, y + h)
    if x1 <= x0 or y1 <= y0:
        return
    m = mask[y0 - y:y1 - y, x0 - x:x1 - x].astype(np.float32)[..., None] * (alpha / 255.0)
    roi = img[y0:y1, x0:x1]
    roi[:] = roi * (1 - m) + np.asarray(color, np.float32) * m


def _text_masks(font, text, h_px, condense=1.0, fixed_w=None, gap=None, rng=None):
    """Masks for the characters of `text` (spaces become group gaps), scaled to cap height h_px.
    Returns [(mask or None for a gap, width)]"""
    out = []
    for ch in text:
        if ch == " ":
            out.append((None, gap if gap is not None else 0.45 * h_px))
            continue
        g = glyph(font, ch, rng)
        w = g.shape[1] * h_px / GLYPH_H * condense
        if fixed_w is not None and ch not in "1I":
            w = fixed_w
        m = cv2.resize(g, (max(1, int(round(w))), max(1, int(round(h_px)))), interpolation=cv2.INTER_AREA)
        out.append((m, w))
    return out


def _draw_line(img, font, text, cx, cy, h_px, color, max_w, spacing, condense=1.0, fixed_w=None, group_gap=None,
               shadow=None, bold=0, rng=None, gaps=None):
    """Draw one centred line of text; shrinks horizontally to fit max_w. Returns the x extent drawn; the
    centre x and width of each group gap are appended to `gaps` when given."""
    seed = None
    if font == "gbreal":  # one choice of tiles for both passes below
        seed = int(rng.integers(2 ** 32)) if rng is not None else abs(hash(text)) % (2 ** 32)

    def sub():
        return None if seed is None else np.random.default_rng(seed)

    masks = _text_masks(font, text, h_px, condense, fixed_w, group_gap, sub())
    n_chars = sum(1 for m, _ in masks if m is not None)
    total = sum(w for _, w in masks) + spacing * max(0, len(masks) - 1)
    k = min(1.0, max_w / max(total, 1))
    if k < 1.0:
        masks = _text_masks(font, text, h_px, condense * k, None if fixed_w is None else fixed_w * k,
                            None if group_gap is None else group_gap * k, sub())
        spacing *= k
        total = sum(w for _, w in masks) + spacing * max(0, len(masks) - 1)
    x = cx - total / 2
    y = int(round(cy - h_px / 2))
    for m, w in masks:
        if m is not None:
            if bold:
                m = cv2.dilate(m, np.ones((1, bold + 1), np.uint8))
            if shadow is not None:
                _blend_mask(img, m, int(round(x)) + shadow[0], y + shadow[1], shadow[2], shadow[3])
            _blend_mask(img, m, int(round(x)), y, color)
        elif gaps is not None:
            gaps.append((x + w / 2, w))
        x += w + spacing
    return cx - total / 2, cx + total / 2, n_chars


def _small_text(img, text, cx, cy, h_px, color, max_w, font=None):
    if not text or h_px < 2:
        return
    font = font or ("rgD" if _font_path("rgD") else "uk")
    _draw_line(img, font, text, cx, cy, h_px, color, max_w, spacing=0.12 * h_px, group_gap=0.5 * h_px)


def _stars(img, cx, cy, r, star_r, color):
    for i in range(12):
        a = 2 * math.pi * i / 12
        x, y = cx + r * math.cos(a), cy + r * math.sin(a)
        pts = []
        for j in range(10):
            rr = star_r if j % 2 == 0 else star_r * 0.45
            b = -math.pi / 2 + j * math.pi / 5
            pts.append((x + rr * math.cos(b), y + rr * math.sin(b)))
        cv2.fillPoly(img, [np.array(pts, np.float32).round().astype(np.int32)], color, cv2.LINE_AA)


def _eu_band(img, x0, y0, w, h, code, rng, flag=None):
    """Blue EU identifier band with the circle of stars and the country code."""
    cv2.rectangle(img, (int(x0), int(y0)), (int(x0 + w), int(y0 + h)), (0, 51, 153), -1)
    if flag == "uk":  # simplified union flag instead of stars
        fx0, fy0, fw, fh = x0 + 0.1 * w, y0 + 0.1 * h, 0.8 * w, 0.45 * h
        sub = img[int(fy0):int(fy0 + fh), int(fx0):int(fx0 + fw)]
        sub[:] = (1, 33, 105)
        th = max(1, int(fh * 0.12))
        cv2.line(sub, (0, 0), (sub.shape[1], sub.shape[0]), (255, 255, 255), th * 2)
        cv2.line(sub, (0, sub.shape[0]), (sub.shape[1], 0), (255, 255, 255), th * 2)
        cv2.line(sub, (0, 0), (sub.shape[1], sub.shape[0]), (200, 16, 46), max(1, th // 2))
        cv2.line(sub, (0, sub.shape[0]), (sub.shape[1], 0), (200, 16, 46), max(1, th // 2))
        cv2.line(sub, (sub.shape[1] // 2, 0), (sub.shape[1] // 2, sub.shape[0]), (255, 255, 255), th * 3)
        cv2.line(sub, (0, sub.shape[0] // 2), (sub.shape[1], sub.shape[0] // 2), (255, 255, 255), th * 3)
        cv2.line(sub, (sub.shape[1] // 2, 0), (sub.shape[1] // 2, sub.shape[0]), (200, 16, 46), th * 2)
        cv2.line(sub, (0, sub.shape[0] // 2), (sub.shape[1], sub.shape[0] // 2), (200, 16, 46), th * 2)
    elif flag != "none":
        _stars(img, x0 + w / 2, y0 + 0.3 * h, 0.3 * w, 0.065 * w, (255, 204, 0))
    if code:
        _small_text(img, code, x0 + w / 2, y0 + 0.75 * h, min(0.3 * h, 0.5 * w), (255, 255, 255), 0.85 * w)


def _seal(img, cx, cy, r, rng):
    """German registration seal / inspection sticker: coloured disc with a ring."""
    col = [(40, 120, 200), (220, 120, 40), (200, 60, 60), (60, 160, 80), (230, 210, 60), (150, 150, 150)][rng.integers(6)]
    cv2.circle(img, (int(cx), int(cy)), int(r), col, -1, cv2.LINE_AA)
    cv2.circle(img, (int(cx), int(cy)), int(r), (60, 60, 60), max(1, int(r * 0.12)), cv2.LINE_AA)
    cv2.circle(img, (int(cx), int(cy)), max(1, int(r * 0.45)), (230, 230, 230), -1, cv2.LINE_AA)


def _jit(rng, c, d=12):
    return tuple(int(np.clip(v + rng.integers(-d, d + 1), 0, 255)) for v in c)


# ----------------------------------------------------------------------------------- plate styles

REGION_WEIGHTS = {"gb": 0.28, "de": 0.05, "fr": 0.025, "nl": 0.025, "pl": 0.03, "sk": 0.07, "cz": 0.06, "it": 0.02,
                  "es": 0.02, "eu": 0.03, "us": 0.19, "br": 0.20}


def render_plate(rng, region=None, scale=None, two_line=None):
    """Render one plate; see the module docstring. `region` is one of REGIONS (None: random),
    `scale` pixels per millimetre (None: random), `two_line` forces the square layout where it exists."""
    if region is None:
        keys = list(REGION_WEIGHTS)
        p = np.array([REGION_WEIGHTS[k] for k in keys])
        region = keys[rng.choice(len(keys), p=p / p.sum())]
    assert region in REGIONS, region
    if region == "gb":
        plate = _render_uk(rng, two_line)
    elif region == "us":
        plate = _render_us(rng)
    elif region == "br":
        plate = _render_br(rng)
    else:
        plate = _render_eu(rng, region, two_line)
    return _finish(rng, plate, region, scale)


class _Canvas:
    def __init__(self, w_mm, h_mm, k, bg):
        self.k = k
        self.w_mm, self.h_mm = w_mm, h_mm
        self.img = np.empty((int(round(h_mm * k)), int(round(w_mm * k)), 3), np.float32)
        self.img[:] = bg

    def px(self, v):
        return v * self.k


def _base_k(rng):
    # drawing resolution in px/mm; later resized to the output scale anyway
    return float(rng.uniform(0.45, 0.7))


def _render_uk(rng, two_line=None):
    groups, fmt = sample_uk(rng)
    two = (rng.random() < 0.12) if two_line is None else two_line
    rear = rng.random() < 0.5
    bg = _jit(rng, (250, 204, 20) if rear else (245, 246, 244), 10)
    k = _base_k(rng)
    if two:
        w_mm, h_mm = 279.0, 203.0
    else:
        w_mm, h_mm = 520.0 + (rng.uniform(-10, 10) if rng.random() < 0.2 else 0), 111.0
    c = _Canvas(w_mm, h_mm, k, bg)
    band = rng.random()
    left = 0.0
    band_w = 50.0 if not two else 45.0
    if band < 0.35:  # GB / UK / EU side band
        code = rng.choice(["GB", "UK", "GB", "UK", "UK", ""])
        flag = rng.choice(["uk", "eu", "none"], p=[0.5, 0.3, 0.2])
        _eu_band(c.img, 0, 0, c.px(band_w), c.px(h_mm), code, rng, flag)
        left = band_w
    elif band < 0.45:  # zero-emission green band
        cv2.rectangle(c.img, (0, 0), (int(c.px(22)), int(c.px(h_mm))), (0, 160, 80), -1)
        left = 22.0
    elif band < 0.5:  # national flag band variants (Scotland / Wales look, simplified)
        col = [(0, 94, 184), (0, 150, 60)][rng.integers(2)]
        cv2.rectangle(c.img, (0, 0), (int(c.px(band_w)), int(c.px(h_mm))), col, -1)
        left = band_w
    # thin border sometimes
    if rng.random() < 0.35:
        t = max(1, int(c.px(4)))
        cv2.rectangle(c.img, (t, t), (c.img.shape[1] - t - 1, c.img.shape[0] - t - 1), (25, 25, 25), t)
    r = rng.random()
    if r < 0.3 and has_gb_tiles():
        font = "gbreal"  # real Charles Wright glyph tiles
    elif r < 0.82:
        font = "uk" if rng.random() < 0.85 else "ukr"  # parametric stroke font
    else:
        font = _pick_font(rng, ["din", "rgD", "rgE", "barlowC7"])
    ink = _jit(rng, (20, 20, 22), 8)
    area_w = w_mm - left - 14
    cx = left + (w_mm - left) / 2
    if font in ("uk", "ukr", "gbreal"):
        kw = dict(fixed_w=c.px(50), spacing=c.px(11), group_gap=c.px(33))
    else:
        kw = dict(spacing=c.px(9), group_gap=c.px(30), condense=1.25)
    if two:
        lines = [groups[0], groups[1]]
        for i, t in enumerate(lines):
            cy = 13 + 79 / 2 + i * (79 + 19)
            _draw_line(c.img, font, t, c.px(cx), c.px(cy), c.px(79), ink, c.px(area_w), kw["spacing"],
                       kw.get("condense", 1.0), kw.get("fixed_w"), kw["group_gap"], rng=rng)
    else:
        lines = [" ".join(groups)]
        _draw_line(c.img, font, lines[0], c.px(cx), c.px(h_mm / 2), c.px(79), ink, c.px(area_w), kw["spacing"],
                   kw.get("condense", 1.0), kw.get("fixed_w"), kw["group_gap"], rng=rng)
        # dealer / supplier mark at the bottom (tiny)
        if rng.random() < 0.3:
            _small_text(c.img, rng.choice(["AUTO CENTRE", "MOTORS LTD", "BS AU 145E", "SUPPLIER 123"]),
                        c.px(cx), c.px(h_mm - 6), c.px(6), (60, 60, 60), c.px(150))
    return c, lines, w_mm, h_mm, 8.0


EU_BAND_CODES = {"de": "D", "fr": "F", "nl": "NL", "pl": "PL", "sk": "SK", "cz": "CZ", "it": "I", "es": "E"}


def _render_eu(rng, country, two_line=None):
    groups = sample_eu(rng, country)
    if country == "eu":
        code = rng.choice(["A", "B", "H", "SLO", "HR", "RO", "LT", "LV", "EST", "FIN", "S", "P", "L", "BG", "IRL"])
    else:
        code = EU_BAND_CODES[country]
    two = (rng.random() < 0.06) if two_line is None else two_line
    k = _base_k(rng)
    bg = _jit(rng, (245, 245, 243), 10)
    if country == "nl":
        bg = _jit(rng, (246, 190, 10), 12)
    w_mm, h_mm = (280.0, 200.0) if two else (520.0, 110.0)
    c = _Canvas(w_mm, h_mm, k, bg)
    band_w = 40.0 if not two else 36.0
    _eu_band(c.img, 0, 0, c.px(band_w), c.px(h_mm), code, rng)
    right = 0.0
    if country in ("fr", "it") and not two:  # blue band on the right too
        cv2.rectangle(c.img, (int(c.px(w_mm - band_w)), 0), (c.img.shape[1], c.img.shape[0]), (0, 51, 153), -1)
        right = band_w
        if country == "fr":
            _small_text(c.img, str(rng.integers(1, 96)).zfill(2), c.px(w_mm - band_w / 2), c.px(h_mm * 0.72),
                        c.px(22), (255, 255, 255), c.px(band_w * 0.8))
        else:
            _small_text(c.img, str(rng.integers(1990, 2026)), c.px(w_mm - band_w / 2), c.px(h_mm * 0.2),
                        c.px(12), (255, 255, 255), c.px(band_w * 0.9))
    t = max(1, int(c.px(3)))
    cv2.rectangle(c.img, (0, 0), (c.img.shape[1] - 1, c.img.shape[0] - 1), (20, 20, 20), t)
    if country == "de":
        font = _pick_font(rng, ["din", "din", "din", "rgC", "barlowC"])
    elif country == "nl":
        font = _pick_font(rng, ["rgD", "rgC", "din", "barlowC"])
    else:
        font = _pick_font(rng, ["din", "rgC", "rgD", "rgB", "barlowC", "barlowC7", "uk"])
    ink = _jit(rng, (18, 18, 20), 8)
    cond = 1.0 if font in ("uk", "ukr") else rng.uniform(0.95, 1.3)
    left = band_w
    area_w = w_mm - left - right - 12
    cx = left + (w_mm - left - right) / 2
    ch_mm = 75.0 if not two else 70.0
    if font in ("uk", "ukr"):
        fixed_w = c.px(44)
    else:
        fixed_w = None
    spacing = c.px(rng.uniform(4, 9))
    if two:
        if len(groups) >= 3:
            lines = [groups[0] + " " + groups[1], " ".join(groups[2:])]
        else:
            lines = [groups[0], " ".join(groups[1:])]
        for i, tx in enumerate(lines):
            cy = 15 + ch_mm / 2 + i * (ch_mm + 20)
            _draw_line(c.img, font, tx, c.px(cx), c.px(cy), c.px(ch_mm), ink, c.px(area_w), spacing, cond, fixed_w,
                       c.px(22))
        return c, lines, w_mm, h_mm, 6.0
    if country == "de":
        # city code, two seals, letters, digits
        city, mid, num = groups[0], groups[1], groups[2]
        seal_gap = 48.0
        line = city + " " + mid + " " + num
        g = c.px(seal_gap / 2 - 2)
        x0, x1, _ = _draw_line(c.img, font, city + "  " + mid + " " + num, c.px(cx), c.px(h_mm / 2), c.px(ch_mm), ink,
                               c.px(area_w), spacing, cond, fixed_w, g)
        # the seals sit in the double gap after the city code
        cm = _text_masks(font, city, c.px(ch_mm), cond, fixed_w)
        cw = sum(w for _, w in cm) + spacing * (len(cm) - 1)
        sx = x0 + cw + spacing + g + spacing / 2
        if x1 - x0 < c.px(area_w) - 1:
            _seal(c.img, sx, c.px(h_mm * 0.33), c.px(15), rng)
            _seal(c.img, sx, c.px(h_mm * 0.68), c.px(13), rng)
        return c, [line], w_mm, h_mm, 6.0
    line = " ".join(groups)
    emblem = country == "sk" and len(groups[0]) == 2 and rng.random() < 0.75
    stickers = country == "cz" and rng.random() < 0.5
    gap_mm = rng.uniform(26, 34) if (emblem or stickers) else rng.uniform(18, 32)
    g = c.px(gap_mm)
    x0, x1, _ = _draw_line(c.img, font, line, c.px(cx), c.px(h_mm / 2), c.px(ch_mm), ink, c.px(area_w), spacing,
                           cond, fixed_w, g)
    if (emblem or stickers) and x1 - x0 < c.px(area_w) - 1:
        cm = _text_masks(font, groups[0], c.px(ch_mm), cond, fixed_w)
        cw = sum(w for _, w in cm) + spacing * (len(cm) - 1)
        sx = x0 + cw + spacing + g / 2  # centre of the gap after the first group
        if emblem:
            # Slovak coat of arms: red shield, white double cross, blue hills
            r = min(g * 0.42, c.px(13))
            sy = c.px(h_mm / 2) - r * 0.2
            shield = np.array([[sx - r, sy - r * 1.1], [sx + r, sy - r * 1.1], [sx + r, sy + r * 0.3],
                               [sx, sy + r * 1.3], [sx - r, sy + r * 0.3]], np.float32)
            cv2.fillPoly(c.img, [shield.round().astype(np.int32)], (200, 20, 40), cv2.LINE_AA)
            cv2.ellipse(c.img, (int(sx), int(sy + r * 0.75)), (int(r * 0.8), max(1, int(r * 0.4))), 0, 180, 360,
                        (20, 60, 170), -1, cv2.LINE_AA)
            t = max(1, int(round(r * 0.18)))
            cv2.line(c.img, (int(sx), int(sy - r * 0.85)), (int(sx), int(sy + r * 0.45)), (255, 255, 255), t)
            cv2.line(c.img, (int(sx - r * 0.45), int(sy - r * 0.5)), (int(sx + r * 0.45), int(sy - r * 0.5)), (255, 255, 255), t)
            cv2.line(c.img, (int(sx - r * 0.6), int(sy - r * 0.05)), (int(sx + r * 0.6), int(sy - r * 0.05)), (255, 255, 255), t)
        else:
            # Czech inspection (STK / emissions) stickers in the gap
            r = min(g * 0.4, c.px(12))
            if rng.random() < 0.5:
                _seal(c.img, sx, c.px(h_mm * 0.32), r, rng)
                _seal(c.img, sx, c.px(h_mm * 0.7), r * 0.9, rng)
            else:
                _seal(c.img, sx, c.px(h_mm / 2), r * 1.2, rng)
    return c, [line], w_mm, h_mm, 6.0


def _render_us(rng):
    groups = sample_us(rng)
    k = _base_k(rng) * 1.4
    w_mm, h_mm = 305.0, 152.0
    style = rng.integers(6)
    top = np.array(_jit(rng, [(250, 250, 250), (235, 240, 250), (250, 245, 225), (250, 225, 120), (225, 235, 245),
                              (245, 245, 245)][style], 12), np.float32)
    bot = np.array(_jit(rng, [(250, 250, 250), (150, 190, 240), (250, 235, 190), (250, 210, 90), (240, 200, 160),
                              (230, 230, 230)][style], 12), np.float32)
    c = _Canvas(w_mm, h_mm, k, (0, 0, 0))
    if rng.random() < 0.5:
        t = np.linspace(0, 1, c.img.shape[0], dtype=np.float32)[:, None, None]
        if rng.random() < 0.5:
            t = np.abs(t - 0.5) * 2
        c.img[:] = top * (1 - t) + bot * t
    else:
        c.img[:] = top
    # scenery hints: a band of colour in the lower or upper part (mountains, waves)
    if rng.random() < 0.35:
        col = _jit(rng, [(70, 120, 190), (200, 90, 40), (60, 140, 70), (180, 40, 50), (240, 180, 60)][rng.integers(5)], 20)
        y = c.px(rng.uniform(90, 140))
        xs = np.linspace(0, c.img.shape[1], 8)
        ys = y + rng.uniform(-c.px(15), c.px(15), size=8)
        pts = np.array([[0, c.img.shape[0]]] + list(zip(xs, ys)) + [[c.img.shape[1], c.img.shape[0]]], np.int32)
        overlay = c.img.copy()
        cv2.fillPoly(overlay, [pts], col, cv2.LINE_AA)
        a = rng.uniform(0.25, 0.7)
        c.img[:] = c.img * (1 - a) + overlay * a
    ink = _jit(rng, [(20, 30, 90), (15, 15, 20), (140, 20, 30), (20, 80, 40), (90, 20, 40), (20, 20, 120)]
               [rng.choice(6, p=[0.35, 0.3, 0.12, 0.08, 0.08, 0.07])], 15)
    hdr_ink = _jit(rng, [(180, 30, 40), (20, 40, 120), (20, 20, 20), ink][rng.integers(4)], 15)
    font = _pick_font(rng, ["rgC", "rgD", "rgB", "rgE", "barlow", "barlowC7", "overpass", "din"])
    state = rng.choice(US_STATES)
    hdr_font = _pick_font(rng, ["rgD", "rgE", "barlow", "overpass", "din"])
    if rng.random() < 0.9:
        _small_text(c.img, state if rng.random() < 0.9 else state.title().upper(), c.px(w_mm / 2),
                    c.px(rng.uniform(14, 22)), c.px(rng.uniform(13, 22)), hdr_ink, c.px(w_mm * 0.8), hdr_font)
    if rng.random() < 0.7:
        slogan = rng.choice(US_SLOGANS)
        _small_text(c.img, slogan, c.px(w_mm / 2), c.px(h_mm - rng.uniform(10, 16)), c.px(rng.uniform(8, 12)),
                    hdr_ink, c.px(w_mm * 0.8), hdr_font)
    # registration stickers in the corners
    for sx in ([20, w_mm - 40] if rng.random() < 0.5 else ([w_mm - 40] if rng.random() < 0.5 else [])):
        col = _jit(rng, [(220, 60, 60), (60, 120, 220), (240, 200, 40), (60, 170, 90)][rng.integers(4)], 20)
        cv2.rectangle(c.img, (int(c.px(sx)), int(c.px(8))), (int(c.px(sx + 24)), int(c.px(26))), col, -1)
    ch_mm = rng.uniform(62, 75)
    r = rng.random()
    text = " ".join(groups) if r < 0.5 else ("-".join(groups) if r < 0.65 and len(groups) > 1 else "".join(groups))
    # many states (California above all) use tall, narrow characters run together: squeeze the font
    condense = rng.uniform(0.58, 0.8) if rng.random() < 0.35 else rng.uniform(0.85, 1.15)
    sh = None
    if rng.random() < 0.6:  # embossed: a darker offset shadow
        d = max(1, int(round(c.px(1.5))))
        sh = (d, d, (60, 60, 60), 0.5)
    # many states put an emblem between the groups (a fruit, the state's outline, a seal, a star)
    emblem = " " in text and rng.random() < 0.4
    gap_mm = rng.uniform(24, 40) if emblem else rng.uniform(10, 22)
    gaps = []
    cy = c.px(h_mm * rng.uniform(0.5, 0.56))
    _draw_line(c.img, font, text, c.px(w_mm / 2), cy, c.px(ch_mm), ink,
               c.px(w_mm - 30), c.px(rng.uniform(3, 8)), condense, None, c.px(gap_mm),
               shadow=sh, gaps=gaps)
    if emblem:
        for gx, gw in gaps:
            _emblem(rng, c.img, gx, cy + c.px(ch_mm) * rng.uniform(-0.15, 0.15), min(gw * 1.1, c.px(ch_mm) * 0.7))
    # bolt holes
    if rng.random() < 0.5:
        for hx in (w_mm * 0.17, w_mm * 0.83):
            cv2.circle(c.img, (int(c.px(hx)), int(c.px(10))), max(1, int(c.px(4))), (90, 90, 90), -1, cv2.LINE_AA)
    label = "".join(groups).replace("O", "0")
    return c, [label], w_mm, h_mm, 10.0


def _emblem(rng, img, cx, cy, size):
    """A small coloured figure of about `size` pixels centred at (cx, cy)."""
    col = _jit(rng, [(240, 130, 20), (200, 30, 40), (20, 60, 150), (30, 120, 60), (200, 160, 40), (20, 20, 20)]
               [rng.integers(6)], 20)
    r = size / 2
    kind = rng.integers(3)
    if kind == 0:  # a fruit: a disc with a leaf
        cv2.circle(img, (int(cx), int(cy)), max(1, int(r * 0.8)), col, -1, cv2.LINE_AA)
        cv2.ellipse(img, (int(cx + r * 0.3), int(cy - r * 0.8)), (max(1, int(r * 0.4)), max(1, int(r * 0.18))),
                    -30, 0, 360, _jit(rng, (40, 130, 50), 20), -1, cv2.LINE_AA)
    elif kind == 1:  # an outline of a state: an irregular polygon
        n = int(rng.integers(5, 10))
        a = np.sort(rng.uniform(0, 2 * np.pi, n))
        rad = r * rng.uniform(0.6, 1.0, n)
        pts = np.stack([cx + rad * np.cos(a), cy + rad * np.sin(a)], 1).astype(np.int32)
        cv2.fillPoly(img, [pts], col, cv2.LINE_AA)
    else:  # a five-pointed star or a seal
        if rng.random() < 0.5:
            a = -np.pi / 2 + np.arange(10) * np.pi / 5
            rad = np.where(np.arange(10) % 2 == 0, r, r * 0.4)
            pts = np.stack([cx + rad * np.cos(a), cy + rad * np.sin(a)], 1).astype(np.int32)
            cv2.fillPoly(img, [pts], col, cv2.LINE_AA)
        else:
            cv2.circle(img, (int(cx), int(cy)), max(1, int(r)), col, max(1, int(r * 0.2)), cv2.LINE_AA)
            cv2.circle(img, (int(cx), int(cy)), max(1, int(r * 0.45)), col, -1, cv2.LINE_AA)


def _render_br(rng):
    mercosul = rng.random() < 0.35
    groups = sample_br(rng, mercosul)
    k = _base_k(rng) * 1.2
    w_mm, h_mm = 400.0, 130.0
    if mercosul:
        c = _Canvas(w_mm, h_mm, k, _jit(rng, (246, 246, 246), 8))
        cv2.rectangle(c.img, (0, 0), (c.img.shape[1], int(c.px(30))), _jit(rng, (0, 51, 160), 10), -1)
        _small_text(c.img, "BRASIL", c.px(w_mm / 2), c.px(15), c.px(13), (255, 255, 255), c.px(120))
        # Mercosur emblem left, flag right (small rectangles)
        cv2.rectangle(c.img, (int(c.px(12)), int(c.px(6))), (int(c.px(40)), int(c.px(24))), (30, 80, 200), -1)
        cv2.rectangle(c.img, (int(c.px(w_mm - 40)), int(c.px(6))), (int(c.px(w_mm - 12)), int(c.px(24))), (0, 150, 60), -1)
        cv2.circle(c.img, (int(c.px(w_mm - 26)), int(c.px(15))), max(1, int(c.px(6))), (250, 220, 0), -1)
        t = max(1, int(c.px(3)))
        cv2.rectangle(c.img, (0, 0), (c.img.shape[1] - 1, c.img.shape[0] - 1), (20, 20, 20), t)
        font = _pick_font(rng, ["din", "rgC", "rgD", "barlowC7"])
        ink = _jit(rng, (15, 15, 15), 8)
        _draw_line(c.img, font, groups[0], c.px(w_mm / 2), c.px(30 + (h_mm - 30) / 2 + 2), c.px(65), ink,
                   c.px(w_mm - 30), c.px(6), rng.uniform(1.0, 1.25))
        return c, ["".join(groups)], w_mm, h_mm, 6.0
    red = rng.random() < 0.12
    bg = _jit(rng, (170, 30, 35) if red else (190, 192, 190), 15)
    ink = (240, 240, 240) if red else _jit(rng, (20, 20, 20), 8)
    c = _Canvas(w_mm, h_mm, k, bg)
    t = max(1, int(c.px(4)))
    cv2.rectangle(c.img, (t, t), (c.img.shape[1] - t - 1, c.img.shape[0] - t - 1), ink, t)
    _small_text(c.img, rng.choice(BR_CITIES), c.px(w_mm / 2), c.px(17), c.px(14), ink, c.px(w_mm * 0.6))
    # the old Brazilian plates use "Mandatory", a Charles-Wright-like face: mostly the UK glyphs, condensed
    r = rng.random()
    font = ("gbreal" if has_gb_tiles() else "uk") if r < 0.25 else ("ukr" if r < 0.5 else ("uk" if r < 0.65 else
                                                                  _pick_font(rng, ["din", "rgC", "rgD", "barlowC7"])))
    sh = (max(1, int(c.px(1.5))), max(1, int(c.px(1.5))), (80, 80, 80), 0.4) if rng.random() < 0.5 else None
    sep = "-" if rng.random() < 0.6 else "\u00b7"  # dash or middle dot between the groups
    if font in ("uk", "ukr", "gbreal") and sep != "-":
        sep = "-"
    cond = rng.uniform(1.0, 1.2) if font not in ("uk", "ukr", "gbreal") else rng.uniform(0.78, 0.92)
    _draw_line(c.img, font, groups[0] + sep + groups[1], c.px(w_mm / 2), c.px(75), c.px(rng.uniform(60, 68)), ink,
               c.px(w_mm - 24), c.px(rng.uniform(4, 9)), cond, None, None, shadow=sh, rng=rng)
    return c, ["".join(groups)], w_mm, h_mm, 6.0


# ----------------------------------------------------------------------------------- finishing

_CAR_COLOURS = [(20, 20, 22), (200, 200, 205), (240, 240, 240), (130, 20, 25), (25, 40, 90), (90, 95, 100),
                (160, 150, 130), (40, 70, 45), (180, 180, 170)]


def _dealer_frame(rng, out, mx, my, W, H):
    """A dealer's frame lying over the plate: bands over its top and bottom edges (hiding part of the
    state name and slogan), narrow sides, a dealer's name or phone number on the bands."""
    col = _jit(rng, [(15, 15, 15), (30, 30, 35), (190, 190, 195), (120, 20, 25)][rng.integers(4)], 10)
    ink = (235, 235, 235) if sum(col) < 300 else (20, 20, 20)
    top = int(H * rng.uniform(0.0, 0.16))
    bot = int(H * rng.uniform(0.08, 0.22))
    side = max(1, int(W * rng.uniform(0.01, 0.04)))
    x0, x1 = mx - side, mx + W + side
    for y0, y1 in ((my - side, my + top), (my + H - bot, my + H + side)):
        if y1 <= y0:
            continue
        cv2.rectangle(out, (x0, y0), (x1, y1), col, -1)
        if y1 - y0 >= 5 and rng.random() < 0.7:
            words = ["TOYOTA", "HONDA", "AUTO MALL", "FORD", "MOTORS", "CHEVROLET", "NISSAN", "DEALER.COM", "CARS",
                     "OF", "VALLEY", "CITY"]
            # a made-up phone number, else one or two dealer words
            text = (f"({rng.integers(200, 1000)}) {rng.integers(200, 1000)}-{rng.integers(0, 10000):04d}"
                    if rng.random() < 0.3 else " ".join(rng.choice(words, size=int(rng.integers(1, 3)))))
            _small_text(out, text, mx + W / 2, (y0 + y1) / 2, (y1 - y0) * 0.6, ink, W * 0.8)
    cv2.rectangle(out, (x0, my), (mx, my + H), col, -1)
    cv2.rectangle(out, (mx + W, my), (x1, my + H), col, -1)


def mount_on_car(rng, plate_img, r, tall):
    """Put a plate image (already at output size) on a car body with a margin, maybe inside a frame,
    a dealer's frame (tall US-style plates) and screws; corners rounded with radius r pixels.
    Returns (image float32, plate corners, plate alpha)."""
    H, W = plate_img.shape[:2]
    # margin (room for the reader's widening plus detector error)
    mx = int(round(W * rng.uniform(0.1, 0.2))) + 2
    my = int(round(H * rng.uniform(0.3, 0.5))) + 2
    out = np.empty((H + 2 * my, W + 2 * mx, 3), np.float32)
    car = np.array(_jit(rng, _CAR_COLOURS[rng.integers(len(_CAR_COLOURS))], 20), np.float32)
    out[:] = car
    # a little vertical shading on the car body
    sh = np.linspace(rng.uniform(0.7, 1.1), rng.uniform(0.7, 1.1), out.shape[0], dtype=np.float32)[:, None, None]
    out *= sh
    # plate frame / surround (dealer frame), drawn before the plate so the plate sits inside it
    if rng.random() < 0.35:
        fcol = _jit(rng, [(15, 15, 15), (200, 200, 200), (40, 40, 40)][rng.integers(3)], 10)
        ft = max(2, int(H * rng.uniform(0.08, 0.25)))
        cv2.rectangle(out, (mx - ft, my - ft), (mx + W + ft, my + H + ft), fcol, -1)
    alpha = np.zeros(out.shape[:2], np.uint8)
    cv2.rectangle(alpha, (mx + r, my), (mx + W - 1 - r, my + H - 1), 255, -1)
    cv2.rectangle(alpha, (mx, my + r), (mx + W - 1, my + H - 1 - r), 255, -1)
    for cx, cy in ((mx + r, my + r), (mx + W - 1 - r, my + r), (mx + r, my + H - 1 - r), (mx + W - 1 - r, my + H - 1 - r)):
        cv2.circle(alpha, (cx, cy), r, 255, -1, cv2.LINE_AA)
    a = alpha[my:my + H, mx:mx + W].astype(np.float32)[..., None] / 255.0
    roi = out[my:my + H, mx:mx + W]
    roi[:] = roi * (1 - a) + plate_img.astype(np.float32) * a
    if tall and rng.random() < 0.3:
        _dealer_frame(rng, out, mx, my, W, H)
    # screws
    if rng.random() < 0.4:
        sc = _jit(rng, (170, 170, 165), 30)
        rr = max(1, int(H * 0.05))
        ys = [my + int(H * 0.12)] if tall else [my + int(H * 0.5)]
        for sx in (mx + int(W * 0.08), mx + int(W * 0.92)):
            for sy in ys:
                cv2.circle(out, (sx, sy), rr, sc, -1, cv2.LINE_AA)
                cv2.line(out, (sx - rr, sy), (sx + rr, sy), (70, 70, 70), max(1, rr // 3))
    corners = np.array([[mx, my], [mx + W, my], [mx + W, my + H], [mx, my + H]], np.float32)
    return out, corners, alpha


def _finish(rng, plate, region, scale):
    c, lines, w_mm, h_mm, r_mm = plate
    img = c.img
    # output scale
    if scale is None:
        target_w = rng.uniform(190, 300) if h_mm < 150 else rng.uniform(130, 220)
        scale = target_w / w_mm
    W, H = max(8, int(round(w_mm * scale))), max(4, int(round(h_mm * scale)))
    interp = cv2.INTER_AREA if W < img.shape[1] else cv2.INTER_LINEAR
    plate_img = cv2.resize(img, (W, H), interpolation=interp)
    out, corners, alpha = mount_on_car(rng, plate_img, max(1, int(round(r_mm * scale))), tall=h_mm >= 150)
    line_texts = ["".join(ch for ch in t if ch.isalnum()).upper() for t in lines]
    text = "".join(line_texts)
    return dict(image=np.clip(out, 0, 255).astype(np.uint8), corners=corners, text=text, region=region,
                lines=len(lines), line_texts=line_texts, alpha=alpha)
