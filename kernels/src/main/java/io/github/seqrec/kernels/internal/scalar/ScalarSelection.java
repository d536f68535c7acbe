package io.github.seqrec.kernels.internal.scalar;

import io.github.seqrec.kernels.internal.SelectionKernels;

/** Scalar selection kernels. */
public final class ScalarSelection implements SelectionKernels {
}
