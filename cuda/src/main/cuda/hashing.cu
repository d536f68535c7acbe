// SimHash signatures and the Hamming top-k (ETA, Chen et al. 2021), batched.
#include "select.cuh"

// Signatures of `rows` inputs x (row i at x + i*ldx, d floats) against the d x m planes
// (row-major, m a multiple of 64): bit k of row i is (sum_j x[i][j] planes[j][k]) > 0, packed
// little-endian into m/64 64-bit words per row (bit k in word k/64 at position k%64), written as
// 32-bit halves (out32 = the words viewed as uint32, little-endian). One warp per (row, 32 bits):
// lane k sums its column in order j = 0, 1, ... with separately rounded products and sums (no FMA),
// exactly the scalar definition's arithmetic, so the bits match it exactly; a ballot packs them.
extern "C" __global__ void __launch_bounds__(256)
seqrec_simhash(const float* __restrict__ x, long long ldx, int rows, int d,
               const float* __restrict__ planes, int m, unsigned* __restrict__ out32) {
  const int halves = m >> 5;
  const long long warpId = ((long long)blockIdx.x * blockDim.x + threadIdx.x) >> 5;
  const int lane = threadIdx.x & 31;
  if (warpId >= (long long)rows * halves) {
    return;  // whole warps only: rows * halves is counted in warps
  }
  const int row = (int)(warpId / halves);
  const int half = (int)(warpId - (long long)row * halves);
  const int col = half * 32 + lane;
  const float* xr = x + (long long)row * ldx;
  float sum = 0.0f;
  for (int j = 0; j < d; j++) {
    sum = __fadd_rn(sum, __fmul_rn(xr[j], planes[(long long)j * m + col]));
  }
  const unsigned bits = __ballot_sync(SEQREC_FULL_MASK, sum > 0.0f);
  if (lane == 0) {
    out32[(long long)row * halves + half] = bits;
  }
}

struct HammingKey {
  const unsigned long long* query;
  const unsigned long long* sigs;
  int words;
  __device__ unsigned operator()(int i) const {
    const unsigned long long* s = sigs + (long long)i * words;
    unsigned dist = 0;
    for (int w = 0; w < words; w++) {
      dist += __popcll(query[w] ^ s[w]);
    }
    return dist;
  }
};

// For each query q (block x): the k of candidates [0, valid) with the smallest Hamming distance
// popcount(query XOR sig), ties to the lower position, in (distance, position) order, into
// indices/distances [q*k, q*k + k) (distances nullable); slots past min(k, valid) get index -1 and
// distance m + 1. Queries are q*words words apart, candidates (row-major) i*words apart.
// topShift: the radix pass to start at (the highest 8-bit digit of m). k <= SEL_KMAX.
extern "C" __global__ void __launch_bounds__(SEL_THREADS)
seqrec_hamming_topk(const unsigned long long* __restrict__ queries, const unsigned long long* __restrict__ sigs,
                    int words, int valid, int k, int topShift,
                    int* __restrict__ indices, int* __restrict__ distances) {
  __shared__ SelectShared sh;
  const int q = blockIdx.x;
  HammingKey key{queries + (long long)q * words, sigs, words};
  const int kk = min(k, valid);
  if (kk > 0) {
    seqrec_select_smallest(key, valid, k, topShift, sh);
  }
  const int m = words * 64;
  for (int i = threadIdx.x; i < k; i += SEL_THREADS) {
    long long at = (long long)q * k + i;
    indices[at] = i < kk ? sh.idx[i] : -1;
    if (distances != nullptr) {
      distances[at] = i < kk ? (int)sh.keys[i] : m + 1;
    }
  }
}
