#!/usr/bin/env bash
# Compiles every kernel family (*.cu here) to PTX for the two targets seqrec ships:
#   <family>.sm_90.ptx      compute_90 (Hopper: H100/H200; also JIT-compiled for newer GPUs)
#   <family>.compute_75.ptx compute_75 (the oldest target nvcc 13 accepts: Turing, Ampere, Ada)
# and checks that ptxas assembles each one for its own architecture (registers, shared memory).
#
#   build-ptx.sh OUT_DIR [NVCC]
#
# The output is reproducible: nvcc runs from this directory and the absolute source paths that
# -lineinfo writes into `.file` directives are cut back to the file names. The committed copies
# live in ../resources/io/github/seqrec/cuda/ptx; update them with
#   cuda/src/main/cuda/build-ptx.sh cuda/src/main/resources/io/github/seqrec/cuda/ptx
# (the PtxResourcesTest fails while they differ from what this script produces).
set -euo pipefail
out="$(mkdir -p "$1" && cd "$1" && pwd)"
nvcc="${2:-${NVCC:-/usr/local/cuda/bin/nvcc}}"
ptxas="$(dirname "$nvcc")/ptxas"
src="$(cd "$(dirname "$0")" && pwd)"
cd "$src"
for cu in *.cu; do
  family="${cu%.cu}"
  for target in sm_90:compute_90 compute_75:compute_75; do
    name="${target%%:*}"
    arch="${target##*:}"
    ptx="$out/$family.$name.ptx"
    "$nvcc" -ptx -arch="$arch" -lineinfo -std=c++17 -o "$ptx.tmp" "$cu"
    sed -e "s#\"$src/#\"#g" -e "s#\"[^\"]*/include/#\"cuda/include/#g" "$ptx.tmp" > "$ptx"
    rm -f "$ptx.tmp"
    "$ptxas" -arch="sm_${arch#compute_}" -o /dev/null "$ptx"
  done
done
