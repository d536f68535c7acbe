package io.github.seqrec.models.nextitem;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.seqrec.kernels.Dense;
import io.github.seqrec.kernels.GruWeights;
import io.github.seqrec.kernels.LstmWeights;
import io.github.seqrec.kernels.PackedLinear;
import io.github.seqrec.kernels.Recurrent;
import io.github.seqrec.models.safetensors.SafeTensors;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The recurrent cores of GRU4Rec and RRN against the PyTorch user embeddings, by both paths: the
 * whole-history scan and one action at a time.
 */
class RecurrentCoresTest {
  static final Path ROOT = Path.of("src/test/resources/golden/models");

  static GruStack gruStack(SafeTensors st) {
    String[] widths = st.metadata().get("layers").split(",");
    boolean constrained = Boolean.parseBoolean(st.metadata().get("constrained_embedding"));
    int n = Integer.parseInt(st.metadata().get("n_items"));
    int last = Integer.parseInt(widths[widths.length - 1].trim());
    int inputDim = constrained ? last : Integer.parseInt(st.metadata().get("embedding"));
    GruWeights[] layers = new GruWeights[widths.length];
    int in = inputDim;
    for (int i = 0; i < widths.length; i++) {
      int h = Integer.parseInt(widths[i].trim());
      layers[i] = Recurrent.packGru(st.floats("G." + i + ".weight_ih"), st.floats("G." + i + ".weight_hh"),
          st.floats("G." + i + ".bias_ih"), st.floats("G." + i + ".bias_hh"), in, h);
      in = h;
    }
    float[] table = st.floats(constrained ? "Wy.weight" : "E.weight", n + 1, inputDim);
    return new GruStack(layers, table, inputDim);
  }

  static double relErr(float[] got, int gotOff, float[] exp, int expOff, int n) {
    double rms = 0;
    for (int i = 0; i < n; i++) {
      rms += (double) exp[expOff + i] * exp[expOff + i];
    }
    double s = Math.max(0.1 * Math.sqrt(rms / Math.max(1, n)), 1e-6);
    double worst = 0;
    for (int i = 0; i < n; i++) {
      worst = Math.max(worst, Math.abs(got[gotOff + i] - exp[expOff + i]) / (Math.abs(exp[expOff + i]) + s));
    }
    return worst;
  }

  @ParameterizedTest
  @ValueSource(strings = {"weights:len1", "weights:max", "weights:padded", "weights:empty",
      "weights_separate:separate_padded", "weights_separate:separate_empty"})
  void gruStackMatchesTheReferenceByScanAndBySteps(String spec) throws IOException {
    String[] parts = spec.split(":");
    try (SafeTensors w = SafeTensors.open(ROOT.resolve("gru4rec/" + parts[0] + ".safetensors"));
         SafeTensors b = SafeTensors.open(ROOT.resolve("gru4rec/batch_" + parts[1] + ".safetensors"))) {
      GruStack stack = gruStack(w);
      int[] items = b.ints("hist_items");
      int[] lens = b.ints("hist_len");
      float[] expected = b.floats("expected.user_embedding");
      int rows = lens.length;
      int L = items.length / rows;
      int d = stack.lastWidth();
      float[] runScratch = new float[stack.runScratchSize(L)];
      float[] stepScratch = new float[stack.stepScratchSize()];
      float[] state = new float[stack.stateSize()];
      float[] stepped = new float[stack.stateSize()];
      for (int r = 0; r < rows; r++) {
        stack.run(items, r * L, lens[r], state, 0, runScratch);
        java.util.Arrays.fill(stepped, 0f);
        for (int t = 0; t < lens[r]; t++) {
          stack.step(items[r * L + t], stepped, 0, stepScratch);
        }
        double a = relErr(state, stack.lastLayerOffset(), expected, r * d, d);
        double c = relErr(stepped, stack.lastLayerOffset(), expected, r * d, d);
        assertTrue(a <= 1e-4 && c <= 1e-4, spec + " row " + r + ": scan " + a + ", steps " + c);
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"len1", "max", "padded", "empty"})
  void rrnRecurrenceMatchesTheReferenceByScanAndBySteps(String batch) throws IOException {
    try (SafeTensors w = SafeTensors.open(ROOT.resolve("rrn/weights.safetensors"));
         SafeTensors b = SafeTensors.open(ROOT.resolve("rrn/batch_" + batch + ".safetensors"))) {
      int n = Integer.parseInt(w.metadata().get("n_items"));
      int dIn = Integer.parseInt(w.metadata().get("d_input"));
      int hidden = Integer.parseInt(w.metadata().get("hidden"));
      int dDyn = Integer.parseInt(w.metadata().get("d_dynamic"));
      int dStat = Integer.parseInt(w.metadata().get("d_stationary"));
      LstmWeights lstm = Recurrent.packLstm(w.floats("user_lstm.weight_ih_l0"), w.floats("user_lstm.weight_hh_l0"),
          w.floats("user_lstm.bias_ih_l0"), w.floats("user_lstm.bias_hh_l0"), dIn, hidden);
      PackedLinear extra = Dense.pack(w.floats("user_input.extra.weight"), w.floats("user_input.extra.bias"), dIn, 3);
      PackedLinear out = Dense.pack(w.floats("user_out.weight"), w.floats("user_out.bias"), dDyn, hidden);
      RrnRecurrence rec = new RrnRecurrence(w.floats("user_input.ratings.weight", n + 1, dIn), dIn, extra, lstm,
          Long.parseLong(w.metadata().get("epoch")), Long.parseLong(w.metadata().get("step_seconds")),
          Double.parseDouble(w.metadata().get("time_scale")));
      int[] items = b.ints("hist_items");
      int[] ratings = b.ints("hist_actions");
      long[] times = b.longs("hist_times");
      int[] lens = b.ints("hist_len");
      float[] expected = b.floats("expected.user_embedding");
      int rows = lens.length;
      int L = items.length / rows;
      int d = dDyn + dStat;
      float[] scratch = new float[rec.runScratchSize(L)];
      float[] stepScratch = new float[rec.stepScratchSize()];
      float[] h = new float[hidden];
      float[] c = new float[hidden];
      float[] u = new float[dDyn];
      RrnRecurrence.State state = rec.newState();
      for (int r = 0; r < rows; r++) {
        rec.run(items, ratings, times, r * L, lens[r], h, 0, c, 0, scratch);
        Dense.linear(h, 0, 1, out, u, 0, false);
        double a = relErr(u, 0, expected, r * d, dDyn);
        state.reset();
        for (int t = 0; t < lens[r]; t++) {
          rec.advance(state, items[r * L + t], ratings[r * L + t], times[r * L + t], stepScratch);
        }
        Dense.linear(state.h, 0, 1, out, u, 0, false);
        double s = relErr(u, 0, expected, r * d, dDyn);
        assertTrue(a <= 1e-4 && s <= 1e-4, batch + " row " + r + ": scan " + a + ", steps " + s);
      }
    }
  }
}
