package io.github.seqrec.kernels.internal.scalar;

import io.github.seqrec.kernels.internal.ActivationKernels;

/** Scalar activation kernels. */
public final class ScalarActivations implements ActivationKernels {
}
