package io.github.seqrec.kernels.internal;

/** Convolution kernels; arguments have been validated by the facade. */
public interface ConvolutionKernels {
}
