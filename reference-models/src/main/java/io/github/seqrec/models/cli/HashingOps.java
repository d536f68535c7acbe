package io.github.seqrec.models.cli;

import static io.github.seqrec.models.cli.KernelOp.TensorSpec.required;

import io.github.seqrec.kernels.Hamming;
import io.github.seqrec.kernels.SignatureBlock;
import io.github.seqrec.kernels.SimHash;
import io.github.seqrec.models.tensors.Tensor;
import java.util.List;
import java.util.Map;

/** CLI / golden adapters for the hashing family (ETA's SimHash and Hamming search). */
final class HashingOps {
  private HashingOps() {}

  static List<KernelOp> ops() {
    return List.of(new Planes(), new Signatures(), new Distances(), new TopK());
  }

  /** The {@code layout} parameter: {@code rows} (row-major) or {@code blocked} (a prepared SignatureBlock). */
  private static final KernelOp.ParamSpec LAYOUT = new KernelOp.ParamSpec("layout", "string", "rows",
      "rows: row-major signatures; blocked: searched through a prepared SignatureBlock (word-major blocks of 8)");

  private static boolean blocked(OpInputs in) {
    String layout = in.stringParam("layout", "rows").trim();
    return switch (layout) {
      case "rows" -> false;
      case "blocked" -> true;
      default -> throw new BadInputException("parameter 'layout' must be rows or blocked, got '" + layout + "'");
    };
  }

  /** Words per signature from an I64 tensor's last axis. */
  private static int words(String name, int[] shape) {
    int words = shape[shape.length - 1];
    if (words <= 0) {
      throw new BadInputException("tensor '" + name + "' must have at least one 64-bit word per signature, got shape "
          + java.util.Arrays.toString(shape));
    }
    return words;
  }

  /** {@code SimHash.planes(seed, d, m)}: the reproducible Gaussian plane matrix. */
  static final class Planes implements KernelOp {
    @Override public String name() { return "simhash_planes"; }
    @Override public String summary() { return "R[i][k] = java.util.Random(seed).nextGaussian(), plane by plane (d x m)"; }
    @Override public List<TensorSpec> inputs() { return List.of(); }

    @Override
    public List<TensorSpec> outputs() {
      return List.of(required("planes", "F32", "[d, m]", "hyperplane normals as columns"));
    }

    @Override
    public List<ParamSpec> params() {
      return List.of(new ParamSpec("seed", "int", null, "java.util.Random seed (a long)"),
          new ParamSpec("d", "int", null, "input width"),
          new ParamSpec("m", "int", null, "signature bits, a positive multiple of 64"));
    }

    @Override
    public Map<String, Tensor> run(OpInputs in) {
      String rawSeed = in.stringParam("seed", null).trim();
      long seed;
      try {
        seed = Long.parseLong(rawSeed);
      } catch (NumberFormatException e) {
        throw new BadInputException("parameter 'seed' must be an integer, got '" + rawSeed + "'");
      }
      int d = in.intParam("d", null);
      int m = in.intParam("m", null);
      try {
        return Map.of("planes", new Tensor.F32(new int[] {d, m}, SimHash.planes(seed, d, m)));
      } catch (IllegalArgumentException e) {
        throw new BadInputException(e.getMessage());
      }
    }
  }

  /** {@code bit_k = (x R)_k > 0}, packed little-endian into m / 64 longs per row. */
  static final class Signatures implements KernelOp {
    @Override public String name() { return "simhash_signatures"; }
    @Override public String summary() { return "SimHash: bit k of row r = (x_r R)_k > 0, packed into m/64 int64 words"; }

    @Override
    public List<TensorSpec> inputs() {
      return List.of(required("x", "F32", "[rows, d]", "input rows"),
          required("planes", "F32", "[d, m]", "hyperplane normals as columns (ETA's R)"));
    }

    @Override
    public List<TensorSpec> outputs() {
      return List.of(required("signatures", "I64", "[rows, m/64]", "bit k in word k/64 at position k%64"));
    }

    @Override public List<ParamSpec> params() { return List.of(); }

    @Override
    public Map<String, Tensor> run(OpInputs in) {
      int[] xs = in.shape("x", 2);
      int[] ps = in.shape("planes", 2);
      int rows = xs[0];
      int d = xs[1];
      int m = ps[1];
      if (ps[0] != d) {
        throw new BadInputException("tensor 'planes' must have shape [" + d + ", m] to match x, got [" + ps[0] + ", "
            + ps[1] + "]");
      }
      if (m <= 0 || m % 64 != 0) {
        throw new BadInputException("tensor 'planes' must have m (its columns) a positive multiple of 64, got " + m);
      }
      long[] out = Shapes.longs("signatures", rows, m / 64);
      float[] scratch = Shapes.scratch(name(), SimHash.signaturesScratchSize(rows, m));
      SimHash.signatures(in.f32("x").data(), 0, rows, d, in.f32("planes").data(), 0, m, out, 0, scratch, 0);
      return Map.of("signatures", new Tensor.I64(new int[] {rows, m / 64}, out));
    }
  }

  /** {@code distances[l] = popcount(query XOR signatures[l])}. */
  static final class Distances implements KernelOp {
    @Override public String name() { return "hamming_distances"; }
    @Override public String summary() { return "distances[l] = popcount(query XOR signatures[l])"; }

    @Override
    public List<TensorSpec> inputs() {
      return List.of(required("query", "I64", "[m/64]", "one signature"),
          required("signatures", "I64", "[L, m/64]", "candidate signatures"));
    }

    @Override
    public List<TensorSpec> outputs() {
      return List.of(required("distances", "I32", "[L]", "Hamming distances in [0, m]"));
    }

    @Override public List<ParamSpec> params() { return List.of(LAYOUT); }

    @Override
    public Map<String, Tensor> run(OpInputs in) {
      int[] qs = in.shape("query", 1);
      int[] ss = in.shape("signatures", 2);
      int words = words("query", qs);
      if (ss[1] != words) {
        throw new BadInputException("tensor 'signatures' must have shape [L, " + words + "] to match query, got ["
            + ss[0] + ", " + ss[1] + "]");
      }
      int length = ss[0];
      int bits = Shapes.product("signature bits (64 x words)", 64, words);
      long[] query = in.i64("query").data();
      long[] sigs = in.i64("signatures").data();
      int[] out = Shapes.ints("distances", length);
      if (blocked(in)) {
        Hamming.distances(query, 0, Hamming.block(sigs, 0, length, bits), out, 0);
      } else {
        Hamming.distances(query, 0, sigs, 0, length, bits, out, 0);
      }
      return Map.of("distances", new Tensor.I32(new int[] {length}, out));
    }
  }

  /** ETA's general search unit: per query the k nearest signatures by (distance, position). */
  static final class TopK implements KernelOp {
    @Override public String name() { return "hamming_topk"; }

    @Override
    public String summary() {
      return "per query the k signatures among [0, valid) with the smallest Hamming distance, ties to the lower"
          + " position; empty slots -1 / m+1";
    }

    @Override
    public List<TensorSpec> inputs() {
      return List.of(required("queries", "I64", "[B, m/64]", "query signatures (targets)"),
          required("signatures", "I64", "[L, m/64]", "candidate signatures (history)"));
    }

    @Override
    public List<TensorSpec> outputs() {
      return List.of(required("indices", "I32", "[B, k]", "selected positions, -1 past min(k, valid)"),
          required("distances", "I32", "[B, k]", "their distances, m + 1 past min(k, valid)"));
    }

    @Override
    public List<ParamSpec> params() {
      return List.of(new ParamSpec("k", "int", null, "how many to select (> 0; may exceed valid)"),
          new ParamSpec("valid", "int", "L", "positions >= valid are padding and never selected"),
          LAYOUT);
    }

    @Override
    public Map<String, Tensor> run(OpInputs in) {
      int[] qs = in.shape("queries", 2);
      int[] ss = in.shape("signatures", 2);
      int words = words("queries", qs);
      if (ss[1] != words) {
        throw new BadInputException("tensor 'signatures' must have shape [L, " + words + "] to match queries, got ["
            + ss[0] + ", " + ss[1] + "]");
      }
      int b = qs[0];
      int length = ss[0];
      int m = Shapes.product("signature bits (64 x words)", 64, words);
      int k = in.intParam("k", null);
      int valid = in.intParam("valid", length);
      if (k <= 0) {
        throw new BadInputException("parameter 'k' must be > 0, got " + k);
      }
      if (valid < 0 || valid > length) {
        throw new BadInputException("parameter 'valid' must be in [0, " + length + "], got " + valid);
      }
      long[] queries = in.i64("queries").data();
      long[] sigs = in.i64("signatures").data();
      int[] indices = Shapes.ints("indices", b, k);
      int[] distances = Shapes.ints("distances", b, k);
      int[] scratch = Shapes.intScratch(name(), Hamming.topKScratchSize(b, length, m, k));
      if (blocked(in)) {
        SignatureBlock block = Hamming.block(sigs, 0, length, m);
        Hamming.topK(queries, 0, b, block, valid, k, indices, 0, distances, 0, scratch, 0);
      } else {
        Hamming.topK(queries, 0, b, sigs, 0, length, valid, m, k, indices, 0, distances, 0, scratch, 0);
      }
      return Map.of("indices", new Tensor.I32(new int[] {b, k}, indices),
          "distances", new Tensor.I32(new int[] {b, k}, distances));
    }
  }
}
