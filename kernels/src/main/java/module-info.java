/**
 * seqrec CPU kernels: dense, activations, normalization, attention, recurrent cells, convolution,
 * hashing, selection, graph and clustering, each with a scalar definition and a Vector API backend.
 *
 * <p>The Vector API is optional at run time ({@code requires static}): without
 * {@code --add-modules jdk.incubator.vector} every kernel runs on the scalar backend and one
 * warning says how to enable the fast one.
 */
module io.github.seqrec.kernels {
  requires static jdk.incubator.vector;
  requires static jdk.management;

  exports io.github.seqrec.kernels;
}
