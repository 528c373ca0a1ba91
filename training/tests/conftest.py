"""Tests of the training package: run from the repository root with `/usr/bin/python3 -m pytest training/tests`
(the root `pnpm test` does, where torch imports; see training/run-tests.sh)."""
import os
import sys

TRAINING = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, TRAINING)
