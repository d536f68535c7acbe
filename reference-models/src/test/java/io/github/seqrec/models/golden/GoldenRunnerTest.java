package io.github.seqrec.models.golden;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.seqrec.models.safetensors.SafeTensors;
import io.github.seqrec.models.tensors.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The golden runner and comparison themselves: they must fail loudly and precisely. */
class GoldenRunnerTest {
  @TempDir Path dir;

  private static final Tensor.F32 X = new Tensor.F32(new int[] {1, 2}, new float[] {1f, 2f});
  private static final Tensor.F32 W = new Tensor.F32(new int[] {2, 2}, new float[] {1f, 0f, 0f, 1f});

  private Path golden(String name, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
    Path file = dir.resolve(name + ".safetensors");
    SafeTensors.write(file, tensors, metadata);
    return file;
  }

  @Test
  void unknownKernelFailsNamingFileAndKernel() throws IOException {
    Path file = golden("mystery", Map.of("x", X, "expected.y", X), Map.of("kernel", "no_such_kernel"));
    assertThatThrownBy(() -> GoldenRunner.run(file))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("mystery.safetensors")
        .hasMessageContaining("unknown kernel 'no_such_kernel'")
        .hasMessageContaining("linear");
  }

  @Test
  void missingKernelMetadataFails() throws IOException {
    Path file = golden("nokernel", Map.of("x", X, "expected.y", X), Map.of("source", "nowhere"));
    assertThatThrownBy(() -> GoldenRunner.run(file))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("nokernel.safetensors")
        .hasMessageContaining("no 'kernel' entry");
  }

  @Test
  void fileWithoutExpectedOutputsFails() throws IOException {
    Path file = golden("noexpected", Map.of("x", X, "weight", W), Map.of("kernel", "linear"));
    assertThatThrownBy(() -> GoldenRunner.run(file)).isInstanceOf(AssertionError.class)
        .hasMessageContaining("no 'expected.*' tensors");
  }

  @Test
  void matchingLinearCasePasses() throws IOException {
    Path file = golden("ok", Map.of("x", X, "weight", W, "expected.y", X), Map.of("kernel", "linear"));
    GoldenRunner.CaseResult result = GoldenRunner.run(file);
    assertThat(result.kernel()).isEqualTo("linear");
    assertThat(result.outputs()).hasSize(1);
    assertThat(result.worstError()).isZero();
  }

  @Test
  void wrongExpectedValueFailsNamingOutputAndIndex() throws IOException {
    Tensor.F32 wrong = new Tensor.F32(new int[] {1, 2}, new float[] {1f, 2.001f});
    Path file = golden("wrong", Map.of("x", X, "weight", W, "expected.y", wrong), Map.of("kernel", "linear"));
    assertThatThrownBy(() -> GoldenRunner.run(file)).isInstanceOf(AssertionError.class)
        .hasMessageContaining("wrong.safetensors")
        .hasMessageContaining("output 'y'")
        .hasMessageContaining("1 of 2 elements off")
        .hasMessageContaining("index 1 [0, 1]");
  }

  @Test
  void looserRtolFromMetadataIsHonoured() throws IOException {
    Tensor.F32 close = new Tensor.F32(new int[] {1, 2}, new float[] {1f, 2.001f});
    Path file = golden("loose", Map.of("x", X, "weight", W, "expected.y", close),
        Map.of("kernel", "linear", "rtol", "1e-3"));
    assertThat(GoldenRunner.run(file).worstError()).isBetween(4e-4, 6e-4);
  }

  @Test
  void missingOutputFails() throws IOException {
    Path file = golden("missing", Map.of("x", X, "weight", W, "expected.z", X), Map.of("kernel", "linear"));
    assertThatThrownBy(() -> GoldenRunner.run(file)).isInstanceOf(AssertionError.class)
        .hasMessageContaining("output 'z' was not produced");
  }

  @Test
  void opRejectingInputsFailsWithItsMessage() throws IOException {
    Path file = golden("noweight", Map.of("x", X, "expected.y", X), Map.of("kernel", "linear"));
    assertThatThrownBy(() -> GoldenRunner.run(file)).isInstanceOf(AssertionError.class)
        .hasMessageContaining("missing input tensor 'weight'");
  }

  @Test
  void nanNeverPasses() {
    Tensor.F32 e = new Tensor.F32(new int[] {2}, new float[] {1f, Float.NaN});
    assertThatThrownBy(() -> GoldenComparison.compare("f", "y", e, e, GoldenComparison.Tolerance.DEFAULT))
        .hasMessageContaining("error NaN")
        .hasMessageContaining("must not hold NaN");
    Tensor.F32 ok = new Tensor.F32(new int[] {2}, new float[] {1f, 2f});
    Tensor.F32 nan = new Tensor.F32(new int[] {2}, new float[] {1f, Float.NaN});
    assertThatThrownBy(() -> GoldenComparison.compare("f", "y", ok, nan, GoldenComparison.Tolerance.DEFAULT))
        .hasMessageContaining("got NaN");
  }

  @Test
  void infinityMustMatchExactly() {
    Tensor.F32 e = new Tensor.F32(new int[] {2}, new float[] {Float.NEGATIVE_INFINITY, 1f});
    assertThat(GoldenComparison.compare("f", "y", e, e, GoldenComparison.Tolerance.DEFAULT).worstError()).isZero();
    Tensor.F32 a = new Tensor.F32(new int[] {2}, new float[] {-3e38f, 1f});
    assertThatThrownBy(() -> GoldenComparison.compare("f", "y", e, a, GoldenComparison.Tolerance.DEFAULT))
        .hasMessageContaining("1 of 2 elements off");
  }

  @Test
  void nearZeroElementsAreJudgedAgainstTheTensorScale() {
    // rms = sqrt((100^2 + 0) / 2) ~ 70.7, so s ~ 7.07 and an error of 1e-4 at the zero passes.
    Tensor.F32 e = new Tensor.F32(new int[] {2}, new float[] {100f, 0f});
    Tensor.F32 a = new Tensor.F32(new int[] {2}, new float[] {100f, 1e-4f});
    assertThat(GoldenComparison.compare("f", "y", e, a, GoldenComparison.Tolerance.DEFAULT).worstError())
        .isLessThan(2e-5);
    // ...but not an error of 1e-3 (1e-3 / 7.07 > 1e-4).
    Tensor.F32 b = new Tensor.F32(new int[] {2}, new float[] {100f, 1e-3f});
    assertThatThrownBy(() -> GoldenComparison.compare("f", "y", e, b, GoldenComparison.Tolerance.DEFAULT))
        .hasMessageContaining("index 1");
  }

  @Test
  void integersMustMatchExactlyAcrossWidths() {
    Tensor.I64 e = new Tensor.I64(new int[] {3}, new long[] {4, 5, 6});
    Tensor.I32 same = new Tensor.I32(new int[] {3}, new int[] {4, 5, 6});
    Tensor.I32 off = new Tensor.I32(new int[] {3}, new int[] {4, 6, 6});
    assertThat(GoldenComparison.compare("f", "ids", e, same, GoldenComparison.Tolerance.DEFAULT).worstError())
        .isZero();
    assertThatThrownBy(() -> GoldenComparison.compare("f", "ids", e, off, GoldenComparison.Tolerance.DEFAULT))
        .hasMessageContaining("1 of 3 values differ; first at index 1 [1]: got 6, expected 5");
    Tensor.F32 floats = new Tensor.F32(new int[] {3}, new float[] {4, 5, 6});
    assertThatThrownBy(() -> GoldenComparison.compare("f", "ids", e, floats, GoldenComparison.Tolerance.DEFAULT))
        .hasMessageContaining("is F32[3], expected I64[3]");
  }

  @Test
  void shapeMismatchFails() {
    Tensor.F32 e = new Tensor.F32(new int[] {2, 1}, new float[] {1f, 2f});
    Tensor.F32 a = new Tensor.F32(new int[] {1, 2}, new float[] {1f, 2f});
    assertThatThrownBy(() -> GoldenComparison.compare("f", "y", e, a, GoldenComparison.Tolerance.DEFAULT))
        .hasMessageContaining("has shape [1, 2], expected [2, 1]");
  }

  @Test
  void badToleranceMetadataFails() {
    assertThatThrownBy(() -> GoldenComparison.Tolerance.from(Map.of("rtol", "lots")))
        .hasMessageContaining("metadata 'rtol'");
  }

  @Test
  void modelsFolderIsNotRunAsKernelGoldens() throws IOException {
    Files.createDirectories(dir.resolve("models/x"));
    Files.createDirectories(dir.resolve("dense"));
    SafeTensors.write(dir.resolve("models/x/m.safetensors"), Map.of("x", X));
    SafeTensors.write(dir.resolve("dense/k.safetensors"), Map.of("x", X));
    assertThat(GoldenRunner.kernelGoldens(dir)).containsExactly(dir.resolve("dense/k.safetensors"));
  }
}
