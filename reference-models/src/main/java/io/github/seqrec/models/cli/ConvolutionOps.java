package io.github.seqrec.models.cli;

import static io.github.seqrec.models.cli.KernelOp.TensorSpec.optional;
import static io.github.seqrec.models.cli.KernelOp.TensorSpec.required;

import io.github.seqrec.kernels.Activation;
import io.github.seqrec.kernels.Convolution;
import io.github.seqrec.kernels.PackedCausalConv;
import io.github.seqrec.kernels.PackedHorizontalConv;
import io.github.seqrec.kernels.PackedVerticalConv;
import io.github.seqrec.models.tensors.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** CLI / golden adapters for the convolution family (NextItNet's causal convolution, Caser's convolutions). */
final class ConvolutionOps {
  private ConvolutionOps() {}

  static List<KernelOp> ops() {
    return List.of(new CausalConv1d(false), new CausalConv1d(true), new CaserHorizontal(), new CaserVertical());
  }

  /** {@code nn.Conv1d(dilation=r)} on the left-zero-padded sequence: all rows, or the last one. */
  static final class CausalConv1d implements KernelOp {
    private final boolean lastOnly;

    CausalConv1d(boolean lastOnly) {
      this.lastOnly = lastOnly;
    }

    @Override public String name() { return lastOnly ? "causal_conv1d_last" : "causal_conv1d"; }

    @Override
    public String summary() {
      return lastOnly
          ? "last row of the dilated causal conv: y = b + sum_m W[:,:,m] x[L-1-(k-1-m) r] (NextItNet serving)"
          : "dilated causal conv: y[t] = b + sum_m W[:,:,m] x[t-(k-1-m) r], x[<0] = 0 (NextItNet)";
    }

    @Override
    public List<TensorSpec> inputs() {
      return List.of(
          required("x", "F32", "[L, C_in]", "sequence, oldest position first"),
          required("weight", "F32", "[C_out, C_in, k]", "nn.Conv1d weight"),
          optional("bias", "F32", "[C_out]", "nn.Conv1d bias"));
    }

    @Override
    public List<TensorSpec> outputs() {
      return List.of(lastOnly
          ? required("y", "F32", "[C_out]", "output at the last position")
          : required("y", "F32", "[L, C_out]", "output rows"));
    }

    @Override
    public List<ParamSpec> params() {
      return List.of(new ParamSpec("dilation", "int", "1", "dilation r (left padding (k-1) r)"));
    }

    @Override
    public Map<String, Tensor> run(OpInputs in) {
      int[] xs = in.shape("x", 2);
      int[] ws = in.shape("weight", 3);
      int length = xs[0];
      int cIn = xs[1];
      int cOut = ws[0];
      if (ws[1] != cIn) {
        throw new BadInputException("tensor 'weight' must have shape [C_out, " + cIn + ", k] to match x, got "
            + Arrays.toString(ws));
      }
      float[] bias = null;
      if (in.has("bias")) {
        in.expectShape("bias", cOut);
        bias = in.f32("bias").data();
      }
      PackedCausalConv conv = Convolution.packCausalConv1d(in.f32("weight").data(), bias, cOut, cIn, ws[2],
          in.intParam("dilation", 1));
      float[] x = in.f32("x").data();
      if (lastOnly) {
        if (length == 0) {
          throw new BadInputException("tensor 'x' must have at least one row for causal_conv1d_last, got [0, " + cIn + "]");
        }
        float[] y = Shapes.floats("y", cOut);
        Convolution.causalConv1dLast(x, 0, length, conv, y, 0);
        return Map.of("y", new Tensor.F32(new int[] {cOut}, y));
      }
      float[] y = Shapes.floats("y", length, cOut);
      Convolution.causalConv1d(x, 0, length, conv, y, 0);
      return Map.of("y", new Tensor.F32(new int[] {length, cOut}, y));
    }
  }

  /** Caser's horizontal convolutions, activation, max-pool over time, concatenated over heights. */
  static final class CaserHorizontal implements KernelOp {
    @Override public String name() { return "caser_horizontal"; }

    @Override
    public String summary() {
      return "Caser conv_h: per height h, o[h] = act(max_i (b_h + W_h * E[i..i+h-1])), heights ascending";
    }

    @Override
    public List<TensorSpec> inputs() {
      return List.of(
          required("e", "F32", "[L, d]", "item embeddings of the window, oldest first"),
          required("weight_<h>", "F32", "[nh, 1, h, d]", "nn.Conv2d(1, nh, (h, d)) weight, one per height h (1..L)"),
          optional("bias_<h>", "F32", "[nh]", "its bias"));
    }

    @Override
    public List<TensorSpec> outputs() {
      return List.of(required("o_h", "F32", "[H nh]", "pooled values, height-major (Caser's torch.cat(out_hs, 1))"));
    }

    @Override
    public List<ParamSpec> params() {
      return List.of(new ParamSpec("activation", "string", "relu", "ac_conv: relu, identity (iden), tanh, sigmoid (sigm)"));
    }

    @Override
    public Map<String, Tensor> run(OpInputs in) {
      int[] es = in.shape("e", 2);
      int length = es[0];
      int d = es[1];
      // Heights from the tensors present (not a loop up to L, which an empty [2^31-1, 0] window
      // would turn into billions of look-ups).
      java.util.TreeSet<Integer> present = new java.util.TreeSet<>();
      for (String name : in.names()) {
        if (name.startsWith("weight_")) {
          int h;
          try {
            h = Integer.parseInt(name.substring("weight_".length()));
          } catch (NumberFormatException e) {
            continue; // not a height: reported as unused by the CLI
          }
          if (h < 1 || h > length) {
            throw new BadInputException("tensor '" + name + "' must have a height in [1, L = " + length + "]"
                + (h > length ? " (it is taller than the window)" : ""));
          }
          present.add(h);
        }
      }
      List<Integer> heights = new ArrayList<>();
      List<float[]> weights = new ArrayList<>();
      List<float[]> biases = new ArrayList<>();
      int nh = -1;
      for (int h : present) {
        String name = "weight_" + h;
        int[] ws = in.shape(name, 4);
        if (nh < 0) {
          nh = ws[0];
        }
        in.expectShape(name, nh, 1, h, d);
        heights.add(h);
        weights.add(in.f32(name).data());
        if (in.has("bias_" + h)) {
          in.expectShape("bias_" + h, nh);
          biases.add(in.f32("bias_" + h).data());
        } else {
          biases.add(null);
        }
      }
      if (heights.isEmpty()) {
        throw new BadInputException("caser_horizontal needs at least one tensor 'weight_<h>' with 1 <= h <= L = " + length);
      }
      PackedHorizontalConv conv = Convolution.packHorizontal(heights.stream().mapToInt(Integer::intValue).toArray(),
          weights.toArray(float[][]::new), biases.toArray(float[][]::new), nh, d, activation(in));
      float[] out = Shapes.floats("o_h", heights.size(), nh);
      float[] scratch = Shapes.scratch(name(), Convolution.horizontalScratchSize(length, conv));
      Convolution.horizontal(in.f32("e").data(), 0, length, conv, out, 0, scratch, 0);
      return Map.of("o_h", new Tensor.F32(new int[] {out.length}, out));
    }

    private static Activation activation(OpInputs in) {
      String name = in.stringParam("activation", "relu").trim().toLowerCase(Locale.ROOT);
      return switch (name) {
        case "relu" -> Activation.relu();
        case "identity", "iden", "none" -> Activation.identity();
        case "tanh" -> Activation.tanh();
        case "sigmoid", "sigm" -> Activation.sigmoid();
        default -> throw new BadInputException("parameter 'activation' must be relu, identity, tanh or sigmoid, got '"
            + name + "'");
      };
    }
  }

  /** Caser's vertical convolution {@code nn.Conv2d(1, nv, (L, 1))}: {@code o_v = F E + b}. */
  static final class CaserVertical implements KernelOp {
    @Override public String name() { return "caser_vertical"; }
    @Override public String summary() { return "Caser conv_v: o_v[f][c] = b[f] + sum_l F[f][l] E[l][c]"; }

    @Override
    public List<TensorSpec> inputs() {
      return List.of(
          required("e", "F32", "[L, d]", "item embeddings of the window"),
          required("weight", "F32", "[nv, 1, L, 1]", "nn.Conv2d(1, nv, (L, 1)) weight"),
          optional("bias", "F32", "[nv]", "its bias"));
    }

    @Override
    public List<TensorSpec> outputs() {
      return List.of(required("o_v", "F32", "[nv, d]", "vertical features (flattened first in Caser's o)"));
    }

    @Override
    public List<ParamSpec> params() {
      return List.of();
    }

    @Override
    public Map<String, Tensor> run(OpInputs in) {
      int[] es = in.shape("e", 2);
      int length = es[0];
      int d = es[1];
      int nv = in.shape("weight", 4)[0];
      in.expectShape("weight", nv, 1, length, 1);
      float[] bias = null;
      if (in.has("bias")) {
        in.expectShape("bias", nv);
        bias = in.f32("bias").data();
      }
      PackedVerticalConv conv = Convolution.packVertical(in.f32("weight").data(), bias, nv, length);
      float[] out = Shapes.floats("o_v", nv, d);
      Convolution.vertical(in.f32("e").data(), 0, length, d, conv, out, 0);
      return Map.of("o_v", new Tensor.F32(new int[] {nv, d}, out));
    }
  }
}
