package io.github.seqrec.jmh;

import io.github.seqrec.models.Candidates;
import io.github.seqrec.models.Models;
import io.github.seqrec.models.SequentialModel;
import io.github.seqrec.models.UserHistory;
import java.io.IOException;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Inputs of the DIN / DIEN / TIM request benchmarks: the golden weights of the model (the jar's
 * {@code golden/models/<model>/weights.safetensors}: its shapes are the paper/official sizes, over
 * the golden 200-item catalogue) and random ids from fixed seeds ({@code cate = 1 + (item * 7) % 20},
 * the golden catalogue's rule).
 */
final class CtrBenchData {
  static final int ITEMS = 200;
  static final int CATES = 20;

  private CtrBenchData() {}

  static SequentialModel load(String model, Map<String, String> options) throws IOException {
    return Models.load(model, BenchData.resource("golden/models/" + model + "/weights.safetensors"), options);
  }

  static UserHistory history(int length, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    int[] items = new int[length];
    int[] cates = new int[length];
    for (int i = 0; i < length; i++) {
      items[i] = 1 + random.nextInt(ITEMS);
      cates[i] = 1 + (items[i] * 7) % CATES;
    }
    return UserHistory.of(items, length).categoryIds(cates).build();
  }

  static Candidates candidates(int count, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    int[] items = new int[count];
    int[] cates = new int[count];
    for (int i = 0; i < count; i++) {
      items[i] = 1 + random.nextInt(ITEMS);
      cates[i] = 1 + (items[i] * 7) % CATES;
    }
    return Candidates.of(items, cates);
  }
}
