package io.github.seqrec.kernels.internal;

/** Recurrent kernels; arguments have been validated by the facade. */
public interface RecurrentKernels {
}
