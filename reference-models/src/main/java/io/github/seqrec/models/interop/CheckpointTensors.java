package io.github.seqrec.models.interop;

import io.github.seqrec.models.tensors.Tensor;
import io.github.seqrec.models.torch.TorchCheckpoint;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A peer's {@code state_dict} with the look-ups importers need: float tensors by name with their
 * shape checked, and the layer numbers under a prefix. Every failure names the checkpoint, the
 * tensor and what was expected, so a checkpoint of another model or configuration is reported,
 * not mis-mapped.
 */
public final class CheckpointTensors {
  private final String peer;
  private final Path file;
  private final Map<String, Tensor> tensors;

  private CheckpointTensors(String peer, Path file, Map<String, Tensor> tensors) {
    this.peer = peer;
    this.file = file;
    this.tensors = tensors;
  }

  /** Reads the state dict of {@code checkpoint}, a {@code torch.save(model.state_dict())} file. */
  public static CheckpointTensors read(String peer, Path checkpoint) throws IOException {
    return new CheckpointTensors(peer, checkpoint, TorchCheckpoint.read(checkpoint).stateDict());
  }

  public boolean has(String name) {
    return tensors.containsKey(name);
  }

  /** The names, in the checkpoint's order. */
  public Iterable<String> names() {
    return tensors.keySet();
  }

  /** The float tensor {@code name}, whatever its shape. */
  public Tensor.F32 f32(String name) {
    Tensor t = tensors.get(name);
    if (t == null) {
      throw mismatch("no tensor '" + name + "'");
    }
    if (!(t instanceof Tensor.F32 f)) {
      throw mismatch("tensor '" + name + "' is " + t.describe() + ", expected float32");
    }
    return f;
  }

  /** The float tensor {@code name}, which must have exactly {@code shape}. */
  public Tensor.F32 f32(String name, int... shape) {
    Tensor.F32 f = f32(name);
    if (!Arrays.equals(f.shape(), shape)) {
      throw mismatch("tensor '" + name + "' is " + f.describe() + ", expected F32" + Arrays.toString(shape));
    }
    return f;
  }

  /** The shape of {@code name}. */
  public int[] shape(String name) {
    return f32(name).shape();
  }

  /** The numbers {@code k} for which {@code prefix + k + suffix} is a tensor, ascending. */
  public TreeSet<Integer> indices(String prefix, String suffix) {
    Pattern p = Pattern.compile(Pattern.quote(prefix) + "(\\d+)" + Pattern.quote(suffix));
    TreeSet<Integer> out = new TreeSet<>();
    for (String name : tensors.keySet()) {
      Matcher m = p.matcher(name);
      if (m.matches()) {
        out.add(Integer.parseInt(m.group(1)));
      }
    }
    return out;
  }

  /** An {@link IllegalArgumentException} naming the peer and the checkpoint file. */
  public IllegalArgumentException mismatch(String what) {
    return new IllegalArgumentException(peer + " checkpoint " + file + ": " + what);
  }

  /** A float vector of {@code n} copies of {@code value} (an absent affine scale or shift). */
  public static Tensor.F32 filled(int n, float value) {
    float[] data = new float[n];
    Arrays.fill(data, value);
    return new Tensor.F32(new int[] {n}, data);
  }

  /** The same values under another shape of the same size ({@code [H, 1]} to {@code [H]}). */
  public static Tensor.F32 reshape(Tensor.F32 t, int... shape) {
    return new Tensor.F32(shape, t.data());
  }

  /**
   * The columns of a {@code [rows, cols]} matrix rearranged: column {@code j} of the result is
   * column {@code sourceColumn[j]} of {@code w} (a first layer whose input blocks come in
   * another order).
   */
  public static Tensor.F32 permuteColumns(Tensor.F32 w, int[] sourceColumn) {
    int rows = w.shape()[0];
    int cols = w.shape()[1];
    if (sourceColumn.length != cols) {
      throw new IllegalArgumentException("column map has " + sourceColumn.length + " entries for " + cols + " columns");
    }
    float[] out = new float[rows * cols];
    for (int r = 0; r < rows; r++) {
      for (int j = 0; j < cols; j++) {
        out[r * cols + j] = w.data()[r * cols + sourceColumn[j]];
      }
    }
    return new Tensor.F32(w.shape().clone(), out);
  }

  /** {@code nn.BatchNorm1d}'s default eps. */
  public static final double BATCH_NORM_EPS = 1e-5;

  /**
   * {@code BN(W x + b)} in eval form as one linear layer: per output channel {@code k},
   * {@code s_k = gamma_k / sqrt(var_k + eps)}, {@code W'_k = s_k W_k},
   * {@code b'_k = s_k (b_k - mean_k) + beta_k} (computed in double), with
   * {@code nn.BatchNorm1d}'s default eps 1e-5 (FuxiCTR's MLP_Block, RecBole's MLPLayers).
   */
  public static Tensor.F32[] foldBatchNorm(Tensor.F32 w, Tensor.F32 b, Tensor.F32 gamma, Tensor.F32 beta,
                                           Tensor.F32 mean, Tensor.F32 var) {
    int rows = w.shape()[0];
    int cols = w.shape()[1];
    float[] weight = new float[rows * cols];
    float[] bias = new float[rows];
    for (int k = 0; k < rows; k++) {
      double scale = gamma.data()[k] / Math.sqrt(var.data()[k] + BATCH_NORM_EPS);
      for (int j = 0; j < cols; j++) {
        weight[k * cols + j] = (float) (scale * w.data()[k * cols + j]);
      }
      bias[k] = (float) (scale * (b.data()[k] - mean.data()[k]) + beta.data()[k]);
    }
    return new Tensor.F32[] {new Tensor.F32(new int[] {rows, cols}, weight), new Tensor.F32(new int[] {rows}, bias)};
  }
}
