package io.github.seqrec.kernels.internal.scalar;

import io.github.seqrec.kernels.internal.ActivationKernels;
import io.github.seqrec.kernels.internal.DenseKernels;
import io.github.seqrec.kernels.internal.AttentionKernels;

/** Scalar attention kernels. */
public final class ScalarAttention implements AttentionKernels {
  private final DenseKernels dense;
  private final ActivationKernels activations;

  public ScalarAttention(DenseKernels dense, ActivationKernels activations) {
    this.dense = dense;
    this.activations = activations;
  }
}
