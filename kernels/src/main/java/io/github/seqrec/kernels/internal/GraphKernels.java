package io.github.seqrec.kernels.internal;

/** Graph kernels; arguments have been validated by the facade. */
public interface GraphKernels {
}
