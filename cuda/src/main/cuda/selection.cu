// Top-k by score, one block per row: higher score first, equal scores (under ==, so -0.0 == 0.0)
// to the lower index, via the shared radix selection on order-reversed float keys.
#include "select.cuh"

struct ScoreKey {
  const float* row;
  int* firstNan;  // shared: lowest index of a NaN seen, or n
  __device__ unsigned operator()(int i) const {
    float v = row[i];
    if (v != v) {
      atomicMin(firstNan, i);
    }
    // -0.0 and 0.0 compare equal, so they get the same key.
    unsigned bits = __float_as_uint(v == 0.0f ? 0.0f : v);
    unsigned ordered = (bits & 0x80000000u) ? ~bits : (bits | 0x80000000u);  // ascending with the float
    return ~ordered;  // best (largest) score first
  }
};

// Row r (block x) of the rows x n scores (row r at scores + r*ldScores): its m = min(k, n) best
// go to values/indices [r*m, r*m + m), best first. A NaN makes the row's output unspecified and
// lowers *nanAt (initialised by the caller to a value >= rows*n) to r*n + (first NaN's index).
// k <= SEL_KMAX.
extern "C" __global__ void __launch_bounds__(SEL_THREADS)
seqrec_topk_rows(const float* __restrict__ scores, long long ldScores, int n, int k,
                 float* __restrict__ values, int* __restrict__ indices, unsigned long long* nanAt) {
  __shared__ SelectShared sh;
  __shared__ int firstNan;
  const int r = blockIdx.x;
  if (threadIdx.x == 0) {
    firstNan = n;
  }
  __syncthreads();
  const float* row = scores + (long long)r * ldScores;
  ScoreKey key{row, &firstNan};
  const int m = min(k, n);
  if (m > 0) {
    seqrec_select_smallest(key, n, k, 24, sh);
  }
  for (int i = threadIdx.x; i < m; i += SEL_THREADS) {
    long long at = (long long)r * m + i;
    indices[at] = sh.idx[i];
    values[at] = row[sh.idx[i]];
  }
  __syncthreads();
  if (threadIdx.x == 0 && firstNan < n) {
    atomicMin(nanAt, (unsigned long long)r * (unsigned long long)n + (unsigned long long)firstNan);
  }
}
