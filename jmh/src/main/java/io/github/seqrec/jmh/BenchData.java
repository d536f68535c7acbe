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
