#!/usr/bin/env bash
# The GPU check, in one command and one JVM, on a machine with an NVIDIA GPU and no JDK or network:
#   bash cuda/device-check.sh [--timeout=S] [--test-timeout=S] [--no-tests]
# from the repository root, with .device/ (made by cuda/prepare-device-check.sh) in the working tree.
# io.github.seqrec.cuda.DeviceCheckMain prints, each line as soon as it is known:
#   1. one line: NVIDIA driver, GPU, PTX builds with their ISA and the driver each needs, and the
#      native libraries found (JCuda's binding loaded in place from .device/native, libcuda.so.1,
#      libstdc++.so.6);
#   2. a tiny pass of every kernel on the sm_90 and the portable compute_75 build (seconds);
#   3. the full table: paper-sized shapes, max relative error against the scalar definition
#      (outputs NaN-poisoned first, every element must be written), CUDA-event medians, GB/s
#      against the copy bandwidth it measures, GFLOP/s against the FP32 peak, speedup over
#      seqrec's vector backend on one thread; each kernel under its own timeout (default 90 s);
#   4. the module's GPU test suite (JUnit, require mode: no GPU fails), 120 s per test.
# A sticky CUDA error is reported once and the check goes on with a fresh context. Where $OUT is
# set (the device tool) the log is written to $OUT/device-check.log as it goes.
# Exit: 0 all passed; 1 a check or test failed; 3 no usable GPU (the first line, then the
# reason); 4 no GPU with SEQREC_CUDA_REQUIRE=true; 2 no bundle; 124 the whole run passed its
# time limit (SEQREC_DEVICE_TIMEOUT, default 480 s; every finished line is in the log).
set -uo pipefail
cd "$(dirname "$0")/.."
bundle="$(pwd)/${SEQREC_DEVICE_BUNDLE:-.device}"
java="$bundle/jdk/bin/java"
if [ ! -x "$java" ]; then
  echo "no $java: run cuda/prepare-device-check.sh on a development machine first" >&2
  exit 2
fi
out="${OUT:-}"
log=/dev/null
if [ -n "$out" ]; then
  mkdir -p "$out"
  log="$out/device-check.log"
fi
cp="$(ls "$bundle"/lib/*.jar | tr '\n' ':')"
flags=(--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:+UseParallelGC -Xmx24g
  "-Djava.library.path=$bundle/native" "-Dseqrec.cuda.fallbackLibs=$bundle/native/fallback"
  -Dseqrec.backend=scalar "-Dseqrec.cuda.require=${SEQREC_CUDA_REQUIRE:-false}")
# The tests read src/ relative to the module, as under Maven.
(cd cuda && timeout -k 10 "${SEQREC_DEVICE_TIMEOUT:-480}" "$java" "${flags[@]}" -cp "$cp" \
  io.github.seqrec.cuda.DeviceCheckMain "$@") 2>&1 | tee "$log"
code="${PIPESTATUS[0]}"
{
  echo "== exit code $code (0 passed, 1 failed, 3 no GPU, 4 no GPU but required, 124 time limit)"
  command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv
} 2>&1 | tee -a "$log"
exit "$code"
