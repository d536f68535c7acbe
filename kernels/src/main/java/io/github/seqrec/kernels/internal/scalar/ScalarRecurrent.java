package io.github.seqrec.kernels.internal.scalar;

import io.github.seqrec.kernels.internal.ActivationKernels;
import io.github.seqrec.kernels.internal.DenseKernels;
import io.github.seqrec.kernels.internal.RecurrentKernels;

/** Scalar recurrent kernels. */
public final class ScalarRecurrent implements RecurrentKernels {
  private final DenseKernels dense;
  private final ActivationKernels activations;

  public ScalarRecurrent(DenseKernels dense, ActivationKernels activations) {
    this.dense = dense;
    this.activations = activations;
  }
}
