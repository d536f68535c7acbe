package io.github.seqrec.kernels.internal.vector;

import io.github.seqrec.kernels.internal.ActivationKernels;
import io.github.seqrec.kernels.internal.DenseKernels;
import io.github.seqrec.kernels.internal.RecurrentKernels;

/** Vector recurrent kernels. */
public final class VectorRecurrent implements RecurrentKernels {
  private final DenseKernels dense;
  private final ActivationKernels activations;

  public VectorRecurrent(DenseKernels dense, ActivationKernels activations) {
    this.dense = dense;
    this.activations = activations;
  }
}
