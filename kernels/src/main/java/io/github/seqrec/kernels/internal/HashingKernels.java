package io.github.seqrec.kernels.internal;

/** Hashing kernels; arguments have been validated by the facade. */
public interface HashingKernels {
}
