#!/usr/bin/env bash
# Fetches NVRTC (libnvrtc.so.13 + builtins) and ptxas from NVIDIA's Python wheels, so the CUDA kernels can be
# compiled to PTX and assembled on a machine without a GPU (CudaCompileCheck and the dev.kiln.backend.cuda tests).
# Idempotent: does nothing when both tools are already unpacked. Installs into ${KILN_CUDA_HOME:-~/.cache/kiln/cuda},
# the folder the tests look in by default, so no environment variable is needed to find them afterwards.
set -euo pipefail

VERSION=13.0.88
DEST="${KILN_CUDA_HOME:-$HOME/.cache/kiln/cuda}"
NVRTC="$DEST/nvidia/cu13/lib/libnvrtc.so.13"
PTXAS="$DEST/nvidia/cu13/bin/ptxas"

if [ -f "$NVRTC" ] && [ -x "$PTXAS" ] && [ -f "$DEST/.kiln-cuda-$VERSION" ]; then
  echo "CUDA tools $VERSION already in $DEST"
  exit 0
fi

PY="$(command -v python3 || command -v python || true)"
[ -n "$PY" ] || { echo "cuda-tools: python3 with pip is needed to fetch the NVIDIA wheels" >&2; exit 1; }

mkdir -p "$DEST"
TMP="$(mktemp -d "${TMPDIR:-/tmp}/kiln-cuda-wheels.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT

"$PY" -m pip download --no-deps --retries 0 --disable-pip-version-check -q -d "$TMP" \
  "nvidia-cuda-nvrtc==$VERSION" "nvidia-cuda-nvcc==$VERSION"

# Only what Kiln uses (145 MB of the 330 unpacked): NVRTC and its builtins, nvrtc.h, ptxas, the licenses.
for wheel in "$TMP"/*.whl; do
  "$PY" - "$wheel" "$DEST" <<'PYEOF'
import re, sys, zipfile
keep = re.compile(r"nvidia/cu13/(lib/libnvrtc(-builtins)?\.so\.[0-9.]+|bin/ptxas|include/nvrtc\.h)$|[^/]+\.dist-info/licenses/")
with zipfile.ZipFile(sys.argv[1]) as z:
    z.extractall(sys.argv[2], [n for n in z.namelist() if keep.match(n)])
PYEOF
done
# Python's zipfile drops the executable bit.
chmod +x "$PTXAS"

[ -f "$NVRTC" ] || { echo "cuda-tools: $NVRTC missing after unpacking" >&2; exit 1; }
[ -x "$PTXAS" ] || { echo "cuda-tools: $PTXAS missing after unpacking" >&2; exit 1; }
touch "$DEST/.kiln-cuda-$VERSION"
echo "CUDA tools $VERSION in $DEST (NVRTC: $NVRTC, ptxas: $PTXAS)"
