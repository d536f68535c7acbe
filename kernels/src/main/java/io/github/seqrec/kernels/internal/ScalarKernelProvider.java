package io.github.seqrec.kernels.internal;

import io.github.seqrec.kernels.internal.scalar.ScalarActivations;
import io.github.seqrec.kernels.internal.scalar.ScalarAttention;
import io.github.seqrec.kernels.internal.scalar.ScalarConvolution;
import io.github.seqrec.kernels.internal.scalar.ScalarDense;
import io.github.seqrec.kernels.internal.scalar.ScalarGraph;
import io.github.seqrec.kernels.internal.scalar.ScalarHashing;
import io.github.seqrec.kernels.internal.scalar.ScalarNormalization;
import io.github.seqrec.kernels.internal.scalar.ScalarRecurrent;
import io.github.seqrec.kernels.internal.scalar.ScalarSelection;

/** The scalar backend: plain Java loops, the executable definition of every kernel. */
final class ScalarKernelProvider extends KernelProvider {
  private final DenseKernels dense = new ScalarDense();
  private final ActivationKernels activations = new ScalarActivations();
  private final NormalizationKernels normalization = new ScalarNormalization();
  private final AttentionKernels attention = new ScalarAttention(dense, activations);
  private final RecurrentKernels recurrent = new ScalarRecurrent(dense, activations);
  private final ConvolutionKernels convolution = new ScalarConvolution(dense, activations);
  private final HashingKernels hashing = new ScalarHashing(dense);
  private final SelectionKernels selection = new ScalarSelection();
  private final GraphKernels graph = new ScalarGraph(dense, selection);

  @Override public String name() { return "scalar"; }
  @Override public String describe() { return "backend=scalar"; }
  @Override public int vectorBitSize() { return 0; }
  @Override public DenseKernels dense() { return dense; }
  @Override public ActivationKernels activations() { return activations; }
  @Override public NormalizationKernels normalization() { return normalization; }
  @Override public AttentionKernels attention() { return attention; }
  @Override public RecurrentKernels recurrent() { return recurrent; }
  @Override public ConvolutionKernels convolution() { return convolution; }
  @Override public HashingKernels hashing() { return hashing; }
  @Override public SelectionKernels selection() { return selection; }
  @Override public GraphKernels graph() { return graph; }
}
