package io.github.seqrec.kernels;

import static io.github.seqrec.kernels.TestArrays.assertClose;
import static io.github.seqrec.kernels.TestArrays.uniform;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.seqrec.kernels.internal.ConvolutionKernels;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ConvolutionTest {
  /** Caser's {@code ac_conv} choices and the other activations the kernel admits after the max. */
  private static final Activation[] NON_DECREASING = {Activation.identity(), Activation.relu(), Activation.tanh(),
      Activation.sigmoid(), Activation.leakyRelu(0.1f), Activation.prelu(0.3f)};
  private static final double TOL = 1e-5;

  // ------------------------------------------------------------------ causal 1-D convolution

  @Test
  void causalConvMatchesAHandComputedFilter() {
    // one channel, k = 2: W[0][0] = [10, 1] (tap 0 looks back r rows, tap 1 is the current row), b = 0.5
    PackedCausalConv conv = Convolution.packCausalConv1d(new float[] {10, 1}, new float[] {0.5f}, 1, 1, 2, 1);
    float[] y = new float[3];
    Convolution.causalConv1d(new float[] {1, 2, 3}, 0, 3, conv, y, 0);
    assertThat(y).containsExactly(0.5f + 1, 0.5f + 10 + 2, 0.5f + 20 + 3);

    PackedCausalConv dilated = Convolution.packCausalConv1d(new float[] {10, 1}, new float[] {0.5f}, 1, 1, 2, 2);
    Convolution.causalConv1d(new float[] {1, 2, 3}, 0, 3, dilated, y, 0);
    assertThat(y).containsExactly(0.5f + 1, 0.5f + 2, 0.5f + 10 + 3);
  }

  @Test
  void causalConvMixesChannelsAsConv1dDoes() {
    // C_in = 2, C_out = 2, k = 1: a plain per-position linear map y[t] = W[:, :, 0] x[t] + b
    float[] w = {1, 2, 3, 4}; // W[o][c][0]
    PackedCausalConv conv = Convolution.packCausalConv1d(w, new float[] {0, 1}, 2, 2, 1, 7);
    float[] y = new float[4];
    Convolution.causalConv1d(new float[] {1, 1, 2, -1}, 0, 2, conv, y, 0);
    assertThat(y).containsExactly(1 + 2, 3 + 4 + 1, 2 - 2, 6 - 4 + 1);
  }

  @Test
  void positionsBeforeTheReceptiveFieldSeeOnlyZerosThere() {
    // k = 3, r = 4: the receptive field is 9 > L = 3, so only the current tap ever touches the input
    SplittableRandom random = new SplittableRandom(3);
    float[] w = uniform(random, 2 * 3 * 3);
    float[] b = uniform(random, 2);
    PackedCausalConv conv = Convolution.packCausalConv1d(w, b, 2, 3, 3, 4);
    assertThat(conv.receptiveField()).isEqualTo(9);
    float[] x = uniform(random, 3 * 3);
    float[] y = new float[3 * 2];
    Convolution.causalConv1d(x, 0, 3, conv, y, 0);
    for (int t = 0; t < 3; t++) {
      for (int o = 0; o < 2; o++) {
        float expected = b[o];
        for (int c = 0; c < 3; c++) {
          expected += w[(o * 3 + c) * 3 + 2] * x[t * 3 + c];
        }
        assertClose("y[" + t + "][" + o + "]", expected, y[t * 2 + o], TOL, 3);
      }
    }
  }

  @Test
  void causalConvMatchesTheDirectDefinition() {
    SplittableRandom random = new SplittableRandom(4);
    int[][] shapes = {{1, 1, 1, 1, 1}, {7, 3, 5, 3, 2}, {17, 16, 17, 3, 4}, {65, 7, 1, 2, 8}, {5, 2, 3, 4, 1},
        {16, 15, 63, 5, 3}, {33, 64, 64, 3, 8}};
    for (int[] s : shapes) {
      int length = s[0], cIn = s[1], cOut = s[2], k = s[3], r = s[4];
      float[] w = uniform(random, cOut * cIn * k);
      float[] b = random.nextBoolean() ? uniform(random, cOut) : null;
      float[] x = uniform(random, length * cIn);
      float[] y = new float[length * cOut];
      Convolution.causalConv1d(x, 0, length, Convolution.packCausalConv1d(w, b, cOut, cIn, k, r), y, 0);
      assertClose("conv " + Arrays.toString(s), reference(x, length, w, b, cOut, cIn, k, r), y, TOL,
          Math.sqrt(k * cIn) + 1);
    }
  }

  /** The equation, straight from the PyTorch weight layout (no packing, no GEMM). */
  static float[] reference(float[] x, int length, float[] w, float[] b, int cOut, int cIn, int k, int r) {
    float[] y = new float[length * cOut];
    for (int t = 0; t < length; t++) {
      for (int o = 0; o < cOut; o++) {
        double sum = b == null ? 0 : b[o];
        for (int m = 0; m < k; m++) {
          long src = t - (long) (k - 1 - m) * r;
          if (src < 0) {
            continue;
          }
          for (int c = 0; c < cIn; c++) {
            sum += (double) w[(o * cIn + c) * k + m] * x[(int) src * cIn + c];
          }
        }
        y[t * cOut + o] = (float) sum;
      }
    }
    return y;
  }

  @Test
  void vectorCausalConvMatchesScalarOnAwkwardShapes() {
    ConvolutionKernels scalar = BackendPair.SCALAR.convolution();
    ConvolutionKernels vector = BackendPair.vector().convolution();
    SplittableRandom random = new SplittableRandom(5);
    int[] lengths = {0, 1, 7, 15, 16, 17, 63, 65, 1000};
    int[][] channels = {{1, 1}, {7, 17}, {16, 16}, {17, 63}, {65, 7}, {64, 64}, {100, 100}};
    int[] kernelSizes = {1, 2, 3, 5};
    int[] dilations = {1, 2, 3, 8, 1000};
    for (int length : lengths) {
      for (int[] c : channels) {
        int k = kernelSizes[random.nextInt(kernelSizes.length)];
        int r = dilations[random.nextInt(dilations.length)];
        checkCausal(scalar, vector, random, length, c[0], c[1], k, r);
      }
    }
    checkCausal(scalar, vector, random, 4097, 7, 15, 3, 4);
    checkCausal(scalar, vector, random, 4097, 16, 17, 2, 4097);
    checkCausal(scalar, vector, random, 1000, 64, 64, 3, 8);
  }

  static void checkCausal(ConvolutionKernels scalar, ConvolutionKernels vector, SplittableRandom random,
                                  int length, int cIn, int cOut, int k, int r) {
    PackedCausalConv conv = Convolution.packCausalConv1d(uniform(random, cOut * cIn * k),
        random.nextBoolean() ? uniform(random, cOut) : null, cOut, cIn, k, r);
    int xOff = random.nextInt(5);
    int yOff = random.nextInt(5);
    int from = length == 0 ? 0 : random.nextInt(4) == 0 ? random.nextInt(length + 1) : 0;
    float[] x = uniform(random, xOff + length * cIn + 3);
    float[] expected = uniform(random, yOff + (length - from) * cOut + 3);
    float[] actual = expected.clone();
    scalar.causalConv1d(x, xOff, length, from, conv.taps(), conv.bias(), cIn, cOut, k, r, expected, yOff);
    vector.causalConv1d(x, xOff, length, from, conv.taps(), conv.bias(), cIn, cOut, k, r, actual, yOff);
    assertClose("conv L=" + length + " C=" + cIn + "->" + cOut + " k=" + k + " r=" + r + " from=" + from,
        expected, actual, TOL, Math.sqrt(k * cIn) + 1);
  }

  @Test
  void rowsLastAndBatchAgreeWithTheFullConvolution() {
    SplittableRandom random = new SplittableRandom(6);
    int length = 23, cIn = 9, cOut = 5, batch = 3;
    PackedCausalConv conv = Convolution.packCausalConv1d(uniform(random, cOut * cIn * 3), uniform(random, cOut),
        cOut, cIn, 3, 2);
    float[] x = uniform(random, batch * length * cIn);
    float[] full = new float[batch * length * cOut];
    Convolution.causalConv1dBatch(x, 0, batch, length, conv, full, 0);
    for (int b = 0; b < batch; b++) {
      float[] one = new float[length * cOut];
      Convolution.causalConv1d(x, b * length * cIn, length, conv, one, 0);
      assertThat(Arrays.copyOfRange(full, b * length * cOut, (b + 1) * length * cOut)).containsExactly(one);
    }
    for (int from = 0; from <= length; from += 5) {
      float[] tail = new float[(length - from) * cOut + 2];
      Convolution.causalConv1dRows(x, 0, length, from, conv, tail, 2);
      assertClose("rows from " + from, Arrays.copyOfRange(full, from * cOut, length * cOut),
          Arrays.copyOfRange(tail, 2, tail.length), TOL, 5);
    }
    float[] last = new float[cOut];
    Convolution.causalConv1dLast(x, 0, length, conv, last, 0);
    assertClose("last", Arrays.copyOfRange(full, (length - 1) * cOut, length * cOut), last, TOL, 5);
    float[] single = new float[cOut];
    Convolution.causalConv1dLast(x, 0, 1, conv, single, 0);
    assertClose("last of L=1", Arrays.copyOfRange(full, 0, cOut), single, TOL, 5);
  }

  @Test
  void servingOnlyTheNeededTailsOfAStackGivesTheLastPosition() {
    // NextItNet's stack of dilations 1, 2, 4, 8 (k = 3): the top layer's last position needs 1 row of
    // layer 4, 1 + 2*8 = 17 of layer 3, 17 + 2*4 = 25 of layer 2, 25 + 2*2 = 29 of layer 1.
    SplittableRandom random = new SplittableRandom(10);
    int length = 100, c = 16;
    int[] dilations = {1, 2, 4, 8};
    int[] need = {29, 25, 17, 1};
    PackedCausalConv[] convs = new PackedCausalConv[4];
    for (int i = 0; i < 4; i++) {
      convs[i] = Convolution.packCausalConv1d(uniform(random, c * c * 3), uniform(random, c), c, c, 3, dilations[i]);
    }
    float[] x = uniform(random, length * c);
    float[] full = x;
    for (PackedCausalConv conv : convs) {
      float[] next = new float[length * c];
      Convolution.causalConv1d(full, 0, length, conv, next, 0);
      full = next;
    }
    float[] tail = new float[need[0] * c];
    Convolution.causalConv1dRows(x, 0, length, length - need[0], convs[0], tail, 0);
    for (int i = 1; i < 4; i++) {
      float[] next = new float[need[i] * c];
      Convolution.causalConv1dRows(tail, 0, need[i - 1], need[i - 1] - need[i], convs[i], next, 0);
      tail = next;
    }
    assertClose("served last position", Arrays.copyOfRange(full, (length - 1) * c, length * c), tail, TOL, 50);
  }

  @Test
  void emptySequencesWriteNothing() {
    PackedCausalConv conv = Convolution.packCausalConv1d(new float[6], new float[] {1, 2}, 2, 1, 3, 1);
    float[] y = {7, 7};
    Convolution.causalConv1d(new float[0], 0, 0, conv, y, 0);
    Convolution.causalConv1dBatch(new float[0], 0, 4, 0, conv, y, 0);
    Convolution.causalConv1dBatch(new float[0], 0, 0, 5, conv, y, 0);
    Convolution.causalConv1dRows(new float[1], 0, 1, 1, conv, y, 0);
    assertThat(y).containsExactly(7, 7);
  }

  // ------------------------------------------------------------------ Caser horizontal

  @Test
  void horizontalMatchesAHandComputedCaser() {
    // E (L = 3, d = 2) and one filter per height 1, 2, 3
    float[] e = {1, 0, 0, 2, 3, 1};
    float[][] w = {{1, 1}, {1, 0, 0, 1}, {-1, 0, 0, 0, 0, -1}};
    float[][] b = {{0}, {-1}, {0}};
    // h=1: windows 1, 2, 4 -> 4; h=2: (1 + 2) - 1 = 2, (0 + 1) - 1 = 0 -> 2; h=3: -1 - 1 = -2
    float[] out = new float[3];
    PackedHorizontalConv relu = Convolution.packHorizontal(w, b, 1, 2, Activation.relu());
    Convolution.horizontal(e, 0, 3, relu, out, 0, new float[Convolution.horizontalScratchSize(3, relu)], 0);
    assertThat(out).containsExactly(4, 2, 0);
    PackedHorizontalConv identity = Convolution.packHorizontal(w, b, 1, 2, Activation.identity());
    Convolution.horizontal(e, 0, 3, identity, out, 0, new float[3], 0);
    assertThat(out).containsExactly(4, 2, -2);
    // a single height on a longer sequence
    PackedHorizontalConv h2 = Convolution.packHorizontal(new int[] {2}, new float[][] {w[1]}, new float[][] {b[1]}, 1, 2,
        Activation.tanh());
    float[] one = new float[1];
    Convolution.horizontal(e, 0, 3, h2, one, 0, new float[2], 0);
    assertThat(one[0]).isCloseTo((float) Math.tanh(2), org.assertj.core.data.Offset.offset(1e-6f));
  }

  @Test
  void horizontalMatchesTheDirectDefinitionForEveryActivation() {
    SplittableRandom random = new SplittableRandom(7);
    for (Activation act : NON_DECREASING) {
      for (int length : new int[] {1, 2, 5, 9}) {
        int d = 1 + random.nextInt(20);
        int nh = 1 + random.nextInt(17);
        float[][] w = new float[length][];
        float[][] b = new float[length][];
        for (int h = 1; h <= length; h++) {
          w[h - 1] = uniform(random, nh * h * d);
          b[h - 1] = h % 3 == 0 ? null : uniform(random, nh);
        }
        PackedHorizontalConv conv = Convolution.packHorizontal(w, b, nh, d, act);
        float[] e = uniform(random, length * d);
        float[] out = new float[length * nh];
        Convolution.horizontal(e, 0, length, conv, out, 0, new float[Convolution.horizontalScratchSize(length, conv)], 0);
        assertClose("horizontal " + act + " L=" + length, horizontalReference(e, length, d, w, b, nh, act), out, TOL,
            Math.sqrt(length * d) + 1);
      }
    }
  }

  /** Caser's order: convolve every window, activate, then max over the windows. */
  static float[] horizontalReference(float[] e, int length, int d, float[][] w, float[][] b, int nh, Activation act) {
    float[] out = new float[w.length * nh];
    for (int i = 0; i < w.length; i++) {
      int h = w[i].length / (nh * d);
      for (int f = 0; f < nh; f++) {
        double max = Double.NEGATIVE_INFINITY;
        for (int win = 0; win + h <= length; win++) {
          double sum = b[i] == null ? 0 : b[i][f];
          for (int r = 0; r < h; r++) {
            for (int c = 0; c < d; c++) {
              sum += (double) w[i][(f * h + r) * d + c] * e[(win + r) * d + c];
            }
          }
          double v = switch (act.kind()) {
            case IDENTITY -> sum;
            case RELU -> Math.max(0, sum);
            case TANH -> Math.tanh(sum);
            case SIGMOID -> 1 / (1 + Math.exp(-sum));
            case LEAKY_RELU -> sum > 0 ? sum : 0.1 * sum;
            case PRELU -> sum > 0 ? sum : 0.3 * sum;
            default -> throw new AssertionError(act);
          };
          max = Math.max(max, v);
        }
        out[i * nh + f] = (float) max;
      }
    }
    return out;
  }

  @Test
  void vectorHorizontalMatchesScalarOnAwkwardShapes() {
    ConvolutionKernels scalar = BackendPair.SCALAR.convolution();
    ConvolutionKernels vector = BackendPair.vector().convolution();
    SplittableRandom random = new SplittableRandom(8);
    int[] lengths = {1, 5, 7, 10, 16, 17};
    int[] widths = {1, 7, 16, 17, 50, 64, 65};
    int[] filterCounts = {1, 4, 7, 15, 16, 17, 63};
    for (int length : lengths) {
      for (int d : widths) {
        int nh = filterCounts[random.nextInt(filterCounts.length)];
        Activation act = NON_DECREASING[random.nextInt(NON_DECREASING.length)];
        int heightCount = Math.min(length, 10);
        float[][] w = new float[heightCount][];
        float[][] b = new float[heightCount][];
        int[] heights = new int[heightCount];
        for (int i = 0; i < heightCount; i++) {
          heights[i] = length - i; // includes the longest (one window) and shorter ones
          w[i] = uniform(random, nh * heights[i] * d);
          b[i] = uniform(random, nh);
        }
        PackedHorizontalConv conv = Convolution.packHorizontal(heights, w, b, nh, d, act);
        int eOff = random.nextInt(4);
        float[] e = uniform(random, eOff + length * d);
        float[] expected = uniform(random, 2 + heightCount * nh);
        float[] actual = expected.clone();
        int scratch = Convolution.horizontalScratchSize(length, conv);
        scalar.horizontal(e, eOff, length, d, conv.heights(), conv.weightT(), conv.weightOffsets(), conv.bias(), nh, act.function(),
            expected, 2, uniform(random, scratch + 1), 1);
        vector.horizontal(e, eOff, length, d, conv.heights(), conv.weightT(), conv.weightOffsets(), conv.bias(), nh, act.function(),
            actual, 2, uniform(random, scratch), 0);
        assertClose("horizontal L=" + length + " d=" + d + " nh=" + nh + " " + act, expected, actual, TOL,
            Math.sqrt(length * d) + 1);
      }
    }
  }

  // ------------------------------------------------------------------ Caser vertical

  @Test
  void verticalMatchesAHandComputedCaser() {
    // F = [[1, 2], [0, -1]], b = [0.5, 1], E = [[1, 2, 3], [4, 5, 6]]
    PackedVerticalConv conv = Convolution.packVertical(new float[] {1, 2, 0, -1}, new float[] {0.5f, 1}, 2, 2);
    float[] out = new float[6];
    Convolution.vertical(new float[] {1, 2, 3, 4, 5, 6}, 0, 2, 3, conv, out, 0);
    assertThat(out).containsExactly(0.5f + 9, 0.5f + 12, 0.5f + 15, 1 - 4, 1 - 5, 1 - 6);
  }

  @Test
  void vectorVerticalMatchesScalarAndTheDefinition() {
    ConvolutionKernels scalar = BackendPair.SCALAR.convolution();
    ConvolutionKernels vector = BackendPair.vector().convolution();
    SplittableRandom random = new SplittableRandom(9);
    for (int length : new int[] {1, 5, 7, 10, 17, 65}) {
      for (int d : new int[] {1, 7, 16, 17, 50, 64, 1000}) {
        int nv = 1 + random.nextInt(17);
        float[] w = uniform(random, nv * length);
        float[] b = random.nextBoolean() ? uniform(random, nv) : null;
        float[] e = uniform(random, 3 + length * d);
        float[] expected = new float[nv * d + 1];
        float[] actual = new float[nv * d + 1];
        scalar.vertical(e, 3, length, d, w, b, nv, expected, 1);
        vector.vertical(e, 3, length, d, w, b, nv, actual, 1);
        assertClose("vertical L=" + length + " d=" + d, expected, actual, TOL, Math.sqrt(length) + 1);
        float[] facade = new float[nv * d];
        Convolution.vertical(e, 3, length, d, Convolution.packVertical(w, b, nv, length), facade, 0);
        for (int f = 0; f < nv; f++) {
          for (int c = 0; c < d; c++) {
            double sum = b == null ? 0 : b[f];
            for (int l = 0; l < length; l++) {
              sum += (double) w[f * length + l] * e[3 + l * d + c];
            }
            assertClose("vertical definition", sum, facade[f * d + c], TOL, Math.sqrt(length) + 1);
          }
        }
      }
    }
  }

  // ------------------------------------------------------------------ bad input

  @Test
  void badArgumentsNameTheArgumentAndTheShapes() {
    assertThatThrownBy(() -> Convolution.packCausalConv1d(new float[5], null, 2, 1, 3, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("weight must have outChannels x inChannels x kernelSize = 2 x 1 x 3 = 6 floats, got 5");
    assertThatThrownBy(() -> Convolution.packCausalConv1d(new float[6], new float[3], 2, 1, 3, 1))
        .hasMessageContaining("bias must have outChannels = 2 floats, got 3");
    assertThatThrownBy(() -> Convolution.packCausalConv1d(new float[6], null, 2, 1, 3, 0))
        .hasMessageContaining("dilation must be > 0, got 0");
    assertThatThrownBy(() -> Convolution.packCausalConv1d(new float[0], null, 2, 1, 0, 1))
        .hasMessageContaining("kernelSize must be > 0, got 0");
    PackedCausalConv conv = Convolution.packCausalConv1d(new float[6], null, 2, 1, 3, 1);
    assertThatThrownBy(() -> Convolution.causalConv1d(new float[4], 0, 5, conv, new float[10], 0))
        .hasMessageContaining("x needs 5 elements").hasMessageContaining("length is 4");
    assertThatThrownBy(() -> Convolution.causalConv1d(new float[5], 0, 5, conv, new float[10], 1))
        .hasMessageContaining("y needs 10 elements from offset 1");
    assertThatThrownBy(() -> Convolution.causalConv1d(new float[5], 0, -1, conv, new float[10], 0))
        .hasMessageContaining("length must be >= 0, got -1");
    float[] shared = new float[20];
    assertThatThrownBy(() -> Convolution.causalConv1d(shared, 0, 5, conv, shared, 4))
        .hasMessageContaining("must not overlap");
    assertThatThrownBy(() -> Convolution.causalConv1dRows(new float[5], 0, 5, 6, conv, new float[10], 0))
        .hasMessageContaining("fromRow must be in [0, 5], got 6");
    assertThatThrownBy(() -> Convolution.causalConv1dLast(new float[5], 0, 0, conv, new float[2], 0))
        .hasMessageContaining("length must be > 0, got 0");
    assertThatThrownBy(() -> Convolution.causalConv1d(new float[5], 0, 5, null, new float[10], 0))
        .hasMessageContaining("conv must not be null");

    PackedHorizontalConv horizontal = Convolution.packHorizontal(new float[][] {new float[4], new float[8]}, null, 2, 2,
        Activation.relu());
    assertThatThrownBy(() -> Convolution.horizontal(new float[2], 0, 1, horizontal, new float[4], 0, new float[4], 0))
        .hasMessageContaining("length must be >= the largest filter height 2").hasMessageContaining("got 1");
    assertThatThrownBy(() -> Convolution.horizontal(new float[4], 0, 2, horizontal, new float[4], 0, new float[3], 0))
        .hasMessageContaining("scratch needs 4 elements");
    assertThatThrownBy(() -> Convolution.horizontal(new float[4], 0, 2, horizontal, new float[3], 0, new float[4], 0))
        .hasMessageContaining("out needs 4 elements");
    assertThatThrownBy(() -> Convolution.packHorizontal(new float[][] {new float[4], new float[7]}, null, 2, 2,
        Activation.relu())).hasMessageContaining("weights[1] must have filters x 1 x height x width = 2 x 1 x 2 x 2 = 8 floats, got 7");
    assertThatThrownBy(() -> Convolution.packHorizontal(new int[] {2, 2}, new float[][] {new float[8], new float[8]}, null,
        2, 2, Activation.relu())).hasMessageContaining("heights must be distinct");
    assertThatThrownBy(() -> Convolution.packHorizontal(new float[0][], null, 2, 2, Activation.relu()))
        .hasMessageContaining("number of heights must be > 0, got 0");
    assertThatThrownBy(() -> Convolution.packHorizontal(new float[][] {new float[4]}, new float[][] {new float[3]}, 2, 2,
        Activation.relu())).hasMessageContaining("biases[0] must have filters = 2 floats, got 3");
    for (Activation act : new Activation[] {Activation.gelu(), Activation.silu(), Activation.leakyRelu(-0.5f),
        Activation.prelu(0.1f, 0.2f)}) {
      assertThatThrownBy(() -> Convolution.packHorizontal(new float[][] {new float[4]}, null, 2, 2, act))
          .as(act.toString()).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("activation must be element-wise and non-decreasing")
          .hasMessageContaining("got " + act);
    }

    PackedVerticalConv vertical = Convolution.packVertical(new float[6], null, 2, 3);
    assertThatThrownBy(() -> Convolution.vertical(new float[8], 0, 4, 2, vertical, new float[4], 0))
        .hasMessageContaining("length must equal the vertical filter height 3, got 4");
    assertThatThrownBy(() -> Convolution.vertical(new float[5], 0, 3, 2, vertical, new float[4], 0))
        .hasMessageContaining("e needs 6 elements");
    assertThatThrownBy(() -> Convolution.packVertical(new float[5], null, 2, 3))
        .hasMessageContaining("weight must have filters x 1 x length x 1 = 2 x 1 x 3 x 1 = 6 floats, got 5");
  }
}
