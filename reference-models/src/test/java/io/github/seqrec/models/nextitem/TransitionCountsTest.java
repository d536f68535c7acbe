package io.github.seqrec.models.nextitem;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.seqrec.models.safetensors.SafeTensors;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Counting from sequences: the golden fit, merge order independence, bad input. */
class TransitionCountsTest {
  static final Path GOLDEN = Path.of("src/test/resources/golden/models/markov");

  @Test
  void countingTheGoldenCsvGivesTheReferenceTable() throws IOException {
    try (SafeTensors st = SafeTensors.open(GOLDEN.resolve("weights.safetensors"))) {
      int n = Integer.parseInt(st.metadata().get("n_items"));
      TransitionCounts fitted = TransitionCounts.fitCsv(GOLDEN.resolve("sequences.csv"), n);
      long[][] csr = fitted.toCsr();
      assertArrayEquals(st.longs("row_offsets"), csr[0], "row_offsets");
      assertArrayEquals(st.longs("next_items"), csr[1], "next_items");
      assertArrayEquals(st.longs("counts"), csr[2], "counts");
      TransitionCounts loaded = TransitionCounts.fromCsr(n, st.longs("row_offsets"), st.longs("next_items"),
          st.longs("counts"));
      assertEquals(fitted.totalTransitions(), loaded.totalTransitions());
      assertEquals(0, fitted.rowTotal(n - 1), "item n-1 never precedes anything in the golden file");
    }
  }

  @Test
  void smallBuffersMergeToTheSameTableAsOneBuffer() {
    SplittableRandom r = new SplittableRandom(11);
    int n = 50;
    List<int[]> seqs = new ArrayList<>();
    Map<Long, Integer> manual = new HashMap<>();
    for (int s = 0; s < 300; s++) {
      int[] seq = new int[1 + r.nextInt(30)];
      for (int p = 0; p < seq.length; p++) {
        seq[p] = 1 + (int) (n * Math.pow(r.nextDouble(), 3));
        if (p > 0) {
          manual.merge(((long) seq[p - 1] << 32) | seq[p], 1, Integer::sum);
        }
      }
      seqs.add(seq);
    }
    TransitionCounts big = TransitionCounts.fit(seqs.iterator(), n);
    for (int buffer : new int[] {1, 2, 3, 7, 64, 1000}) {
      TransitionCounts.Builder b = TransitionCounts.builder(n, buffer);
      for (int[] s : seqs) {
        b.addSequence(s, 0, s.length);
      }
      TransitionCounts small = b.build();
      long[][] x = big.toCsr();
      long[][] y = small.toCsr();
      for (int a = 0; a < 3; a++) {
        assertArrayEquals(x[a], y[a], "buffer " + buffer + " array " + a);
      }
    }
    assertEquals(manual.size(), big.distinctTransitions());
    for (Map.Entry<Long, Integer> e : manual.entrySet()) {
      assertEquals((int) e.getValue(), big.count((int) (e.getKey() >>> 32), (int) (long) e.getKey()));
    }
    // popularity order: incoming totals non-increasing, ties by lower id
    for (int rank = 1; rank < n; rank++) {
      int a = big.popular(rank - 1);
      int b = big.popular(rank);
      assertTrue(big.incoming(a) > big.incoming(b) || (big.incoming(a) == big.incoming(b) && a < b));
    }
  }

  @Test
  void badSequencesAreRejectedWithTheLineAndToken() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> TransitionCounts.fitCsv(new StringReader("1,2\n# c\n\n3,x,4\n"), 10, "s.csv"));
    assertTrue(e.getMessage().contains("s.csv line 4") && e.getMessage().contains("'x'"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> TransitionCounts.fitCsv(new StringReader("1,11\n"), 10, "s.csv"));
    assertTrue(e.getMessage().contains("[1, 10]") && e.getMessage().contains("11"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> TransitionCounts.fitCsv(new StringReader("1,,2\n"), 10, "s.csv"));
    assertTrue(e.getMessage().contains("line 1"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> TransitionCounts.builder(10).addSequence(new int[] {1, 0, 2}, 0, 3));
    assertTrue(e.getMessage().contains("ids[1]"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> TransitionCounts.fromCsr(3, new long[] {0, 0, 1, 1, 1}, new long[] {4}, new long[] {1}));
    assertTrue(e.getMessage().contains("next_items[0]"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> TransitionCounts.fromCsr(3, new long[] {0, 0, 1, 1}, new long[] {2}, new long[] {1}));
    assertTrue(e.getMessage().contains("row_offsets"), e.getMessage());
  }
}
