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

// TF32 tensor cores (mma.sync m16n8k8 .tf32, PTX ISA 7.0, sm_80 and newer): the sm_90 build has
// them, the compute_75 build does not; the emulator (src/test/emu) implements both helpers.
#if defined(SEQREC_EMULATED) || (defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800)
#define SEQREC_HAS_TF32_MMA 1
#else
#define SEQREC_HAS_TF32_MMA 0
#endif

#if !defined(SEQREC_EMULATED) && SEQREC_HAS_TF32_MMA
// x rounded to TF32 (10 mantissa bits, to nearest, ties away from zero), as a .b32 register.
__device__ __forceinline__ unsigned seqrec_to_tf32(float x) {
  unsigned u;
  asm("cvt.rna.tf32.f32 %0, %1;" : "=r"(u) : "f"(x));
  return u;
}

// d += A B for one warp: A 16 x 8 (row), B 8 x 8 (col), TF32 operands, FP32 accumulators.
__device__ __forceinline__ void seqrec_mma_tf32_16x8x8(float* d, const unsigned* a, const unsigned* b) {
  asm volatile("mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
               "{%0, %1, %2, %3};"
               : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
               : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
}
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
