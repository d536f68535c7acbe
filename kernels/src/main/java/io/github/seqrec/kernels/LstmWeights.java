package io.github.seqrec.kernels;

import io.github.seqrec.kernels.internal.RecurrentKernels;

/**
 * The weights of one PyTorch {@code nn.LSTM} layer or {@code nn.LSTMCell}, packed once by
 * {@link Recurrent#packLstm} for {@link Recurrent#lstmStep} and {@link Recurrent#lstmScan}. The
 * gate rows keep PyTorch's order {@code i, f, g, o}; {@code weight_ih} ({@code 4H x in}) and
 * {@code weight_hh} ({@code 4H x H}) are stored transposed for the gate GEMMs. Immutable (the
 * arrays are copies) and safe to share between threads.
 */
public final class LstmWeights {
  private final RecurrentKernels.Packed packed;

  LstmWeights(RecurrentKernels.Packed packed) {
    this.packed = packed;
  }

  /** Input width {@code in} (columns of {@code weight_ih}). */
  public int inputSize() {
    return packed.input();
  }

  /** Hidden width {@code H}. */
  public int hiddenSize() {
    return packed.hidden();
  }

  /** Whether {@code bias_ih} was given ({@code bias=True} in PyTorch). */
  public boolean hasInputBias() {
    return packed.bih() != null;
  }

  /** Whether {@code bias_hh} was given. */
  public boolean hasHiddenBias() {
    return packed.bhh() != null;
  }

  RecurrentKernels.Packed packed() {
    return packed;
  }
}
