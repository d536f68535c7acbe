// Dense kernels: a shared-memory tiled SGEMM with the seqrec Dense.gemm contract, and the
// device-copy kernel the device check uses to measure the memory-bandwidth ceiling.
#include "common.cuh"

#define GEMM_BM 64
#define GEMM_BN 64
#define GEMM_BK 16
#define GEMM_THREADS 256

// C = (accumulate ? C : 0) + A B + bias, row-major: A is m x k (leading dimension lda), B is
// k x n (ldb), C is m x n (ldc), bias (nullable) holds n values added to every row. The pointers
// are already offset to the first element.
//
// Block: a 64 x 64 tile of C, 256 threads, each owning a 4 x 4 register tile (rows ty + 16 i,
// columns tx + 16 j, so a warp's stores and B reads are consecutive). Each k-step stages a
// 64 x 16 panel of A (transposed, padded against bank conflicts) and a 16 x 64 panel of B in
// shared memory. Every output sums its k products in order p = 0, 1, ..., k-1 (with FMA), adds the
// bias after the sum and the old C after that: the scalar definition's order.
extern "C" __global__ void __launch_bounds__(GEMM_THREADS)
seqrec_gemm(const float* __restrict__ a, int lda, const float* __restrict__ b, int ldb,
            const float* __restrict__ bias, float* __restrict__ c, int ldc,
            int m, int n, int k, int accumulate) {
  __shared__ float as[GEMM_BK][GEMM_BM + 1];
  __shared__ float bs[GEMM_BK][GEMM_BN];
  const int tid = threadIdx.x;
  const int tx = tid & 15;
  const int ty = tid >> 4;
  const int row0 = blockIdx.y * GEMM_BM;
  const int col0 = blockIdx.x * GEMM_BN;

  float acc[4][4];
#pragma unroll
  for (int i = 0; i < 4; i++) {
#pragma unroll
    for (int j = 0; j < 4; j++) {
      acc[i][j] = 0.0f;
    }
  }

  for (int k0 = 0; k0 < k; k0 += GEMM_BK) {
    // A panel: element e of this thread is (row r, depth p) with p fastest.
#pragma unroll
    for (int e = 0; e < 4; e++) {
      int idx = tid + e * GEMM_THREADS;
      int r = idx >> 4;
      int p = idx & 15;
      int gr = row0 + r;
      int gp = k0 + p;
      as[p][r] = (gr < m && gp < k) ? a[(long long)gr * lda + gp] : 0.0f;
    }
    // B panel: (depth p, column cc) with cc fastest, so a warp reads 32 consecutive floats.
#pragma unroll
    for (int e = 0; e < 4; e++) {
      int idx = tid + e * GEMM_THREADS;
      int p = idx >> 6;
      int cc = idx & 63;
      int gp = k0 + p;
      int gc = col0 + cc;
      bs[p][cc] = (gp < k && gc < n) ? b[(long long)gp * ldb + gc] : 0.0f;
    }
    __syncthreads();
    const int depth = min(GEMM_BK, k - k0);
    for (int p = 0; p < depth; p++) {
      float av[4];
      float bv[4];
#pragma unroll
      for (int i = 0; i < 4; i++) {
        av[i] = as[p][ty + 16 * i];
      }
#pragma unroll
      for (int j = 0; j < 4; j++) {
        bv[j] = bs[p][tx + 16 * j];
      }
#pragma unroll
      for (int i = 0; i < 4; i++) {
#pragma unroll
        for (int j = 0; j < 4; j++) {
          acc[i][j] = fmaf(av[i], bv[j], acc[i][j]);
        }
      }
    }
    __syncthreads();
  }

#pragma unroll
  for (int i = 0; i < 4; i++) {
    int gr = row0 + ty + 16 * i;
    if (gr >= m) {
      continue;
    }
#pragma unroll
    for (int j = 0; j < 4; j++) {
      int gc = col0 + tx + 16 * j;
      if (gc < n) {
        float v = acc[i][j];
        if (bias != nullptr) {
          v += bias[gc];
        }
        float* out = c + (long long)gr * ldc + gc;
        *out = accumulate ? *out + v : v;
      }
    }
  }
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
