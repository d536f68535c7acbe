// Recurrent scans, batched over rows (users or targets): one block per row keeps the row's state
// in shared memory and runs all of the row's steps, so a whole sequence is one launch and rows
// never wait for each other. The input-side gate pre-activations gi = x W_ih^T + b_ih of every
// position come from one seqrec_gemm launch before the scan; each step here adds the hidden side
// h W_hh^T + b_hh (W_hh^T read from global memory, cached: consecutive threads read consecutive
// columns) and applies PyTorch's cell equations, the same as the CPU scalar definition.
//
// Layouts: gi of row r, step t at gi + r*giRowStride + t*gates*hidden (giRowStride 0: one input
// sequence shared by every row), gates in PyTorch's row order; whhT is hidden x gates*hidden;
// att (AUGRU, AGRU) is rows x steps; h0/c0/hLast/cLast are rows x hidden; hAll (nullable) is
// rows x steps x hidden and gets zeros at positions >= the row's length; lengths (nullable) gives
// each row's number of steps, else all `steps`. h0 and c0 may be null (zeros) and may be the
// same memory as hLast/cLast (each block reads its row before it writes it).
#include "common.cuh"

#define GRU_MODE_GRU 0
#define GRU_MODE_AUGRU 1
#define GRU_MODE_AGRU 2

// Dynamic shared memory: 2 * hidden floats (the state, double-buffered).
extern "C" __global__ void __launch_bounds__(256)
seqrec_gru_scan(int mode, const float* __restrict__ gi, long long giRowStride, int steps, int hidden,
                const float* __restrict__ whhT, const float* __restrict__ bhh,
                const float* __restrict__ att, const int* __restrict__ lengths,
                const float* h0, float* hLast, float* __restrict__ hAll) {
  SEQREC_DYNAMIC_SHARED(float, smem);
  float* cur = smem;
  float* next = smem + hidden;
  const int r = blockIdx.x;
  const int width = 3 * hidden;
  const int len = lengths != nullptr ? lengths[r] : steps;
  for (int j = threadIdx.x; j < hidden; j += blockDim.x) {
    cur[j] = h0 != nullptr ? h0[(long long)r * hidden + j] : 0.0f;
  }
  __syncthreads();
  for (int t = 0; t < len; t++) {
    const float* g = gi + (long long)r * giRowStride + (long long)t * width;
    const float a = att != nullptr ? att[(long long)r * steps + t] : 0.0f;
    for (int j = threadIdx.x; j < hidden; j += blockDim.x) {
      float sr = 0.0f;
      float sz = 0.0f;
      float sn = 0.0f;
      const float* w = whhT + j;
      for (int p = 0; p < hidden; p++) {
        float hp = cur[p];
        sr = fmaf(hp, w[0], sr);
        sz = fmaf(hp, w[hidden], sz);
        sn = fmaf(hp, w[2 * hidden], sn);
        w += width;
      }
      if (bhh != nullptr) {
        sr += bhh[j];
        sz += bhh[hidden + j];
        sn += bhh[2 * hidden + j];
      }
      float rg = seqrec_sigmoid(g[j] + sr);
      float zg = seqrec_sigmoid(g[hidden + j] + sz);
      float ng = tanhf(g[2 * hidden + j] + rg * sn);
      float hj = cur[j];
      float out;
      if (mode == GRU_MODE_GRU) {
        out = (1.0f - zg) * ng + zg * hj;
      } else if (mode == GRU_MODE_AUGRU) {
        float u = a * zg;
        out = (1.0f - u) * hj + u * ng;
      } else {
        out = (1.0f - a) * hj + a * ng;
      }
      next[j] = out;
      if (hAll != nullptr) {
        hAll[((long long)r * steps + t) * hidden + j] = out;
      }
    }
    __syncthreads();
    float* swap = cur;
    cur = next;
    next = swap;
  }
  for (int j = threadIdx.x; j < hidden; j += blockDim.x) {
    hLast[(long long)r * hidden + j] = cur[j];
  }
  if (hAll != nullptr) {
    for (long long e = (long long)len * hidden + threadIdx.x; e < (long long)steps * hidden; e += blockDim.x) {
      hAll[(long long)r * steps * hidden + e] = 0.0f;
    }
  }
}

// LSTM scan, gates i, f, g, o: c' = f c + i g, h' = o tanh(c'). gi holds rows*steps positions
// (no shared input). Dynamic shared memory: 3 * hidden floats (h double-buffered, c).
extern "C" __global__ void __launch_bounds__(256)
seqrec_lstm_scan(const float* __restrict__ gi, int steps, int hidden,
                 const float* __restrict__ whhT, const float* __restrict__ bhh,
                 const int* __restrict__ lengths, const float* h0, const float* c0,
                 float* hLast, float* cLast, float* __restrict__ hAll) {
  SEQREC_DYNAMIC_SHARED(float, smem);
  float* cur = smem;
  float* next = smem + hidden;
  float* cell = smem + 2 * hidden;
  const int r = blockIdx.x;
  const int width = 4 * hidden;
  const int len = lengths != nullptr ? lengths[r] : steps;
  for (int j = threadIdx.x; j < hidden; j += blockDim.x) {
    cur[j] = h0 != nullptr ? h0[(long long)r * hidden + j] : 0.0f;
    cell[j] = c0 != nullptr ? c0[(long long)r * hidden + j] : 0.0f;
  }
  __syncthreads();
  for (int t = 0; t < len; t++) {
    const float* g = gi + ((long long)r * steps + t) * width;
    for (int j = threadIdx.x; j < hidden; j += blockDim.x) {
      float si = 0.0f;
      float sf = 0.0f;
      float sg = 0.0f;
      float so = 0.0f;
      const float* w = whhT + j;
      for (int p = 0; p < hidden; p++) {
        float hp = cur[p];
        si = fmaf(hp, w[0], si);
        sf = fmaf(hp, w[hidden], sf);
        sg = fmaf(hp, w[2 * hidden], sg);
        so = fmaf(hp, w[3 * hidden], so);
        w += width;
      }
      if (bhh != nullptr) {
        si += bhh[j];
        sf += bhh[hidden + j];
        sg += bhh[2 * hidden + j];
        so += bhh[3 * hidden + j];
      }
      float ig = seqrec_sigmoid(g[j] + si);
      float fg = seqrec_sigmoid(g[hidden + j] + sf);
      float gg = tanhf(g[2 * hidden + j] + sg);
      float og = seqrec_sigmoid(g[3 * hidden + j] + so);
      float c = fg * cell[j] + ig * gg;
      float out = og * tanhf(c);
      cell[j] = c;  // only thread j reads or writes element j of the cell state
      next[j] = out;
      if (hAll != nullptr) {
        hAll[((long long)r * steps + t) * hidden + j] = out;
      }
    }
    __syncthreads();
    float* swap = cur;
    cur = next;
    next = swap;
  }
  for (int j = threadIdx.x; j < hidden; j += blockDim.x) {
    hLast[(long long)r * hidden + j] = cur[j];
    cLast[(long long)r * hidden + j] = cell[j];
  }
  if (hAll != nullptr) {
    for (long long e = (long long)len * hidden + threadIdx.x; e < (long long)steps * hidden; e += blockDim.x) {
      hAll[(long long)r * steps * hidden + e] = 0.0f;
    }
  }
}
