package io.github.seqrec.models.layers;

import io.github.seqrec.models.ModelOption;

/**
 * Options that several models declare alike (vocabulary sizes, embedding widths, the final MLP,
 * the history bound), so that each is described and bounded once. A model lists the ones it reads
 * in its {@code ModelSpec}.
 */
public final class CommonOptions {
  private CommonOptions() {}

  /** The largest history bound any model accepts: its per-thread scratch must fit in memory. */
  public static final int MAX_HISTORY_BOUND = 1 << 20;
  /** The largest vocabulary (item or category ids) an embedding table may have. */
  public static final int MAX_VOCABULARY = 1 << 27;

  public static final ModelOption<Integer> N_ITEMS =
      ModelOption.intOption("n_items", "item vocabulary: ids 1 .. n_items (0 is padding)", 1, MAX_VOCABULARY);
  public static final ModelOption<Integer> N_CATES =
      ModelOption.intOption("n_cates", "category vocabulary: ids 1 .. n_cates (0 is padding)", 1, MAX_VOCABULARY);
  public static final ModelOption<Integer> D_ITEM = ModelOption.intOption("d_item", "item embedding width", 1, 1 << 14);
  public static final ModelOption<Integer> D_CATE =
      ModelOption.intOption("d_cate", "category embedding width", 1, 1 << 14);
  public static final ModelOption<int[]> MLP_HIDDEN =
      ModelOption.intList("mlp_hidden", "hidden widths of the final MLP", 1, 1 << 14);
  public static final ModelOption<Float> DICE_EPS =
      ModelOption.floatOption("dice_eps", "Dice's batch-norm epsilon", 0f, 1f).withDefault(1e-8f);

  /** The hidden-layer activation of a model's MLPs, defaulting to {@code defaultValue}. */
  public static ModelOption<String> activation(String defaultValue) {
    return ModelOption.choice("activation", "hidden-layer activation of the MLPs", defaultValue,
        "dice", "prelu", "sigmoid", "relu", "silu");
  }

  /** The history bound ({@code max_len}): longer histories keep their most recent actions. */
  public static ModelOption<Integer> maxLen(int defaultValue) {
    return ModelOption.intOption("max_len", "history bound: longer histories keep their most recent actions", 1,
        MAX_HISTORY_BOUND).withDefault(defaultValue);
  }
}
