package io.github.seqrec.models.cli;

import static io.github.seqrec.models.cli.KernelOp.TensorSpec.required;

import io.github.seqrec.kernels.CategoryFilter;
import io.github.seqrec.kernels.TopK;
import io.github.seqrec.models.tensors.Tensor;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** CLI / golden adapters for the selection family ({@link TopK}, {@link CategoryFilter}). */
final class SelectionOps {
  private SelectionOps() {}

  static List<KernelOp> ops() {
    return List.of(new TopKOp(), new FilterCategory());
  }

  /** Stable top-k along the last axis of {@code [n]} or {@code [rows, n]} scores. */
  static final class TopKOp implements KernelOp {
    @Override public String name() { return "top_k"; }

    @Override
    public String summary() {
      return "k best scores per row, best first, equal scores by lower index (stable torch.topk)";
    }

    @Override
    public List<TensorSpec> inputs() {
      return List.of(required("scores", "F32", "[n] or [rows, n]", "scores; NaN is rejected"));
    }

    @Override
    public List<TensorSpec> outputs() {
      return List.of(required("values", "F32", "[m] or [rows, m]", "the kept scores, m = min(k, valid)"),
          required("indices", "I64", "[m] or [rows, m]", "their positions within the row"));
    }

    @Override
    public List<ParamSpec> params() {
      return List.of(new ParamSpec("k", "int", null, "how many to keep (>= 1; k >= n keeps all, sorted)"),
          new ParamSpec("valid", "int", "n", "select among the first valid scores of each row only"));
    }

    @Override
    public Map<String, Tensor> run(OpInputs in) {
      Tensor.F32 scores = in.f32("scores");
      int[] shape = scores.shape();
      if (shape.length != 1 && shape.length != 2) {
        throw new BadInputException("tensor 'scores' must have rank 1 or 2, got " + scores.describe());
      }
      int n = shape[shape.length - 1];
      int rows = shape.length == 1 ? 1 : shape[0];
      int k = in.intParam("k", null);
      if (k <= 0) {
        throw new BadInputException("parameter 'k' must be >= 1, got " + k);
      }
      int valid = in.intParam("valid", n);
      if (valid < 0 || valid > n) {
        throw new BadInputException("parameter 'valid' must be in [0, " + n + "], got " + valid);
      }
      int m = Math.min(k, valid);
      float[] values = Shapes.floats("values", rows, m);
      int[] indices = Shapes.ints("indices", rows, m);
      try {
        for (int r = 0; r < rows; r++) {
          TopK.topKValid(scores.data(), r * n, n, valid, k, values, r * m, indices, r * m);
        }
      } catch (IllegalArgumentException e) {
        throw new BadInputException("tensor 'scores': " + e.getMessage(), e);
      }
      long[] ids = Arrays.stream(indices).asLongStream().toArray();
      int[] outShape = shape.length == 1 ? new int[] {m} : new int[] {rows, m};
      return Map.of("values", new Tensor.F32(outShape, values), "indices", new Tensor.I64(outShape.clone(), ids));
    }
  }

  /** SIM hard search: positions whose category equals the target. */
  static final class FilterCategory implements KernelOp {
    @Override public String name() { return "filter_category"; }
    @Override public String summary() { return "ascending positions i with categories[i] == target (SIM hard search)"; }

    @Override
    public List<TensorSpec> inputs() {
      return List.of(required("categories", "I64", "[n]", "category id of each behaviour"));
    }

    @Override
    public List<TensorSpec> outputs() {
      return List.of(required("positions", "I64", "[count]", "matching positions, ascending"));
    }

    @Override
    public List<ParamSpec> params() {
      return List.of(new ParamSpec("target", "int", null, "the target item's category id"));
    }

    @Override
    public Map<String, Tensor> run(OpInputs in) {
      in.shape("categories", 1);
      int[] categories = in.ints("categories");
      int target = in.intParam("target", null);
      int[] positions = new int[categories.length];
      int count = CategoryFilter.filter(categories, 0, categories.length, target, positions, 0);
      long[] out = new long[count];
      for (int i = 0; i < count; i++) {
        out[i] = positions[i];
      }
      return Map.of("positions", new Tensor.I64(new int[] {count}, out));
    }
  }
}
