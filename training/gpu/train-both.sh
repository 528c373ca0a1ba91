#!/usr/bin/env bash
# Fine-tune both models at once on a GPU machine for a few minutes, then bring the runs back as split
# archives under $OUT (see training/README.md, "On a GPU machine"). The CPU path is unchanged: this only
# calls the same trainers with --device cuda and more data workers.
#
#   training/gpu/train-both.sh [--minutes 6] [--steps N] [--device cuda|cpu] [--out DIR]
#
# --minutes: training time of each model (both run side by side); set-up, validation and packing add
#            about 2 minutes, so the default stays inside a 10-minute slot.
# --steps N: a fixed number of steps instead (the CPU rehearsal: --device cpu --steps 20).
# Data: $NPR_SHARED, else ../shared beside the checkout, else training/runs/gpu-data
#       (made here with `/usr/bin/python3 -m npr_train.pack_data --out runs/gpu-data`, 48 MiB; carry it).
# Back: $OUT (or --out) gets runs.tar.gz.part-aa, -ab, ... (15 MiB each) and summary.txt;
#       join with `cat runs.tar.gz.part-* | tar xz -C training/runs`.
set -euo pipefail
cd "$(dirname "$0")/.."   # training/
T0=$(date +%s)
MINUTES=6; STEPS=0; DEVICE=cuda; DEST="${OUT:-runs/gpu-out}"
while [ $# -gt 0 ]; do
  case "$1" in
    --minutes) MINUTES="$2"; shift 2 ;;
    --steps) STEPS="$2"; shift 2 ;;
    --device) DEVICE="$2"; shift 2 ;;
    --out) DEST="$2"; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
PY="${NPR_PYTHON:-python3}"
export PYTHONUNBUFFERED=1

# set-up: the interpreter, the device, the data
"$PY" -c "import torch, numpy, cv2, PIL, onnx" || { echo "train-both: $PY lacks torch/numpy/cv2/PIL/onnx (training/requirements.txt)" >&2; exit 1; }
"$PY" -c "import sys, torch; ok = '$DEVICE' == 'cpu' or torch.cuda.is_available(); print('torch', torch.__version__, 'device $DEVICE', torch.cuda.get_device_name(0) if torch.cuda.is_available() else ''); sys.exit(0 if ok else 1)" \
  || { echo "train-both: no CUDA device; use --device cpu" >&2; exit 1; }
if [ -z "${NPR_SHARED:-}" ]; then
  if [ -f ../../shared/data/train-real/scenes/manifest.jsonl ]; then export NPR_SHARED="$(cd ../../shared && pwd)"
  elif [ -f runs/gpu-data/data/train-real/scenes/manifest.jsonl ]; then export NPR_SHARED="$PWD/runs/gpu-data"
  else echo "train-both: no training data (set NPR_SHARED, or make runs/gpu-data with npr_train.pack_data)" >&2; exit 1; fi
fi
echo "train-both: data $NPR_SHARED"
CORES=$(nproc)
if [ "$DEVICE" = cuda ]; then DET_WORKERS=$(( CORES > 6 ? CORES - 4 : 2 )); THREADS=2; DET_BATCH=32
else DET_WORKERS=1; THREADS=1; DET_BATCH=16; fi
if [ "$STEPS" -gt 0 ]; then DET_STOP=(--steps "$STEPS"); RD_STOP=(--max-steps "$STEPS"); VAL=100000
else DET_STOP=(--minutes "$MINUTES"); RD_STOP=(--minutes "$MINUTES"); VAL=400; fi
RUN="runs/gpu-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$RUN"

# the detector recipe of the CPU fine-tune (training/README.md), the reader fine-tuned from the committed weights
"$PY" -m npr_train.detector train --init ../models/detector.pt --run "$RUN/detector" --device "$DEVICE" \
  --workers "$DET_WORKERS" --threads "$THREADS" --batch "$DET_BATCH" --lr 6e-4 --warmup 100 --corner-weight 2 \
  --box-weight 1 --extent 0.35 --size-weight --us-share 0.35 --p-real 0.35 --val-every "$VAL" --ckpt-every 200 \
  --log-every 25 --seed 1 "${DET_STOP[@]}" > "$RUN/detector.log" 2>&1 &
DET=$!
"$PY" -m npr_train.reader train --init ../models/reader.pt --run "$RUN/reader" --device "$DEVICE" --threads "$THREADS" \
  --lr 5e-4 --warmup 100 --val-every "$VAL" --ckpt-every 200 --log-every 20 --seed 1 "${RD_STOP[@]}" \
  > "$RUN/reader.log" 2>&1 &
RD=$!
# progress: the last line of each log every 30 s until both have stopped
while kill -0 "$DET" 2>/dev/null || kill -0 "$RD" 2>/dev/null; do
  sleep 30
  echo "[$(( $(date +%s) - T0 )) s] detector: $(tail -n 1 "$RUN/detector.log" | cut -c1-150)"
  echo "[$(( $(date +%s) - T0 )) s] reader:   $(tail -n 1 "$RUN/reader.log" | cut -c1-150)"
done
rc=0; wait "$DET" || rc=$?; wait "$RD" || rc=$?

# back: the run folder (checkpoints, snapshots, logs) as <=15 MiB parts, and a summary
mkdir -p "$DEST"
{
  echo "run $RUN, device $DEVICE, $(( $(date +%s) - T0 )) s, exit $rc"
  grep -h "validation at step\|done" "$RUN/detector/log.txt" "$RUN/reader/progress.log" 2>/dev/null | tail -n 8 || true
  tail -n 12 "$RUN/detector.log" "$RUN/reader.log"
} > "$DEST/summary.txt"
tar czf - -C runs "$(basename "$RUN")" | split -b 15M - "$DEST/runs.tar.gz.part-"
ls -l "$DEST"
echo "train-both: done in $(( $(date +%s) - T0 )) s (exit $rc)"
exit "$rc"
