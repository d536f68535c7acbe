// Block-wide exact selection of the k smallest 32-bit keys of n, ties to the lower index, shared
// by the Hamming top-k (key = distance) and the top-k by score (key = order-reversed float bits).
//
// 1. Radix select: up to four passes of 8-bit histograms over the keys find the k-th smallest key
//    T and how many keys equal to T fit (`takeEqual`); keys are recomputed by the caller's functor
//    in every pass instead of being stored.
// 2. Collection: keys < T go to slots [0, k - takeEqual) in any order (a shared counter); keys
//    == T are ranked in index order (warp ballots, block prefix) and the first takeEqual kept.
// 3. A bitonic sort of the k (key, index) pairs in shared memory gives the output order.
#pragma once
#include "common.cuh"

#define SEL_THREADS 256
#define SEL_WARPS (SEL_THREADS / 32)
#define SEL_KMAX 1024

struct SelectShared {
  unsigned hist[256];
  unsigned keys[SEL_KMAX];
  int idx[SEL_KMAX];
  int warpCount[SEL_WARPS];
  unsigned prefix;
  int remaining;
  int nLess;
  int eqTaken;
};

// Leaves the min(k, n) selected pairs in sh.keys / sh.idx [0, min(k, n)), sorted by (key, index).
// keyOf(i) must be a pure function of i for i < n whose bits above topShift + 7 are zero;
// 1 <= k <= SEL_KMAX. Every thread of the block (SEL_THREADS) must call it.
template <class KeyFn>
__device__ void seqrec_select_smallest(const KeyFn& keyOf, int n, int k, int topShift, SelectShared& sh) {
  const int tid = threadIdx.x;
  const int lane = tid & 31;
  const int warp = tid >> 5;
  const int kk = min(k, n);

  if (kk == n) {
    // Everything is selected: only the sort remains.
    for (int i = tid; i < n; i += SEL_THREADS) {
      sh.keys[i] = keyOf(i);
      sh.idx[i] = i;
    }
  } else {
    unsigned prefix = 0u;
    unsigned mask = 0u;
    int remaining = kk;
    for (int shift = topShift; shift >= 0; shift -= 8) {
      for (int i = tid; i < 256; i += SEL_THREADS) {
        sh.hist[i] = 0u;
      }
      __syncthreads();
      for (int i = tid; i < n; i += SEL_THREADS) {
        unsigned key = keyOf(i);
        if ((key & mask) == prefix) {
          atomicAdd(&sh.hist[(key >> shift) & 255u], 1u);
        }
      }
      __syncthreads();
      if (tid == 0) {
        int before = 0;
        int digit = 0;
        for (; digit < 255; digit++) {
          int count = (int)sh.hist[digit];
          if (before + count >= remaining) {
            break;
          }
          before += count;
        }
        sh.prefix = prefix | ((unsigned)digit << shift);
        sh.remaining = remaining - before;
      }
      __syncthreads();
      prefix = sh.prefix;
      remaining = sh.remaining;
      mask |= 255u << shift;
    }
    const unsigned threshold = prefix;
    const int takeEqual = remaining;
    const int eqBase = kk - takeEqual;
    if (tid == 0) {
      sh.nLess = 0;
      sh.eqTaken = 0;
    }
    __syncthreads();
    for (int base = 0; base < n; base += SEL_THREADS) {
      const int i = base + tid;
      const unsigned key = i < n ? keyOf(i) : 0xffffffffu;
      const bool less = i < n && key < threshold;
      const bool equal = i < n && key == threshold;
      if (less) {
        int slot = atomicAdd(&sh.nLess, 1);
        sh.keys[slot] = key;
        sh.idx[slot] = i;
      }
      const unsigned ballot = __ballot_sync(SEQREC_FULL_MASK, equal);
      if (lane == 0) {
        sh.warpCount[warp] = __popc(ballot);
      }
      __syncthreads();
      int rank = sh.eqTaken + __popc(ballot & seqrec_lanes_below());
      for (int w = 0; w < warp; w++) {
        rank += sh.warpCount[w];
      }
      if (equal && rank < takeEqual) {
        sh.keys[eqBase + rank] = key;
        sh.idx[eqBase + rank] = i;
      }
      __syncthreads();
      if (tid == 0) {
        int total = 0;
        for (int w = 0; w < SEL_WARPS; w++) {
          total += sh.warpCount[w];
        }
        sh.eqTaken += total;
      }
      __syncthreads();
    }
  }

  // Bitonic sort of the kk pairs, padded to a power of two with (max key, max index).
  int size = 1;
  while (size < kk) {
    size <<= 1;
  }
  for (int i = kk + tid; i < size; i += SEL_THREADS) {
    sh.keys[i] = 0xffffffffu;
    sh.idx[i] = 0x7fffffff;
  }
  for (int span = 2; span <= size; span <<= 1) {
    for (int stride = span >> 1; stride > 0; stride >>= 1) {
      __syncthreads();
      for (int i = tid; i < size; i += SEL_THREADS) {
        int j = i ^ stride;
        if (j > i) {
          unsigned ki = sh.keys[i];
          unsigned kj = sh.keys[j];
          int ii = sh.idx[i];
          int ij = sh.idx[j];
          bool iAfterJ = ki > kj || (ki == kj && ii > ij);
          bool ascending = (i & span) == 0;
          if (iAfterJ == ascending) {
            sh.keys[i] = kj;
            sh.keys[j] = ki;
            sh.idx[i] = ij;
            sh.idx[j] = ii;
          }
        }
      }
    }
  }
  __syncthreads();
}
