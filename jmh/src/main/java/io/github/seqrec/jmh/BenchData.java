package io.github.seqrec.jmh;

import java.util.SplittableRandom;

/** Shared constants and input makers for the benchmarks. */
public final class BenchData {
  private BenchData() {}

  /** Every fork gets the incubator module; the backend is then forced per method. */
  public static final String VECTOR_MODULE = "--add-modules=jdk.incubator.vector";
  public static final String SCALAR = "-Dseqrec.backend=scalar";
  public static final String VECTOR = "-Dseqrec.backend=vector";

  /** Uniform floats in [-1, 1). */
  public static float[] uniform(SplittableRandom random, int n) {
    float[] values = new float[n];
    for (int i = 0; i < n; i++) {
      values[i] = (float) (random.nextDouble() * 2 - 1);
    }
    return values;
  }
}
