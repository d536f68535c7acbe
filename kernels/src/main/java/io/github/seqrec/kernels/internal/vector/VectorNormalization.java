package io.github.seqrec.kernels.internal.vector;

import io.github.seqrec.kernels.internal.NormalizationKernels;

/** Vector normalization kernels. */
public final class VectorNormalization implements NormalizationKernels {
}
