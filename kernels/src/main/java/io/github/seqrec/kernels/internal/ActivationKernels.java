package io.github.seqrec.kernels.internal;

/** Activation kernels; arguments have been validated by the facade. */
public interface ActivationKernels {
}
