package io.github.seqrec.models.lifelong;

import io.github.seqrec.models.ModelOption;
import io.github.seqrec.models.ModelOptions;

/** Options the two-stage models declare alike: the search width K, the exact unit's heads and widths. */
final class LifelongOptions {
  private LifelongOptions() {}

  static final ModelOption<Integer> N_TIME_BUCKETS =
      ModelOption.intOption("n_time_buckets", "time-interval buckets (log2 of the gap in seconds)", 1, 64).withDefault(32);
  static final ModelOption<Integer> D_TIME =
      ModelOption.intOption("d_time", "time-interval embedding width", 1, 1 << 12).withDefault(16);

  /** K, the behaviours the search unit keeps per candidate. */
  static ModelOption<Integer> topK(int defaultValue) {
    return ModelOption.intOption("topk", "K: behaviours the search unit keeps per candidate", 1, 1 << 16)
        .withDefault(defaultValue);
  }

  static ModelOption<Integer> heads(int defaultValue) {
    return ModelOption.intOption("heads", "attention heads of the exact search unit", 1, 256).withDefault(defaultValue);
  }

  static ModelOption<Integer> attentionDim(int defaultValue) {
    return ModelOption.intOption("attention_dim", "width of the exact unit's query/key projections (a multiple of heads)",
        1, 1 << 14).withDefault(defaultValue);
  }

  /** The attention width, checked to be a multiple of {@code heads}. */
  static int attentionDim(ModelOptions o, ModelOption<Integer> option, int heads) {
    int att = o.get(option);
    if (att % heads != 0) {
      throw new IllegalArgumentException(o.model() + ": attention_dim must be a positive multiple of heads = " + heads
          + ", got " + att);
    }
    return att;
  }
}
