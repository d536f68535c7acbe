package io.github.seqrec.models.cli;

import static io.github.seqrec.models.cli.KernelOp.TensorSpec.optional;
import static io.github.seqrec.models.cli.KernelOp.TensorSpec.required;

import io.github.seqrec.kernels.Normalization;
import io.github.seqrec.models.tensors.Tensor;
import java.util.List;
import java.util.Map;

/** CLI / golden adapters for the normalization family ({@link Normalization}). */
final class NormalizationOps {
  private NormalizationOps() {}

  static List<KernelOp> ops() {
    return List.of(new LayerNorm(), new BatchNorm(), new L2Normalize());
  }

  /** Rows of the last axis: {@code [rows, d]} from any shape with a last axis of d >= 1. */
  private static int[] rowsAndWidth(OpInputs in) {
    Tensor.F32 x = in.f32("x");
    int[] shape = x.shape();
    if (shape.length == 0 || shape[shape.length - 1] == 0) {
      throw new BadInputException("tensor 'x' must have a non-empty last axis, got " + x.describe());
    }
    int d = shape[shape.length - 1];
    return new int[] {x.data().length / d, d};
  }

  private static float[] optionalVector(OpInputs in, String name, int d) {
    return in.has(name) ? ActivationOps.channelVector(in, name, d) : null;
  }

  /** {@code F.layer_norm(x, [d], weight, bias, eps)}. */
  static final class LayerNorm implements KernelOp {
    @Override public String name() { return "layer_norm"; }
    @Override public String summary() { return "y = (x - mean) / sqrt(var + eps) * weight + bias over the last axis (F.layer_norm)"; }

    @Override
    public List<TensorSpec> inputs() {
      return List.of(required("x", "F32", "[rows, d]", "input rows"),
          optional("weight", "F32", "[d]", "gamma (absent: no affine, as HSTU)"),
          optional("bias", "F32", "[d]", "beta (absent: no affine)"));
    }

    @Override public List<TensorSpec> outputs() { return List.of(required("y", "F32", "[rows, d]", "normalized rows")); }
    @Override public List<ParamSpec> params() { return List.of(new ParamSpec("eps", "float", "1e-5", "variance floor")); }

    @Override
    public Map<String, Tensor> run(OpInputs in) {
      int[] rd = rowsAndWidth(in);
      Tensor.F32 x = in.f32("x");
      float[] y = Shapes.floats("y", x.shape());
      Normalization.layerNorm(x.data(), 0, y, 0, rd[0], rd[1], optionalVector(in, "weight", rd[1]),
          optionalVector(in, "bias", rd[1]), in.floatParam("eps", 1e-5f));
      return Map.of("y", new Tensor.F32(x.shape().clone(), y));
    }
  }

  /** {@code F.batch_norm(x, running_mean, running_var, weight, bias, training=False, eps)}. */
  static final class BatchNorm implements KernelOp {
    @Override public String name() { return "batch_norm"; }
    @Override public String summary() { return "y = weight (x - running_mean) / sqrt(running_var + eps) + bias per column (eval batch norm)"; }

    @Override
    public List<TensorSpec> inputs() {
      return List.of(required("x", "F32", "[rows, C]", "input rows"),
          required("running_mean", "F32", "[C]", "stored mean"),
          required("running_var", "F32", "[C]", "stored variance"),
          optional("weight", "F32", "[C]", "gamma (absent: affine=False)"),
          optional("bias", "F32", "[C]", "beta (absent: affine=False)"));
    }

    @Override public List<TensorSpec> outputs() { return List.of(required("y", "F32", "[rows, C]", "normalized rows")); }
    @Override public List<ParamSpec> params() { return List.of(new ParamSpec("eps", "float", "1e-5", "variance floor")); }

    @Override
    public Map<String, Tensor> run(OpInputs in) {
      int[] rc = rowsAndWidth(in);
      Tensor.F32 x = in.f32("x");
      float[] y = Shapes.floats("y", x.shape());
      Normalization.batchNorm(x.data(), 0, y, 0, rc[0], rc[1],
          ActivationOps.channelVector(in, "running_mean", rc[1]), ActivationOps.channelVector(in, "running_var", rc[1]),
          optionalVector(in, "weight", rc[1]), optionalVector(in, "bias", rc[1]), in.floatParam("eps", 1e-5f));
      return Map.of("y", new Tensor.F32(x.shape().clone(), y));
    }
  }

  /** {@code F.normalize(x, p=2, dim=-1, eps)}. */
  static final class L2Normalize implements KernelOp {
    @Override public String name() { return "l2_normalize"; }
    @Override public String summary() { return "y = x / max(||x||_2, eps) per row (F.normalize)"; }
    @Override public List<TensorSpec> inputs() { return List.of(required("x", "F32", "[rows, d]", "input rows")); }
    @Override public List<TensorSpec> outputs() { return List.of(required("y", "F32", "[rows, d]", "unit rows")); }
    @Override public List<ParamSpec> params() { return List.of(new ParamSpec("eps", "float", "1e-12", "norm floor")); }

    @Override
    public Map<String, Tensor> run(OpInputs in) {
      int[] rd = rowsAndWidth(in);
      Tensor.F32 x = in.f32("x");
      float[] y = Shapes.floats("y", x.shape());
      Normalization.l2Normalize(x.data(), 0, y, 0, rd[0], rd[1], in.floatParam("eps", 1e-12f));
      return Map.of("y", new Tensor.F32(x.shape().clone(), y));
    }
  }
}
