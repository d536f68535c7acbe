package io.github.seqrec.cuda;

import io.github.seqrec.cuda.internal.Driver.Arg;
import io.github.seqrec.cuda.internal.Geometry;

/**
 * GRU-family and LSTM steps and whole-sequence scans on the GPU, with the contracts of
 * {@code io.github.seqrec.kernels.Recurrent}: PyTorch's gate convention ({@code r, z, n} with the
 * reset applied after the hidden matmul, {@code h' = (1 - z) n + z h}), DIEN's AUGRU in the
 * paper's form ({@code u~ = a z}, {@code h' = (1 - u~) h + u~ n}) and AGRU
 * ({@code h' = (1 - a) h + a n}), LSTM ({@code i, f, g, o}); right-padded sequences of
 * {@code lengths[r]} valid steps, the final state after the last valid step (the initial one for
 * length 0), all-states output zero at padded positions; {@code sharedInput} for DIEN's B
 * targets over one user's sequence.
 *
 * <p>A scan is two launches: one GEMM for the input-side gates of every position (into the
 * context's workspace), then one block per row that keeps the row's state in shared memory and
 * runs all its steps. Lengths are host data: they are checked here like the CPU checks them and
 * copied to the device with the call (its only host-to-device transfer). GPU limits: hidden size
 * at most 6144 (GRU) / 4096 (LSTM), the state living in 48 KiB of shared memory.
 */
public final class CudaRecurrent {
  private CudaRecurrent() {}

  private static final int GRU = 0;
  private static final int AUGRU = 1;
  private static final int AGRU = 2;

  /** Packs a PyTorch GRU layer onto the device: arguments as {@code Recurrent.packGru}. */
  public static CudaRecurrentWeights packGru(CudaContext ctx, float[] weightIh, float[] weightHh, float[] biasIh,
                                             float[] biasHh, int inputSize, int hiddenSize) {
    return pack(ctx, 3, weightIh, weightHh, biasIh, biasHh, inputSize, hiddenSize);
  }

  /** Packs a PyTorch LSTM layer onto the device: arguments as {@code Recurrent.packLstm}. */
  public static CudaRecurrentWeights packLstm(CudaContext ctx, float[] weightIh, float[] weightHh, float[] biasIh,
                                              float[] biasHh, int inputSize, int hiddenSize) {
    return pack(ctx, 4, weightIh, weightHh, biasIh, biasHh, inputSize, hiddenSize);
  }

  private static CudaRecurrentWeights pack(CudaContext ctx, int gates, float[] weightIh, float[] weightHh,
                                           float[] biasIh, float[] biasHh, int inputSize, int hiddenSize) {
    DeviceChecks.notNull("ctx", ctx);
    DeviceChecks.positive("inputSize", inputSize);
    DeviceChecks.positive("hiddenSize", hiddenSize);
    DeviceChecks.gpuLimit("hiddenSize", hiddenSize, maxHidden(gates), "the state lives in 48 KiB of shared memory");
    long width = (long) gates * hiddenSize;
    if (width * Math.max(inputSize, hiddenSize) > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("a " + width + " x " + Math.max(inputSize, hiddenSize)
          + " weight does not fit a Java array");
    }
    int w = (int) width;
    weightShape("weight_ih", weightIh, w, inputSize, gates + "H x in");
    weightShape("weight_hh", weightHh, w, hiddenSize, gates + "H x H");
    biasShape("bias_ih", biasIh, w, gates);
    biasShape("bias_hh", biasHh, w, gates);
    DeviceFloats wihT = ctx.upload(transpose(weightIh, w, inputSize));
    DeviceFloats whhT = ctx.upload(transpose(weightHh, w, hiddenSize));
    DeviceFloats bih = biasIh == null ? null : ctx.upload(biasIh);
    DeviceFloats bhh = biasHh == null ? null : ctx.upload(biasHh);
    return new CudaRecurrentWeights(gates, inputSize, hiddenSize, wihT, whhT, bih, bhh);
  }

  private static int maxHidden(int gates) {
    return Geometry.MAX_DYNAMIC_SHARED / 4 / (gates == 3 ? 2 : 3);
  }

  private static float[] transpose(float[] src, int rows, int cols) {
    float[] dst = new float[rows * cols];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        dst[c * rows + r] = src[r * cols + c];
      }
    }
    return dst;
  }

  private static void weightShape(String name, float[] weight, int rows, int cols, String shape) {
    DeviceChecks.notNull(name, weight);
    if (weight.length != (long) rows * cols) {
      throw new IllegalArgumentException(name + " must be " + shape + " = " + rows + " x " + cols + " = "
          + (long) rows * cols + " floats, got " + weight.length);
    }
  }

  private static void biasShape(String name, float[] bias, int width, int gates) {
    if (bias != null && bias.length != width) {
      throw new IllegalArgumentException(name + " must have " + gates + "H = " + width + " floats, got " + bias.length);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Steps: a scan of one step

  /** One GRU step for {@code rows} rows: as {@code Recurrent.gruStep}; {@code hOut} may be {@code h}. */
  public static void gruStep(CudaRecurrentWeights weights, DeviceFloats x, long xOff, DeviceFloats h, long hOff,
                             int rows, DeviceFloats hOut, long hOutOff) {
    gruFamily(GRU, weights, x, xOff, false, null, 0, rows, 1, null, 0, h, hOff, hOut, hOutOff, null, 0, true);
  }

  /** One AUGRU step: {@code att} has one score per row; as {@code Recurrent.augruStep}. */
  public static void augruStep(CudaRecurrentWeights weights, DeviceFloats x, long xOff, DeviceFloats h, long hOff,
                               DeviceFloats att, long attOff, int rows, DeviceFloats hOut, long hOutOff) {
    DeviceChecks.notNull("att", att);
    gruFamily(AUGRU, weights, x, xOff, false, att, attOff, rows, 1, null, 0, h, hOff, hOut, hOutOff, null, 0, true);
  }

  /** One AGRU step: {@code att} has one score per row; as {@code Recurrent.agruStep}. */
  public static void agruStep(CudaRecurrentWeights weights, DeviceFloats x, long xOff, DeviceFloats h, long hOff,
                              DeviceFloats att, long attOff, int rows, DeviceFloats hOut, long hOutOff) {
    DeviceChecks.notNull("att", att);
    gruFamily(AGRU, weights, x, xOff, false, att, attOff, rows, 1, null, 0, h, hOff, hOut, hOutOff, null, 0, true);
  }

  /** One LSTM step: as {@code Recurrent.lstmStep}; {@code hOut} may be {@code h}, {@code cOut} may be {@code c}. */
  public static void lstmStep(CudaRecurrentWeights weights, DeviceFloats x, long xOff, DeviceFloats h, long hOff,
                              DeviceFloats c, long cOff, int rows, DeviceFloats hOut, long hOutOff,
                              DeviceFloats cOut, long cOutOff) {
    DeviceChecks.notNull("h", h);
    DeviceChecks.notNull("c", c);
    lstm(weights, x, xOff, rows, 1, null, 0, h, hOff, c, cOff, hOut, hOutOff, cOut, cOutOff, null, 0, true);
  }

  // ---------------------------------------------------------------------------------------------
  // Scans

  /**
   * A GRU over whole sequences: as {@code Recurrent.gruScan} (minus the scratch). {@code x} is
   * {@code rows x steps x in} (or one {@code steps x in} sequence with {@code sharedInput});
   * {@code lengths} (host, nullable) gives each row's valid steps in {@code [0, steps]};
   * {@code h0} (nullable: zeros) may be {@code hLast} at the same offset; {@code hAll} is
   * nullable.
   */
  public static void gruScan(CudaRecurrentWeights weights, DeviceFloats x, long xOff, boolean sharedInput, int rows,
                             int steps, int[] lengths, int lengthsOff, DeviceFloats h0, long h0Off,
                             DeviceFloats hLast, long hLastOff, DeviceFloats hAll, long hAllOff) {
    gruFamily(GRU, weights, x, xOff, sharedInput, null, 0, rows, steps, lengths, lengthsOff, h0, h0Off,
        hLast, hLastOff, hAll, hAllOff, false);
  }

  /** An AUGRU scan: {@code att} is {@code rows x steps}; otherwise as {@link #gruScan}. */
  public static void augruScan(CudaRecurrentWeights weights, DeviceFloats x, long xOff, boolean sharedInput,
                               DeviceFloats att, long attOff, int rows, int steps, int[] lengths, int lengthsOff,
                               DeviceFloats h0, long h0Off, DeviceFloats hLast, long hLastOff,
                               DeviceFloats hAll, long hAllOff) {
    DeviceChecks.notNull("att", att);
    gruFamily(AUGRU, weights, x, xOff, sharedInput, att, attOff, rows, steps, lengths, lengthsOff, h0, h0Off,
        hLast, hLastOff, hAll, hAllOff, false);
  }

  /** An AGRU scan: {@code att} is {@code rows x steps}; otherwise as {@link #gruScan}. */
  public static void agruScan(CudaRecurrentWeights weights, DeviceFloats x, long xOff, boolean sharedInput,
                              DeviceFloats att, long attOff, int rows, int steps, int[] lengths, int lengthsOff,
                              DeviceFloats h0, long h0Off, DeviceFloats hLast, long hLastOff,
                              DeviceFloats hAll, long hAllOff) {
    DeviceChecks.notNull("att", att);
    gruFamily(AGRU, weights, x, xOff, sharedInput, att, attOff, rows, steps, lengths, lengthsOff, h0, h0Off,
        hLast, hLastOff, hAll, hAllOff, false);
  }

  /** An LSTM scan: as {@code Recurrent.lstmScan} (minus the scratch); no shared input. */
  public static void lstmScan(CudaRecurrentWeights weights, DeviceFloats x, long xOff, int rows, int steps,
                              int[] lengths, int lengthsOff, DeviceFloats h0, long h0Off, DeviceFloats c0, long c0Off,
                              DeviceFloats hLast, long hLastOff, DeviceFloats cLast, long cLastOff,
                              DeviceFloats hAll, long hAllOff) {
    lstm(weights, x, xOff, rows, steps, lengths, lengthsOff, h0, h0Off, c0, c0Off, hLast, hLastOff, cLast, cLastOff,
        hAll, hAllOff, false);
  }

  // ---------------------------------------------------------------------------------------------

  private static void gruFamily(int mode, CudaRecurrentWeights w, DeviceFloats x, long xOff, boolean sharedInput,
                                DeviceFloats att, long attOff, int rows, int steps, int[] lengths, int lengthsOff,
                                DeviceFloats h0, long h0Off, DeviceFloats hLast, long hLastOff,
                                DeviceFloats hAll, long hAllOff, boolean step) {
    // Validated and launched holding the context: no buffer can be closed in between.
    DeviceChecks.locked(DeviceChecks.contextOf(x, att, h0, hLast, hAll, w == null ? null : w.wihT), () -> {
      checkWeights(w, 3, "GRU");
      DeviceChecks.nonNegative("rows", rows);
      DeviceChecks.nonNegative("steps", steps);
      long positions = sharedInput ? steps : (long) rows * steps;
      long state = (long) rows * w.hiddenSize();
      if (att != null) {
        DeviceChecks.region("att", att, attOff, (long) rows * steps);
      }
      common(w, x, xOff, positions * w.inputSize(), rows, steps, lengths, lengthsOff, h0, h0Off, hLast, hLastOff,
          hAll, hAllOff, step);
      DeviceChecks.disjoint("hLast", hLast, hLastOff, state, "att", att, attOff, (long) rows * steps);
      DeviceChecks.disjoint("hAll", hAll, hAllOff, state * steps, "att", att, attOff, (long) rows * steps);
      CudaContext ctx = DeviceChecks.sameContext(x, att, h0, hLast, hAll, w.wihT);
      if (rows == 0) {
        return null;
      }
      int hidden = w.hiddenSize();
      int width = 3 * hidden;
      ctx.run(() -> {
        Arg.Ptr gi = inputGates(ctx, w, x, xOff, positions, rows, lengths, lengthsOff);
        Arg.Ptr nil = new Arg.Ptr(null, 0);
        ctx.launch("seqrec_gru_scan", rows, 1, Geometry.scanThreads(hidden), 2 * hidden * 4,
            new Arg.I32(mode), gi, new Arg.I64(sharedInput ? 0 : (long) steps * width), new Arg.I32(steps),
            new Arg.I32(hidden), w.whhT.at(0), w.bhh == null ? nil : w.bhh.at(0),
            att == null ? nil : att.at(attOff), lengths == null ? nil : ctx.workspaceAt(0),
            h0 == null ? nil : h0.at(h0Off), hLast.at(hLastOff), hAll == null ? nil : hAll.at(hAllOff));
      });
      return null;
    });
  }

  private static void lstm(CudaRecurrentWeights w, DeviceFloats x, long xOff, int rows, int steps, int[] lengths,
                           int lengthsOff, DeviceFloats h0, long h0Off, DeviceFloats c0, long c0Off,
                           DeviceFloats hLast, long hLastOff, DeviceFloats cLast, long cLastOff,
                           DeviceFloats hAll, long hAllOff, boolean step) {
    // Validated and launched holding the context: no buffer can be closed in between.
    DeviceChecks.locked(DeviceChecks.contextOf(x, h0, c0, hLast, cLast, hAll, w == null ? null : w.wihT), () -> {
      checkWeights(w, 4, "LSTM");
      DeviceChecks.nonNegative("rows", rows);
      DeviceChecks.nonNegative("steps", steps);
      long state = (long) rows * w.hiddenSize();
      long xLen = (long) rows * steps * w.inputSize();
      common(w, x, xOff, xLen, rows, steps, lengths, lengthsOff, h0, h0Off, hLast, hLastOff, hAll, hAllOff, step);
      String c0Name = step ? "c" : "c0";
      String cLastName = step ? "cOut" : "cLast";
      if (c0 != null) {
        DeviceChecks.region(c0Name, c0, c0Off, state);
      }
      DeviceChecks.region(cLastName, cLast, cLastOff, state);
      sameOrDisjoint(cLastName, cLast, cLastOff, state, c0Name, c0, c0Off, state);
      DeviceChecks.disjoint(cLastName, cLast, cLastOff, state, "x", x, xOff, xLen);
      DeviceChecks.disjoint(cLastName, cLast, cLastOff, state, step ? "h" : "h0", h0, h0Off, state);
      DeviceChecks.disjoint(cLastName, cLast, cLastOff, state, step ? "hOut" : "hLast", hLast, hLastOff, state);
      DeviceChecks.disjoint(cLastName, cLast, cLastOff, state, "hAll", hAll, hAllOff, state * steps);
      DeviceChecks.disjoint(step ? "hOut" : "hLast", hLast, hLastOff, state, c0Name, c0, c0Off, state);
      DeviceChecks.disjoint("hAll", hAll, hAllOff, state * steps, c0Name, c0, c0Off, state);
      CudaContext ctx = DeviceChecks.sameContext(x, h0, c0, hLast, cLast, hAll, w.wihT);
      if (rows == 0) {
        return null;
      }
      int hidden = w.hiddenSize();
      ctx.run(() -> {
        Arg.Ptr gi = inputGates(ctx, w, x, xOff, (long) rows * steps, rows, lengths, lengthsOff);
        Arg.Ptr nil = new Arg.Ptr(null, 0);
        ctx.launch("seqrec_lstm_scan", rows, 1, Geometry.scanThreads(hidden), 3 * hidden * 4,
            gi, new Arg.I32(steps), new Arg.I32(hidden), w.whhT.at(0), w.bhh == null ? nil : w.bhh.at(0),
            lengths == null ? nil : ctx.workspaceAt(0), h0 == null ? nil : h0.at(h0Off),
            c0 == null ? nil : c0.at(c0Off), hLast.at(hLastOff), cLast.at(cLastOff),
            hAll == null ? nil : hAll.at(hAllOff));
      });
      return null;
    });
  }

  /**
   * Workspace layout: the row lengths (ints, copied from the host) from byte 0, the input-side
   * gates of every position ({@code positions x gates H} floats, one GEMM) from {@link #gatesByte}.
   * Returns the gates' address; callers hold the context.
   */
  private static Arg.Ptr inputGates(CudaContext ctx, CudaRecurrentWeights w, DeviceFloats x, long xOff, long positions,
                                    int rows, int[] lengths, int lengthsOff) {
    int width = w.gates() * w.hiddenSize();
    long gatesByte = gatesByte(rows);
    Arg.Ptr base = ctx.workspace(gatesByte / 4 + positions * width);
    if (lengths != null) {
      ctx.copyToDevice(base.memory(), base.byteOffset(), lengths, (long) lengthsOff * 4, (long) rows * 4);
    }
    Arg.Ptr gi = ctx.workspaceAt(gatesByte);
    if (positions > 0) {
      DeviceChecks.gpuLimit("positions", positions, Integer.MAX_VALUE, "one GEMM over every position");
      CudaDense.launchGemm(ctx, x.at(xOff), w.inputSize(), (int) positions, w.inputSize(), w.wihT.at(0), width, width,
          w.bih == null ? null : w.bih.at(0), gi, width, false);
    }
    return gi;
  }

  private static long gatesByte(int rows) {
    return Geometry.ceilDiv((long) rows * 4, 256) * 256;
  }

  private static void checkWeights(CudaRecurrentWeights w, int gates, String kind) {
    DeviceChecks.notNull("weights", w);
    if (w.gates() != gates) {
      throw new IllegalArgumentException("weights must be " + kind + " weights (" + gates + " gates), got "
          + w.gates() + " gates");
    }
    if (w.isClosed()) {
      throw new IllegalArgumentException("weights are closed");
    }
  }

  private static void common(CudaRecurrentWeights w, DeviceFloats x, long xOff, long xLen, int rows, int steps,
                             int[] lengths, int lengthsOff, DeviceFloats h0, long h0Off, DeviceFloats hLast,
                             long hLastOff, DeviceFloats hAll, long hAllOff, boolean step) {
    String h0Name = step ? "h" : "h0";
    String hLastName = step ? "hOut" : "hLast";
    long state = (long) rows * w.hiddenSize();
    long all = state * steps;
    DeviceChecks.region("x", x, xOff, xLen);
    if (lengths != null) {
      if (lengthsOff < 0 || (long) lengthsOff + rows > lengths.length) {
        throw new IllegalArgumentException("lengths needs " + rows + " elements from offset " + lengthsOff
            + " (up to index " + ((long) lengthsOff + rows) + "), but its length is " + lengths.length);
      }
      for (int r = 0; r < rows; r++) {
        int len = lengths[lengthsOff + r];
        if (len < 0 || len > steps) {
          throw new IllegalArgumentException("lengths[" + r + "] must be in [0, steps = " + steps + "], got " + len);
        }
      }
    }
    if (h0 != null) {
      DeviceChecks.region(h0Name, h0, h0Off, state);
    }
    DeviceChecks.region(hLastName, hLast, hLastOff, state);
    if (hAll != null) {
      DeviceChecks.region("hAll", hAll, hAllOff, all);
    }
    sameOrDisjoint(hLastName, hLast, hLastOff, state, h0Name, h0, h0Off, state);
    DeviceChecks.disjoint(hLastName, hLast, hLastOff, state, "x", x, xOff, xLen);
    DeviceChecks.disjoint(hLastName, hLast, hLastOff, state, "hAll", hAll, hAllOff, all);
    DeviceChecks.disjoint("hAll", hAll, hAllOff, all, "x", x, xOff, xLen);
    DeviceChecks.disjoint("hAll", hAll, hAllOff, all, h0Name, h0, h0Off, state);
  }

  /** An output may be its input at the same offset (in-place update), or else must not overlap it. */
  private static void sameOrDisjoint(String out, DeviceFloats o, long oOff, long len, String in, DeviceFloats i,
                                     long iOff, long iLen) {
    if (o == i && oOff == iOff) {
      return;
    }
    DeviceChecks.disjoint(out, o, oOff, len, in, i, iOff, iLen);
  }
}
