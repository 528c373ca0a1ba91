#!/usr/bin/env python3
"""Read the dev-set plate crops (labelled boxes as quads) with a reader checkpoint and print the table.

    /usr/bin/python3 eval_reader.py                         # ../models/reader.pt
    /usr/bin/python3 eval_reader.py --model runs/reader/last.pt --errors
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402

from npr_train import reader_data  # noqa: E402
from train_reader import fmt_table, reader_from, validate  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "models", "reader.pt"))
    ap.add_argument("--errors", action="store_true", help="list the misread plates (label -> reading)")
    a = ap.parse_args()
    torch.set_num_threads(1)
    m = reader_from(a.model)
    dev = reader_data.load_dev()
    res, reads = validate(m, dev, torch.device("cpu"))
    print(fmt_table(res))
    if a.errors:
        for d, (t, c) in zip(dev, reads):
            if t != d["text"]:
                print(f"{d['region']:<3} {d['text']:<10} -> {t:<10} conf {c:.2f}")


if __name__ == "__main__":
    main()
