package io.github.seqrec.jmh;

import io.github.seqrec.models.Models;
import io.github.seqrec.models.SequentialModel;
import io.github.seqrec.models.UserHistory;
import io.github.seqrec.models.nextitem.MarkovChain;
import io.github.seqrec.models.safetensors.SafeTensors;
import io.github.seqrec.models.tensors.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Models and histories for the next-item benchmarks: the golden models as shipped, or the same
 * architecture with its catalogue grown to {@code items} (every tensor indexed by item id gets
 * {@code items + 1} rows of random values, the rest keeps the golden weights), and histories
 * carrying every field the model reads.
 */
final class NextItemBenchData {
  private NextItemBenchData() {}

  /** User id of every benchmark history (inside the golden user vocabularies, which start at 30). */
  static final int USER = 7;

  /** The golden model {@code name} as shipped (its catalogue: 60 to 300 items). */
  static SequentialModel golden(String name) throws Exception {
    return Models.load(name, BenchData.resource("golden/models/" + name + "/weights.safetensors"), Map.of());
  }

  /** The golden item vocabulary of {@code name}. */
  static int goldenItems(String name) throws Exception {
    try (SafeTensors st = SafeTensors.open(BenchData.resource("golden/models/" + name + "/weights.safetensors"))) {
      return Integer.parseInt(st.metadata().get("n_items"));
    }
  }

  /**
   * {@code name} with a catalogue of {@code items} items: for the embedding models, the golden
   * weights with every item-indexed table (first dimension {@code n_items + 1}; BERT4Rec's
   * {@code n_items + 2}, with its mask token) redrawn at {@code items + 1} (+ 1) rows; for the
   * Markov chain, a chain fitted on random sequences (2 * 10^6 transitions) over {@code items}
   * items.
   */
  static SequentialModel withCatalogue(String name, int items, SplittableRandom random) throws Exception {
    if (name.equals("markov")) {
      return MarkovChain.fit(randomSequences(items, 100_000, 21, random), items, 0.5f);
    }
    Map<String, Tensor> tensors;
    Map<String, String> metadata;
    try (SafeTensors st = SafeTensors.open(BenchData.resource("golden/models/" + name + "/weights.safetensors"))) {
      tensors = new LinkedHashMap<>(st.toTensors());
      metadata = new LinkedHashMap<>(st.metadata());
    }
    // BERT4Rec's item table and output bias carry one more row after the catalogue: the mask token
    int tokenRows = name.equals("bert4rec") ? 1 : 0;
    int goldenRows = Integer.parseInt(metadata.get("n_items")) + 1 + tokenRows;
    for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
      if (e.getValue() instanceof Tensor.F32 t && t.shape()[0] == goldenRows) {
        int[] shape = t.shape().clone();
        shape[0] = items + 1 + tokenRows;
        int rowWidth = t.data().length / goldenRows;
        float[] values = BenchData.uniform(random, shape[0] * rowWidth);
        for (int i = 0; i < values.length; i++) {
          values[i] *= 0.1f;
        }
        e.setValue(new Tensor.F32(shape, values));
      }
    }
    metadata.put("n_items", String.valueOf(items));
    Path file = Files.createTempFile(name + "-" + items, ".safetensors");
    try {
      SafeTensors.write(file, tensors, metadata);
      tensors.clear();
      return Models.load(name, file, Map.of());
    } finally {
      Files.deleteIfExists(file);
    }
  }

  /** {@code count} random sequences of {@code length} items in {@code [1, items]}. */
  private static Iterator<int[]> randomSequences(int items, int count, int length, SplittableRandom random) {
    return new Iterator<>() {
      int made;

      @Override
      public boolean hasNext() {
        return made < count;
      }

      @Override
      public int[] next() {
        made++;
        int[] sequence = new int[length];
        for (int i = 0; i < length; i++) {
          sequence[i] = 1 + random.nextInt(items);
        }
        return sequence;
      }
    };
  }

  /**
   * A history of {@code length} actions over items {@code [1, items]} with every field the
   * next-item models read: ratings 1..5 as action types (RRN), one action a day from RRN's epoch
   * (so RRN's weekly steps hold 7 actions), and the benchmark user id.
   */
  static UserHistory history(int length, int items, SplittableRandom random) {
    int[] ids = new int[length];
    int[] ratings = new int[length];
    long[] times = new long[length];
    for (int i = 0; i < length; i++) {
      ids[i] = 1 + random.nextInt(items);
      ratings[i] = 1 + random.nextInt(5);
      times[i] = FIRST_TIME + DAY * i;
    }
    return UserHistory.of(ids, length).actionTypes(ratings).timestamps(times).userId(USER).build();
  }

  static final long FIRST_TIME = 1_600_000_000L;
  static final long DAY = 86_400L;
}
