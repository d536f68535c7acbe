package io.github.seqrec.kernels.internal.vector;

import static io.github.seqrec.kernels.internal.vector.Species.FLOAT;
import static io.github.seqrec.kernels.internal.vector.Species.FLOAT_LANES;

import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The permutations of horizontal sums in one fixed order, so that a kernel returns the same bits
 * interpreted, C1- or C2-compiled. {@code reduceLanes(ADD)} leaves its order unspecified and
 * HotSpot uses that freedom: its Java fallback adds lane 0, 1, 2 ... in turn while the C2 intrinsic
 * does not, so a dot product changed in the last bit when its kernel was compiled (68 of the 96
 * model golden batches did, first call against the compiled one).
 *
 * <p>A sum adds lanes {@code i} and {@code i ^ s} for {@code s = V/2, ..., 2, 1}, each step an exact
 * lane-wise add of a constant permutation, and reads lane 0:
 * <pre>{@code
 * h = FOLD8 ? h.add(h.rearrange(XOR8)) : h;
 * h = FOLD4 ? h.add(h.rearrange(XOR4)) : h;
 * h = FOLD2 ? h.add(h.rearrange(XOR2)) : h;
 * float sum = h.add(h.rearrange(XOR1)).lane(0);
 * }</pre>
 * The steps are written out at each sum rather than kept in a helper method on purpose: the Vector
 * API's own methods are force-inlined, ours are not, and C2 stops inlining ordinary methods once
 * the compiled method grows past its node-count cutoff, which a kernel inlined into a model's
 * forward pass does. A helper taking a vector, left as a call, boxes that vector on every call (a
 * {@code sum(FloatVector)} here allocated 7 MB per 20 SURGE requests that way).
 */
final class Lanes {
  private Lanes() {}

  /** Which steps a species of {@code V} lanes takes (4 to 16 lanes; the provider checks). */
  static final boolean FOLD8 = FLOAT_LANES > 8;
  static final boolean FOLD4 = FLOAT_LANES > 4;
  static final boolean FOLD2 = FLOAT_LANES > 2;
  // static final, so C2 sees constant shuffles; a step wider than the species is never taken
  static final VectorShuffle<Float> XOR8 = FOLD8 ? xor(FLOAT, 8) : null;
  static final VectorShuffle<Float> XOR4 = FOLD4 ? xor(FLOAT, 4) : null;
  static final VectorShuffle<Float> XOR2 = FOLD2 ? xor(FLOAT, 2) : null;
  static final VectorShuffle<Float> XOR1 = xor(FLOAT, 1);

  /** The double vectors a float vector widens into ({@code F2D}): same shape, half the lanes. */
  static final VectorSpecies<Double> DOUBLE = FLOAT.withLanes(double.class);
  static final boolean DOUBLE_FOLD4 = DOUBLE.length() > 4;
  static final boolean DOUBLE_FOLD2 = DOUBLE.length() > 2;
  static final VectorShuffle<Double> DOUBLE_XOR4 = DOUBLE_FOLD4 ? xor(DOUBLE, 4) : null;
  static final VectorShuffle<Double> DOUBLE_XOR2 = DOUBLE_FOLD2 ? xor(DOUBLE, 2) : null;
  static final VectorShuffle<Double> DOUBLE_XOR1 = xor(DOUBLE, 1);

  private static <E> VectorShuffle<E> xor(VectorSpecies<E> species, int step) {
    return VectorShuffle.fromOp(species, i -> i ^ step);
  }
}
