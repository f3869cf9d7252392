#!/usr/bin/env bash
# bench/gpu-check.sh: the GPU check, run in one go on a GPU machine from the repository root, with the kit that
# bench/gpu-prepare.sh built on the development machine carried along (bench/target/gpu-kit; the machine needs no
# JDK, no Maven and no CUDA toolkit: only the NVIDIA driver, and PyTorch with CUDA for the comparison).
#
#   bench/gpu-check.sh [--device cuda:0] [--quick] [--python PYTHON|none] [--no-opencl]
#   bench/gpu-check.sh --device opencl:0 --quick        (the test run on a machine without a GPU: PoCL, torch on CPU)
#
# With the device tool: carry ["bench/target/gpu-kit"], command "bench/gpu-check.sh", timeout about 420 s.
#
# What it does:
#   1. unpacks the kit's jlinked Java runtime (and NVRTC) into bench/target/gpu-run, prints `java -version`,
#      nvidia-smi's GPU line and Device.available()
#   2. NVRTC: KILN_NVRTC if set; else one the machine has (by name, /usr/local/cuda, PyTorch's nvidia-*-nvrtc wheel:
#      its folder goes on LD_LIBRARY_PATH; the runtime prefers the driver's CUDA major), else the kit's NVRTC 13
#   3. dev.kiln.bench.GpuCheck on --device (default cuda:0): the device self-test, the workloads timed on the device,
#      then bench/torch_gpu.py (PyTorch on CUDA, TF32 off; on CPU where --device is not CUDA), a table and a JSON line
#   4. where an NVIDIA OpenCL driver is installed (an ICD file, or libnvidia-opencl.so.1 alone: an ICD file is then
#      made in bench/target/gpu-run), GpuCheck again on that OpenCL device, without PyTorch; --no-opencl skips it
# The whole output is also written to bench/target/gpu-run/gpu-check.log, and the JSON lines to gpu-check.json; both
# are copied to $OUT when it is set (the device tool brings $OUT back).
# Exit status: 0 when every self-test passed (goals missed do not fail it), 1 when one failed, 2 when the kit is
# missing or broken.
set -uo pipefail
SELF="$(cd "$(dirname "$0")" && pwd)/$(basename "$0")"
cd "$(dirname "$0")/.."

KIT=${KILN_GPU_KIT:-bench/target/gpu-kit}
RUN=${KILN_GPU_RUN:-bench/target/gpu-run}
ARGS=("$@")
DEVICE=cuda:0
QUICK=()
PY=${PYTHON:-}
OPENCL=1
while [ $# -gt 0 ]; do
  case "$1" in
    --device) DEVICE=$2; shift 2 ;;
    --quick) QUICK=(--quick); shift ;;
    --python) PY=$2; shift 2 ;;
    --no-opencl) OPENCL=0; shift ;;
    -h|--help) sed -n '2,/^set -uo/p' "$0" | sed '$d'; exit 0 ;;
    *) echo "gpu-check: unknown argument $1" >&2; exit 2 ;;
  esac
done

mkdir -p "$RUN"
LOG="$RUN/gpu-check.log"
JSON="$RUN/gpu-check.json"
# The outer call runs the script again with its output through tee, then copies the log and JSON to $OUT.
if [ -z "${KILN_GPU_CHECK_INNER:-}" ]; then
  : > "$JSON"
  KILN_GPU_CHECK_INNER=1 "$SELF" "${ARGS[@]}" 2>&1 | tee "$LOG"
  RC=${PIPESTATUS[0]}
  if [ -n "${OUT:-}" ] && [ -d "${OUT:-}" ]; then cp "$LOG" "$JSON" "$OUT/" 2>/dev/null || true; fi
  exit "$RC"
fi
T0=$(date +%s)
echo "== Kiln GPU check, $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(hostname), $(nproc) CPUs"

[ -f "$KIT/KIT.txt" ] && [ -f "$KIT/jre.tar.xz" ] || {
  echo "gpu-check: no kit in $KIT: run bench/gpu-prepare.sh on the development machine and carry $KIT" >&2
  exit 2
}
sed -n '1,2p' "$KIT/KIT.txt"

# xz may be missing on a bare machine: Python's lzma does the same.
unxz_to() {  # unxz_to FILE.xz DEST
  if command -v xz >/dev/null 2>&1; then xz -dc "$1" > "$2"
  else python3 -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' "$1" "$2"
  fi
}

# 1. The Java runtime, unpacked once per kit.
STAMP=$(sha256sum "$KIT/jre.tar.xz" | cut -c1-16)
if [ "$(cat "$RUN/jre.stamp" 2>/dev/null)" != "$STAMP" ] || [ ! -x "$RUN/jre/bin/java" ]; then
  rm -rf "$RUN/jre"
  unxz_to "$KIT/jre.tar.xz" "$RUN/jre.tar" && tar -C "$RUN" -xf "$RUN/jre.tar" && rm -f "$RUN/jre.tar" \
    || { echo "gpu-check: could not unpack $KIT/jre.tar.xz" >&2; exit 2; }
  echo "$STAMP" > "$RUN/jre.stamp"
fi
JAVA="$RUN/jre/bin/java"
"$JAVA" -version 2>&1 | head -2 | sed 's/^/java: /'
JFLAGS=(--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Djava.awt.headless=true)
CP="$KIT/lib/*"
gpucheck() { "$JAVA" "${JFLAGS[@]}" -cp "$CP" dev.kiln.bench.GpuCheck "$@" 2>&1 | grep --line-buffered -v "WARNING: Using incubator modules"; return "${PIPESTATUS[0]}"; }

# Python for PyTorch: the first that imports torch, else the first there is (torch_gpu.py then says torch is missing).
if [ -z "$PY" ]; then
  for p in /usr/bin/python3 python3 python; do
    command -v "$p" >/dev/null 2>&1 || continue
    [ -z "$PY" ] && PY=$p
    if "$p" -c 'import torch' >/dev/null 2>&1; then PY=$p; break; fi
  done
  [ -z "$PY" ] && PY=none
fi
echo "python: $PY"

LDCONFIG=$(command -v ldconfig || echo /sbin/ldconfig)

# 2. The GPU and its driver.
if command -v nvidia-smi >/dev/null 2>&1; then
  nvidia-smi --query-gpu=index,name,driver_version,memory.total,compute_cap,clocks.max.sm,power.limit --format=csv,noheader 2>&1 | sed 's/^/gpu: /'
  nvidia-smi 2>/dev/null | grep -o 'CUDA Version: *[0-9.]*' | head -1 | sed 's/^/gpu driver: /'
else
  echo "gpu: no nvidia-smi on this machine"
fi

# NVRTC: where the machine has one (PyTorch's CUDA wheels bring nvidia-cuda-nvrtc), its folder goes on
# LD_LIBRARY_PATH so the runtime's by-name search finds the one matching the driver's CUDA major; the kit's NVRTC 13
# is unpacked as the last resort (KILN_CUDA_HOME, where the runtime looks after /usr/local/cuda).
if [ -z "${KILN_NVRTC:-}" ]; then
  if [ "$PY" != none ]; then
    PYLIBS=$("$PY" - <<'EOF' 2>/dev/null
import glob, os, site, sys
roots = set(site.getsitepackages() + [site.getusersitepackages()] + [p for p in sys.path if p.endswith("-packages")])
dirs = []
for r in sorted(roots):
    for f in glob.glob(os.path.join(r, "nvidia", "*", "lib", "libnvrtc.so.*")):
        d = os.path.dirname(f)
        if d not in dirs:
            dirs.append(d)
print(":".join(dirs))
EOF
)
    if [ -n "$PYLIBS" ]; then
      echo "nvrtc: PyTorch's NVIDIA wheels: $PYLIBS"
      export LD_LIBRARY_PATH="$PYLIBS${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    fi
  fi
  if [ -d "$KIT/nvrtc" ]; then
    NV="$RUN/cuda/nvidia/cu13/lib"
    mkdir -p "$NV"
    for f in "$KIT"/nvrtc/*.xz; do
      out="$NV/$(basename "$f" .xz)"
      [ -s "$out" ] || { unxz_to "$f" "$out.tmp" && mv "$out.tmp" "$out"; } || echo "gpu-check: could not unpack $f"
    done
    export KILN_CUDA_HOME="$PWD/$RUN/cuda"
    echo "nvrtc: the kit's, as the last resort: $NV"
  fi
else
  echo "nvrtc: KILN_NVRTC=$KILN_NVRTC"
fi
"$LDCONFIG" -p 2>/dev/null | grep -o 'libnvrtc\.so\.[0-9]* .*' | sed 's/^/nvrtc on this machine: /' | head -3

# Compile the kernels with the NVRTC a CUDA context will load, for this GPU, before anything runs on it.
if [[ "$DEVICE" == cuda* ]]; then
  CUDA_MAJOR=$(nvidia-smi 2>/dev/null | grep -o 'CUDA Version: *[0-9]*' | head -1 | grep -o '[0-9]*$')
  CC=$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader 2>/dev/null | head -1 | tr -d ' .')
  gpucheck --nvrtc-check --cuda-major "${CUDA_MAJOR:-13}" --arch "compute_${CC:-90}"
fi

# OpenCL on the NVIDIA GPU: NVIDIA's ICD file is often missing in containers while the driver library is there.
OCL_DEVICE=""
if [ "$OPENCL" = 1 ] && [[ "$DEVICE" == cuda* ]]; then
  NVOCL=$("$LDCONFIG" -p 2>/dev/null | awk '/libnvidia-opencl\.so\.1 .*x86-64/ {print $NF; exit}')
  if [ -n "$NVOCL" ] && ! grep -qs nvidia /etc/OpenCL/vendors/*.icd; then
    mkdir -p "$RUN/opencl-vendors"
    echo "libnvidia-opencl.so.1" > "$RUN/opencl-vendors/nvidia.icd"
    export OCL_ICD_VENDORS="$PWD/$RUN/opencl-vendors"
    echo "opencl: NVIDIA's driver library without an ICD file: made $OCL_ICD_VENDORS/nvidia.icd"
  fi
  if ! "$LDCONFIG" -p 2>/dev/null | grep -q 'libOpenCL\.so\.1 ' && [ -f "$KIT/opencl/libOpenCL.so.1" ]; then
    export LD_LIBRARY_PATH="${LD_LIBRARY_PATH:+$LD_LIBRARY_PATH:}$PWD/$KIT/opencl"
    echo "opencl: no ICD loader on this machine: the kit's libOpenCL.so.1"
  fi
fi

echo "== Device.available()"
DEVICES=$(gpucheck --list)
echo "$DEVICES"
if [ "$OPENCL" = 1 ] && [[ "$DEVICE" == cuda* ]]; then
  OCL_DEVICE=$(echo "$DEVICES" | awk '/^device opencl:[0-9]+ / && /NVIDIA/ {print $2; exit}')
  [ -z "$OCL_DEVICE" ] && echo "opencl: no NVIDIA OpenCL device (no ICD or driver library): the OpenCL run is skipped"
fi

# 3. The check on the main device, with PyTorch.
echo "== GpuCheck --device $DEVICE ${QUICK[*]}"
gpucheck --device "$DEVICE" "${QUICK[@]}" --data "$KIT/data" --python "$PY" --torch-script bench/torch_gpu.py \
  | tee "$RUN/main.out"
RC=${PIPESTATUS[0]}
grep '^{"gpu_check"' "$RUN/main.out" >> "$JSON"

# 4. The same on NVIDIA's OpenCL, without PyTorch.
if [ -n "$OCL_DEVICE" ]; then
  echo "== GpuCheck --device $OCL_DEVICE ${QUICK[*]} (OpenCL on the same GPU)"
  gpucheck --device "$OCL_DEVICE" "${QUICK[@]}" --data "$KIT/data" --python none | tee "$RUN/opencl.out"
  ORC=${PIPESTATUS[0]}
  grep '^{"gpu_check"' "$RUN/opencl.out" >> "$JSON"
  [ "$ORC" -ne 0 ] && [ "$RC" -eq 0 ] && RC=$ORC
fi

echo "== done in $(( $(date +%s) - T0 )) s, exit status $RC; log $LOG, JSON $JSON"
exit "$RC"
