package io.github.seqrec.kernels.internal.vector;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The species every vector kernel uses, as {@code static final} constants so C2 treats them as
 * compile-time constants (a species in a field or computed per call boxes the vectors and loses the
 * intrinsics). The preferred shape follows {@code -XX:MaxVectorSize}: 512-bit on AVX-512, 256-bit
 * with {@code MaxVectorSize=32}, 128-bit with 16. Kept apart from {@link VectorKernelProvider} so
 * that the provider class can be loaded and its checks run before any Vector API class is touched.
 */
public final class Species {
  private Species() {}

  public static final VectorSpecies<Float> FLOAT = FloatVector.SPECIES_PREFERRED;
  public static final int FLOAT_LANES = FLOAT.length();
  public static final VectorSpecies<Integer> INT = IntVector.SPECIES_PREFERRED;
  public static final VectorSpecies<Long> LONG = LongVector.SPECIES_PREFERRED;
  public static final int LONG_LANES = LONG.length();
}
