package io.github.seqrec.models.cli;

import static io.github.seqrec.models.cli.KernelOp.TensorSpec.optional;
import static io.github.seqrec.models.cli.KernelOp.TensorSpec.required;

import io.github.seqrec.kernels.Activation;
import io.github.seqrec.kernels.Attention;
import io.github.seqrec.kernels.DinAttentionUnit;
import io.github.seqrec.models.cli.KernelOp.ParamSpec;
import io.github.seqrec.models.cli.KernelOp.TensorSpec;
import io.github.seqrec.models.tensors.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** CLI / golden adapters for the attention family. */
final class AttentionOps {
  private AttentionOps() {}

  static List<KernelOp> ops() {
    return List.of(new TargetAttention(), new TargetScores(), new Pool(), new TargetAttentionGathered(),
        new SoftmaxPoolGathered(), new SelfAttention(), new DinAttention());
  }

  private static final TensorSpec BIAS = optional("bias", "F32", "[L] | [H, L] | [B', H', L]",
      "additive bias after the scale: per key, per (head, key), or per (target, head, key) with B' in {1, B}, H' in {1, H}");

  private static final ParamSpec HEADS = new ParamSpec("heads", "int", null, "number of heads H");
  private static final ParamSpec VALID = new ParamSpec("valid", "int", "L", "attended keys: the first valid rows (0: zero output)");
  private static final ParamSpec SCALE = new ParamSpec("scale", "float", "1/sqrt(dk)", "logit scale");

  /** Width per head of a tensor's last dimension, which must split evenly into the heads. */
  private static int perHead(String name, int width, int heads) {
    if (heads <= 0) {
      throw new BadInputException("parameter 'heads' must be > 0, got " + heads);
    }
    if (width % heads != 0 || width == 0) {
      throw new BadInputException("tensor '" + name + "' last dimension " + width + " must be a positive multiple of heads = "
          + heads);
    }
    return width / heads;
  }

  private static void sameSize(String name, int actual, String what, int expected) {
    if (actual != expected) {
      throw new BadInputException("tensor '" + name + "' must have " + what + " = " + expected + ", got " + actual);
    }
  }

  private static int valid(OpInputs in, int l) {
    int valid = in.intParam("valid", l);
    if (valid < 0 || valid > l) {
      throw new BadInputException("parameter 'valid' must be in [0, " + l + "], got " + valid);
    }
    return valid;
  }

  /** The bias's (target, head) strides from its shape, or null when there is no bias. */
  private static int[] biasStrides(OpInputs in, int b, int heads, int keys) {
    if (!in.has("bias")) {
      return null;
    }
    int[] shape = in.f32("bias").shape();
    String bad = "tensor 'bias' must have shape [" + keys + "], [" + heads + ", " + keys + "] or [1|" + b + ", 1|" + heads
        + ", " + keys + "], got " + Arrays.toString(shape);
    if (shape.length == 0 || shape[shape.length - 1] != keys) {
      throw new BadInputException(bad);
    }
    return switch (shape.length) {
      case 1 -> new int[] {0, 0};
      case 2 -> {
        if (shape[0] != heads) {
          throw new BadInputException(bad);
        }
        yield new int[] {0, keys};
      }
      case 3 -> {
        if ((shape[0] != 1 && shape[0] != b) || (shape[1] != 1 && shape[1] != heads)) {
          throw new BadInputException(bad);
        }
        int headStride = shape[1] == 1 ? 0 : keys;
        yield new int[] {shape[0] == 1 ? 0 : shape[1] * keys, headStride};
      }
      default -> throw new BadInputException(bad);
    };
  }

  /** Scaled dot-product target attention over one shared history. */
  static final class TargetAttention implements KernelOp {
    @Override public String name() { return "target_attention"; }
    @Override public String summary() {
      return "out[t,h] = sum_{j<valid} softmax_j(scale q_{t,h}.k_{j,h} + bias) v_{j,h} (multi-head target attention)";
    }

    @Override
    public List<TensorSpec> inputs() {
      return List.of(
          required("q", "F32", "[B, H*dk]", "targets (queries)"),
          required("k", "F32", "[L, H*dk]", "history keys"),
          required("v", "F32", "[L, H*dv]", "history values"),
          BIAS);
    }

    @Override
    public List<TensorSpec> outputs() {
      return List.of(required("out", "F32", "[B, H*dv]", "pooled outputs, heads concatenated"));
    }

    @Override
    public List<ParamSpec> params() {
      return List.of(HEADS, VALID, SCALE);
    }

    @Override
    public Map<String, Tensor> run(OpInputs in) {
      int[] qs = in.shape("q", 2);
      int[] ks = in.shape("k", 2);
      int[] vs = in.shape("v", 2);
      int heads = in.intParam("heads", null);
      int b = qs[0];
      int l = ks[0];
      int dk = perHead("q", qs[1], heads);
      sameSize("k", ks[1], "columns (H*dk as q)", qs[1]);
      sameSize("v", vs[0], "rows (L as k)", l);
      int dv = perHead("v", vs[1], heads);
      int valid = valid(in, l);
      float scale = in.floatParam("scale", Attention.defaultScale(dk));
      int[] strides = biasStrides(in, b, heads, l);
      float[] bias = strides == null ? null : in.f32("bias").data();
      float[] out = Shapes.floats("out", b, heads, dv);
      float[] scratch = Shapes.scratch(name(), Attention.targetAttentionScratchSize(b, l, heads, dk));
      Attention.targetAttention(in.f32("q").data(), 0, b, in.f32("k").data(), 0, in.f32("v").data(), 0, l, valid,
          heads, dk, dv, scale, bias, 0, strides == null ? 0 : strides[0], strides == null ? 0 : strides[1],
          out, 0, scratch, 0);
      return Map.of("out", new Tensor.F32(new int[] {b, heads * dv}, out));
    }
  }

  /** The logits (or softmax weights) half of target attention. */
  static final class TargetScores implements KernelOp {
    @Override public String name() { return "target_scores"; }
    @Override public String summary() {
      return "scores[t,h,j] = scale q_{t,h}.k_{j,h} + bias (-inf past valid), or their softmax (0 past valid)";
    }

    @Override
    public List<TensorSpec> inputs() {
      return List.of(
          required("q", "F32", "[B, H*dk]", "targets (queries)"),
          required("k", "F32", "[L, H*dk]", "history keys"),
          BIAS);
    }

    @Override
    public List<TensorSpec> outputs() {
      return List.of(required("scores", "F32", "[B, H, L]", "raw logits or attention weights"));
    }

    @Override
    public List<ParamSpec> params() {
      return List.of(HEADS, VALID, SCALE,
          new ParamSpec("softmax", "bool", "false", "write softmax weights instead of raw logits"));
    }

    @Override
    public Map<String, Tensor> run(OpInputs in) {
      int[] qs = in.shape("q", 2);
      int[] ks = in.shape("k", 2);
      int heads = in.intParam("heads", null);
      int b = qs[0];
      int l = ks[0];
      int dk = perHead("q", qs[1], heads);
      sameSize("k", ks[1], "columns (H*dk as q)", qs[1]);
      int valid = valid(in, l);
      float scale = in.floatParam("scale", Attention.defaultScale(dk));
      boolean softmax = in.boolParam("softmax", false);
      int[] strides = biasStrides(in, b, heads, l);
      float[] bias = strides == null ? null : in.f32("bias").data();
      float[] scores = Shapes.floats("scores", b, heads, l);
      float[] scratch = Shapes.scratch(name(), Attention.targetScoresScratchSize(b, l, heads, dk));
      Attention.targetScores(in.f32("q").data(), 0, b, in.f32("k").data(), 0, l, valid, heads, dk, scale,
          bias, 0, strides == null ? 0 : strides[0], strides == null ? 0 : strides[1], softmax, scores, 0, scratch, 0);
      return Map.of("scores", new Tensor.F32(new int[] {b, heads, l}, scores));
    }
  }

  /** Pooling with given weights. */
  static final class Pool implements KernelOp {
    @Override public String name() { return "attention_pool"; }
    @Override public String summary() { return "out[t,h] = sum_{j<valid} weights[t,h,j] v_{j,h}"; }

    @Override
    public List<TensorSpec> inputs() {
      return List.of(
          required("weights", "F32", "[B, H, L]", "attention weights"),
          required("v", "F32", "[L, H*dv]", "values"));
    }

    @Override
    public List<TensorSpec> outputs() {
      return List.of(required("out", "F32", "[B, H*dv]", "pooled outputs"));
    }

    @Override
    public List<ParamSpec> params() {
      return List.of(VALID);
    }

    @Override
    public Map<String, Tensor> run(OpInputs in) {
      int[] ws = in.shape("weights", 3);
      int[] vs = in.shape("v", 2);
      int b = ws[0];
      int heads = ws[1];
      int l = ws[2];
      sameSize("v", vs[0], "rows (L of weights)", l);
      int dv = perHead("v", vs[1], heads);
      int valid = valid(in, l);
      float[] out = Shapes.floats("out", b, heads, dv);
      Attention.pool(in.f32("weights").data(), 0, b, in.f32("v").data(), 0, l, valid, heads, dv, out, 0);
      return Map.of("out", new Tensor.F32(new int[] {b, heads * dv}, out));
    }
  }

  /** Reads index [B, m] and the optional count [B]; returns {index, count-or-null, m}. */
  private static Object[] selection(OpInputs in, int b) {
    int[] is = in.shape("index", 2);
    sameSize("index", is[0], "rows (B)", b);
    int[] index = in.ints("index");
    int[] count = null;
    if (in.has("count")) {
      in.expectShape("count", b);
      count = in.ints("count");
    }
    return new Object[] {index, count, is[1]};
  }

  /** Each target attends over its own selected rows. */
  static final class TargetAttentionGathered implements KernelOp {
    @Override public String name() { return "target_attention_gathered"; }
    @Override public String summary() {
      return "out[t,h] = sum_{j<count[t]} softmax_j(scale q_{t,h}.k_{r,h} + bias[.., r]) v_{r,h}, r = index[t,j]";
    }

    @Override
    public List<TensorSpec> inputs() {
      return List.of(
          required("q", "F32", "[B, H*dk]", "targets (queries)"),
          required("k", "F32", "[n, H*dk]", "key rows"),
          required("v", "F32", "[n, H*dv]", "value rows"),
          required("index", "I64", "[B, m]", "selected rows per target"),
          optional("count", "I64", "[B]", "selected rows actually used per target (default m)"),
          optional("bias", "F32", "[n] | [H, n] | [B', H', n]", "additive bias indexed by key row"));
    }

    @Override
    public List<TensorSpec> outputs() {
      return List.of(required("out", "F32", "[B, H*dv]", "pooled outputs"));
    }

    @Override
    public List<ParamSpec> params() {
      return List.of(HEADS, SCALE);
    }

    @Override
    public Map<String, Tensor> run(OpInputs in) {
      int[] qs = in.shape("q", 2);
      int[] ks = in.shape("k", 2);
      int[] vs = in.shape("v", 2);
      int heads = in.intParam("heads", null);
      int b = qs[0];
      int n = ks[0];
      int dk = perHead("q", qs[1], heads);
      sameSize("k", ks[1], "columns (H*dk as q)", qs[1]);
      sameSize("v", vs[0], "rows (n as k)", n);
      int dv = perHead("v", vs[1], heads);
      Object[] sel = selection(in, b);
      int m = (Integer) sel[2];
      float scale = in.floatParam("scale", Attention.defaultScale(dk));
      int[] strides = biasStrides(in, b, heads, n);
      float[] bias = strides == null ? null : in.f32("bias").data();
      float[] out = Shapes.floats("out", b, heads, dv);
      float[] scratch = Shapes.scratch(name(), Attention.targetAttentionGatheredScratchSize(b, m, heads));
      try {
        Attention.targetAttentionGathered(in.f32("q").data(), 0, b, in.f32("k").data(), 0, in.f32("v").data(), 0, n,
            (int[]) sel[0], 0, m, (int[]) sel[1], 0, heads, dk, dv, scale,
            bias, 0, strides == null ? 0 : strides[0], strides == null ? 0 : strides[1], out, 0, scratch, 0);
      } catch (IllegalArgumentException e) {
        throw new BadInputException(e.getMessage(), e); // a bad index or count is the user's input
      }
      return Map.of("out", new Tensor.F32(new int[] {b, heads * dv}, out));
    }
  }

  /** Softmax over gathered precomputed logits, then pooling. */
  static final class SoftmaxPoolGathered implements KernelOp {
    @Override public String name() { return "softmax_pool_gathered"; }
    @Override public String summary() {
      return "out[t,h] = sum_{j<count[t]} softmax_j(scores[t,h,r]) v_{r,h}, r = index[t,j]";
    }

    @Override
    public List<TensorSpec> inputs() {
      return List.of(
          required("scores", "F32", "[B, H, n]", "logits over all rows (target_scores)"),
          required("v", "F32", "[n, H*dv]", "value rows"),
          required("index", "I64", "[B, m]", "selected rows per target"),
          optional("count", "I64", "[B]", "selected rows actually used per target (default m)"));
    }

    @Override
    public List<TensorSpec> outputs() {
      return List.of(required("out", "F32", "[B, H*dv]", "pooled outputs"));
    }

    @Override
    public List<ParamSpec> params() {
      return List.of();
    }

    @Override
    public Map<String, Tensor> run(OpInputs in) {
      int[] ss = in.shape("scores", 3);
      int[] vs = in.shape("v", 2);
      int b = ss[0];
      int heads = ss[1];
      int n = ss[2];
      sameSize("v", vs[0], "rows (n of scores)", n);
      int dv = perHead("v", vs[1], heads);
      Object[] sel = selection(in, b);
      int m = (Integer) sel[2];
      float[] out = Shapes.floats("out", b, heads, dv);
      float[] scratch = Shapes.scratch(name(), Attention.softmaxPoolGatheredScratchSize(b, m));
      try {
        Attention.softmaxPoolGathered(in.f32("scores").data(), 0, b, n, heads, in.f32("v").data(), 0, dv,
            (int[]) sel[0], 0, m, (int[]) sel[1], 0, out, 0, scratch, 0);
      } catch (IllegalArgumentException e) {
        throw new BadInputException(e.getMessage(), e);
      }
      return Map.of("out", new Tensor.F32(new int[] {b, heads * dv}, out));
    }
  }

  /** Multi-head self-attention, causal or bidirectional. */
  static final class SelfAttention implements KernelOp {
    @Override public String name() { return "self_attention"; }
    @Override public String summary() {
      return "out[i,h] = sum_{j<valid (, j<=i)} softmax_j(scale q_{i,h}.k_{j,h} + bias[h,i,j]) v_{j,h}";
    }

    @Override
    public List<TensorSpec> inputs() {
      return List.of(
          required("q", "F32", "[L, H*dk]", "queries"),
          required("k", "F32", "[L, H*dk]", "keys"),
          required("v", "F32", "[L, H*dv]", "values"),
          optional("bias", "F32", "[L, L] | [H, L, L]", "additive bias (shared by heads, or per head)"));
    }

    @Override
    public List<TensorSpec> outputs() {
      return List.of(required("out", "F32", "[L, H*dv]", "outputs, heads concatenated"));
    }

    @Override
    public List<ParamSpec> params() {
      return List.of(HEADS, VALID, SCALE, new ParamSpec("causal", "bool", "false", "position i sees only j <= i"));
    }

    @Override
    public Map<String, Tensor> run(OpInputs in) {
      int[] qs = in.shape("q", 2);
      int[] ks = in.shape("k", 2);
      int[] vs = in.shape("v", 2);
      int heads = in.intParam("heads", null);
      int l = qs[0];
      int dk = perHead("q", qs[1], heads);
      in.expectShape("k", l, qs[1]);
      sameSize("v", vs[0], "rows (L as q)", l);
      int dv = perHead("v", vs[1], heads);
      int valid = valid(in, l);
      float scale = in.floatParam("scale", Attention.defaultScale(dk));
      boolean causal = in.boolParam("causal", false);
      float[] bias = null;
      int headStride = 0;
      if (in.has("bias")) {
        int[] bs = in.f32("bias").shape();
        if (Arrays.equals(bs, new int[] {l, l})) {
          headStride = 0;
        } else if (Arrays.equals(bs, new int[] {heads, l, l})) {
          headStride = Shapes.elements("bias", l, l);
        } else {
          throw new BadInputException("tensor 'bias' must have shape [" + l + ", " + l + "] or [" + heads + ", " + l + ", "
              + l + "], got " + Arrays.toString(bs));
        }
        bias = in.f32("bias").data();
      }
      int qw = Shapes.product("H*dk", heads, dk);
      int vw = Shapes.product("H*dv", heads, dv);
      float[] out = Shapes.floats("out", l, vw);
      float[] scratch = Shapes.scratch(name(), Attention.selfAttentionScratchSize(l, heads, dk));
      Attention.selfAttention(in.f32("q").data(), 0, qw, in.f32("k").data(), 0, qw, in.f32("v").data(), 0, vw,
          l, valid, heads, dk, dv, causal, scale, bias, 0, headStride, out, 0, vw, scratch, 0);
      return Map.of("out", new Tensor.F32(new int[] {l, vw}, out));
    }
  }

  /** DIN's activation unit and its weighted sum. */
  static final class DinAttention implements KernelOp {
    @Override public String name() { return "din_attention"; }
    @Override public String summary() {
      return "weights[t,j] = MLP([q_t; k_j; q_t-k_j; q_t*k_j]) (0 past valid), out[t] = sum_j weights[t,j] k_j";
    }

    @Override
    public List<TensorSpec> inputs() {
      return List.of(
          required("q", "F32", "[B, d]", "targets"),
          required("k", "F32", "[L, d]", "behaviours"),
          required("layers.<i>.weight", "F32", "[h_i, in]", "hidden nn.Linear weights, i = 0.. (in = 4d for i = 0)"),
          optional("layers.<i>.bias", "F32", "[h_i]", "hidden nn.Linear biases"),
          optional("act.<i>.weight", "F32", "[1] | [h_i]", "nn.PReLU weight (prelu) or Dice batch-norm gamma (dice)"),
          optional("act.<i>.bias", "F32", "[h_i]", "Dice batch-norm beta"),
          optional("act.<i>.running_mean", "F32", "[h_i]", "Dice batch-norm running mean"),
          optional("act.<i>.running_var", "F32", "[h_i]", "Dice batch-norm running variance"),
          optional("act.<i>.alpha", "F32", "[h_i]", "Dice alpha"),
          required("out.weight", "F32", "[1, h_n]", "output nn.Linear weight"),
          optional("out.bias", "F32", "[1]", "output nn.Linear bias"));
    }

    @Override
    public List<TensorSpec> outputs() {
      return List.of(
          required("weights", "F32", "[B, L]", "attention weights"),
          required("out", "F32", "[B, d]", "weighted sums of the behaviours"));
    }

    @Override
    public List<ParamSpec> params() {
      return List.of(
          new ParamSpec("activations", "string", null, "per hidden layer: sigmoid, relu, tanh, prelu, dice or identity"),
          VALID,
          new ParamSpec("dice_eps", "float", "1e-8", "Dice batch-norm epsilon"),
          new ParamSpec("softmax_scale", "float", "none", "if given: softmax(scale * logits) over the valid positions"));
    }

    @Override
    public Map<String, Tensor> run(OpInputs in) {
      int[] qs = in.shape("q", 2);
      int[] ks = in.shape("k", 2);
      int b = qs[0];
      int d = qs[1];
      int l = ks[0];
      sameSize("k", ks[1], "columns (d as q)", d);
      if (d == 0) {
        throw new BadInputException("tensor 'q' must have d > 0 columns");
      }
      int valid = valid(in, l);
      DinAttentionUnit unit = unit(in, d);
      float[] weights = Shapes.floats("weights", b, l);
      float[] out = Shapes.floats("out", b, d);
      float[] q = in.f32("q").data();
      float[] k = in.f32("k").data();
      Attention.dinScores(unit, q, 0, b, k, 0, l, valid, weights, 0,
          Shapes.scratch(name(), Attention.dinScoresScratchSize(unit, b, l)), 0);
      Attention.pool(weights, 0, b, k, 0, l, valid, 1, d, out, 0);
      return Map.of("weights", new Tensor.F32(new int[] {b, l}, weights), "out", new Tensor.F32(new int[] {b, d}, out));
    }

    private static DinAttentionUnit unit(OpInputs in, int d) {
      String[] acts = in.stringParam("activations", null).split(",");
      List<String> names = new ArrayList<>();
      for (String a : acts) {
        names.add(a.trim().toLowerCase(Locale.ROOT));
      }
      float eps = in.floatParam("dice_eps", 1e-8f);
      DinAttentionUnit.Builder builder = DinAttentionUnit.builder(d);
      int inWidth = Shapes.product("the first layer's input width 4d", 4, d);
      int layer = 0;
      for (; in.has("layers." + layer + ".weight"); layer++) {
        String w = "layers." + layer + ".weight";
        int[] ws = in.shape(w, 2);
        in.expectShape(w, ws[0], inWidth);
        int out = ws[0];
        float[] bias = null;
        if (in.has("layers." + layer + ".bias")) {
          in.expectShape("layers." + layer + ".bias", out);
          bias = in.f32("layers." + layer + ".bias").data();
        }
        if (layer >= names.size()) {
          throw new BadInputException("parameter 'activations' names " + names.size() + " activations, but there are more "
              + "hidden layers (" + w + ")");
        }
        builder.hidden(in.f32(w).data(), bias, out, activation(in, names.get(layer), layer, out, eps));
        inWidth = out;
      }
      if (layer == 0) {
        throw new BadInputException("missing input tensor 'layers.0.weight' (the first hidden layer)");
      }
      if (layer != names.size()) {
        throw new BadInputException("parameter 'activations' names " + names.size() + " activations for " + layer
            + " hidden layers");
      }
      in.expectShape("out.weight", 1, inWidth);
      float[] outBias = null;
      if (in.has("out.bias")) {
        in.expectShape("out.bias", 1);
        outBias = in.f32("out.bias").data();
      }
      builder.output(in.f32("out.weight").data(), outBias);
      String scale = in.stringParam("softmax_scale", "");
      if (!scale.isBlank()) {
        builder.softmax(in.floatParam("softmax_scale", null));
      }
      return builder.build();
    }

    private static Activation activation(OpInputs in, String name, int layer, int channels, float eps) {
      String p = "act." + layer + ".";
      return switch (name) {
        case "sigmoid" -> Activation.sigmoid();
        case "relu" -> Activation.relu();
        case "tanh" -> Activation.tanh();
        case "identity", "none" -> Activation.identity();
        case "prelu" -> {
          float[] alpha = in.has(p + "weight") ? in.f32(p + "weight").data() : new float[] {0.25f};
          if (alpha.length != 1 && alpha.length != channels) {
            throw new BadInputException("tensor '" + p + "weight' must have 1 or " + channels + " values, got " + alpha.length);
          }
          yield Activation.prelu(alpha);
        }
        case "dice" -> {
          in.expectShape(p + "running_mean", channels);
          in.expectShape(p + "running_var", channels);
          in.expectShape(p + "alpha", channels);
          float[] gamma = null;
          float[] beta = null;
          if (in.has(p + "weight")) {
            in.expectShape(p + "weight", channels);
            gamma = in.f32(p + "weight").data();
          }
          if (in.has(p + "bias")) {
            in.expectShape(p + "bias", channels);
            beta = in.f32(p + "bias").data();
          }
          try {
            yield Activation.dice(in.f32(p + "running_mean").data(), in.f32(p + "running_var").data(),
                gamma, beta, in.f32(p + "alpha").data(), eps);
          } catch (IllegalArgumentException e) {
            throw new BadInputException("layer " + layer + " Dice: " + e.getMessage(), e);
          }
        }
        default -> throw new BadInputException("parameter 'activations' entry " + layer + " must be sigmoid, relu, tanh, "
            + "prelu, dice or identity, got '" + name + "'");
      };
    }
  }
}
