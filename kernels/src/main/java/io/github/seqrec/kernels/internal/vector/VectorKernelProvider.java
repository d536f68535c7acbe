package io.github.seqrec.kernels.internal.vector;

import io.github.seqrec.kernels.internal.ActivationKernels;
import io.github.seqrec.kernels.internal.AttentionKernels;
import io.github.seqrec.kernels.internal.ConvolutionKernels;
import io.github.seqrec.kernels.internal.DenseKernels;
import io.github.seqrec.kernels.internal.GemmTile;
import io.github.seqrec.kernels.internal.GraphKernels;
import io.github.seqrec.kernels.internal.HashingKernels;
import io.github.seqrec.kernels.internal.KernelProvider;
import io.github.seqrec.kernels.internal.NormalizationKernels;
import io.github.seqrec.kernels.internal.RecurrentKernels;
import io.github.seqrec.kernels.internal.SelectionKernels;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;

/**
 * The Vector API backend. Loaded reflectively by {@link KernelProvider} only after its checks
 * passed (the constructor is package-private: nothing but that guarded lookup creates one); the
 * constructor touches the Vector API once so that any failure to link or intrinsify
 * surfaces here, inside the guarded lookup, rather than in the middle of a kernel (JDK-8309727).
 *
 * <p>The rule of every class in this package: a vector or mask never crosses a call to one of our
 * own methods, as argument or result. Helpers take and return arrays and primitives (a mask leaves
 * as {@code toLong()} bits). Vector API methods are force-inlined; ours are inlined only while the
 * compiling method's budget lasts, which depends on what the model method around the kernel has
 * already inlined, so on the order of compilation, and a vector crossing a call that was not
 * inlined is boxed on every call. Reference-models' surefire execution {@code worst-case-inlining}
 * runs every allocation check with none of this package's methods inlined.
 */
public final class VectorKernelProvider extends KernelProvider {
  private final DenseKernels dense;
  private final ActivationKernels activations;
  private final NormalizationKernels normalization;
  private final AttentionKernels attention;
  private final RecurrentKernels recurrent;
  private final ConvolutionKernels convolution;
  private final HashingKernels hashing;
  private final SelectionKernels selection;
  private final GraphKernels graph;
  private final boolean fma;
  private final GemmTile.Choice tile;

  /**
   * The backend with a given GEMM tile, or the one chosen for this JVM's register file
   * ({@link GemmTile#choose}) when {@code forcedTile} is null. Package-private: only
   * {@code KernelProvider} makes backends (through a private lookup). Every
   * GEMM-shaped kernel of the backend (recurrent gates, attention, convolutions, the DIN unit,
   * SimHash, k-means) runs on the one {@link VectorDense}, so they all share the tile.
   */
  VectorKernelProvider(GemmTile forcedTile) {
    int bits = VectorShape.preferredShape().vectorBitSize();
    if (bits < 128) {
      throw new UnsupportedOperationException("the preferred vector size is " + bits + " bits; 128 or more is needed");
    }
    if (Species.FLOAT_LANES > 16) {
      throw new UnsupportedOperationException("the preferred vector has " + Species.FLOAT_LANES
          + " float lanes; the fixed-order sums (Lanes) take 4 to 16");
    }
    float probe = FloatVector.broadcast(Species.FLOAT, 1f).fma(FloatVector.broadcast(Species.FLOAT, 2f),
        FloatVector.zero(Species.FLOAT)).reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
    if (probe != 2f * Species.FLOAT_LANES) {
      throw new UnsupportedOperationException("the Vector API self-check computed " + probe);
    }
    fma = vmFlagTrue("UseFMA");
    GemmTile.Choice chosen = GemmTile.choose(Species.FLOAT.vectorBitSize());
    tile = forcedTile == null ? chosen
        : new GemmTile.Choice(forcedTile, chosen.registers(), "forced by the caller");
    dense = new VectorDense(tile.tile());
    activations = new VectorActivations();
    normalization = new VectorNormalization();
    attention = new VectorAttention(dense, activations);
    recurrent = new VectorRecurrent(dense, activations);
    convolution = new VectorConvolution(dense, activations);
    selection = new VectorSelection();
    hashing = new VectorHashing(dense);
    graph = new VectorGraph(dense, selection);
  }

  private static boolean vmFlagTrue(String flag) {
    try {
      var bean = java.lang.management.ManagementFactory.getPlatformMXBean(
          com.sun.management.HotSpotDiagnosticMXBean.class);
      return bean != null && Boolean.parseBoolean(bean.getVMOption(flag).getValue());
    } catch (RuntimeException | LinkageError e) {
      return false;
    }
  }

  @Override public String name() { return "vector"; }

  @Override
  public String describe() {
    return "backend=vector float-species=" + Species.FLOAT.vectorBitSize() + "-bit lanes=" + Species.FLOAT_LANES
        + " fma=" + fma + " " + tile.describe();
  }

  @Override public int vectorBitSize() { return Species.FLOAT.vectorBitSize(); }
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
