package io.github.seqrec.kernels.internal;

/** Selection kernels; arguments have been validated by the facade. */
public interface SelectionKernels {
}
