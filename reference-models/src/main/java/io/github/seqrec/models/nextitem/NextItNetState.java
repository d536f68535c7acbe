package io.github.seqrec.models.nextitem;

import java.util.Arrays;

/**
 * One user's incremental NextItNet state: for every causal convolution of the residual stack its
 * last {@code (k-1) * dilation} input rows (plus a slot for the newest), and the user embedding
 * after the last action. Advanced by {@link NextItNet#append} one action at a time, at the cost of
 * one output row per convolution (2 x blocks rows of C floats, whatever the history length); the
 * result equals rescoring the whole history. Made by {@link NextItNet#newState()}, tied to that
 * model; holds its own scratch, so appending allocates nothing; not thread-safe (one user, one
 * writer at a time). Memory: {@code sum over convolutions of ((k-1) r + 1) C} floats, 2 112 for
 * the default six blocks at C = 32.
 */
public final class NextItNetState {
  final Object owner;
  final float[][] windows;
  final float[] userEmbedding;
  final float[] appendScratch;
  long count;

  NextItNetState(Object owner, NextItNetStack stack) {
    this.owner = owner;
    this.windows = new float[stack.convolutions()][];
    for (int i = 0; i < windows.length; i++) {
      windows[i] = new float[stack.windowRows(i) * stack.channels()];
    }
    this.userEmbedding = new float[stack.channels()];
    this.appendScratch = new float[stack.appendScratchSize()];
  }

  /** Actions appended so far. */
  public long length() {
    return count;
  }

  /** Back to the empty history (a new user): all-zero windows, a zero user embedding. */
  public void clear() {
    for (float[] w : windows) {
      Arrays.fill(w, 0f);
    }
    Arrays.fill(userEmbedding, 0f);
    count = 0;
  }
}
