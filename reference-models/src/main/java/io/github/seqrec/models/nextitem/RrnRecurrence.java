package io.github.seqrec.models.nextitem;

import io.github.seqrec.kernels.Dense;
import io.github.seqrec.kernels.LstmWeights;
import io.github.seqrec.kernels.PackedLinear;
import io.github.seqrec.kernels.Recurrent;
import java.util.Arrays;

/**
 * RRN's user-side recurrence ({@code golden/models/rrn.py}, the definition): actions are grouped
 * into time steps {@code s = floor((t - epoch) / step_seconds)}; each non-empty step is one LSTM
 * step on
 * <pre>
 *   y = sum_{(j, r) in step} r * ratings[j]  +  extra([newbie, tau_s, tau_prev]),   tau = s / time_scale
 * </pre>
 * (the sparse GEMV of the paper's {@code W_embed x_t} as one {@link Dense#axpy} per action, the
 * three dense features through {@link Dense#linear}), then {@link Recurrent#lstmScan} over the
 * steps of a whole history, or {@link Recurrent#lstmStep} for one new action.
 *
 * <p>One appended action either joins the current step (its rating row is added to the step's
 * input and the step is recomputed from the state before it) or opens a new one (the current
 * state becomes the "before" state). Both cost one LSTM step, and give the state a full
 * rescoring gives: the input sums are formed in the same order. Immutable; callers own the
 * scratch and the {@link State}.
 */
final class RrnRecurrence {
  private final float[] ratingRows;   // user_input.ratings.weight [n_items + 1, dIn]
  private final int dIn;
  private final PackedLinear extra;   // user_input.extra: 3 -> dIn
  private final LstmWeights lstm;
  private final long epoch;
  private final long stepSeconds;
  private final double timeScale;

  RrnRecurrence(float[] ratingRows, int dIn, PackedLinear extra, LstmWeights lstm, long epoch, long stepSeconds,
                double timeScale) {
    this.ratingRows = ratingRows;
    this.dIn = dIn;
    this.extra = extra;
    this.lstm = lstm;
    this.epoch = epoch;
    this.stepSeconds = stepSeconds;
    this.timeScale = timeScale;
  }

  int hidden() {
    return lstm.hiddenSize();
  }

  long stepOf(long time) {
    return Math.floorDiv(time - epoch, stepSeconds);
  }

  private float tau(long step) {
    return (float) (step / timeScale);
  }

  /** A user's recurrent state: nothing seen yet. */
  final class State {
    final float[] h = new float[hidden()];
    final float[] c = new float[hidden()];
    final float[] hBefore = new float[hidden()];  // the state before the current step
    final float[] cBefore = new float[hidden()];
    final float[] stepInput = new float[dIn];     // sum r * ratings[j] of the current step
    final float[] features = new float[3];
    long step;
    float tauPrevious;
    boolean started;
    boolean firstStep;

    void reset() {
      started = false;
      Arrays.fill(h, 0f);
      Arrays.fill(c, 0f);
    }
  }

  State newState() {
    return new State();
  }

  /** Scratch floats {@link #advance} needs. */
  int stepScratchSize() {
    return dIn + Recurrent.lstmStepScratchSize(1, hidden());
  }

  /** Scratch floats {@link #run} needs for up to {@code maxLen} actions. */
  int runScratchSize(int maxLen) {
    int steps = Math.max(1, maxLen);
    return steps * (dIn + 3) + Recurrent.lstmScanScratchSize(1, steps, hidden());
  }

  /**
   * Advances the state by one action (item id checked, timestamps checked non-decreasing by the
   * caller): one LSTM step from the state before the action's time step.
   */
  void advance(State s, int item, float rating, long time, float[] scratch) {
    long step = stepOf(time);
    if (!s.started) {
      s.started = true;
      s.step = step;
      s.firstStep = true;
      s.tauPrevious = tau(step);
      Arrays.fill(s.hBefore, 0f);
      Arrays.fill(s.cBefore, 0f);
      Arrays.fill(s.stepInput, 0f);
    } else if (step != s.step) {
      System.arraycopy(s.h, 0, s.hBefore, 0, s.h.length);
      System.arraycopy(s.c, 0, s.cBefore, 0, s.c.length);
      s.tauPrevious = tau(s.step);
      s.step = step;
      s.firstStep = false;
      Arrays.fill(s.stepInput, 0f);
    }
    Dense.axpy(rating, ratingRows, item * dIn, s.stepInput, 0, dIn);
    System.arraycopy(s.stepInput, 0, scratch, 0, dIn);
    s.features[0] = s.firstStep ? 1f : 0f;
    s.features[1] = tau(step);
    s.features[2] = s.tauPrevious;
    Dense.linear(s.features, 0, 1, extra, scratch, 0, true);
    Recurrent.lstmStep(lstm, scratch, 0, s.hBefore, 0, s.cBefore, 0, 1, s.h, 0, s.c, 0, scratch, dIn);
  }

  /**
   * The hidden state after a whole history ({@code items, ratings, times} at {@code off},
   * {@code len} actions, checked), written to {@code h[hOff ..]}: the steps' inputs are formed
   * first, then one {@link Recurrent#lstmScan}. {@code len = 0} gives zeros.
   */
  void run(int[] items, int[] ratings, long[] times, int off, int len, float[] h, int hOff, float[] c, int cOff,
           float[] scratch) {
    if (len == 0) {
      Arrays.fill(h, hOff, hOff + hidden(), 0f);
      Arrays.fill(c, cOff, cOff + hidden(), 0f);
      return;
    }
    int inputs = 0;
    int features = len * dIn;
    int scan = len * (dIn + 3);
    int steps = 0;
    long current = 0;
    for (int a = 0; a < len; a++) {
      long step = stepOf(times[off + a]);
      if (steps == 0 || step != current) {
        int row = steps++;
        Arrays.fill(scratch, inputs + row * dIn, inputs + (row + 1) * dIn, 0f);
        scratch[features + row * 3] = row == 0 ? 1f : 0f;
        scratch[features + row * 3 + 1] = tau(step);
        scratch[features + row * 3 + 2] = row == 0 ? tau(step) : tau(current);
        current = step;
      }
      Dense.axpy(ratings[off + a], ratingRows, items[off + a] * dIn, scratch, inputs + (steps - 1) * dIn, dIn);
    }
    // features are 3 wide: pack them contiguously after the used input rows for the GEMM
    System.arraycopy(scratch, features, scratch, inputs + steps * dIn, steps * 3);
    Dense.linear(scratch, inputs + steps * dIn, steps, extra, scratch, inputs, true);
    Recurrent.lstmScan(lstm, scratch, inputs, 1, steps, null, 0, null, 0, null, 0, h, hOff, c, cOff, null, 0,
        scratch, scan);
  }
}
