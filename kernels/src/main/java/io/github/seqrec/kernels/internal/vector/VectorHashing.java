package io.github.seqrec.kernels.internal.vector;

import io.github.seqrec.kernels.internal.DenseKernels;
import io.github.seqrec.kernels.internal.HashingKernels;

/** Vector hashing kernels. */
public final class VectorHashing implements HashingKernels {
  private final DenseKernels dense;

  public VectorHashing(DenseKernels dense) {
    this.dense = dense;
  }
}
