package io.github.seqrec.models.cli;

import static io.github.seqrec.models.cli.KernelOp.TensorSpec.optional;
import static io.github.seqrec.models.cli.KernelOp.TensorSpec.required;

import io.github.seqrec.kernels.GruWeights;
import io.github.seqrec.kernels.LstmWeights;
import io.github.seqrec.kernels.Recurrent;
import io.github.seqrec.models.cli.KernelOp.TensorSpec;
import io.github.seqrec.models.tensors.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * CLI / golden adapters for the recurrent family: PyTorch's {@code nn.GRUCell}, {@code nn.LSTMCell},
 * DIEN's AUGRU and AGRU cells, and whole-sequence scans with per-row lengths. Weight tensors carry
 * the PyTorch {@code state_dict} names of a cell ({@code weight_ih, weight_hh, bias_ih, bias_hh}).
 */
final class RecurrentOps {
  private RecurrentOps() {}

  static List<KernelOp> ops() {
    return List.of(
        new GruCell(Variant.GRU), new GruCell(Variant.AUGRU), new GruCell(Variant.AGRU), new LstmCell(),
        new GruScan(Variant.GRU), new GruScan(Variant.AUGRU), new GruScan(Variant.AGRU), new LstmScan());
  }

  private enum Variant {
    GRU("gru", "h' = (1 - z) n + z h (nn.GRUCell: r, z, n rows; n = tanh(W_in x + b_in + r (W_hn h + b_hn)))"),
    AUGRU("augru", "DIEN AUGRU: u~ = att z, h' = (1 - u~) h + u~ n (GRU gates, paper form)"),
    AGRU("agru", "DIEN AGRU: h' = (1 - att) h + att n (GRU gates, update gate unused)");

    final String prefix;
    final String equation;

    Variant(String prefix, String equation) {
      this.prefix = prefix;
      this.equation = equation;
    }

    boolean attention() {
      return this != GRU;
    }
  }

  private static List<TensorSpec> weightSpecs(String gates) {
    return List.of(
        required("weight_ih", "F32", "[" + gates + "H, in]", "PyTorch weight_ih"),
        required("weight_hh", "F32", "[" + gates + "H, H]", "PyTorch weight_hh"),
        optional("bias_ih", "F32", "[" + gates + "H]", "PyTorch bias_ih (absent: bias=False)"),
        optional("bias_hh", "F32", "[" + gates + "H]", "PyTorch bias_hh (absent: bias=False)"));
  }

  /** {@code [in, H]} of a cell with {@code gates} gate blocks, read from its weight tensors. */
  private static int[] cellShape(OpInputs in, int gates) {
    int[] ih = in.shape("weight_ih", 2);
    int[] hh = in.shape("weight_hh", 2);
    int hidden = hh[1];
    int rows = Shapes.product("the weights' rows " + gates + "H", gates, hidden);
    if (hh[0] != rows) {
      throw new BadInputException("tensor 'weight_hh' must have shape [" + gates + "H, H], got " + Arrays.toString(hh));
    }
    if (ih[0] != rows) {
      throw new BadInputException("tensor 'weight_ih' must have shape [" + rows + ", in] (" + gates
          + "H with H = " + hidden + " from weight_hh), got " + Arrays.toString(ih));
    }
    for (String bias : new String[] {"bias_ih", "bias_hh"}) {
      if (in.has(bias)) {
        in.expectShape(bias, rows);
      }
    }
    return new int[] {ih[1], hidden};
  }

  private static float[] optionalF32(OpInputs in, String name) {
    return in.has(name) ? in.f32(name).data() : null;
  }

  private static GruWeights gru(OpInputs in, int[] shape) {
    return Recurrent.packGru(in.f32("weight_ih").data(), in.f32("weight_hh").data(), optionalF32(in, "bias_ih"),
        optionalF32(in, "bias_hh"), shape[0], shape[1]);
  }

  private static LstmWeights lstm(OpInputs in, int[] shape) {
    return Recurrent.packLstm(in.f32("weight_ih").data(), in.f32("weight_hh").data(), optionalF32(in, "bias_ih"),
        optionalF32(in, "bias_hh"), shape[0], shape[1]);
  }

  /** {@code x} of a cell: {@code [N, in]}; returns N. */
  private static int cellRows(OpInputs in, int inputSize) {
    int[] xs = in.shape("x", 2);
    if (xs[1] != inputSize) {
      throw new BadInputException("tensor 'x' must have shape [N, " + inputSize + "] to match weight_ih, got "
          + Arrays.toString(xs));
    }
    return xs[0];
  }

  /** GRU, AUGRU or AGRU cell: one step for N rows. */
  static final class GruCell implements KernelOp {
    private final Variant variant;

    GruCell(Variant variant) {
      this.variant = variant;
    }

    @Override public String name() { return variant.prefix + "_cell"; }
    @Override public String summary() { return "one step for N rows: " + variant.equation; }

    @Override
    public List<TensorSpec> inputs() {
      List<TensorSpec> specs = new ArrayList<>();
      specs.add(required("x", "F32", "[N, in]", "inputs"));
      specs.add(required("h", "F32", "[N, H]", "states"));
      if (variant.attention()) {
        specs.add(required("att", "F32", "[N]", "attention score per row"));
      }
      specs.addAll(weightSpecs("3"));
      return specs;
    }

    @Override
    public List<TensorSpec> outputs() {
      return List.of(required("h_next", "F32", "[N, H]", "new states"));
    }

    @Override
    public List<ParamSpec> params() {
      return List.of();
    }

    @Override
    public Map<String, Tensor> run(OpInputs in) {
      int[] shape = cellShape(in, 3);
      int rows = cellRows(in, shape[0]);
      int hidden = shape[1];
      in.expectShape("h", rows, hidden);
      GruWeights w = gru(in, shape);
      float[] out = Shapes.floats("h_next", rows, hidden);
      float[] scratch = Shapes.scratch(name(), Recurrent.gruStepScratchSize(rows, hidden));
      float[] x = in.f32("x").data();
      float[] h = in.f32("h").data();
      switch (variant) {
        case GRU -> Recurrent.gruStep(w, x, 0, h, 0, rows, out, 0, scratch, 0);
        case AUGRU, AGRU -> {
          in.expectShape("att", rows);
          float[] att = in.f32("att").data();
          if (variant == Variant.AUGRU) {
            Recurrent.augruStep(w, x, 0, h, 0, att, 0, rows, out, 0, scratch, 0);
          } else {
            Recurrent.agruStep(w, x, 0, h, 0, att, 0, rows, out, 0, scratch, 0);
          }
        }
      }
      return Map.of("h_next", new Tensor.F32(new int[] {rows, hidden}, out));
    }
  }

  /** {@code nn.LSTMCell}: one step for N rows. */
  static final class LstmCell implements KernelOp {
    @Override public String name() { return "lstm_cell"; }
    @Override public String summary() { return "one LSTM step for N rows (nn.LSTMCell, i, f, g, o rows): c' = f c + i g, h' = o tanh(c')"; }

    @Override
    public List<TensorSpec> inputs() {
      List<TensorSpec> specs = new ArrayList<>();
      specs.add(required("x", "F32", "[N, in]", "inputs"));
      specs.add(required("h", "F32", "[N, H]", "hidden states"));
      specs.add(required("c", "F32", "[N, H]", "cell states"));
      specs.addAll(weightSpecs("4"));
      return specs;
    }

    @Override
    public List<TensorSpec> outputs() {
      return List.of(required("h_next", "F32", "[N, H]", "new hidden states"),
          required("c_next", "F32", "[N, H]", "new cell states"));
    }

    @Override
    public List<ParamSpec> params() {
      return List.of();
    }

    @Override
    public Map<String, Tensor> run(OpInputs in) {
      int[] shape = cellShape(in, 4);
      int rows = cellRows(in, shape[0]);
      int hidden = shape[1];
      in.expectShape("h", rows, hidden);
      in.expectShape("c", rows, hidden);
      LstmWeights w = lstm(in, shape);
      float[] h = Shapes.floats("h_next", rows, hidden);
      float[] c = Shapes.floats("c_next", rows, hidden);
      Recurrent.lstmStep(w, in.f32("x").data(), 0, in.f32("h").data(), 0, in.f32("c").data(), 0, rows, h, 0, c, 0,
          Shapes.scratch(name(), Recurrent.lstmStepScratchSize(rows, hidden)), 0);
      return Map.of("h_next", new Tensor.F32(new int[] {rows, hidden}, h),
          "c_next", new Tensor.F32(new int[] {rows, hidden}, c));
    }
  }

  /** Scan geometry: rows, steps, whether x is one shared history. */
  private record ScanShape(int rows, int steps, boolean shared) {}

  /**
   * {@code x} is {@code [N, T, in]}, or {@code [T, in]} shared by every row; N then comes from
   * {@code att}, {@code lengths} or {@code h0}, whichever is given first.
   */
  private static ScanShape scanShape(OpInputs in, int inputSize, boolean allowShared) {
    int[] xs = in.f32("x").shape();
    if (xs.length != 3 && !(allowShared && xs.length == 2)) {
      throw new BadInputException("tensor 'x' must have shape [N, T, in]" + (allowShared ? " or [T, in]" : "")
          + ", got " + Arrays.toString(xs));
    }
    if (xs[xs.length - 1] != inputSize) {
      throw new BadInputException("tensor 'x' must end in in = " + inputSize + " (from weight_ih), got "
          + Arrays.toString(xs));
    }
    if (xs.length == 3) {
      return new ScanShape(xs[0], xs[1], false);
    }
    int rows;
    if (in.has("att")) {
      rows = in.shape("att", 2)[0];
    } else if (in.has("lengths")) {
      rows = in.shape("lengths", 1)[0];
    } else if (in.has("h0")) {
      rows = in.shape("h0", 2)[0];
    } else {
      throw new BadInputException("a shared history x of shape [T, in] needs 'att', 'lengths' or 'h0' to give N");
    }
    return new ScanShape(rows, xs[0], true);
  }

  private static int[] lengths(OpInputs in, int rows) {
    if (!in.has("lengths")) {
      return null;
    }
    in.expectShape("lengths", rows);
    return in.ints("lengths");
  }

  private static float[] state(OpInputs in, String name, int rows, int hidden) {
    if (!in.has(name)) {
      return null;
    }
    in.expectShape(name, rows, hidden);
    return in.f32(name).data();
  }

  private static List<TensorSpec> scanInputs(boolean attention, boolean lstm) {
    List<TensorSpec> specs = new ArrayList<>();
    specs.add(required("x", "F32", lstm ? "[N, T, in]" : "[N, T, in] or [T, in] (one history shared by all rows)",
        "right-padded input sequences"));
    if (attention) {
      specs.add(required("att", "F32", "[N, T]", "attention score per row and step"));
    }
    specs.add(optional("lengths", "I64", "[N]", "valid steps per row, 0..T (absent: all T)"));
    specs.add(optional("h0", "F32", "[N, H]", "initial hidden states (absent: zeros)"));
    if (lstm) {
      specs.add(optional("c0", "F32", "[N, H]", "initial cell states (absent: zeros)"));
    }
    specs.addAll(weightSpecs(lstm ? "4" : "3"));
    return specs;
  }

  /** GRU, AUGRU or AGRU over whole sequences. */
  static final class GruScan implements KernelOp {
    private final Variant variant;

    GruScan(Variant variant) {
      this.variant = variant;
    }

    @Override public String name() { return variant.prefix + "_scan"; }

    @Override
    public String summary() {
      return "scan over T steps with per-row lengths (state frozen after the last valid step): " + variant.equation;
    }

    @Override
    public List<TensorSpec> inputs() {
      return scanInputs(variant.attention(), false);
    }

    @Override
    public List<TensorSpec> outputs() {
      return List.of(required("h_last", "F32", "[N, H]", "state after each row's last valid step"),
          required("h_all", "F32", "[N, T, H]", "state after every step, zeros past the row's length"));
    }

    @Override
    public List<ParamSpec> params() {
      return List.of();
    }

    @Override
    public Map<String, Tensor> run(OpInputs in) {
      int[] shape = cellShape(in, 3);
      int hidden = shape[1];
      ScanShape s = scanShape(in, shape[0], true);
      int[] lengths = lengths(in, s.rows());
      float[] h0 = state(in, "h0", s.rows(), hidden);
      GruWeights w = gru(in, shape);
      float[] x = in.f32("x").data();
      float[] last = Shapes.floats("h_last", s.rows(), hidden);
      float[] all = Shapes.floats("h_all", s.rows(), s.steps(), hidden);
      float[] scratch = Shapes.scratch(name(), Recurrent.gruScanScratchSize(s.rows(), s.steps(), hidden, s.shared()));
      if (variant == Variant.GRU) {
        Recurrent.gruScan(w, x, 0, s.shared(), s.rows(), s.steps(), lengths, 0, h0, 0, last, 0, all, 0, scratch, 0);
      } else {
        in.expectShape("att", s.rows(), s.steps());
        float[] att = in.f32("att").data();
        if (variant == Variant.AUGRU) {
          Recurrent.augruScan(w, x, 0, s.shared(), att, 0, s.rows(), s.steps(), lengths, 0, h0, 0, last, 0, all, 0,
              scratch, 0);
        } else {
          Recurrent.agruScan(w, x, 0, s.shared(), att, 0, s.rows(), s.steps(), lengths, 0, h0, 0, last, 0, all, 0,
              scratch, 0);
        }
      }
      Map<String, Tensor> out = new LinkedHashMap<>();
      out.put("h_last", new Tensor.F32(new int[] {s.rows(), hidden}, last));
      out.put("h_all", new Tensor.F32(new int[] {s.rows(), s.steps(), hidden}, all));
      return out;
    }
  }

  /** {@code nn.LSTM} over whole sequences. */
  static final class LstmScan implements KernelOp {
    @Override public String name() { return "lstm_scan"; }

    @Override
    public String summary() {
      return "LSTM scan over T steps with per-row lengths (nn.LSTM on a packed sequence)";
    }

    @Override
    public List<TensorSpec> inputs() {
      return scanInputs(false, true);
    }

    @Override
    public List<TensorSpec> outputs() {
      return List.of(required("h_last", "F32", "[N, H]", "hidden state after each row's last valid step"),
          required("c_last", "F32", "[N, H]", "cell state after each row's last valid step"),
          required("h_all", "F32", "[N, T, H]", "hidden state after every step, zeros past the row's length"));
    }

    @Override
    public List<ParamSpec> params() {
      return List.of();
    }

    @Override
    public Map<String, Tensor> run(OpInputs in) {
      int[] shape = cellShape(in, 4);
      int hidden = shape[1];
      ScanShape s = scanShape(in, shape[0], false);
      int[] lengths = lengths(in, s.rows());
      float[] h0 = state(in, "h0", s.rows(), hidden);
      float[] c0 = state(in, "c0", s.rows(), hidden);
      LstmWeights w = lstm(in, shape);
      float[] h = Shapes.floats("h_last", s.rows(), hidden);
      float[] c = Shapes.floats("c_last", s.rows(), hidden);
      float[] all = Shapes.floats("h_all", s.rows(), s.steps(), hidden);
      Recurrent.lstmScan(w, in.f32("x").data(), 0, s.rows(), s.steps(), lengths, 0, h0, 0, c0, 0, h, 0, c, 0, all, 0,
          Shapes.scratch(name(), Recurrent.lstmScanScratchSize(s.rows(), s.steps(), hidden)), 0);
      Map<String, Tensor> out = new LinkedHashMap<>();
      out.put("h_last", new Tensor.F32(new int[] {s.rows(), hidden}, h));
      out.put("c_last", new Tensor.F32(new int[] {s.rows(), hidden}, c));
      out.put("h_all", new Tensor.F32(new int[] {s.rows(), s.steps(), hidden}, all));
      return out;
    }
  }
}
