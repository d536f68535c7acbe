#!/usr/bin/env bash
# The GPU check, in one command on a machine with an NVIDIA GPU and no JDK or network:
#   bash cuda/device-check.sh            (from the repository root, with .device/ made by
#                                         cuda/prepare-device-check.sh beside the working tree)
# 1. the GPU JUnit suite of seqrec-cuda: every kernel against the CPU scalar definition on
#    fresh random inputs (awkward sizes, masks, L up to 10^5), outputs NaN-poisoned first;
# 2. DeviceCheck --tiny with -Dseqrec.cuda.ptx=compute_75: the portable PTX build on this GPU;
# 3. io.github.seqrec.cuda.DeviceCheck: paper-sized shapes, max relative error against the
#    scalar definition, CUDA-event timing, GB/s against the copy bandwidth it measures,
#    GFLOP/s against the FP32 peak, speedup over seqrec's vector backend; its table comes last.
# Where $OUT is set (the device tool), the full log and the JUnit XML report are written there.
# Exit: 0 all passed; 1 a test or check failed; 3 no usable GPU (DeviceCheck's code, printed
# with the reason).
set -uo pipefail
cd "$(dirname "$0")/.."
bundle="${SEQREC_DEVICE_BUNDLE:-.device}"
java="$bundle/jdk/bin/java"
if [ ! -x "$java" ]; then
  echo "no $java: run cuda/prepare-device-check.sh on a development machine first" >&2
  exit 2
fi
lib="$(cd "$bundle/lib" && pwd)"
out="${OUT:-}"
log=/dev/null
if [ -n "$out" ]; then
  mkdir -p "$out"
  log="$out/device-check.log"
fi
flags=(--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:+UseParallelGC -Xmx24g)
{
  echo "== $(date -u +%FT%TZ) seqrec CUDA device check"
  command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv
  echo "== 1/3 GPU test suite (JUnit; CPU reference = scalar backend)"
  reports=()
  [ -n "$out" ] && reports=(--reports-dir "$out/junit")
  # The tests read src/ relative to the module, as under Maven.
  (cd cuda && timeout 180 "../$java" "${flags[@]}" -Dseqrec.backend=scalar -Dseqrec.cuda.emulator=false -Dseqrec.nvcc=/nonexistent \
    -jar "$lib/junit-console.jar" execute --disable-banner --details=summary --fail-if-no-tests "${reports[@]}" \
    --class-path "$lib/seqrec-cuda-tests.jar:$lib/seqrec-cuda.jar:$lib/seqrec-kernels.jar:$lib/jcuda-12.0.0.jar:$lib/jcuda-natives-driver-12.0.0-linux-x86_64.jar:$lib/assertj-core-3.27.7.jar" \
    --select-package io.github.seqrec.cuda)
  tests=$?
  echo "== JUnit exit code: $tests"
  # DeviceCheck lives in the test jar: it compares with the scalar definition, which seqrec-kernels keeps internal.
  cp="$lib/seqrec-cuda-tests.jar:$lib/seqrec-cuda.jar:$lib/seqrec-kernels.jar:$lib/jcuda-12.0.0.jar:$lib/jcuda-natives-driver-12.0.0-linux-x86_64.jar"
  echo "== 2/3 the portable PTX (compute_75) on this GPU: DeviceCheck --tiny"
  timeout 60 "$java" "${flags[@]}" -Dseqrec.cuda.ptx=compute_75 -cp "$cp" io.github.seqrec.cuda.DeviceCheck --tiny
  portable=$?
  echo "== compute_75 exit code: $portable"
  echo "== 3/3 DeviceCheck (CPU timing = vector backend)"
  timeout 200 "$java" "${flags[@]}" -cp "$cp" io.github.seqrec.cuda.DeviceCheck
  check=$?
  echo "== DeviceCheck exit code: $check (0 passed, 1 failed, 3 no GPU)"
  if [ "$check" -eq 3 ]; then exit 3; fi
  if [ "$tests" -ne 0 ] || [ "$portable" -ne 0 ] || [ "$check" -ne 0 ]; then exit 1; fi
  exit 0
} 2>&1 | tee "$log"
exit "${PIPESTATUS[0]}"
