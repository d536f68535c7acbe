package io.github.seqrec.kernels.internal;

/** Normalization kernels; arguments have been validated by the facade. */
public interface NormalizationKernels {
}
