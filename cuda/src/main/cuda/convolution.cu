// Dilated causal 1-D convolution (NextItNet), batched over sequences:
//   y[b][t - from][o] = bias[o] + sum_m sum_c x[b][t - (k-1-m) dilation][c] taps[m][c][o]
// for t in [from, length), positions before 0 reading as zeros; taps is k x cIn x cOut
// (taps[m][c][o] = W[o][c][m] of the PyTorch Conv1d weight). One thread per output element,
// o fastest: a warp reads consecutive tap columns and one broadcast input value per step.
#include "common.cuh"

extern "C" __global__ void __launch_bounds__(256)
seqrec_causal_conv1d(const float* __restrict__ x, long long xRowStride, int length, int from,
                     const float* __restrict__ taps, const float* __restrict__ bias,
                     int cIn, int cOut, int kernelSize, int dilation,
                     float* __restrict__ y, long long yRowStride, int rows) {
  const int outRows = length - from;
  const long long total = (long long)rows * outRows * cOut;
  const long long stride = (long long)gridDim.x * blockDim.x;
  for (long long e = (long long)blockIdx.x * blockDim.x + threadIdx.x; e < total; e += stride) {
    const int o = (int)(e % cOut);
    const long long bt = e / cOut;
    const int t = from + (int)(bt % outRows);
    const int b = (int)(bt / outRows);
    const float* xb = x + (long long)b * xRowStride;
    float acc = 0.0f;
    for (int m = 0; m < kernelSize; m++) {
      const int src = t - (kernelSize - 1 - m) * dilation;
      if (src < 0) {
        continue;
      }
      const float* xr = xb + (long long)src * cIn;
      const float* w = taps + (long long)m * cIn * cOut + o;
      for (int c = 0; c < cIn; c++) {
        acc = fmaf(xr[c], w[(long long)c * cOut], acc);
      }
    }
    if (bias != nullptr) {
      acc += bias[o];
    }
    y[(long long)b * yRowStride + (long long)(t - from) * cOut + o] = acc;
  }
}
