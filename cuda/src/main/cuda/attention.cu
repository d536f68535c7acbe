// Target attention, batched: for every row b (a target, or a user's query) and head h,
//   s_l  = scale * <q[b, h], k[b, l, h]> + bias[b, h, l]          for l < valid[b]
//   out[b, h] = sum_l softmax(s)_l v[b, l, h]                       (zeros when valid[b] = 0)
// in one pass over the keys with an online softmax (running max, running sum, rescaled
// accumulator), so the L scores never go to memory and L can be 10^5.
//
// Work split: one block per (row, head, split of the keys); a split of a long history is reduced
// by seqrec_attention_combine. Inside a block, a "group" of G lanes (G a power of two,
// G >= min(32, max(dk, dv))) handles one key at a time: lane i of the group holds the query and
// accumulator elements j = i, i + G, ... (at most 8 each, so dk, dv <= 8 G <= 256), the dot product
// is a shuffle reduction within the group, and the group's running state is merged with the other
// groups' (shuffles) and warps' (shared memory) at the end.
//
// Keys: key j of row b is key row r = index[b*indexRowStride + j] when an index is given (each
// target attends its own selected rows: SIM/ETA/TWIN's exact unit), else r = b*rowBase + j
// (rowBase 0: one history shared by every row; rowBase m: each row's own block of m rows).
// A key whose score is -Infinity (a bias of -Infinity masks it) gets weight 0. A row with no key
// (valid = 0) gets zeros; a row whose keys all score -Infinity gets NaN, as the CPU definition's
// softmax does.
#include "common.cuh"

#define ATT_THREADS 128
#define ATT_WARPS (ATT_THREADS / 32)
#define ATT_PER_LANE 8
#define ATT_MAX_DIM 256
#define NEG_INF (-__int_as_float(0x7f800000))

// Folds state (m2, s2, acc2) into (m, s, acc): the online-softmax merge. Products and sums are
// explicitly rounded (no FMA contraction) so that two lanes merging the same pair in opposite
// order get bit-identical results.
__device__ __forceinline__ void att_merge(float& m, float& s, float* acc, float m2, float s2, const float* acc2) {
  float mx = fmaxf(m, m2);
  float c1 = (m == NEG_INF) ? 0.0f : expf(m - mx);
  float c2 = (m2 == NEG_INF) ? 0.0f : expf(m2 - mx);
  s = __fadd_rn(__fmul_rn(s, c1), __fmul_rn(s2, c2));
#pragma unroll
  for (int i = 0; i < ATT_PER_LANE; i++) {
    acc[i] = __fadd_rn(__fmul_rn(acc[i], c1), __fmul_rn(acc2[i], c2));
  }
  m = mx;
}

// Valid keys of row b: j < validLen[b] (a count that must lie in [0, l]: outside it is reported
// through *status and clamped), else j < validAll.
__device__ __forceinline__ int att_valid(const int* validLen, int validAll, int l, int b, unsigned long long* status) {
  if (validLen == nullptr) {
    return min(l, validAll);
  }
  int c = validLen[b];
  if (c < 0 || c > l) {
    if (status != nullptr) {
      atomicMin(status, (unsigned long long)b << 32);
    }
    c = max(0, min(c, l));
  }
  return c;
}

// The row's output from its merged state: sum_j w_j v_j = acc / s.
__device__ __forceinline__ float att_finish(float acc, float total, int valid) {
  if (total > 0.0f) {
    return acc / total;
  }
  return valid > 0 ? __int_as_float(0x7fc00000) : 0.0f;  // all logits -Infinity: NaN, as softmax gives
}

// q: row b, head h at q + b*ldq + h*dk. Key row r (see above), head h at k + r*ldk + h*dk; v
// likewise with ldv, dv. bias (nullable): at bias + b*biasRowStride + h*biasHeadStride + r.
// Index entries outside [0, nRows) are skipped and reported: *status (initialised by the caller to
// all ones) is lowered to (b << 32) | (j + 1) for row b's entry j, and to (b << 32) for a count out
// of range; the host turns the smallest into an IllegalArgumentException.
// Grid: x = rows*heads (b*heads + h), y = splits; split y covers keys [y*keysPerSplit,
// (y+1)*keysPerSplit). With one split the result goes to out + b*ldo + h*dv; with several,
// (max, sum, acc[dv]) go to partial[((b*heads + h)*splits + y)*(dv+2)] for seqrec_attention_combine.
extern "C" __global__ void __launch_bounds__(ATT_THREADS)
seqrec_target_attention(const float* __restrict__ q, long long ldq,
                        const float* __restrict__ k, long long ldk, const float* __restrict__ v, long long ldv,
                        const int* __restrict__ index, long long indexRowStride, long long rowBase, int nRows,
                        const float* __restrict__ bias, long long biasRowStride, long long biasHeadStride,
                        const int* __restrict__ validLen, int validAll,
                        int heads, int dk, int dv, int l, float scale,
                        int keysPerSplit, int group, unsigned long long* status,
                        float* __restrict__ partial, float* __restrict__ out, long long ldo) {
  __shared__ float sm_m[ATT_WARPS];
  __shared__ float sm_s[ATT_WARPS];
  __shared__ float sm_acc[ATT_WARPS][ATT_MAX_DIM];

  const int bh = blockIdx.x;
  const int b = bh / heads;
  const int h = bh - b * heads;
  const int split = blockIdx.y;
  const int splits = gridDim.y;
  const int tid = threadIdx.x;
  const int lane = tid & 31;
  const int warp = tid >> 5;
  const int inGroup = lane & (group - 1);
  const int groupInBlock = tid / group;
  const int groupsPerBlock = ATT_THREADS / group;

  const int valid = att_valid(validLen, validAll, l, b, status);
  const int begin = split * keysPerSplit;
  const int end = min(valid, begin + keysPerSplit);

  const float* qp = q + (long long)b * ldq + (long long)h * dk;
  const float* kp = k + (long long)h * dk;
  const float* vp = v + (long long)h * dv;
  const int* ip = index != nullptr ? index + (long long)b * indexRowStride : nullptr;
  const long long base = (long long)b * rowBase;
  const float* bp = bias != nullptr ? bias + (long long)b * biasRowStride + (long long)h * biasHeadStride : nullptr;

  float qr[ATT_PER_LANE];
  float acc[ATT_PER_LANE];
#pragma unroll
  for (int i = 0; i < ATT_PER_LANE; i++) {
    int j = inGroup + i * group;
    qr[i] = j < dk ? qp[j] : 0.0f;
    acc[i] = 0.0f;
  }
  float m = NEG_INF;
  float s = 0.0f;

  // Every lane of the block runs the same number of iterations (shuffles need the whole warp).
  for (int start = begin; start < end; start += groupsPerBlock) {
    const int key = start + groupInBlock;
    bool live = key < end;
    long long row = live ? (ip != nullptr ? (long long)ip[key] : base + key) : 0;
    if (live && ip != nullptr && (row < 0 || row >= nRows)) {
      if (status != nullptr && inGroup == 0) {
        atomicMin(status, ((unsigned long long)b << 32) | (unsigned long long)(key + 1));
      }
      live = false;
      row = 0;
    }
    const float* krow = kp + row * ldk;
    float dot = 0.0f;
#pragma unroll
    for (int i = 0; i < ATT_PER_LANE; i++) {
      int j = inGroup + i * group;
      if (live && j < dk) {
        dot = fmaf(qr[i], krow[j], dot);
      }
    }
    dot = seqrec_group_sum(dot, group);
    // One value per group: lanes of a butterfly may differ in the last bit.
    dot = __shfl_sync(SEQREC_FULL_MASK, dot, lane & ~(group - 1));
    if (live) {
      float score = dot * scale;
      if (bp != nullptr) {
        score += bp[row];
      }
      if (score != NEG_INF) {
        const float* vrow = vp + row * ldv;
        if (score > m) {
          float c = (m == NEG_INF) ? 0.0f : expf(m - score);
          s = s * c + 1.0f;
#pragma unroll
          for (int i = 0; i < ATT_PER_LANE; i++) {
            int j = inGroup + i * group;
            acc[i] = acc[i] * c + (j < dv ? vrow[j] : 0.0f);
          }
          m = score;
        } else {
          float p = expf(score - m);
          s += p;
#pragma unroll
          for (int i = 0; i < ATT_PER_LANE; i++) {
            int j = inGroup + i * group;
            acc[i] = fmaf(p, j < dv ? vrow[j] : 0.0f, acc[i]);
          }
        }
      }
    }
  }

  // Merge the groups of this warp: lanes with the same inGroup own the same elements.
  for (int offset = group; offset < 32; offset <<= 1) {
    float m2 = __shfl_xor_sync(SEQREC_FULL_MASK, m, offset);
    float s2 = __shfl_xor_sync(SEQREC_FULL_MASK, s, offset);
    float acc2[ATT_PER_LANE];
#pragma unroll
    for (int i = 0; i < ATT_PER_LANE; i++) {
      acc2[i] = __shfl_xor_sync(SEQREC_FULL_MASK, acc[i], offset);
    }
    att_merge(m, s, acc, m2, s2, acc2);
  }
  if (lane < group) {
#pragma unroll
    for (int i = 0; i < ATT_PER_LANE; i++) {
      int j = lane + i * group;
      if (j < dv) {
        sm_acc[warp][j] = acc[i];
      }
    }
    if (lane == 0) {
      sm_m[warp] = m;
      sm_s[warp] = s;
    }
  }
  __syncthreads();

  // Merge the warps; thread j finishes output element j.
  float mx = NEG_INF;
  for (int w = 0; w < ATT_WARPS; w++) {
    mx = fmaxf(mx, sm_m[w]);
  }
  float scaleW[ATT_WARPS];
  float total = 0.0f;
  for (int w = 0; w < ATT_WARPS; w++) {
    scaleW[w] = sm_m[w] == NEG_INF ? 0.0f : expf(sm_m[w] - mx);
    total += sm_s[w] * scaleW[w];
  }
  if (splits == 1) {
    float* o = out + (long long)b * ldo + (long long)h * dv;
    for (int j = tid; j < dv; j += ATT_THREADS) {
      float a = 0.0f;
      for (int w = 0; w < ATT_WARPS; w++) {
        a += sm_acc[w][j] * scaleW[w];
      }
      o[j] = att_finish(a, total, valid);
    }
  } else {
    float* p = partial + ((long long)bh * splits + split) * (dv + 2);
    if (tid == 0) {
      p[0] = mx;
      p[1] = total;
    }
    for (int j = tid; j < dv; j += ATT_THREADS) {
      float a = 0.0f;
      for (int w = 0; w < ATT_WARPS; w++) {
        a += sm_acc[w][j] * scaleW[w];
      }
      p[2 + j] = a;
    }
  }
}

// Reduces the per-split states of seqrec_target_attention: block x = b*heads + h; thread j
// finishes element j of out + b*ldo + h*dv.
extern "C" __global__ void __launch_bounds__(ATT_THREADS)
seqrec_attention_combine(const float* __restrict__ partial, int splits, int heads, int dv,
                         const int* __restrict__ validLen, int validAll, int l,
                         float* __restrict__ out, long long ldo) {
  const int bh = blockIdx.x;
  const int b = bh / heads;
  const int h = bh - b * heads;
  const int valid = att_valid(validLen, validAll, l, b, nullptr);
  const float* p = partial + (long long)bh * splits * (dv + 2);
  float mx = NEG_INF;
  for (int sp = 0; sp < splits; sp++) {
    mx = fmaxf(mx, p[(long long)sp * (dv + 2)]);
  }
  // Every split is weighted, none skipped: a split with no finite score (max -Infinity) has weight 0
  // and sums 0, except when a NaN score made its sums NaN (its max stays -Infinity, since NaN > max
  // is false), and that NaN must reach the output as it does on the CPU (0 * NaN = NaN).
  float total = 0.0f;
  for (int sp = 0; sp < splits; sp++) {
    float ms = p[(long long)sp * (dv + 2)];
    float w = ms == NEG_INF ? 0.0f : expf(ms - mx);
    total += p[(long long)sp * (dv + 2) + 1] * w;
  }
  float* o = out + (long long)b * ldo + (long long)h * dv;
  for (int j = threadIdx.x; j < dv; j += blockDim.x) {
    float a = 0.0f;
    for (int sp = 0; sp < splits; sp++) {
      float ms = p[(long long)sp * (dv + 2)];
      float w = ms == NEG_INF ? 0.0f : expf(ms - mx);
      a += p[(long long)sp * (dv + 2) + 2 + j] * w;
    }
    o[j] = att_finish(a, total, valid);
  }
}
