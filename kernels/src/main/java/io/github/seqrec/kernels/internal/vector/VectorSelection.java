package io.github.seqrec.kernels.internal.vector;

import io.github.seqrec.kernels.internal.SelectionKernels;

/** Vector selection kernels. */
public final class VectorSelection implements SelectionKernels {
}
