// Shared helpers of the seqrec CUDA kernels. Everything here is plain CUDA C; the same sources
// also compile on the host against src/test/emu/emu.h (a cooperative-thread emulator) so that
// their logic is tested without a GPU.
#pragma once

#define SEQREC_FULL_MASK 0xffffffffu

// Dynamic shared memory of a kernel, as a typed pointer.
#ifndef SEQREC_EMULATED
#define SEQREC_DYNAMIC_SHARED(type, name) extern __shared__ float seqrec_dynamic_smem_[]; \
  type* name = reinterpret_cast<type*>(seqrec_dynamic_smem_)
#endif

// Lane index within the warp (blocks are always a multiple of 32 threads wide in x).
__device__ __forceinline__ int seqrec_lane() { return threadIdx.x & 31; }

// Bits of the lanes below this one.
__device__ __forceinline__ unsigned seqrec_lanes_below() { return (1u << seqrec_lane()) - 1u; }

// Logistic sigmoid in float.
__device__ __forceinline__ float seqrec_sigmoid(float x) { return 1.0f / (1.0f + expf(-x)); }

// Sum over the lanes of a group of `width` consecutive lanes (a power of two <= 32); every lane of
// the group gets the sum. All 32 lanes of the warp must call it.
__device__ __forceinline__ float seqrec_group_sum(float v, int width) {
  for (int offset = width >> 1; offset > 0; offset >>= 1) {
    v += __shfl_xor_sync(SEQREC_FULL_MASK, v, offset);
  }
  return v;
}
