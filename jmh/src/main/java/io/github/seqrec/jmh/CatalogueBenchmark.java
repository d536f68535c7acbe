package io.github.seqrec.jmh;

import io.github.seqrec.models.UserHistory;
import io.github.seqrec.models.layers.Catalogue;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Catalogue retrieval of every next-item model ({@code NextItemModel.recommend}): top-100 of
 * 10^5 and 10^6 items of width d = 64 for one user and for a batch of 32 users (the table is read
 * once per block of 32 users), excluding a 50-item history. The work is the {@code users x items x
 * d} dot products, compared with the FMA peak; one user against 10^6 items is bound by streaming
 * the 256 MB table from memory instead (compare its time with the copy ceiling).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Thread)
public class CatalogueBenchmark {
  @Param({"100000", "1000000"})
  public int items;

  @Param({"64"})
  public int d;

  @Param({"1", "32"})
  public int users;

  @Param({"100"})
  public int k;

  Catalogue catalogue;
  float[] embeddings;
  UserHistory[] seen;
  int[] ids;
  float[] scores;
  int[] counts;
  Catalogue.Scratch scratch;

  @Setup
  public void setup() {
    SplittableRandom random = new SplittableRandom(42);
    catalogue = Catalogue.of(BenchData.uniform(random, (items + 1) * d), items + 1, d, null);
    embeddings = BenchData.uniform(random, users * d);
    seen = new UserHistory[users];
    for (int u = 0; u < users; u++) {
      int[] history = new int[50];
      for (int j = 0; j < history.length; j++) {
        history[j] = 1 + random.nextInt(items);
      }
      seen[u] = UserHistory.of(history, history.length).build();
    }
    ids = new int[users * k];
    scores = new float[users * k];
    counts = new int[users];
    scratch = new Catalogue.Scratch();
  }

  /** One call scores every item for every user: 2 users items d FLOPs. */
  public static Work workPerOp(java.util.Map<String, String> p) {
    return Work.flops(2.0 * Work.intParam(p, "users") * Work.intParam(p, "items") * Work.intParam(p, "d"));
  }

  @Benchmark
  @Fork(jvmArgsAppend = {BenchData.VECTOR_MODULE, BenchData.VECTOR, "-Xmx4g"})
  public int[] topKVector() {
    catalogue.topK(embeddings, 0, users, k, seen, 0, ids, 0, scores, 0, counts, 0, scratch);
    return ids;
  }
}
