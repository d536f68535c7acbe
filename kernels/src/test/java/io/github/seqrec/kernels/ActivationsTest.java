package io.github.seqrec.kernels;

import static io.github.seqrec.kernels.TestArrays.assertClose;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.github.seqrec.kernels.internal.ActivationKernels;
import io.github.seqrec.kernels.internal.KernelProvider;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Activations: hand-checked values, vector against scalar, and bad arguments.
 *
 * <p>Vector-vs-scalar tolerance is 1e-5 relative: the vector backend's lane-wise exp/tanh (SVML)
 * are not bit-identical to {@code Math.exp}/{@code Math.tanh}, and the scalar definition computes
 * in double; observed differences are up to about 2e-6 (5e-6 for tanh-GELU far in its negative
 * tail, where the float exponent argument |s| ~ 50 alone carries |s| x 2^-24 relative error). The
 * scale {@value #TINY} adds an absolute allowance of 1e-25, which only matters for results that
 * are practically zero (GELU below x = -12).
 */
class ActivationsTest {
  private static final double TOL = 1e-5;
  private static final double TINY = 1e-20;
  private static final int[] SIZES = {0, 1, 7, 15, 16, 17, 63, 65, 1000, 4097};

  // ------------------------------------------------------------------ hand-checked cases

  @Test
  void softmaxOfOneTwoThree() {
    float[] y = new float[3];
    Activations.softmax(new float[] {1, 2, 3}, 0, y, 0, 3);
    // e^k / (e + e^2 + e^3)
    assertThat(y[0]).isCloseTo(0.09003057f, within(1e-7f));
    assertThat(y[1]).isCloseTo(0.24472847f, within(1e-7f));
    assertThat(y[2]).isCloseTo(0.66524096f, within(1e-7f));
    float[] log = new float[3];
    Activations.logSoftmax(new float[] {1, 2, 3}, 0, log, 0, 3);
    assertThat(log[0]).isCloseTo(-2.4076059f, within(1e-6f));
    assertThat(log[1]).isCloseTo(-1.4076059f, within(1e-6f));
    assertThat(log[2]).isCloseTo(-0.4076059f, within(1e-6f));
  }

  @Test
  void emptyAndFullyMaskedRowsAreZeroNeverNaN() {
    float[] y = TestArrays.filled(5, 7f);
    Activations.softmax(new float[] {1, 2, 3, 4, 5}, 0, y, 0, 5, 0);
    assertThat(y).containsOnly(0f);

    y = TestArrays.filled(19, 7f);
    Activations.softmaxMasked(TestArrays.filled(19, 3f), 0, y, 0, 19, new boolean[19], 0);
    assertThat(y).containsOnly(0f);

    y = TestArrays.filled(4, 7f);
    Activations.logSoftmax(new float[] {1, 2, 3, 4}, 0, y, 0, 4, 0);
    assertThat(y).containsOnly(Float.NEGATIVE_INFINITY);

    Activations.softmax(new float[0], 0, new float[0], 0, 0);
    float[] untouched = {9f};
    Activations.sigmoid(new float[] {1f}, 0, untouched, 0, 0);
    assertThat(untouched).containsExactly(9f);
  }

  @Test
  void softmaxHonoursValidLengthAndMask() {
    float[] x = {1, 2, 3, 100, -100};
    float[] y = new float[5];
    Activations.softmax(x, 0, y, 0, 5, 3);
    assertThat(y[3]).isZero();
    assertThat(y[4]).isZero();
    assertThat(y[2]).isCloseTo(0.66524096f, within(1e-7f));

    boolean[] mask = {false, true, false, true, true};
    float[] m = new float[5];
    Activations.softmaxMasked(new float[] {50, 1, 50, 2, 3}, 0, m, 0, 5, mask, 0);
    assertThat(m[0]).isZero();
    assertThat(m[2]).isZero();
    assertThat(m[1]).isCloseTo(0.09003057f, within(1e-7f));
    assertThat(m[4]).isCloseTo(0.66524096f, within(1e-7f));
  }

  @Test
  void largeMagnitudesNeitherOverflowNorLosePrecision() {
    float[] y = new float[4];
    Activations.sigmoid(new float[] {80f, -80f, 0f, -20f}, 0, y, 0, 4);
    assertThat(y[0]).isEqualTo(1f);
    assertThat((double) y[1]).isCloseTo(1.8048513878454153e-35, within(1e-41)); // e^-80 / (1 + e^-80)
    assertThat(y[2]).isEqualTo(0.5f);
    assertThat((double) y[3]).isCloseTo(2.0611536181902037e-09, within(1e-15));

    float[] s = new float[3];
    Activations.softmax(new float[] {80f, -80f, 80f}, 0, s, 0, 3);
    assertThat(s).containsExactly(0.5f, 0f, 0.5f);
    Activations.softmax(new float[] {1000f, 999f, -1000f}, 0, s, 0, 3);
    assertThat(s[0]).isCloseTo(0.7310586f, within(1e-7f));
    assertThat(s[1]).isCloseTo(0.26894143f, within(1e-7f));
    assertThat(s[2]).isZero();

    float[] silu = new float[2];
    Activations.silu(new float[] {80f, -80f}, 0, silu, 0, 2);
    assertThat(silu[0]).isEqualTo(80f);
    assertThat((double) silu[1]).isCloseTo(-80 * 1.8048513878454153e-35, within(1e-39));
  }

  @Test
  void geluAtMinusTenZeroAndTen() {
    float[] x = {-10f, 0f, 10f, 1f};
    float[] y = new float[4];
    Activations.gelu(x, 0, y, 0, 4);
    // x Φ(x): Φ(-10) = 7.61985302416e-24, Φ(1) = 0.841344746
    assertThat((double) y[0]).isCloseTo(-7.61985302416e-23, within(7.62e-23 * 1e-5));
    assertThat(y[1]).isZero();
    assertThat(y[2]).isEqualTo(10f);
    assertThat(y[3]).isCloseTo(0.8413447f, within(1e-6f));

    Activations.geluTanh(x, 0, y, 0, 4);
    assertThat(Math.abs(y[0])).isLessThan(1e-30f); // 0.5 x (1 + tanh(-43.6)): below 1e-36
    assertThat(y[1]).isZero();
    assertThat(y[2]).isEqualTo(10f);
    double u = Math.sqrt(2 / Math.PI) * (1 + 0.044715);
    assertThat((double) y[3]).isCloseTo(0.5 * (1 + Math.tanh(u)), within(1e-6));
  }

  @Test
  void piecewiseLinearActivations() {
    float[] x = {-2f, -0.5f, 0f, 3f, Float.NaN};
    float[] y = new float[5];
    Activations.relu(x, 0, y, 0, 5);
    assertThat(y).containsExactly(0f, 0f, 0f, 3f, Float.NaN);
    Activations.leakyRelu(x, 0, y, 0, 5, 0.2f);
    assertThat(y).containsExactly(-0.4f, -0.1f, 0f, 3f, Float.NaN);

    // 2 rows x 2 channels, alpha = [0.1, 0.5]
    float[] p = new float[4];
    Activations.prelu(new float[] {-1f, -1f, 2f, -4f}, 0, p, 0, 4, new float[] {0.1f, 0.5f}, 0, 2);
    assertThat(p).containsExactly(-0.1f, -0.5f, 2f, -2f);
  }

  @Test
  void diceMatchesTheDinEquation() {
    // 3 rows x 2 channels
    float[] x = {1f, -2f, 0.5f, 3f, -1f, 0f};
    float[] mean = {0.2f, -0.3f};
    float[] var = {0.5f, 2f};
    float[] gamma = {1.5f, 0.7f};
    float[] beta = {0.1f, -0.2f};
    float[] alpha = {0.25f, -0.1f};
    float eps = 1e-8f;
    float[] y = new float[6];
    Activations.dice(x, 0, y, 0, 6, 2, mean, var, gamma, beta, alpha, eps);
    float[] noAffine = new float[6];
    Activations.dice(x, 0, noAffine, 0, 6, 2, mean, var, null, null, alpha, eps);
    for (int i = 0; i < 6; i++) {
      int c = i % 2;
      double xn = (x[i] - mean[c]) / Math.sqrt(var[c] + (double) eps);
      double p = 1 / (1 + Math.exp(-(gamma[c] * xn + beta[c])));
      assertThat((double) y[i]).isCloseTo(p * x[i] + (1 - p) * alpha[c] * x[i], within(1e-6));
      double p0 = 1 / (1 + Math.exp(-xn));
      assertThat((double) noAffine[i]).isCloseTo(p0 * x[i] + (1 - p0) * alpha[c] * x[i], within(1e-6));
    }
  }

  // ------------------------------------------------------------------ vector against scalar

  private interface Unary {
    void apply(ActivationKernels k, float[] x, int xOff, float[] y, int yOff, int n);
  }

  @Test
  void elementwiseVectorMatchesScalar() {
    ActivationKernels scalar = BackendPair.SCALAR.activations();
    ActivationKernels vector = BackendPair.vector().activations();
    SplittableRandom random = new SplittableRandom(11);
    float[] alpha = TestArrays.uniform(random, 80);
    float[] mean = TestArrays.uniform(random, 80);
    float[] var = positive(random, 80);
    float[] gamma = TestArrays.uniform(random, 80);
    float[] beta = TestArrays.uniform(random, 80);
    java.util.Map<String, Unary> ops = new java.util.LinkedHashMap<>();
    ops.put("sigmoid", ActivationKernels::sigmoid);
    ops.put("tanh", ActivationKernels::tanh);
    ops.put("relu", ActivationKernels::relu);
    ops.put("leakyRelu", (k, x, xo, y, yo, n) -> k.leakyRelu(x, xo, y, yo, n, 0.2f));
    ops.put("prelu1", (k, x, xo, y, yo, n) -> k.prelu(x, xo, y, yo, n, alpha, 3, 1));
    ops.put("prelu17", (k, x, xo, y, yo, n) -> k.prelu(x, xo, y, yo, n, alpha, 2, 17));
    ops.put("prelu64", (k, x, xo, y, yo, n) -> k.prelu(x, xo, y, yo, n, alpha, 0, 64));
    ops.put("dice7", (k, x, xo, y, yo, n) -> k.dice(x, xo, y, yo, n, 7, mean, var, gamma, beta, alpha, 1e-8f));
    ops.put("dice65", (k, x, xo, y, yo, n) -> k.dice(x, xo, y, yo, n, 65, mean, var, null, null, alpha, 1e-3f));
    ops.put("geluErf", ActivationKernels::geluErf);
    ops.put("geluTanh", ActivationKernels::geluTanh);
    ops.put("silu", ActivationKernels::silu);
    for (var op : ops.entrySet()) {
      for (int n : SIZES) {
        for (float range : new float[] {1f, 12f}) {
          int xOff = random.nextInt(4);
          int yOff = random.nextInt(4);
          float[] x = scaled(TestArrays.uniform(random, xOff + n), range);
          float[] expected = TestArrays.filled(yOff + n + 3, -5f);
          float[] actual = expected.clone();
          op.getValue().apply(scalar, x, xOff, expected, yOff, n);
          op.getValue().apply(vector, x, xOff, actual, yOff, n);
          // Dice's factor alpha + (1 - alpha) p is a difference when alpha < 0: judged against |x|.
          double scale = op.getKey().startsWith("dice") ? range : TINY;
          assertClose(op.getKey() + " n=" + n + " range=" + range, expected, actual, TOL, scale);
          // In place gives the same values up to the same tolerance (not bit for bit: before C2
          // compiles it, the Vector API evaluates EXP/TANH with Java fallbacks, not the SVML stubs).
          float[] inPlace = x.clone();
          op.getValue().apply(vector, inPlace, xOff, inPlace, xOff, n);
          assertClose(op.getKey() + " in place n=" + n, Arrays.copyOfRange(expected, yOff, yOff + n),
              Arrays.copyOfRange(inPlace, xOff, xOff + n), TOL, scale);
        }
      }
    }
  }

  @Test
  void softmaxFamilyVectorMatchesScalar() {
    ActivationKernels scalar = BackendPair.SCALAR.activations();
    ActivationKernels vector = BackendPair.vector().activations();
    SplittableRandom random = new SplittableRandom(12);
    for (int n : new int[] {0, 1, 7, 15, 16, 17, 63, 65, 1000, 4097, 100_000}) {
      for (float range : new float[] {1f, 30f}) {
        int xOff = random.nextInt(4);
        int yOff = random.nextInt(4);
        float[] x = scaled(TestArrays.uniform(random, xOff + n), range);
        int valid = n == 0 ? 0 : random.nextInt(n + 1);
        for (int v : new int[] {n, valid}) {
          String what = " n=" + n + " valid=" + v + " range=" + range;
          float[] expected = TestArrays.filled(yOff + n + 2, -5f);
          float[] actual = expected.clone();
          scalar.softmax(x, xOff, expected, yOff, n, v);
          vector.softmax(x, xOff, actual, yOff, n, v);
          assertClose("softmax" + what, expected, actual, TOL, TINY);

          scalar.logSoftmax(x, xOff, expected, yOff, n, v);
          vector.logSoftmax(x, xOff, actual, yOff, n, v);
          // y = x - logSumExp: a difference of two values of the inputs' size, judged against that size
          assertClose("logSoftmax" + what, expected, actual, TOL, range);
        }
        int maskOff = random.nextInt(3);
        boolean[] mask = new boolean[maskOff + n];
        double keep = random.nextDouble();
        for (int i = 0; i < mask.length; i++) {
          mask[i] = random.nextDouble() < keep;
        }
        float[] expected = TestArrays.filled(yOff + n, -5f);
        float[] actual = expected.clone();
        scalar.softmaxMasked(x, xOff, expected, yOff, n, mask, maskOff);
        vector.softmaxMasked(x, xOff, actual, yOff, n, mask, maskOff);
        assertClose("softmaxMasked n=" + n + " range=" + range, expected, actual, TOL, TINY);
        for (int i = 0; i < n; i++) {
          if (!mask[maskOff + i]) {
            assertThat(actual[yOff + i]).isZero();
          }
        }
      }
    }
  }

  @Test
  void bothBackendsGiveTheSameEdgeBehaviour() {
    var vector = KernelProvider.vectorIfAvailable();
    ActivationKernels[] backends = vector.isPresent()
        ? new ActivationKernels[] {BackendPair.SCALAR.activations(), vector.get().activations()}
        : new ActivationKernels[] {BackendPair.SCALAR.activations()};
    for (ActivationKernels k : backends) {
      for (int n : new int[] {1, 17, 100}) {
        float[] y = TestArrays.filled(n, 3f);
        k.softmaxMasked(TestArrays.filled(n, 1f), 0, y, 0, n, new boolean[n], 0);
        assertThat(y).containsOnly(0f);
        k.softmax(TestArrays.filled(n, 1f), 0, y, 0, n, 0);
        assertThat(y).containsOnly(0f);
        k.softmax(TestArrays.filled(n, 80f), 0, y, 0, n, n);
        assertThat(y[0]).isCloseTo(1f / n, within(1e-6f));
      }
      float[] s = new float[2];
      k.sigmoid(new float[] {-80f, 80f}, 0, s, 0, 2);
      assertThat((double) s[0]).isCloseTo(1.8048513878454153e-35, within(1e-40));
      assertThat(s[1]).isEqualTo(1f);
    }
  }

  // ------------------------------------------------------------------ Activation + apply

  /** Every kind, with per-channel parameters for a row width of 13 where the kind has them. */
  private static java.util.Map<String, Activation> activationsFor13(SplittableRandom random) {
    java.util.Map<String, Activation> acts = new java.util.LinkedHashMap<>();
    acts.put("identity", Activation.identity());
    acts.put("relu", Activation.relu());
    acts.put("leakyRelu", Activation.leakyRelu(0.2f));
    acts.put("prelu shared", Activation.prelu(0.25f));
    acts.put("prelu 13", Activation.prelu(TestArrays.uniform(random, 13)));
    acts.put("sigmoid", Activation.sigmoid());
    acts.put("tanh", Activation.tanh());
    acts.put("gelu", Activation.gelu());
    acts.put("geluTanh", Activation.geluTanh());
    acts.put("silu", Activation.silu());
    acts.put("dice", Activation.dice(TestArrays.uniform(random, 13), positive(random, 13), TestArrays.uniform(random, 13),
        TestArrays.uniform(random, 13), TestArrays.uniform(random, 13), 1e-8f));
    acts.put("dice no affine", Activation.dice(TestArrays.uniform(random, 13), positive(random, 13), null, null,
        TestArrays.uniform(random, 13), 1e-5f));
    return acts;
  }

  @Test
  void applyComputesTheSameAsTheSingleFunctionMethods() {
    SplittableRandom random = new SplittableRandom(23);
    int rows = 9;
    int cols = 13;
    for (var entry : activationsFor13(random).entrySet()) {
      Activation act = entry.getValue();
      float[] x = scaled(TestArrays.uniform(random, 2 + rows * cols), 6f);
      float[] expected = TestArrays.filled(3 + rows * cols + 2, -7f);
      float[] actual = expected.clone();
      int n = rows * cols;
      var f = act.function();
      switch (act.kind()) {
        case IDENTITY -> System.arraycopy(x, 2, expected, 3, n);
        case RELU -> Activations.relu(x, 2, expected, 3, n);
        case LEAKY_RELU -> Activations.leakyRelu(x, 2, expected, 3, n, 0.2f);
        case PRELU -> Activations.prelu(x, 2, expected, 3, n, f.alpha, 0, f.alpha.length);
        case SIGMOID -> Activations.sigmoid(x, 2, expected, 3, n);
        case TANH -> Activations.tanh(x, 2, expected, 3, n);
        case GELU -> Activations.gelu(x, 2, expected, 3, n);
        case GELU_TANH -> Activations.geluTanh(x, 2, expected, 3, n);
        case SILU -> Activations.silu(x, 2, expected, 3, n);
        case DICE -> Activations.dice(x, 2, expected, 3, n, cols, f.mean, f.var, f.gamma, f.beta, f.alpha, f.eps);
      }
      Activations.apply(act, x, 2, rows, cols, actual, 3);
      assertThat(actual).as(entry.getKey()).containsExactly(expected);
      float[] inPlace = x.clone();
      Activations.apply(act, inPlace, 2, rows, cols, inPlace, 2);
      assertThat(Arrays.copyOfRange(inPlace, 2, 2 + n)).as(entry.getKey() + " in place")
          .containsExactly(Arrays.copyOfRange(expected, 3, 3 + n));
      assertThat(inPlace[0]).isEqualTo(x[0]);
    }
  }

  @Test
  void applyVectorMatchesScalar() {
    ActivationKernels scalar = BackendPair.SCALAR.activations();
    ActivationKernels vector = BackendPair.vector().activations();
    SplittableRandom random = new SplittableRandom(29);
    for (var entry : activationsFor13(random).entrySet()) {
      for (int rows : new int[] {0, 1, 5, 77}) {
        int n = rows * 13;
        float[] x = scaled(TestArrays.uniform(random, 1 + n), 12f);
        float[] expected = TestArrays.filled(n + 4, -5f);
        float[] actual = expected.clone();
        scalar.apply(entry.getValue().function(), x, 1, expected, 2, rows, 13);
        vector.apply(entry.getValue().function(), x, 1, actual, 2, rows, 13);
        double scale = entry.getKey().startsWith("dice") ? 12 : TINY;
        assertClose(entry.getKey() + " rows=" + rows, expected, actual, TOL, scale);
      }
    }
  }

  @Test
  void activationDescribesItself() {
    assertThat(Activation.relu().kind()).isEqualTo(Activation.Kind.RELU);
    assertThat(Activation.relu().channels()).isZero();
    assertThat(Activation.prelu(0.1f).channels()).isZero();
    assertThat(Activation.prelu(0.1f, 0.2f, 0.3f).channels()).isEqualTo(3);
    float[] c2 = {1f, 1f};
    assertThat(Activation.dice(c2, c2, null, null, c2, 1e-8f).channels()).isEqualTo(2);
    assertThat(Activation.leakyRelu(0.01f)).hasToString("leaky_relu(slope=0.01)");
    assertThat(Activation.prelu(1f, 2f)).hasToString("prelu(channels=2)");
    assertThat(Activation.gelu()).hasToString("gelu");
    for (Activation act : new Activation[] {Activation.identity(), Activation.relu(), Activation.sigmoid(),
        Activation.tanh(), Activation.leakyRelu(0f), Activation.prelu(0.5f, 0f)}) {
      assertThat(act.isNonDecreasing()).as(act.toString()).isTrue();
    }
    for (Activation act : new Activation[] {Activation.gelu(), Activation.geluTanh(), Activation.silu(),
        Activation.leakyRelu(-0.1f), Activation.prelu(0.5f, -0.1f), Activation.dice(c2, c2, null, null, c2, 1e-8f)}) {
      assertThat(act.isNonDecreasing()).as(act.toString()).isFalse();
    }
  }

  @Test
  void activationArraysAreCopiedIn() {
    float[] alpha = {0.5f, 0.5f};
    Activation act = Activation.prelu(alpha);
    alpha[0] = 100f;
    float[] y = new float[2];
    Activations.apply(act, new float[] {-2f, -2f}, 0, 1, 2, y, 0);
    assertThat(y).containsExactly(-1f, -1f);
  }

  /**
   * The Vector API boxes its vectors until C2 has compiled the kernels, so per activation, rounds
   * of 100 calls are repeated until one allocates nothing; the last round must. One activation of
   * each shape of dispatch: parameterless, per-channel slopes, Dice, a copy.
   *
   * <p>It runs in a child JVM with this JVM's flags: a serving JVM compiles its kernels from the
   * calls it makes, while this suite's JVM has already run every kernel on hundreds of odd shapes,
   * and C2 can settle on a different (boxing) inlining from that mixed profile - that is a property
   * of the test run, not of the kernel.
   */
  @Test
  void applyAllocatesNothingOnceCompiled() throws Exception {
    java.util.List<String> command = new java.util.ArrayList<>();
    command.add(java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
        .filter(arg -> !arg.startsWith("-javaagent") && !arg.startsWith("-agentlib")).toList());
    System.getProperties().stringPropertyNames().stream().filter(k -> k.startsWith("seqrec."))
        .forEach(k -> command.add("-D" + k + "=" + System.getProperty(k)));
    command.addAll(java.util.List.of("-cp", System.getProperty("java.class.path"), AllocationChild.class.getName()));
    Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(child.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertThat(child.waitFor(120, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    assertThat(child.exitValue()).as(out).isZero();
    for (String name : AllocationChild.CHECKED) {
      assertThat(out).as(out).contains("ALLOCATED " + name + " = 0 bytes");
    }
  }

  /** The child JVM of {@link #applyAllocatesNothingOnceCompiled}: prints the last round's bytes per activation. */
  static final class AllocationChild {
    static final java.util.List<String> CHECKED = java.util.List.of("identity", "gelu", "prelu 13", "dice");

    public static void main(String[] args) {
      var threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
      SplittableRandom random = new SplittableRandom(31);
      float[] x = TestArrays.uniform(random, 40 * 13);
      float[] y = new float[x.length];
      var all = activationsFor13(random);
      for (String name : CHECKED) {
        Activation act = all.get(name);
        long bytes = -1;
        long deadline = System.nanoTime() + 30_000_000_000L;
        for (int round = 0; bytes != 0 && (round < 200 || System.nanoTime() < deadline); round++) {
          long before = threads.getCurrentThreadAllocatedBytes();
          for (int i = 0; i < 100; i++) {
            Activations.apply(act, x, 0, 40, 13, y, 0);
          }
          bytes = threads.getCurrentThreadAllocatedBytes() - before;
        }
        System.out.println("ALLOCATED " + name + " = " + bytes + " bytes");
      }
    }
  }

  @Test
  void badActivationsAndApplyArgumentsAreNamed() {
    float[] c3 = {1f, 1f, 1f};
    assertThatThrownBy(() -> Activation.prelu()).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("alpha length must be > 0, got 0");
    assertThatThrownBy(() -> Activation.prelu(0.1f, Float.NaN)).hasMessageContaining("alpha[1] must be finite, got NaN");
    assertThatThrownBy(() -> Activation.leakyRelu(Float.POSITIVE_INFINITY)).hasMessageContaining("slope must be finite");
    assertThatThrownBy(() -> Activation.dice(c3, new float[2], null, null, c3, 1e-8f))
        .hasMessageContaining("var must have 3 values (one per channel, as mean), got 2");
    assertThatThrownBy(() -> Activation.dice(c3, c3, new float[4], null, c3, 1e-8f))
        .hasMessageContaining("gamma must have 3 values");
    assertThatThrownBy(() -> Activation.dice(c3, new float[] {1f, 0f, 1f}, null, null, c3, 0f))
        .hasMessageContaining("var[1] + eps must be > 0 and finite, got 0.0 + 0.0");
    assertThatThrownBy(() -> Activation.dice(new float[] {0f, Float.NaN, 0f}, c3, null, null, c3, 1e-8f))
        .hasMessageContaining("mean[1] must be finite, got NaN");
    assertThatThrownBy(() -> Activation.dice(c3, c3, null, null, null, 1e-8f)).hasMessageContaining("alpha must not be null");

    float[] x = new float[12];
    assertThatThrownBy(() -> Activations.apply(null, x, 0, 3, 4, x, 0)).hasMessageContaining("act must not be null");
    assertThatThrownBy(() -> Activations.apply(Activation.prelu(c3), x, 0, 3, 4, x, 0))
        .hasMessageContaining("act prelu(channels=3): PReLU alpha must have 1 or 4 values, got 3");
    assertThatThrownBy(() -> Activations.apply(Activation.dice(c3, c3, null, null, c3, 1e-8f), x, 0, 3, 4, x, 0))
        .hasMessageContaining("Dice statistics must have 4 channels, got 3");
    assertThatThrownBy(() -> Activations.apply(Activation.relu(), x, 0, -1, 4, x, 0))
        .hasMessageContaining("rows must be >= 0, got -1");
    assertThatThrownBy(() -> Activations.apply(Activation.relu(), x, 1, 3, 4, x, 1))
        .hasMessageContaining("x needs 12 elements from offset 1");
    assertThatThrownBy(() -> Activations.apply(Activation.relu(), x, 0, 3, 4, new float[11], 0))
        .hasMessageContaining("y needs 12 elements");
    float[] big = new float[20];
    assertThatThrownBy(() -> Activations.apply(Activation.identity(), big, 0, 3, 4, big, 2))
        .hasMessageContaining("must be x at the same offset");
  }

  // ------------------------------------------------------------------ bad arguments

  @Test
  void badArgumentsAreNamed() {
    float[] x = new float[8];
    assertThatThrownBy(() -> Activations.sigmoid(x, 0, new float[8], 0, -1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("n must be >= 0, got -1");
    assertThatThrownBy(() -> Activations.tanh(x, 2, new float[8], 0, 7))
        .hasMessageContaining("x needs 7 elements from offset 2").hasMessageContaining("length is 8");
    assertThatThrownBy(() -> Activations.relu(x, 0, new float[8], -1, 3))
        .hasMessageContaining("y offset must be >= 0, got -1");
    assertThatThrownBy(() -> Activations.silu(x, 0, x, 1, 4)).hasMessageContaining("must be x at the same offset");
    assertThatThrownBy(() -> Activations.prelu(x, 0, new float[8], 0, 8, new float[3], 0, 0))
        .hasMessageContaining("channels must be > 0, got 0");
    assertThatThrownBy(() -> Activations.prelu(x, 0, new float[8], 0, 8, new float[3], 0, 3))
        .hasMessageContaining("n must be a multiple of channels = 3").hasMessageContaining("got 8");
    assertThatThrownBy(() -> Activations.prelu(x, 0, new float[8], 0, 8, new float[4], 1, 4))
        .hasMessageContaining("alpha needs 4 elements from offset 1");
    float[] c4 = new float[4];
    assertThatThrownBy(() -> Activations.dice(x, 0, new float[8], 0, 8, 4, c4, c4, null, null, c4, 0f))
        .hasMessageContaining("eps must be finite and > 0, got 0.0");
    assertThatThrownBy(() -> Activations.dice(x, 0, new float[8], 0, 8, 4, c4, new float[3], null, null, c4, 1e-8f))
        .hasMessageContaining("var must have one value per channel (4), got 3");
    assertThatThrownBy(() -> Activations.dice(x, 0, new float[8], 0, 8, 4, c4, c4, null, null, null, 1e-8f))
        .hasMessageContaining("alpha must not be null");
    assertThatThrownBy(() -> Activations.leakyRelu(x, 0, new float[8], 0, 8, Float.NaN))
        .hasMessageContaining("slope must be finite");
    assertThatThrownBy(() -> Activations.softmax(x, 0, new float[8], 0, 8, 9))
        .hasMessageContaining("valid must be in [0, 8], got 9");
    assertThatThrownBy(() -> Activations.logSoftmax(x, 0, new float[8], 0, 8, -1))
        .hasMessageContaining("valid must be in [0, 8], got -1");
    assertThatThrownBy(() -> Activations.softmaxMasked(x, 0, new float[8], 0, 8, new boolean[7], 0))
        .hasMessageContaining("mask needs 8 elements");
    assertThatThrownBy(() -> Activations.gelu(null, 0, new float[8], 0, 8)).hasMessageContaining("x must not be null");
  }

  private static float[] scaled(float[] values, float factor) {
    for (int i = 0; i < values.length; i++) {
      values[i] *= factor;
    }
    return values;
  }

  private static float[] positive(SplittableRandom random, int n) {
    float[] values = new float[n];
    for (int i = 0; i < n; i++) {
      values[i] = (float) (0.05 + random.nextDouble() * 2);
    }
    return values;
  }
}
