package io.github.seqrec.models.interop;

import io.github.seqrec.models.tensors.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The tensors of an imported model under seqrec's names, built layer by layer in the layout
 * seqrec's loaders read ({@code <prefix>.weight/bias} for a linear layer, {@code <prefix>.alpha}
 * and {@code <prefix>.bn.*} for Dice).
 */
public final class SeqrecTensors {
  private final Map<String, Tensor> tensors = new LinkedHashMap<>();

  public SeqrecTensors put(String name, Tensor tensor) {
    if (tensors.put(name, tensor) != null) {
      throw new IllegalStateException("tensor " + name + " mapped twice");
    }
    return this;
  }

  /** An {@code nn.Linear}: {@code weight [out, in]} and {@code bias [out]}. */
  public SeqrecTensors linear(String prefix, Tensor.F32 weight, Tensor.F32 bias) {
    return put(prefix + ".weight", weight).put(prefix + ".bias", bias);
  }

  /** Dice in eval form: per-channel {@code alpha} and the batch norm's statistics, scale and shift. */
  public SeqrecTensors dice(String prefix, Tensor.F32 alpha, Tensor.F32 runningMean, Tensor.F32 runningVar,
                            Tensor.F32 scale, Tensor.F32 shift) {
    return put(prefix + ".alpha", alpha).put(prefix + ".bn.running_mean", runningMean)
        .put(prefix + ".bn.running_var", runningVar).put(prefix + ".bn.weight", scale).put(prefix + ".bn.bias", shift);
  }

  public Map<String, Tensor> map() {
    return tensors;
  }
}
