package io.github.seqrec.kernels.internal.scalar;

import io.github.seqrec.kernels.internal.NormalizationKernels;

/** Scalar normalization kernels. */
public final class ScalarNormalization implements NormalizationKernels {
}
