package io.github.seqrec.cuda;

import io.github.seqrec.cuda.internal.Driver.Arg;
import io.github.seqrec.cuda.internal.Geometry;

/**
 * Top-k by score on the GPU, one block per row, with the contract of
 * {@code io.github.seqrec.kernels.TopK#topKRows}: higher score first, equal scores (under
 * {@code ==}, so {@code -0.0f == 0.0f}) to the lower index, infinities ordinary, NaN rejected.
 * Exact: a radix selection finds the k-th best score, then the k winners are sorted in shared
 * memory. GPU limit: {@code k <= 1024}.
 */
public final class CudaTopK {
  private CudaTopK() {}

  /**
   * One top-k per row of a contiguous {@code rows x n} block of scores at scoresOff: row r's
   * {@code m = min(k, n)} best go to {@code values[valuesOff + r m ..]} and
   * {@code indices[indicesOff + r m ..]}, best first. Returns m.
   *
   * <p>A NaN score raises {@link IllegalArgumentException} naming the first one (lowest row, then
   * index) like the CPU; to find it the call reads back one 8-byte status word after the kernel.
   * The outputs are then unspecified.
   */
  public static int topKRows(DeviceFloats scores, long scoresOff, int rows, int n, int k,
                             DeviceFloats values, long valuesOff, DeviceInts indices, long indicesOff) {
    // Validated and launched holding the context: no buffer can be closed in between.
    return DeviceChecks.locked(DeviceChecks.contextOf(scores, values, indices), () -> {
      DeviceChecks.nonNegative("rows", rows);
      DeviceChecks.nonNegative("n", n);
      DeviceChecks.positive("k", k);
      DeviceChecks.gpuLimit("k", k, Geometry.SELECT_MAX_K, "the selected pairs are sorted in shared memory");
      int m = Math.min(k, n);
      long total = (long) rows * n;
      DeviceChecks.region("scores", scores, scoresOff, total);
      DeviceChecks.region("values", values, valuesOff, (long) rows * m);
      DeviceChecks.region("indices", indices, indicesOff, (long) rows * m);
      DeviceChecks.disjoint("values", values, valuesOff, (long) rows * m, "scores", scores, scoresOff, total);
      CudaContext ctx = DeviceChecks.sameContext(scores, values, indices);
      if (rows == 0 || m == 0) {
        return m;
      }
      ctx.run(() -> {
        Arg.Ptr status = ctx.workspace(2);
        ctx.fill32(status.memory(), status.byteOffset(), -1, 2);
        ctx.launch("seqrec_topk_rows", rows, 1, Geometry.SELECT_THREADS, 0,
            scores.at(scoresOff), new Arg.I64(n), new Arg.I32(n), new Arg.I32(k), values.at(valuesOff),
            indices.at(indicesOff), status);
        long[] first = new long[1];
        ctx.copyToHost(first, 0, status.memory(), status.byteOffset(), 8);
        if (first[0] != -1L) {
          long row = first[0] / n;
          long index = first[0] % n;
          throw new IllegalArgumentException("scores row " + row + " [" + index + "] is NaN; top-k needs ordered scores"
              + " (replace NaN, e.g. by -Infinity, before selecting)");
        }
      });
      return m;
    });
  }
}
