package io.github.seqrec.models.cli;

import static io.github.seqrec.models.cli.KernelOp.TensorSpec.optional;
import static io.github.seqrec.models.cli.KernelOp.TensorSpec.required;

import io.github.seqrec.kernels.Dense;
import io.github.seqrec.kernels.PackedLinear;
import io.github.seqrec.models.tensors.Tensor;
import java.util.List;
import java.util.Map;

/** CLI / golden adapters for the dense family. */
final class DenseOps {
  private DenseOps() {}

  static List<KernelOp> ops() {
    return List.of(new Linear());
  }

  /** {@code y = x Wᵀ + b}, PyTorch {@code nn.Linear}. */
  static final class Linear implements KernelOp {
    @Override public String name() { return "linear"; }
    @Override public String summary() { return "y = x W^T + b (nn.Linear), batched over rows"; }

    @Override
    public List<TensorSpec> inputs() {
      return List.of(
          required("x", "F32", "[rows, in]", "input rows"),
          required("weight", "F32", "[out, in]", "nn.Linear weight"),
          optional("bias", "F32", "[out]", "nn.Linear bias"));
    }

    @Override
    public List<TensorSpec> outputs() {
      return List.of(required("y", "F32", "[rows, out]", "output rows"));
    }

    @Override
    public List<ParamSpec> params() {
      return List.of();
    }

    @Override
    public Map<String, Tensor> run(OpInputs in) {
      int[] xs = in.shape("x", 2);
      int[] ws = in.shape("weight", 2);
      int rows = xs[0];
      int inFeatures = xs[1];
      int out = ws[0];
      if (ws[1] != inFeatures) {
        throw new BadInputException("tensor 'weight' must have shape [out, " + inFeatures + "] to match x, got ["
            + ws[0] + ", " + ws[1] + "]");
      }
      float[] bias = null;
      if (in.has("bias")) {
        in.expectShape("bias", out);
        bias = in.f32("bias").data();
      }
      PackedLinear layer = Dense.pack(in.f32("weight").data(), bias, out, inFeatures);
      float[] y = Shapes.floats("y", rows, out);
      Dense.linear(in.f32("x").data(), 0, rows, layer, y, 0, false);
      return Map.of("y", new Tensor.F32(new int[] {rows, out}, y));
    }
  }
}
