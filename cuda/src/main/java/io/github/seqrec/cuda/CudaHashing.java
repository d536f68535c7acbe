package io.github.seqrec.cuda;

import io.github.seqrec.cuda.internal.Driver.Arg;
import io.github.seqrec.cuda.internal.Geometry;

/**
 * ETA's SimHash signatures and exact Hamming top-k on the GPU, with the contracts of
 * {@code io.github.seqrec.kernels.SimHash#signatures} and {@code Hamming#topK}: m-bit signatures
 * (m a positive multiple of 64) as {@code m / 64} little-endian longs per row, bit k
 * {@code = (x R)_k > 0}; top-k by (distance, position) with slots past {@code min(k, valid)}
 * holding index -1 and distance {@code m + 1}.
 *
 * <p>The signature bits equal the CPU scalar definition's exactly: each projection is summed in
 * the same order with separately rounded products and sums. GPU limit: {@code k <= 1024}.
 */
public final class CudaHashing {
  private CudaHashing() {}

  /**
   * SimHash signatures of {@code rows} inputs: x is {@code rows x d} at xOff, the planes R
   * {@code d x m} at planesOff, signatures get {@code rows x m/64} longs at sigOff.
   */
  public static void signatures(DeviceFloats x, long xOff, int rows, int d, DeviceFloats planes, long planesOff,
                                int m, DeviceLongs signatures, long sigOff) {
    // Validated and launched holding the context: no buffer can be closed in between.
    DeviceChecks.locked(DeviceChecks.contextOf(x, planes, signatures), () -> {
      DeviceChecks.nonNegative("rows", rows);
      DeviceChecks.nonNegative("d", d);
      checkBits(m);
      DeviceChecks.region("x", x, xOff, (long) rows * d);
      DeviceChecks.region("planes", planes, planesOff, (long) d * m);
      DeviceChecks.region("signatures", signatures, sigOff, (long) rows * (m / 64));
      CudaContext ctx = DeviceChecks.sameContext(x, planes, signatures);
      if (rows == 0) {
        return null;
      }
      ctx.run(() -> ctx.launch("seqrec_simhash", Geometry.simhashBlocks(rows, m), 1, Geometry.THREADS, 0,
          x.at(xOff), new Arg.I64(d), new Arg.I32(rows), new Arg.I32(d), planes.at(planesOff), new Arg.I32(m),
          signatures.at(sigOff)));
      return null;
    });
  }

  /**
   * The exact Hamming top-k of {@code b} queries ({@code b x m/64} longs at queriesOff) against
   * {@code count} row-major signatures: query q's row of {@code k} slots in {@code indices} (and
   * {@code distances}, nullable) gets the positions in {@code [0, valid)} of its k nearest
   * signatures by (distance, position), then -1 / {@code m + 1}. One block per query. Returns
   * {@code min(k, valid)}.
   */
  public static int topK(DeviceLongs queries, long queriesOff, int b, DeviceLongs signatures, long sigOff, int count,
                         int valid, int m, int k, DeviceInts indices, long indicesOff, DeviceInts distances,
                         long distancesOff) {
    // Validated and launched holding the context: no buffer can be closed in between.
    return DeviceChecks.locked(DeviceChecks.contextOf(queries, signatures, indices, distances), () -> {
      checkBits(m);
      DeviceChecks.nonNegative("count", count);
      DeviceChecks.region("signatures", signatures, sigOff, (long) count * (m / 64));
      DeviceChecks.nonNegative("b", b);
      DeviceChecks.inRange("valid", valid, 0, count);
      DeviceChecks.positive("k", k);
      DeviceChecks.gpuLimit("k", k, Geometry.SELECT_MAX_K, "the selected pairs are sorted in shared memory");
      DeviceChecks.region("queries", queries, queriesOff, (long) b * (m / 64));
      long slots = (long) b * k;
      DeviceChecks.region("indices", indices, indicesOff, slots);
      if (distances != null) {
        DeviceChecks.region("distances", distances, distancesOff, slots);
        DeviceChecks.disjoint("distances", distances, distancesOff, slots, "indices", indices, indicesOff, slots);
      }
      CudaContext ctx = DeviceChecks.sameContext(queries, signatures, indices, distances);
      if (b > 0) {
        ctx.run(() -> ctx.launch("seqrec_hamming_topk", b, 1, Geometry.SELECT_THREADS, 0,
            queries.at(queriesOff), signatures.at(sigOff), new Arg.I32(m / 64), new Arg.I32(valid), new Arg.I32(k),
            new Arg.I32(Geometry.hammingTopShift(m)), indices.at(indicesOff),
            distances == null ? new Arg.Ptr(null, 0) : distances.at(distancesOff)));
      }
      return Math.min(k, valid);
    });
  }

  static void checkBits(int m) {
    if (m <= 0 || m % 64 != 0) {
      throw new IllegalArgumentException("m (signature bits) must be a positive multiple of 64, got " + m);
    }
  }
}
