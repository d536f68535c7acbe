#!/usr/bin/env bash
# Compiles every kernel family (*.cu here) to PTX for the two targets seqrec ships:
#   <family>.sm_90.ptx      compute_90 (Hopper: H100/H200; also JIT-compiled for newer GPUs)
#   <family>.compute_75.ptx compute_75 (the oldest target nvcc 13 accepts: Turing, Ampere, Ada)
# and checks that ptxas assembles each one for its own architecture.
#
# Portable ISA: nvcc 13 stamps every file `.version 9.0` (PTX ISA 9.0), which only a CUDA 13
# driver (R580+) loads, although no kernel uses a 9.x instruction. Each file's `.version` is
# lowered to the lowest ISA that ptxas accepts for it (ptxas rejects an instruction the declared
# ISA lacks), so the driver it needs is the oldest that can run it: ISA 7.8 (CUDA 11.8, R520,
# the first driver with Hopper support) for sm_90, ISA 7.0 (CUDA 11.0, R450) for compute_75
# at present. The ptxas -v resource report of every file (registers, shared memory, stack,
# spills per kernel) goes to <family>.<target>.ptxas.txt beside it.
#
#   build-ptx.sh OUT_DIR [NVCC]
#
# The output is reproducible: nvcc hashes the absolute path of each source into the names of
# internal symbols (kept in the -lineinfo debug strings), so the sources are compiled from one
# fixed folder (/tmp/seqrec-ptx-build, under a lock), whatever folder the checkout is in, and
# the absolute paths -lineinfo writes into `.file` directives are cut back to the file names. The committed copies
# live in ../resources/io/github/seqrec/cuda/ptx; update them with
#   cuda/src/main/cuda/build-ptx.sh cuda/src/main/resources/io/github/seqrec/cuda/ptx
# (the PtxResourcesTest fails while they differ from what this script produces).
set -euo pipefail
out="$(mkdir -p "$1" && cd "$1" && pwd)"
nvcc="${2:-${NVCC:-/usr/local/cuda/bin/nvcc}}"
ptxas="$(dirname "$nvcc")/ptxas"
here="$(cd "$(dirname "$0")" && pwd)"
src=/tmp/seqrec-ptx-build
exec 9>"$src.lock"
flock 9
rm -rf "$src"
mkdir -p "$src"
cp "$here"/*.cu "$here"/*.cuh "$src"/
cd "$src"
# PTX ISA versions, oldest first (6.3 is the first with sm_75).
isas="6.3 6.4 6.5 7.0 7.1 7.2 7.3 7.4 7.5 7.6 7.7 7.8 8.0 8.1 8.2 8.3 8.4 8.5 8.6 8.7 8.8 9.0"
for cu in *.cu; do
  family="${cu%.cu}"
  for target in sm_90:compute_90 compute_75:compute_75; do
    name="${target%%:*}"
    arch="${target##*:}"
    ptx="$out/$family.$name.ptx"
    "$nvcc" -ptx -arch="$arch" -lineinfo -std=c++17 -o "$ptx.tmp" "$cu"
    sed -e "s#\"$src/#\"#g" -e "s#\"[^\"]*/include/#\"cuda/include/#g" "$ptx.tmp" > "$ptx.full"
    rm -f "$ptx.tmp"
    sm="sm_${arch#compute_}"
    lowest=""
    for isa in $isas; do
      sed -e "s/^\.version .*/.version $isa/" "$ptx.full" > "$ptx"
      if "$ptxas" -arch="$sm" -o /dev/null "$ptx" 2>/dev/null; then
        lowest="$isa"
        break
      fi
    done
    rm -f "$ptx.full"
    if [ -z "$lowest" ]; then
      echo "ptxas accepts $family.$name.ptx at no PTX ISA of: $isas" >&2
      "$ptxas" -arch="$sm" -o /dev/null "$ptx"
      exit 1
    fi
    # The resource report, without its compile times (they change from run to run).
    "$ptxas" -arch="$sm" -v -o /dev/null "$ptx" 2>&1 | grep -v "Compile time" > "$out/$family.$name.ptxas.txt"
  done
done
