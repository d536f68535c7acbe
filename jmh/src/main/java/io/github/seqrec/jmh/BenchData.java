package io.github.seqrec.jmh;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.SplittableRandom;

/** Shared constants and input makers for the benchmarks. */
public final class BenchData {
  private BenchData() {}

  /** Every fork gets the incubator module; the backend is then forced per method. */
  public static final String VECTOR_MODULE = "--add-modules=jdk.incubator.vector";
  public static final String SCALAR = "-Dseqrec.backend=scalar";
  public static final String VECTOR = "-Dseqrec.backend=vector";

  /** A call that a benchmark's setup runs to warm up. */
  @FunctionalInterface
  public interface Call {
    void run() throws Exception;
  }

  /**
   * Runs {@code call} for about {@code millis} milliseconds (at least 10 times). The peer
   * benchmarks do this in their setup, as a service warms up before it takes traffic: a model's
   * request path spans many methods and C2 compiles its Vector API code in stages, so a short JMH
   * warm-up (the quick profile's, the CI smoke pass's) would otherwise time half-compiled code.
   */
  public static void warmUp(Call call, long millis) throws Exception {
    long end = System.nanoTime() + millis * 1_000_000L;
    for (int i = 0; i < 10 || System.nanoTime() < end; i++) {
      call.run();
    }
  }

  /** Uniform floats in [-1, 1). */
  public static float[] uniform(SplittableRandom random, int n) {
    float[] values = new float[n];
    for (int i = 0; i < n; i++) {
      values[i] = (float) (random.nextDouble() * 2 - 1);
    }
    return values;
  }

  /**
   * A resource of the benchmark jar (the golden model weights {@code golden/models/<model>/weights.safetensors},
   * the ONNX exports {@code onnx/<model>.onnx}) copied to a temporary file, so benchmarks run
   * from any working directory.
   */
  public static Path resource(String name) throws IOException {
    try (InputStream in = BenchData.class.getClassLoader().getResourceAsStream(name)) {
      if (in == null) {
        throw new IOException("resource " + name + " missing from the benchmark jar");
      }
      Path file = Files.createTempFile("seqrec-bench-", name.substring(name.lastIndexOf('/') + 1));
      file.toFile().deleteOnExit();
      Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
      return file;
    }
  }
}
