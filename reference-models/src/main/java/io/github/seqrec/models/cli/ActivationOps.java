package io.github.seqrec.models.cli;

import static io.github.seqrec.models.cli.KernelOp.TensorSpec.optional;
import static io.github.seqrec.models.cli.KernelOp.TensorSpec.required;

import io.github.seqrec.kernels.Activations;
import io.github.seqrec.models.tensors.Tensor;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** CLI / golden adapters for the activations family ({@link Activations}). */
final class ActivationOps {
  private ActivationOps() {}

  static List<KernelOp> ops() {
    return List.of(
        new Unary("sigmoid", "y = 1 / (1 + exp(-x)) (torch.sigmoid)", Activations::sigmoid),
        new Unary("tanh", "y = tanh(x) (torch.tanh)", Activations::tanh),
        new Unary("relu", "y = max(0, x) (F.relu)", Activations::relu),
        new Unary("silu", "y = x sigmoid(x) (F.silu)", Activations::silu),
        new LeakyRelu(), new Prelu(), new Gelu(), new Dice(), new Softmax(), new LogSoftmax());
  }

  /** An element-wise kernel {@code (x, xOff, y, yOff, n)}. */
  interface ElementWise {
    void apply(float[] x, int xOff, float[] y, int yOff, int n);
  }

  /** The input {@code x} of any shape, flattened; the output has the same shape. */
  static Map<String, Tensor> elementWise(OpInputs in, ElementWise kernel) {
    Tensor.F32 x = in.f32("x");
    float[] y = Shapes.floats("y", x.data().length);
    kernel.apply(x.data(), 0, y, 0, y.length);
    return Map.of("y", new Tensor.F32(x.shape().clone(), y));
  }

  private static List<KernelOp.TensorSpec> xIn() {
    return List.of(required("x", "F32", "[...]", "input values, any shape"));
  }

  private static List<KernelOp.TensorSpec> yOut() {
    return List.of(required("y", "F32", "[...]", "output, the shape of x"));
  }

  /** sigmoid, tanh, relu, silu. */
  record Unary(String name, String summary, ElementWise kernel) implements KernelOp {
    @Override public List<TensorSpec> inputs() { return xIn(); }
    @Override public List<TensorSpec> outputs() { return yOut(); }
    @Override public List<ParamSpec> params() { return List.of(); }
    @Override public Map<String, Tensor> run(OpInputs in) { return elementWise(in, kernel); }
  }

  /** {@code F.leaky_relu(x, negative_slope)}. */
  static final class LeakyRelu implements KernelOp {
    @Override public String name() { return "leaky_relu"; }
    @Override public String summary() { return "y = x > 0 ? x : negative_slope x (F.leaky_relu)"; }
    @Override public List<TensorSpec> inputs() { return xIn(); }
    @Override public List<TensorSpec> outputs() { return yOut(); }

    @Override
    public List<ParamSpec> params() {
      return List.of(new ParamSpec("negative_slope", "float", "0.01", "slope for x <= 0 (TF and SURGE use 0.2)"));
    }

    @Override
    public Map<String, Tensor> run(OpInputs in) {
      float slope = in.floatParam("negative_slope", 0.01f);
      return elementWise(in, (x, xo, y, yo, n) -> Activations.leakyRelu(x, xo, y, yo, n, slope));
    }
  }

  /** {@code F.prelu(x, weight)} with channels = the last axis (or one shared slope). */
  static final class Prelu implements KernelOp {
    @Override public String name() { return "prelu"; }
    @Override public String summary() { return "y = max(0, x) + weight[c] min(0, x), c = last axis (F.prelu)"; }

    @Override
    public List<TensorSpec> inputs() {
      return List.of(required("x", "F32", "[rows, C]", "input, channels on the last axis"),
          required("weight", "F32", "[C] or [1]", "nn.PReLU weight: one slope per channel, or one shared"));
    }

    @Override public List<TensorSpec> outputs() { return yOut(); }
    @Override public List<ParamSpec> params() { return List.of(); }

    @Override
    public Map<String, Tensor> run(OpInputs in) {
      int[] ws = in.shape("weight", 1);
      int channels = ws[0];
      if (channels != 1) {
        int last = lastAxis(in, "x");
        if (last != channels) {
          throw new BadInputException("tensor 'weight' must have 1 or " + last + " (x's last axis) slopes, got " + channels);
        }
      }
      float[] alpha = in.f32("weight").data();
      return elementWise(in, (x, xo, y, yo, n) -> Activations.prelu(x, xo, y, yo, n, alpha, 0, channels));
    }
  }

  /** {@code F.gelu(x, approximate)}. */
  static final class Gelu implements KernelOp {
    @Override public String name() { return "gelu"; }
    @Override public String summary() { return "y = x Phi(x) (F.gelu; approximate=tanh for the tanh form)"; }
    @Override public List<TensorSpec> inputs() { return xIn(); }
    @Override public List<TensorSpec> outputs() { return yOut(); }

    @Override
    public List<ParamSpec> params() {
      return List.of(new ParamSpec("approximate", "string", "none", "'none' (exact, erf) or 'tanh'"));
    }

    @Override
    public Map<String, Tensor> run(OpInputs in) {
      String approximate = in.stringParam("approximate", "none").trim().toLowerCase(Locale.ROOT);
      return switch (approximate) {
        case "none" -> elementWise(in, Activations::gelu);
        case "tanh" -> elementWise(in, Activations::geluTanh);
        default -> throw new BadInputException("parameter 'approximate' must be none or tanh, got '" + approximate + "'");
      };
    }
  }

  /** Eval-mode Dice (DIN) with nn.BatchNorm1d's running statistics. */
  static final class Dice implements KernelOp {
    @Override public String name() { return "dice"; }

    @Override
    public String summary() {
      return "p = sigmoid(BatchNorm1d.eval()(x)), y = p x + (1 - p) alpha x (DIN Dice, inference form)";
    }

    @Override
    public List<TensorSpec> inputs() {
      return List.of(required("x", "F32", "[rows, C]", "input"),
          required("running_mean", "F32", "[C]", "batch norm running mean"),
          required("running_var", "F32", "[C]", "batch norm running variance"),
          optional("weight", "F32", "[C]", "batch norm gamma (absent: affine=False)"),
          optional("bias", "F32", "[C]", "batch norm beta (absent: affine=False)"),
          required("alpha", "F32", "[C]", "Dice's per-channel alpha"));
    }

    @Override public List<TensorSpec> outputs() { return yOut(); }

    @Override
    public List<ParamSpec> params() {
      return List.of(new ParamSpec("eps", "float", "1e-8", "batch norm eps"));
    }

    @Override
    public Map<String, Tensor> run(OpInputs in) {
      int channels = lastAxis(in, "x");
      float[] mean = channelVector(in, "running_mean", channels);
      float[] var = channelVector(in, "running_var", channels);
      float[] gamma = in.has("weight") ? channelVector(in, "weight", channels) : null;
      float[] beta = in.has("bias") ? channelVector(in, "bias", channels) : null;
      float[] alpha = channelVector(in, "alpha", channels);
      float eps = in.floatParam("eps", 1e-8f);
      return elementWise(in, (x, xo, y, yo, n) ->
          Activations.dice(x, xo, y, yo, n, channels, mean, var, gamma, beta, alpha, eps));
    }
  }

  /** Softmax over the last axis, with optional per-row valid lengths or a boolean mask. */
  static final class Softmax implements KernelOp {
    @Override public String name() { return "softmax"; }

    @Override
    public String summary() {
      return "softmax over the last axis; masked positions 0, a fully masked (empty) row all zeros";
    }

    @Override
    public List<TensorSpec> inputs() {
      return List.of(required("x", "F32", "[rows, n]", "logits"),
          optional("valid", "I64", "[rows]", "valid (unpadded) length of each row"),
          optional("mask", "BOOL", "[rows, n]", "true = keep"));
    }

    @Override public List<TensorSpec> outputs() { return List.of(required("y", "F32", "[rows, n]", "probabilities")); }
    @Override public List<ParamSpec> params() { return List.of(); }

    @Override
    public Map<String, Tensor> run(OpInputs in) {
      Tensor.F32 x = in.f32("x");
      int n = lastAxis(in, "x");
      int rows = n == 0 ? 0 : x.data().length / n;
      float[] y = Shapes.floats("y", x.shape());
      if (in.has("mask") && in.has("valid")) {
        throw new BadInputException("give either 'valid' or 'mask', not both");
      }
      if (in.has("mask")) {
        in.expectShape("mask", x.shape());
        boolean[] mask = in.bool("mask").data();
        for (int r = 0; r < rows; r++) {
          Activations.softmaxMasked(x.data(), r * n, y, r * n, n, mask, r * n);
        }
      } else {
        int[] valid = validLengths(in, rows, n);
        for (int r = 0; r < rows; r++) {
          Activations.softmax(x.data(), r * n, y, r * n, n, valid[r]);
        }
      }
      return Map.of("y", new Tensor.F32(x.shape().clone(), y));
    }
  }

  /** Log-softmax over the last axis with optional per-row valid lengths. */
  static final class LogSoftmax implements KernelOp {
    @Override public String name() { return "log_softmax"; }
    @Override public String summary() { return "log-softmax over the last axis; positions past valid get -inf"; }

    @Override
    public List<TensorSpec> inputs() {
      return List.of(required("x", "F32", "[rows, n]", "logits"),
          optional("valid", "I64", "[rows]", "valid (unpadded) length of each row"));
    }

    @Override public List<TensorSpec> outputs() { return List.of(required("y", "F32", "[rows, n]", "log-probabilities")); }
    @Override public List<ParamSpec> params() { return List.of(); }

    @Override
    public Map<String, Tensor> run(OpInputs in) {
      Tensor.F32 x = in.f32("x");
      int n = lastAxis(in, "x");
      int rows = n == 0 ? 0 : x.data().length / n;
      int[] valid = validLengths(in, rows, n);
      float[] y = Shapes.floats("y", x.shape());
      for (int r = 0; r < rows; r++) {
        Activations.logSoftmax(x.data(), r * n, y, r * n, n, valid[r]);
      }
      return Map.of("y", new Tensor.F32(x.shape().clone(), y));
    }
  }

  /** The size of the tensor's last axis (1 for a scalar). */
  static int lastAxis(OpInputs in, String name) {
    int[] shape = in.f32(name).shape();
    return shape.length == 0 ? 1 : shape[shape.length - 1];
  }

  /** Per-row valid lengths from the optional tensor {@code valid}, each in [0, n]; all n without it. */
  static int[] validLengths(OpInputs in, int rows, int n) {
    int[] valid = new int[rows];
    if (!in.has("valid")) {
      Arrays.fill(valid, n);
      return valid;
    }
    in.expectShape("valid", rows);
    int[] given = in.ints("valid");
    for (int r = 0; r < rows; r++) {
      if (given[r] < 0 || given[r] > n) {
        throw new BadInputException("tensor 'valid' value " + given[r] + " at row " + r + " must be in [0, " + n + "]");
      }
      valid[r] = given[r];
    }
    return valid;
  }

  /** A per-channel F32 vector of exactly {@code channels} values. */
  static float[] channelVector(OpInputs in, String name, int channels) {
    in.expectShape(name, channels);
    return in.f32(name).data();
  }
}
