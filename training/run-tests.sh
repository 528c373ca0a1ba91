#!/usr/bin/env bash
# The training package's tests (training/tests), as `pnpm test` runs them: where the Python side is
# installed (training/requirements-debian.txt); elsewhere one line says they are skipped and why.
set -uo pipefail
cd "$(dirname "$0")/.."
PY="${NPR_PYTHON:-/usr/bin/python3}"
if [ ! -x "$PY" ]; then
  echo "test:training: SKIPPED: no $PY (set NPR_PYTHON; see training/requirements-debian.txt)"
  exit 0
fi
missing=$("$PY" - <<'PY'
import importlib.util
print(" ".join(m for m in ("torch", "numpy", "cv2", "PIL", "onnx", "pytest") if importlib.util.find_spec(m) is None))
PY
)
if [ -n "$missing" ]; then
  echo "test:training: SKIPPED: $PY cannot import: $missing (install training/requirements-debian.txt)"
  exit 0
fi
"$PY" -m pytest -q -p no:cacheprovider training/tests
rc=$?
if [ "$rc" -eq 5 ]; then  # pytest: no tests collected
  echo "test:training: no tests collected"
  exit 0
fi
exit "$rc"
