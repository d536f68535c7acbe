package io.github.seqrec.kernels.internal.vector;

import io.github.seqrec.kernels.internal.DenseKernels;
import io.github.seqrec.kernels.internal.GraphKernels;
import io.github.seqrec.kernels.internal.SelectionKernels;

/** Vector graph and clustering kernels. */
public final class VectorGraph implements GraphKernels {
  private final DenseKernels dense;
  private final SelectionKernels selection;

  public VectorGraph(DenseKernels dense, SelectionKernels selection) {
    this.dense = dense;
    this.selection = selection;
  }
}
