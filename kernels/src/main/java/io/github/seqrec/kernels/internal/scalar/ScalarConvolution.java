package io.github.seqrec.kernels.internal.scalar;

import io.github.seqrec.kernels.internal.ActivationKernels;
import io.github.seqrec.kernels.internal.DenseKernels;
import io.github.seqrec.kernels.internal.ConvolutionKernels;

/** Scalar convolution kernels. */
public final class ScalarConvolution implements ConvolutionKernels {
  private final DenseKernels dense;
  private final ActivationKernels activations;

  public ScalarConvolution(DenseKernels dense, ActivationKernels activations) {
    this.dense = dense;
    this.activations = activations;
  }
}
