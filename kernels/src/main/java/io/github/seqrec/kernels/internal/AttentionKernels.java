package io.github.seqrec.kernels.internal;

/** Attention kernels; arguments have been validated by the facade. */
public interface AttentionKernels {
}
