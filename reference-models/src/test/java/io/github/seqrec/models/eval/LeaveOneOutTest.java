package io.github.seqrec.models.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.seqrec.models.AbstractNextItemModel;
import io.github.seqrec.models.AbstractSequentialModel;
import io.github.seqrec.models.Candidates;
import io.github.seqrec.models.HistoryChecks;
import io.github.seqrec.models.HistoryField;
import io.github.seqrec.models.ModelSpec;
import io.github.seqrec.models.SequentialModel;
import io.github.seqrec.models.UserHistory;
import io.github.seqrec.models.layers.Catalogue;
import io.github.seqrec.models.layers.CommonOptions;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Leave-one-out metrics on tiny hand-made logs whose ranks are worked out by hand. */
class LeaveOneOutTest {

  /** A CTR model whose logit is the candidate's id: higher ids rank first whatever the history. */
  static final class IdScore extends AbstractSequentialModel<IdScore.Ws> {
    static final ModelSpec SPEC = ModelSpec.builder("id_score").family("test")
        .fields(HistoryField.ITEM_IDS, HistoryField.CATEGORY_IDS).options(CommonOptions.maxLen(10))
        .loader((st, o) -> new IdScore()).build();

    IdScore() {
      super(SPEC, 10, Ws.class);
    }

    @Override
    protected Ws createWorkspace() {
      return new Ws(this);
    }

    @Override
    protected void score(UserHistory history, int first, Candidates candidates, Ws w, float[] logits, int off) {
      for (int i = 0; i < candidates.count(); i++) {
        logits[off + i] = candidates.itemIds()[i];
      }
    }

    static final class Ws extends SequentialModel.Workspace {
      Ws(IdScore owner) {
        super(owner);
      }
    }
  }

  /** A next-item model with a 1-wide item table e_i = i: every user embedding is positive, so the
   *  catalogue ranks by id, highest first. */
  static final class MeanPool extends AbstractNextItemModel<MeanPool.Ws> {
    static final ModelSpec SPEC = ModelSpec.builder("mean_pool_1d").family("test").nextItem()
        .options(CommonOptions.maxLen(50)).loader((st, o) -> null).build();
    final float[] table;

    MeanPool(float[] table) {
      super(SPEC, 50, Ws.class, Catalogue.of(table, table.length, 1, null));
      this.table = table;
    }

    @Override
    protected Ws createWorkspace() {
      return new Ws(this);
    }

    @Override
    protected void embed(UserHistory h, int first, Ws w, float[] out, int off) {
      HistoryChecks.ids("history itemIds", h.itemIds(), first, h.length(), catalogueSize());
      float sum = 0;
      for (int i = first; i < h.length(); i++) {
        sum += table[h.itemIds()[i]];
      }
      out[off] = h.length() == first ? 1f : sum / (h.length() - first);
    }

    static final class Ws extends AbstractNextItemModel.RetrievalWorkspace {
      Ws(MeanPool owner) {
        super(owner);
      }
    }
  }

  static Interactions csv(String text) throws IOException {
    return Interactions.read(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), "test.csv");
  }

  static Negatives negatives(String text) throws IOException {
    return Negatives.read(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), "neg.csv");
  }

  // user 1's rows are out of time order on purpose: the held-out action is the LATEST (item 4 at t=300)
  static final String LOG = """
      user,item,timestamp,action,category
      1,5,200,1,2
      1,4,300,1,1
      1,2,100,1,1
      2,3,50,2,1
      2,6,60,3,2
      3,5,10,1,2
      3,1,20,1,1
      4,2,5,1,1
      """;

  @Test
  void ctrMetricsMatchTheHandComputedRanks() throws IOException {
    Interactions data = csv(LOG);
    assertEquals(4, data.users());
    assertArrayEquals(new int[] {2, 5, 4}, java.util.Arrays.copyOfRange(data.items(), data.start(0), data.end(0)));
    // logit = id. user 1: held out 4 vs {1, 6, 3}: only 6 is higher -> rank 2
    //             user 2: held out 6 vs {1, 2, 3} -> rank 1
    //             user 3: held out 1 vs {2, 3, 4} -> rank 4; user 4 has one action: skipped
    Negatives negs = negatives("user,neg_1,neg_2,neg_3\n1,1,6,3\n2,1,2,3\n3,2,3,4\n4,1,3,5\n");
    for (int threads : new int[] {1, 2}) {
      LeaveOneOut.Result r = LeaveOneOut.evaluate(new IdScore(), data,
          new LeaveOneOut.Options().k(2).negatives(negs).categories(new int[] {0, 1, 1, 1, 1, 2, 2}).threads(threads));
      assertArrayEquals(new int[] {2, 1, 4, 0}, r.ranks());
      assertEquals(3, r.users());
      assertEquals(1, r.skipped());
      assertEquals(2.0 / 3.0, r.hitRate(), 1e-12);                                   // ranks 2 and 1 are <= 2
      assertEquals((1.0 / (Math.log(3) / Math.log(2)) + 1.0) / 3.0, r.ndcg(), 1e-12); // 1/log2(3) + 1/log2(2)
      assertEquals((0.5 + 1.0 + 0.25) / 3.0, r.mrr(), 1e-12);
      assertTrue(r.report().contains("HR@2    0.666667"), r.report());
      assertTrue(r.report().contains("3 negatives per user from neg.csv"), r.report());
    }
  }

  @Test
  void nextItemModelsRankTheWholeCatalogueThroughRecommend() throws IOException {
    float[] table = {0, 1, 2, 3, 4, 5, 6};           // e_i = i: ranks by id, 6 first
    Interactions data = csv("1,5,1\n1,3,2\n2,6,1\n2,6,2\n2,2,3\n");
    // user 1 holds out 3: items 6, 5, 4 rank above it (5 is seen; seen items stay) -> rank 4
    // user 2 holds out 2: 6, 5, 4, 3 above it -> rank 5
    LeaveOneOut.Result r = LeaveOneOut.evaluate(new MeanPool(table), data, new LeaveOneOut.Options().k(4));
    assertArrayEquals(new int[] {4, 5}, r.ranks());
    assertEquals(0.5, r.hitRate(), 1e-12);
    assertEquals(0.5 / (Math.log(5) / Math.log(2)), r.ndcg(), 1e-12);   // 1/log2(4 + 1) for user 1
    assertEquals((1.0 / 4 + 1.0 / 5) / 2, r.mrr(), 1e-12);
    assertTrue(r.report().contains("NextItemModel.recommend (top 6"), r.report());
  }

  @Test
  void sampledNegativesAreSeededDistinctUnseenAndIndependentOfTheOtherUsers() throws IOException {
    int[] pool = new int[500];
    for (int i = 0; i < pool.length; i++) {
      pool[i] = i + 1;
    }
    Interactions both = csv("1,5,1\n1,3,2\n2,6,1\n2,7,2\n");
    Interactions one = csv("1,5,1\n1,3,2\n");
    Negatives a = Negatives.sample(both, pool, 100, 13);
    Negatives b = Negatives.sample(one, pool, 100, 13);
    assertArrayEquals(a.of(1), b.of(1));
    assertEquals(100, java.util.Arrays.stream(a.of(1)).distinct().count());
    assertTrue(java.util.Arrays.stream(a.of(1)).noneMatch(i -> i == 5 || i == 3));
    assertTrue(a.description().contains("seed 13"));
    assertTrue(!java.util.Arrays.equals(a.of(1), Negatives.sample(both, pool, 100, 14).of(1)));
    var e = assertThrows(IllegalArgumentException.class, () -> Negatives.sample(both, new int[] {3, 5, 9}, 2, 1));
    assertTrue(e.getMessage().contains("user 1 touched 2 of the 3 items"), e.getMessage());
  }

  @Test
  void malformedRowsFailWithLineColumnAndWhat() {
    String[][] cases = {
        {"user,item,timestamp\n1,2,3\n1,x,4\n", "test.csv line 3, column 2 (item): 'x' is not an integer"},
        {"1,2,3\n1,2\n", "test.csv line 2: expected 3 columns (as the first line), got 2"},
        {"1,2,3\n\n1,2,3,4\n", "test.csv line 3: expected 3 columns (as the first line), got more"},
        {"1,2,3\n1,0,4\n", "test.csv line 2, column 2 (item): 0 must be in [1, 2147483647] (0 is padding)"},
        {"1,2,3\n-1,2,4\n", "test.csv line 2, column 1 (user): -1 must be in [0"},
        {"user,item,when\n", "test.csv line 1, column 3: unknown column 'when'"},
        {"user,item\n", "test.csv line 1: expected 3 to 5 columns"},
        {"1,2,3,1,5\n1,2,9,1,6\n", "test.csv line 2 (category): item 2 has category 6 here but 5 on line 1"},
        {"1,2,3\n1,2,\n", "test.csv line 2, column 3 (timestamp): empty value"},
        {"1,2,99999999999999999999\n", "test.csv line 1, column 3 (timestamp): '99999999999999999999' is not an integer in the 64-bit range"},
        {"user,item,timestamp\n", "test.csv: no interactions"},
    };
    for (String[] c : cases) {
      var e = assertThrows(IllegalArgumentException.class, () -> csv(c[0]), c[0]);
      assertTrue(e.getMessage().startsWith(c[1]), "got: " + e.getMessage() + "\nwanted: " + c[1]);
    }
    var e = assertThrows(IllegalArgumentException.class, () -> negatives("1,2,3\n2,4\n"));
    assertEquals("neg.csv line 2: expected 3 columns (as the first data line), got 2", e.getMessage());
  }

  @Test
  void aFailureOnAnyUserFailsTheWholeRunAndMissingInputsAreNamed() throws IOException {
    Interactions data = csv(LOG);
    Negatives negs = negatives("1,1,6,3\n2,1,2,3\n3,2,3,4\n");
    // item 6 has category 2 in the log; a catalogue cannot name item 9's category: user 3's negative 9 fails
    Negatives bad = negatives("1,1,6,3\n2,1,2,3\n3,2,3,9\n");
    var e = assertThrows(IllegalArgumentException.class, () -> LeaveOneOut.evaluate(new IdScore(), data,
        new LeaveOneOut.Options().negatives(bad).threads(2)));
    assertEquals("user 3: item 9 (a candidate) has no known category: give a catalogue or a category column",
        e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> LeaveOneOut.evaluate(new IdScore(), data,
        new LeaveOneOut.Options()));
    assertTrue(e.getMessage().contains("CTR model: give negatives"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> LeaveOneOut.evaluate(new IdScore(), csv("1,2,3\n1,4,5\n"),
        new LeaveOneOut.Options().negatives(negs)));
    assertTrue(e.getMessage().contains("need a category column"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> new LeaveOneOut.Options().k(0));
    assertEquals("k must be in [1, 1000], got 0", e.getMessage());
  }

  @Test
  void progressGoesToItsStreamOnlyForRunsLongerThanASecond() throws IOException {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    LeaveOneOut.evaluate(new IdScore(), csv(LOG), new LeaveOneOut.Options().k(2)
        .negatives(negatives("1,1,6,3\n2,1,2,3\n3,2,3,4\n")).progress(new PrintStream(err, true)));
    assertEquals("", err.toString(StandardCharsets.UTF_8));
  }
}
