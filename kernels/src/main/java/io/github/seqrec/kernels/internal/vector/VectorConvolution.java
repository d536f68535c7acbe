package io.github.seqrec.kernels.internal.vector;

import io.github.seqrec.kernels.internal.ActivationKernels;
import io.github.seqrec.kernels.internal.DenseKernels;
import io.github.seqrec.kernels.internal.ConvolutionKernels;

/** Vector convolution kernels. */
public final class VectorConvolution implements ConvolutionKernels {
  private final DenseKernels dense;
  private final ActivationKernels activations;

  public VectorConvolution(DenseKernels dense, ActivationKernels activations) {
    this.dense = dense;
    this.activations = activations;
  }
}
