// Dense kernels: shared-memory tiled SGEMMs with the seqrec Dense.gemm contract (FP32 SIMT, and an
// opt-in TF32 tensor-core variant), and the device-copy kernel the device check uses to measure
// the memory-bandwidth ceiling.
#include "common.cuh"

#define GEMM_BM 128
#define GEMM_BN 128
#define GEMM_BK 8
#define GEMM_THREADS 256
// Padding of the transposed A panel's rows: keeps the float4 reads of a row 16-byte aligned
// while spreading the transposing scalar stores over the banks.
#define GEMM_APAD 4

// One 128 x 8 panel of A (transposed: as[p][row]) and one 8 x 128 panel of B (bs[p][col]) in
// shared memory, two of each: the panels of step t + 1 are loaded into registers while step t
// computes from shared memory, then stored into the other pair (one barrier per step).
struct GemmPanels {
  float as[2][GEMM_BK][GEMM_BM + GEMM_APAD];
  float bs[2][GEMM_BK][GEMM_BN];
};

// The four A values (one row, depths p .. p+3) and four B values (one depth, columns c .. c+3) a
// thread stages per step. Thread t loads A row t/2, depths 4 (t%2) .. +3, and B depth t/32,
// columns 4 (t%32) .. +3: 256 threads cover both 1024-element panels. Where the whole group of
// four lies inside the matrix and `vec` holds (leading dimensions multiples of 4, 16-byte aligned
// bases) it is one 16-byte load; else four bounds-checked scalar loads. Outside the matrix: 0.
struct GemmStage {
  float a[4];
  float b[4];
};

__device__ __forceinline__ void gemm_load(GemmStage& st, const float* __restrict__ a, long long lda,
                                          const float* __restrict__ b, long long ldb, long long row0,
                                          long long col0, long long k0, long long m, long long n, long long k,
                                          bool vec) {
  const int tid = threadIdx.x;
  const long long ar = row0 + (tid >> 1);
  const long long ap = k0 + ((tid & 1) << 2);
  if (vec && ar < m && ap + 3 < k) {
    float4 v = *reinterpret_cast<const float4*>(a + ar * lda + ap);
    st.a[0] = v.x; st.a[1] = v.y; st.a[2] = v.z; st.a[3] = v.w;
  } else {
#pragma unroll
    for (int e = 0; e < 4; e++) {
      st.a[e] = (ar < m && ap + e < k) ? a[ar * lda + ap + e] : 0.0f;
    }
  }
  const long long bp = k0 + (tid >> 5);
  const long long bc = col0 + ((tid & 31) << 2);
  if (vec && bp < k && bc + 3 < n) {
    float4 v = *reinterpret_cast<const float4*>(b + bp * ldb + bc);
    st.b[0] = v.x; st.b[1] = v.y; st.b[2] = v.z; st.b[3] = v.w;
  } else {
#pragma unroll
    for (int e = 0; e < 4; e++) {
      st.b[e] = (bp < k && bc + e < n) ? b[bp * ldb + bc + e] : 0.0f;
    }
  }
}

__device__ __forceinline__ void gemm_store(GemmPanels& sm, int buf, const GemmStage& st) {
  const int tid = threadIdx.x;
  const int r = tid >> 1;
  const int p = (tid & 1) << 2;
#pragma unroll
  for (int e = 0; e < 4; e++) {
    sm.as[buf][p + e][r] = st.a[e];
  }
  *reinterpret_cast<float4*>(&sm.bs[buf][tid >> 5][(tid & 31) << 2]) = make_float4(st.b[0], st.b[1], st.b[2], st.b[3]);
}

// Whether both operands allow 16-byte loads: leading dimensions multiples of 4 floats and bases
// 16-byte aligned (then every group of four starting at a multiple of 4 is aligned).
__device__ __forceinline__ bool gemm_vectorizable(const float* a, long long lda, const float* b, long long ldb) {
  return ((lda | ldb) & 3) == 0 &&
         ((reinterpret_cast<unsigned long long>(a) | reinterpret_cast<unsigned long long>(b)) & 15ull) == 0;
}

// C = (accumulate ? C : 0) + A B + bias, row-major: A is m x k (leading dimension lda), B is
// k x n (ldb), C is m x n (ldc), bias (nullable) holds n values added to every row. The pointers
// are already offset to the first element. All index arithmetic is 64-bit.
//
// Block: a 128 x 128 tile of C, 256 threads as 16 x 16; thread (ty, tx) owns the 8 x 8 outputs at
// rows 4 ty + {0..3} and 64 + 4 ty + {0..3}, columns 4 tx + {0..3} and 64 + 4 tx + {0..3}, so that
// its shared-memory reads are four float4 per depth and a warp's are conflict-free broadcasts.
// Every output sums its k products in order p = 0, 1, ..., k-1 (with FMA; a last partial panel
// runs only its real depths), adds the bias after the sum and the old C after that: the scalar
// definition's order, so results match it bit for bit up to the last-bit differences of FMA.
extern "C" __global__ void __launch_bounds__(GEMM_THREADS)
seqrec_gemm(const float* __restrict__ a, int lda, const float* __restrict__ b, int ldb,
            const float* __restrict__ bias, float* __restrict__ c, int ldc,
            int m, int n, int k, int accumulate) {
  __shared__ __align__(16) GemmPanels sm;
  const int tid = threadIdx.x;
  const int tx = tid & 15;
  const int ty = tid >> 4;
  const long long row0 = (long long)blockIdx.y * GEMM_BM;
  const long long col0 = (long long)blockIdx.x * GEMM_BN;
  const bool vec = gemm_vectorizable(a, lda, b, ldb);

  float acc[8][8];
#pragma unroll
  for (int i = 0; i < 8; i++) {
#pragma unroll
    for (int j = 0; j < 8; j++) {
      acc[i][j] = 0.0f;
    }
  }

  GemmStage st;
  const long long steps = ((long long)k + GEMM_BK - 1) / GEMM_BK;
  if (steps > 0) {
    gemm_load(st, a, lda, b, ldb, row0, col0, 0, m, n, k, vec);
    gemm_store(sm, 0, st);
  }
  __syncthreads();
  int buf = 0;
  for (long long s = 0; s < steps; s++) {
    const long long k0 = s * GEMM_BK;
    const bool more = s + 1 < steps;
    if (more) {
      gemm_load(st, a, lda, b, ldb, row0, col0, k0 + GEMM_BK, m, n, k, vec);  // in flight during the FMAs
    }
    const int depth = (int)min((long long)GEMM_BK, (long long)k - k0);
    for (int p = 0; p < depth; p++) {
      const float4 a0 = *reinterpret_cast<const float4*>(&sm.as[buf][p][4 * ty]);
      const float4 a1 = *reinterpret_cast<const float4*>(&sm.as[buf][p][64 + 4 * ty]);
      const float4 b0 = *reinterpret_cast<const float4*>(&sm.bs[buf][p][4 * tx]);
      const float4 b1 = *reinterpret_cast<const float4*>(&sm.bs[buf][p][64 + 4 * tx]);
      const float av[8] = {a0.x, a0.y, a0.z, a0.w, a1.x, a1.y, a1.z, a1.w};
      const float bv[8] = {b0.x, b0.y, b0.z, b0.w, b1.x, b1.y, b1.z, b1.w};
#pragma unroll
      for (int i = 0; i < 8; i++) {
#pragma unroll
        for (int j = 0; j < 8; j++) {
          acc[i][j] = fmaf(av[i], bv[j], acc[i][j]);
        }
      }
    }
    if (more) {
      gemm_store(sm, buf ^ 1, st);
      buf ^= 1;
    }
    __syncthreads();
  }

#pragma unroll
  for (int i = 0; i < 8; i++) {
    const long long gr = row0 + (i < 4 ? 4 * ty + i : 64 + 4 * ty + (i - 4));
    if (gr >= m) {
      continue;
    }
#pragma unroll
    for (int j = 0; j < 8; j++) {
      const long long gc = col0 + (j < 4 ? 4 * tx + j : 64 + 4 * tx + (j - 4));
      if (gc < n) {
        float v = acc[i][j];
        if (bias != nullptr) {
          v += bias[gc];
        }
        float* out = c + gr * (long long)ldc + gc;
        *out = accumulate ? *out + v : v;
      }
    }
  }
}

// The TF32 tensor-core variant of seqrec_gemm (opt in: CudaDense.gemmTf32), same contract and
// layouts, same 128 x 128 block tile, panels and double buffering. Each of the 8 warps owns a
// 32 x 64 sub-tile as 2 x 8 tiles of mma.sync.m16n8k8 (FP32 accumulators, A and B rounded to
// TF32 with cvt.rna: 10 mantissa bits, round to nearest, ties away). Each output then differs
// from the FP32 sum by at most (2^-10 + (k + 2) 2^-22) (sum_p |a_ip b_pj| + |bias_j| + |c_ij|):
// 2^-10 from the two operand roundings of every product, the rest from FP32 accumulation in the
// tensor cores' own order (not the scalar definition's). Warp w covers rows 32 (w % 4) ..,
// columns 64 (w / 4) ..; lane l's fragments follow the PTX ISA's m16n8k8 .tf32 layout with
// g = l / 4, t = l % 4: A rows g, g + 8 at depths t, t + 4; B depths t, t + 4 at column g;
// accumulators at rows g, g + 8, columns 2t, 2t + 1.
extern "C" __global__ void __launch_bounds__(GEMM_THREADS)
seqrec_gemm_tf32(const float* __restrict__ a, int lda, const float* __restrict__ b, int ldb,
                 const float* __restrict__ bias, float* __restrict__ c, int ldc,
                 int m, int n, int k, int accumulate) {
#if SEQREC_HAS_TF32_MMA
  __shared__ __align__(16) GemmPanels sm;
  const int tid = threadIdx.x;
  const int lane = tid & 31;
  const int warp = tid >> 5;
  const int g = lane >> 2;
  const int t = lane & 3;
  const int wr = 32 * (warp & 3);
  const int wc = 64 * (warp >> 2);
  const long long row0 = (long long)blockIdx.y * GEMM_BM;
  const long long col0 = (long long)blockIdx.x * GEMM_BN;
  const bool vec = gemm_vectorizable(a, lda, b, ldb);

  float acc[2][8][4];
#pragma unroll
  for (int i = 0; i < 2; i++) {
#pragma unroll
    for (int j = 0; j < 8; j++) {
#pragma unroll
      for (int e = 0; e < 4; e++) {
        acc[i][j][e] = 0.0f;
      }
    }
  }

  GemmStage st;
  const long long steps = ((long long)k + GEMM_BK - 1) / GEMM_BK;
  if (steps > 0) {
    gemm_load(st, a, lda, b, ldb, row0, col0, 0, m, n, k, vec);
    gemm_store(sm, 0, st);
  }
  __syncthreads();
  int buf = 0;
  for (long long s = 0; s < steps; s++) {
    const bool more = s + 1 < steps;
    if (more) {
      gemm_load(st, a, lda, b, ldb, row0, col0, (s + 1) * GEMM_BK, m, n, k, vec);
    }
    // One k8 step: depths beyond k are zeros in the panels (products 0).
    unsigned af[2][4];
#pragma unroll
    for (int i = 0; i < 2; i++) {
      const int r = wr + 16 * i + g;
      af[i][0] = seqrec_to_tf32(sm.as[buf][t][r]);
      af[i][1] = seqrec_to_tf32(sm.as[buf][t][r + 8]);
      af[i][2] = seqrec_to_tf32(sm.as[buf][t + 4][r]);
      af[i][3] = seqrec_to_tf32(sm.as[buf][t + 4][r + 8]);
    }
#pragma unroll
    for (int j = 0; j < 8; j++) {
      const int col = wc + 8 * j + g;
      unsigned bf[2] = {seqrec_to_tf32(sm.bs[buf][t][col]), seqrec_to_tf32(sm.bs[buf][t + 4][col])};
#pragma unroll
      for (int i = 0; i < 2; i++) {
        seqrec_mma_tf32_16x8x8(acc[i][j], af[i], bf);
      }
    }
    if (more) {
      gemm_store(sm, buf ^ 1, st);
      buf ^= 1;
    }
    __syncthreads();
  }

#pragma unroll
  for (int i = 0; i < 2; i++) {
#pragma unroll
    for (int e = 0; e < 4; e++) {
      const long long gr = row0 + wr + 16 * i + g + (e >= 2 ? 8 : 0);
      if (gr >= m) {
        continue;
      }
#pragma unroll
      for (int j = 0; j < 8; j++) {
        const long long gc = col0 + wc + 8 * j + 2 * t + (e & 1);
        if (gc < n) {
          float v = acc[i][j][e];
          if (bias != nullptr) {
            v += bias[gc];
          }
          float* out = c + gr * (long long)ldc + gc;
          *out = accumulate ? *out + v : v;
        }
      }
    }
  }
#else
  __trap();  // not in this build: CudaDense.gemmTf32 runs only with the sm_90 PTX
#endif
}

// dst[i] = src[i] for i < n: a grid-stride copy with 16-byte accesses where both pointers are
// 16-byte aligned (device allocations are), the scalar tail by the first threads. The device check
// times it to measure the copy bandwidth it reports every kernel against.
extern "C" __global__ void __launch_bounds__(256)
seqrec_copy(const float* __restrict__ src, float* __restrict__ dst, long long n) {
  const long long stride = (long long)gridDim.x * blockDim.x;
  const long long first = (long long)blockIdx.x * blockDim.x + threadIdx.x;
  const bool aligned = ((reinterpret_cast<unsigned long long>(src) | reinterpret_cast<unsigned long long>(dst)) & 15ull) == 0;
  long long done = 0;
  if (aligned) {
    const long long n4 = n >> 2;
    const float4* s4 = reinterpret_cast<const float4*>(src);
    float4* d4 = reinterpret_cast<float4*>(dst);
    for (long long i = first; i < n4; i += stride) {
      d4[i] = s4[i];
    }
    done = n4 << 2;
  }
  for (long long i = done + first; i < n; i += stride) {
    dst[i] = src[i];
  }
}
