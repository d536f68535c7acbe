package io.github.seqrec.models.interop;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The seqrec {@code din} options of the form FuxiCTR and DeepCTR-Torch share: an unscaled softmax
 * when on ({@code softmax_scale=none}), an empty history pooling the padding row
 * ({@code empty_softmax=padding}) and the final MLP on {@code [t; u]} ({@code mlp_input=target_pooled}).
 * The two importers differ in where the sizes come from (a feature map, or tensor shapes) and in
 * Dice's epsilon, not in this form.
 */
public final class PeerDinOptions {
  private PeerDinOptions() {}

  /** The options for the given sizes, activations, Dice epsilon and softmax switch, in a stable order. */
  public static Map<String, String> of(int nItems, int nCates, int dItem, int dCate, int[] attHidden, int[] mlpHidden,
                                       String activation, String attActivation, float diceEps, boolean softmax) {
    Map<String, String> options = new LinkedHashMap<>();
    options.put("n_items", Integer.toString(nItems));
    options.put("n_cates", Integer.toString(nCates));
    options.put("d_item", Integer.toString(dItem));
    options.put("d_cate", Integer.toString(dCate));
    options.put("att_hidden", widths(attHidden));
    options.put("mlp_hidden", widths(mlpHidden));
    options.put("activation", activation);
    options.put("att_activation", attActivation);
    options.put("dice_eps", Float.toString(diceEps));
    options.put("softmax", Boolean.toString(softmax));
    options.put("softmax_scale", "none");
    options.put("empty_softmax", "padding");
    options.put("mlp_input", "target_pooled");
    return options;
  }

  /** Layer widths as a seqrec int-list option: {@code "80,40"}. */
  public static String widths(int[] values) {
    return Arrays.stream(values).mapToObj(Integer::toString).collect(Collectors.joining(","));
  }
}
