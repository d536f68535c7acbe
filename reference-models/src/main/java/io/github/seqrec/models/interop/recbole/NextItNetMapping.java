package io.github.seqrec.models.interop.recbole;

import io.github.seqrec.models.interop.CheckpointTensors;
import io.github.seqrec.models.interop.ImportedModel;
import io.github.seqrec.models.tensors.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * RecBole's NextItNet ({@code recbole/model/sequential_recommender/nextitnet.py}) as seqrec's
 * {@code nextitnet}. RecBole's {@code ResidualBlock_b} is the official block (b): causal conv of
 * dilation d, LN (eps 1e-8), ReLU, causal conv of dilation 2d, LN, ReLU, plus the input; its
 * dilations are {@code dilations} repeated {@code block_num} times. Its convolutions are
 * {@code Conv2d} with a {@code (1, k)} kernel: the weights of a {@code Conv1d}, reshaped. RecBole
 * reads the top row at the last slot of the right-padded window ({@code read_at=window_end}) and
 * puts a Linear {@code final_layer} before the dot product with the item table; the Linear is
 * folded into seqrec's output table ({@code output.weight = E W}, {@code output.bias = E b}) and
 * seqrec's ReLU on the user vector is off ({@code out_relu=false}).
 */
final class NextItNetMapping {
  private NextItNetMapping() {}

  static ImportedModel map(RecBoleCheckpoint ckpt) {
    int c = ckpt.integer("embedding_size");
    int k = ckpt.integer("kernel_size");
    int blockNum = ckpt.integer("block_num");
    int[] pattern = ckpt.integers("dilations");
    int maxLen = ckpt.integer("MAX_ITEM_LIST_LENGTH");
    int[] dilations = new int[pattern.length * blockNum];   // Python's list * block_num
    for (int b = 0; b < blockNum; b++) {
      System.arraycopy(pattern, 0, dilations, b * pattern.length, pattern.length);
    }

    Tensor.F32 items = ckpt.tensor("item_embedding.weight", -1, c);
    int nItems = items.shape()[0] - 1;
    Map<String, Tensor> t = new LinkedHashMap<>();
    t.put("item_embedding.weight", items);
    for (int i = 0; i < dilations.length; i++) {
      String p = "residual_blocks." + i + ".";
      for (String conv : List.of("conv1", "conv2")) {
        t.put(p + conv + ".weight", CheckpointTensors.reshape(ckpt.tensor(p + conv + ".weight", c, c, 1, k), c, c, k));
        t.put(p + conv + ".bias", ckpt.tensor(p + conv + ".bias", c));
      }
      for (String ln : List.of("ln1", "ln2")) {
        t.put(p + ln + ".weight", ckpt.tensor(p + ln + ".weight", c));
        t.put(p + ln + ".bias", ckpt.tensor(p + ln + ".bias", c));
      }
    }
    Tensor.F32 finalLayer = ckpt.tensor("final_layer.weight", c, c);
    t.put("output.weight", TensorOps.matmul(items, finalLayer));
    Tensor.F32 bias = TensorOps.matvecColumn(items, ckpt.tensor("final_layer.bias", c));
    t.put("output.bias", new Tensor.F32(new int[] {nItems + 1}, bias.data()));

    Map<String, String> o = new LinkedHashMap<>();
    o.put("n_items", Integer.toString(nItems));
    o.put("channels", Integer.toString(c));
    o.put("kernel_size", Integer.toString(k));
    o.put("dilations", Arrays.stream(dilations).mapToObj(Integer::toString).collect(Collectors.joining(",")));
    o.put("ln_eps", Float.toString(1e-8f));
    o.put("max_len", Integer.toString(maxLen));
    o.put("out_relu", "false");
    o.put("read_at", "window_end");

    List<String> notes = new ArrayList<>(RecBoleImporter.commonNotes(nItems, maxLen));
    notes.add("final_layer folded into the output table: output.weight = E final_layer.weight,"
        + " output.bias = E final_layer.bias; seqrec's user embedding is the top row, not final_layer(top row)");
    notes.add("read_at=window_end: like RecBole, a history shorter than " + maxLen + " is read at slot " + (maxLen - 1)
        + " after id-0 padding; there is no incremental state in this form");
    return new ImportedModel("nextitnet", "recbole", t, o, notes);
  }
}
