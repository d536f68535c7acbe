package io.github.seqrec.kernels.internal.vector;

import io.github.seqrec.kernels.internal.ActivationKernels;
import io.github.seqrec.kernels.internal.DenseKernels;
import io.github.seqrec.kernels.internal.AttentionKernels;

/** Vector attention kernels. */
public final class VectorAttention implements AttentionKernels {
  private final DenseKernels dense;
  private final ActivationKernels activations;

  public VectorAttention(DenseKernels dense, ActivationKernels activations) {
    this.dense = dense;
    this.activations = activations;
  }
}
