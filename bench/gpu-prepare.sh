#!/usr/bin/env bash
# bench/gpu-prepare.sh: builds the kit that bench/gpu-check.sh runs on a GPU machine, on the development machine
# (JDK 25, Maven wrapper; no GPU needed). Run from anywhere:
#
#   bench/gpu-prepare.sh [--no-build]
#
# It builds the jars (./mvnw -pl bench -am package -DskipTests; --no-build reuses what target/ holds), and writes
# bench/target/gpu-kit/ (an ignored path, to carry to the GPU machine):
#   jre.tar.xz     a jlinked Java runtime (the modules jdeps finds in the jars plus jdk.incubator.vector), xz-packed:
#                  unpacked it is about 45 MiB, and it travels beside NVRTC, so gpu-check.sh unpacks it there
#   lib/*.jar      kiln-runtime, kiln-samples, kiln-bench, kiln-annotations (GpuCheck needs nothing else)
#   nvrtc/         libnvrtc.so.13 and its builtins from the CUDA tools cache (.ci/cuda-tools.sh, ~/.cache/kiln/cuda),
#                  xz-packed (104 MiB -> 29 MiB; the first pack takes about two minutes, later runs reuse it); absent
#                  when the cache is, and then the GPU machine must have an NVRTC of its own
#   opencl/        libOpenCL.so.1, the ICD loader, for a GPU machine that has NVIDIA's OpenCL driver but no loader
#   data/          mobile-price/train.csv (2000 x 20, 4 classes) and Fashion-MNIST's t10k images and labels (10,000
#                  real 28x28 images: the 60,000 training images, 26 MiB packed, do not fit beside NVRTC)
#   KIT.txt        what is in the kit: commit, versions, file sizes and SHA-256
# and prints the kit's total size, failing when it is over 60 MiB (the device tool carries 64 MiB in all, the
# working tree included).
#
# Environment: JAVA_HOME (default /usr/lib/jvm/temurin-25-jdk-amd64); KILN_CUDA_HOME (default ~/.cache/kiln/cuda);
# KILN_PHONE_DATA (default /work/shared/data/mobile-price, else samples' bundled copy); KILN_FASHION_DATA (default
# /usr/share/datasets/fashion-mnist).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

BUILD=1
for arg in "$@"; do
  case "$arg" in
    --no-build) BUILD=0 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d'; exit 0 ;;
    *) echo "gpu-prepare: unknown argument $arg" >&2; exit 2 ;;
  esac
done

export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
export PATH="$JAVA_HOME/bin:$PATH"
export MAVEN_OPTS=${MAVEN_OPTS:---sun-misc-unsafe-memory-access=allow}
KIT=bench/target/gpu-kit
CACHE=bench/target/gpu-kit-cache
LIMIT_MIB=60
VERSION=0.1.0-SNAPSHOT

if [ "$BUILD" = 1 ]; then
  echo "== building the jars"
  ./mvnw -B -ntp -q -pl bench -am package -DskipTests
fi
JARS=(runtime/target/kiln-runtime-$VERSION.jar samples/target/kiln-samples-$VERSION.jar
      bench/target/kiln-bench-$VERSION.jar annotations/target/kiln-annotations-$VERSION.jar)
for j in "${JARS[@]}"; do [ -f "$j" ] || { echo "gpu-prepare: $j missing: build first (drop --no-build)" >&2; exit 1; }; done

rm -rf "$KIT"
mkdir -p "$KIT/lib" "$KIT/data" "$CACHE"
cp "${JARS[@]}" "$KIT/lib/"

echo "== jlink"
MODULES=$(jdeps --print-module-deps --ignore-missing-deps --multi-release 25 "${JARS[@]}")
case ",$MODULES," in *,jdk.incubator.vector,*) ;; *) MODULES="$MODULES,jdk.incubator.vector" ;; esac
echo "modules: $MODULES"
rm -rf "$CACHE/jre"
jlink --add-modules "$MODULES" --strip-debug --no-header-files --no-man-pages --compress zip-9 \
  --output "$CACHE/jre" 2>&1 | grep -v "WARNING: Using incubator modules" || true
[ -x "$CACHE/jre/bin/java" ] || { echo "gpu-prepare: jlink made no runtime" >&2; exit 1; }
echo "runtime: $(du -sh "$CACHE/jre" | cut -f1) unpacked"
tar -C "$CACHE" -cf - jre | xz -T0 -9 > "$KIT/jre.tar.xz"

echo "== NVRTC"
CUDA_HOME_DIR=${KILN_CUDA_HOME:-$HOME/.cache/kiln/cuda}
NVRTC_DIR="$CUDA_HOME_DIR/nvidia/cu13/lib"
if [ -f "$NVRTC_DIR/libnvrtc.so.13" ]; then
  mkdir -p "$KIT/nvrtc"
  for f in "$NVRTC_DIR"/libnvrtc.so.13 "$NVRTC_DIR"/libnvrtc-builtins.so.*; do
    [ -f "$f" ] || continue
    base=$(basename "$f")
    stamp="$(stat -c '%s %Y' "$f")"
    # xz -9 of the 104 MiB library takes minutes: reuse the packed copy while the source is unchanged.
    if [ ! -f "$CACHE/$base.xz" ] || [ "$(cat "$CACHE/$base.stamp" 2>/dev/null)" != "$stamp" ]; then
      echo "packing $base ($(du -h "$f" | cut -f1))..."
      xz -T0 -9 -c "$f" > "$CACHE/$base.xz.tmp" && mv "$CACHE/$base.xz.tmp" "$CACHE/$base.xz"
      echo "$stamp" > "$CACHE/$base.stamp"
    fi
    cp "$CACHE/$base.xz" "$KIT/nvrtc/"
  done
  ls "$CUDA_HOME_DIR"/.kiln-cuda-* 2>/dev/null | sed 's/.*\.kiln-cuda-/cuda tools version: /' || true
else
  echo "no NVRTC in $NVRTC_DIR (run .ci/cuda-tools.sh): the kit has none, the GPU machine must provide one"
fi

echo "== OpenCL ICD loader"
OCL=$(ldconfig -p 2>/dev/null | awk '/libOpenCL\.so\.1 .*x86-64/ {print $NF; exit}')
if [ -n "$OCL" ] && [ -f "$OCL" ]; then
  mkdir -p "$KIT/opencl"
  cp -L "$OCL" "$KIT/opencl/libOpenCL.so.1"
  echo "$OCL"
else
  echo "no libOpenCL.so.1 here (apt-get install -y ocl-icd-libopencl1): the kit has none"
fi

echo "== data"
PHONE=${KILN_PHONE_DATA:-/work/shared/data/mobile-price}
FASHION=${KILN_FASHION_DATA:-/usr/share/datasets/fashion-mnist}
if [ -f "$PHONE/train.csv" ]; then
  mkdir -p "$KIT/data/mobile-price"
  cp "$PHONE/train.csv" "$KIT/data/mobile-price/"
  [ -f "$PHONE/README.md" ] && cp "$PHONE/README.md" "$KIT/data/mobile-price/"
else
  echo "no $PHONE/train.csv: the MLP will train on random data of the same shape"
fi
if [ -f "$FASHION/t10k-images-idx3-ubyte.gz" ] && [ -f "$FASHION/t10k-labels-idx1-ubyte.gz" ]; then
  mkdir -p "$KIT/data/fashion-mnist"
  cp "$FASHION"/t10k-images-idx3-ubyte.gz "$FASHION"/t10k-labels-idx1-ubyte.gz "$KIT/data/fashion-mnist/"
else
  echo "no Fashion-MNIST in $FASHION (apt-get install -y dataset-fashion-mnist): the CNN will train on random images"
fi

{
  echo "Kiln GPU kit, made by bench/gpu-prepare.sh on $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "commit: $(git rev-parse HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD 2>/dev/null || echo ' (with uncommitted changes)')"
  echo "java: $("$JAVA_HOME/bin/java" -version 2>&1 | head -1)"
  echo "modules: $MODULES"
  echo "files:"
  (cd "$KIT" && find . -type f ! -name KIT.txt | sort | while read -r f; do
     printf '  %-48s %10d  %s\n' "${f#./}" "$(stat -c %s "$f")" "$(sha256sum "$f" | cut -c1-16)"
   done)
} > "$KIT/KIT.txt"
cat "$KIT/KIT.txt"

BYTES=$(du -sb "$KIT" | cut -f1)
MIB=$(awk -v b="$BYTES" 'BEGIN { printf "%.1f", b / 1048576 }')
echo "kit: $ROOT/$KIT, $MIB MiB ($BYTES bytes)"
if [ "$BYTES" -gt $((LIMIT_MIB * 1048576)) ]; then
  echo "gpu-prepare: the kit is over $LIMIT_MIB MiB" >&2
  exit 1
fi
echo "carry it with the device tool: carry [\"$KIT\"], command: bench/gpu-check.sh"
