package io.github.seqrec.kernels;

import io.github.seqrec.kernels.internal.RecurrentKernels;

/**
 * The weights of one PyTorch {@code nn.GRU} layer or {@code nn.GRUCell}, packed once by
 * {@link Recurrent#packGru} for every GRU-family kernel ({@link Recurrent#gruStep},
 * {@link Recurrent#augruStep}, {@link Recurrent#agruStep} and their scans). The gate rows keep
 * PyTorch's order {@code r, z, n}; {@code weight_ih} ({@code 3H x in}) and {@code weight_hh}
 * ({@code 3H x H}) are stored transposed so that the gate GEMMs stream whole rows of them into
 * vector registers. Immutable (the arrays are copies) and safe to share between threads.
 */
public final class GruWeights {
  private final RecurrentKernels.Packed packed;

  GruWeights(RecurrentKernels.Packed packed) {
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
