package io.github.seqrec.kernels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.seqrec.kernels.internal.KernelProvider;
import io.github.seqrec.kernels.internal.SelectionKernels;
import java.util.Arrays;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Top-k and the category filter. Both backends must agree exactly (ids and values) with each
 * other and with a full stable sort by {@code (-score, index)}, the reference order.
 */
class TopKTest {
  private static final int[] SIZES = {0, 1, 7, 15, 16, 17, 63, 65, 1000, 4097};

  @Test
  void handCaseWithTies() {
    float[] values = new float[3];
    int[] indices = new int[3];
    int m = TopK.topK(new float[] {3, 1, 3, 2, 5}, 0, 5, 3, values, 0, indices, 0);
    assertThat(m).isEqualTo(3);
    assertThat(values).containsExactly(5, 3, 3);
    assertThat(indices).containsExactly(4, 0, 2);
  }

  @Test
  void kAtLeastNReturnsAllSorted() {
    float[] values = new float[4];
    int[] indices = new int[4];
    assertThat(TopK.topK(new float[] {0f, -0f, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY}, 0, 4, 10,
        values, 0, indices, 0)).isEqualTo(4);
    // +0 and -0 tie: index order
    assertThat(indices).containsExactly(3, 0, 1, 2);
    assertThat(values[0]).isEqualTo(Float.POSITIVE_INFINITY);
    assertThat(values[3]).isEqualTo(Float.NEGATIVE_INFINITY);
    assertThat(TopK.resultSize(4, 10)).isEqualTo(4);
    assertThat(TopK.resultSize(0, 10)).isZero();
  }

  @Test
  void validPrefixAndEmptyInputs() {
    float[] scores = {1, 9, 2, 100, 200};
    float[] values = new float[5];
    int[] indices = TestArrays.AWKWARD.clone();
    assertThat(TopK.topKValid(scores, 0, 5, 3, 2, values, 0, indices, 0)).isEqualTo(2);
    assertThat(Arrays.copyOf(indices, 2)).containsExactly(1, 2);
    assertThat(indices[2]).isEqualTo(TestArrays.AWKWARD[2]); // nothing past m is written
    assertThat(TopK.topKValid(scores, 0, 5, 0, 2, values, 0, indices, 0)).isZero();
    assertThat(TopK.topK(new float[0], 0, 0, 5, new float[0], 0, new int[0], 0)).isZero();
    assertThat(TopK.topKRows(new float[0], 0, 0, 7, 3, new float[0], 0, new int[0], 0)).isEqualTo(3);
  }

  @Test
  void rowsAreIndependentTopKs() {
    // 2 rows x 4
    float[] scores = {4, 3, 2, 1, 1, 2, 3, 4};
    float[] values = new float[4];
    int[] indices = new int[4];
    assertThat(TopK.topKRows(scores, 0, 2, 4, 2, values, 0, indices, 0)).isEqualTo(2);
    assertThat(indices).containsExactly(0, 1, 3, 2);
    assertThat(values).containsExactly(4, 3, 4, 3);
  }

  @Test
  void nanIsRejectedWithItsIndex() {
    for (SelectionKernels k : backends()) {
      for (int n : new int[] {5, 100}) {
        for (int at : new int[] {0, 3, n - 1}) {
          float[] scores = new float[n];
          scores[at] = Float.NaN;
          assertThatThrownBy(() -> k.topK(scores, 0, n, 3, new float[3], 0, new int[3], 0))
              .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("scores[" + at + "] is NaN");
          assertThatCode(() -> k.topKRows(new float[2 * n], 0, 1, n, 3, new float[3], 0, new int[3], 0))
              .doesNotThrowAnyException();
          float[] two = new float[2 * n];
          two[n + at] = Float.NaN;
          assertThatThrownBy(() -> k.topKRows(two, 0, 2, n, 3, new float[6], 0, new int[6], 0))
              .hasMessageContaining("scores row 1 [" + at + "] is NaN");
        }
      }
    }
  }

  @Test
  void bothBackendsMatchAStableFullSort() {
    SplittableRandom random = new SplittableRandom(31);
    for (int n : SIZES) {
      for (int k : new int[] {1, 5, 50, 100, Math.max(1, n), n + 3}) {
        for (int distinct : new int[] {0, 4}) { // 0: continuous scores; 4: heavy ties
          int off = random.nextInt(5);
          float[] scores = new float[off + n];
          for (int i = 0; i < scores.length; i++) {
            scores[i] = distinct == 0 ? (float) random.nextGaussian() : random.nextInt(distinct) - 1.5f;
          }
          if (n > 50 && random.nextBoolean()) {
            Arrays.sort(scores, off, off + n); // ascending: every score raises the threshold
          }
          String what = "n=" + n + " k=" + k + " distinct=" + distinct;
          int m = Math.min(k, n);
          int[] reference = IntStream.range(0, n).boxed()
              .sorted(Comparator.<Integer>comparingDouble(i -> -scores[off + i]).thenComparingInt(i -> i))
              .limit(m).mapToInt(Integer::intValue).toArray();
          for (SelectionKernels backend : backends()) {
            int vOff = random.nextInt(3);
            int iOff = random.nextInt(3);
            float[] values = new float[vOff + m];
            int[] indices = new int[iOff + m];
            assertThat(backend.topK(scores, off, n, k, values, vOff, indices, iOff)).as(what).isEqualTo(m);
            assertThat(Arrays.copyOfRange(indices, iOff, iOff + m)).as(what).containsExactly(reference);
            for (int j = 0; j < m; j++) {
              assertThat(values[vOff + j]).as(what).isEqualTo(scores[off + reference[j]]);
            }
          }
        }
      }
    }
  }

  @Test
  void rowsMatchOneTopKPerRow() {
    SplittableRandom random = new SplittableRandom(32);
    for (SelectionKernels backend : backends()) {
      for (int n : new int[] {1, 17, 1000}) {
        int rows = 5;
        int k = 50;
        int m = Math.min(k, n);
        float[] scores = TestArrays.uniform(random, 2 + rows * n);
        float[] values = new float[1 + rows * m];
        int[] indices = new int[rows * m];
        backend.topKRows(scores, 2, rows, n, k, values, 1, indices, 0);
        for (int r = 0; r < rows; r++) {
          float[] v = new float[m];
          int[] id = new int[m];
          backend.topK(scores, 2 + r * n, n, k, v, 0, id, 0);
          assertThat(Arrays.copyOfRange(indices, r * m, (r + 1) * m)).containsExactly(id);
          assertThat(Arrays.copyOfRange(values, 1 + r * m, 1 + (r + 1) * m)).containsExactly(v);
        }
      }
    }
  }

  @Test
  void categoryFilterByHand() {
    int[] positions = new int[8];
    Arrays.fill(positions, -1);
    int count = CategoryFilter.filter(new int[] {3, 1, 3, 0, 0, 3, 2, 3}, 0, 8, 3, positions, 0);
    assertThat(count).isEqualTo(4);
    assertThat(positions).containsExactly(0, 2, 5, 7, -1, -1, -1, -1);
    assertThat(CategoryFilter.filter(new int[] {1, 2}, 0, 2, 9, positions, 0)).isZero();
    assertThat(CategoryFilter.filter(new int[0], 0, 0, 0, new int[0], 0)).isZero();
  }

  @Test
  void categoryFilterBackendsMatchTheDefinition() {
    SplittableRandom random = new SplittableRandom(33);
    for (SelectionKernels backend : backends()) {
      for (int n : SIZES) {
        for (int target : new int[] {0, 2, -7}) {
          int off = random.nextInt(4);
          int[] categories = new int[off + n + 3]; // zeros past n: a target of 0 must not match them
          for (int i = 0; i < off + n; i++) {
            categories[i] = random.nextInt(4) == 0 ? target : random.nextInt(5);
          }
          int[] expected = IntStream.range(0, n).filter(i -> categories[off + i] == target).toArray();
          int pOff = random.nextInt(3);
          int[] positions = new int[pOff + n + 2];
          Arrays.fill(positions, -9);
          int count = backend.filterCategory(categories, off, n, target, positions, pOff);
          assertThat(Arrays.copyOfRange(positions, pOff, pOff + count)).as("n=" + n).containsExactly(expected);
          for (int i = pOff + count; i < positions.length; i++) {
            assertThat(positions[i]).isEqualTo(-9);
          }
        }
      }
    }
  }

  @Test
  void badArgumentsAreNamed() {
    float[] scores = new float[10];
    assertThatThrownBy(() -> TopK.topK(scores, 0, 10, 0, new float[1], 0, new int[1], 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("k must be > 0, got 0");
    assertThatThrownBy(() -> TopK.topK(scores, 0, 10, -3, new float[1], 0, new int[1], 0))
        .hasMessageContaining("k must be > 0, got -3");
    assertThatThrownBy(() -> TopK.topK(scores, 0, -1, 3, new float[3], 0, new int[3], 0))
        .hasMessageContaining("n must be >= 0, got -1");
    assertThatThrownBy(() -> TopK.topK(scores, 1, 10, 3, new float[3], 0, new int[3], 0))
        .hasMessageContaining("scores needs 10 elements from offset 1");
    assertThatThrownBy(() -> TopK.topK(scores, 0, 10, 3, new float[2], 0, new int[3], 0))
        .hasMessageContaining("values needs 3 elements");
    assertThatThrownBy(() -> TopK.topK(scores, 0, 10, 3, new float[3], 0, new int[3], 1))
        .hasMessageContaining("indices needs 3 elements from offset 1");
    assertThatThrownBy(() -> TopK.topK(scores, 0, 5, 3, scores, 4, new int[3], 0))
        .hasMessageContaining("values must not overlap scores");
    assertThatThrownBy(() -> TopK.topKValid(scores, 0, 10, 11, 3, new float[3], 0, new int[3], 0))
        .hasMessageContaining("valid must be in [0, 10], got 11");
    assertThatThrownBy(() -> TopK.topKRows(scores, 0, 3, 4, 2, new float[6], 0, new int[6], 0))
        .hasMessageContaining("scores needs 12 elements");
    assertThatThrownBy(() -> TopK.topKRows(scores, 0, -1, 4, 2, new float[6], 0, new int[6], 0))
        .hasMessageContaining("rows must be >= 0, got -1");
    float[] nan = {1f, Float.NaN};
    assertThatThrownBy(() -> TopK.topK(nan, 0, 2, 1, new float[1], 0, new int[1], 0))
        .hasMessageContaining("scores[1] is NaN");
    assertThatThrownBy(() -> CategoryFilter.filter(new int[5], 0, 5, 1, new int[4], 0))
        .hasMessageContaining("positions needs 5 elements");
    int[] same = new int[8];
    assertThatThrownBy(() -> CategoryFilter.filter(same, 0, 5, 1, same, 3))
        .hasMessageContaining("positions must not overlap categories");
  }

  /** The scalar definition, plus the vector backend when this JVM has it (not in the no-vector-module run). */
  private static SelectionKernels[] backends() {
    var vector = KernelProvider.vectorIfAvailable();
    return vector.isPresent()
        ? new SelectionKernels[] {BackendPair.SCALAR.selection(), vector.get().selection()}
        : new SelectionKernels[] {BackendPair.SCALAR.selection()};
  }
}
