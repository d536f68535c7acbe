package io.github.seqrec.kernels.internal.scalar;

import io.github.seqrec.kernels.internal.DenseKernels;
import io.github.seqrec.kernels.internal.GraphKernels;
import io.github.seqrec.kernels.internal.SelectionKernels;

/** Scalar graph and clustering kernels. */
public final class ScalarGraph implements GraphKernels {
  private final DenseKernels dense;
  private final SelectionKernels selection;

  public ScalarGraph(DenseKernels dense, SelectionKernels selection) {
    this.dense = dense;
    this.selection = selection;
  }
}
