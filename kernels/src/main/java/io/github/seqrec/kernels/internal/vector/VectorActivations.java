package io.github.seqrec.kernels.internal.vector;

import io.github.seqrec.kernels.internal.ActivationKernels;

/** Vector activation kernels. */
public final class VectorActivations implements ActivationKernels {
}
