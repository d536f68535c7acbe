package io.github.seqrec.kernels.internal.scalar;

import io.github.seqrec.kernels.internal.DenseKernels;
import io.github.seqrec.kernels.internal.HashingKernels;

/** Scalar hashing kernels. */
public final class ScalarHashing implements HashingKernels {
  private final DenseKernels dense;

  public ScalarHashing(DenseKernels dense) {
    this.dense = dense;
  }
}
