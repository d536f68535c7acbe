package io.github.seqrec.cuda;

/**
 * The weights of one PyTorch GRU ({@code gates = 3}, rows {@code r, z, n}) or LSTM
 * ({@code gates = 4}, rows {@code i, f, g, o}) layer on the device, packed once by
 * {@link CudaRecurrent#packGru} / {@link CudaRecurrent#packLstm} as the CPU's
 * {@code Recurrent.packGru} packs them: {@code weight_ih} and {@code weight_hh} transposed
 * ({@code in x gates H} and {@code H x gates H}), so that consecutive threads read consecutive
 * gate columns. Owns its device memory: {@link #close()} frees it. Immutable otherwise.
 */
public final class CudaRecurrentWeights implements AutoCloseable {
  private final int gates;
  private final int input;
  private final int hidden;
  final DeviceFloats wihT;
  final DeviceFloats whhT;
  final DeviceFloats bih;
  final DeviceFloats bhh;

  CudaRecurrentWeights(int gates, int input, int hidden, DeviceFloats wihT, DeviceFloats whhT, DeviceFloats bih,
                       DeviceFloats bhh) {
    this.gates = gates;
    this.input = input;
    this.hidden = hidden;
    this.wihT = wihT;
    this.whhT = whhT;
    this.bih = bih;
    this.bhh = bhh;
  }

  /** 3 for a GRU, 4 for an LSTM. */
  public int gates() {
    return gates;
  }

  public int inputSize() {
    return input;
  }

  public int hiddenSize() {
    return hidden;
  }

  public CudaContext context() {
    return wihT.context();
  }

  boolean isClosed() {
    return wihT.isClosed();
  }

  @Override
  public void close() {
    wihT.close();
    whhT.close();
    if (bih != null) {
      bih.close();
    }
    if (bhh != null) {
      bhh.close();
    }
  }
}
