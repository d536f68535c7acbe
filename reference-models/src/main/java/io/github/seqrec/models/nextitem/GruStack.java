package io.github.seqrec.models.nextitem;

import io.github.seqrec.kernels.GruWeights;
import io.github.seqrec.kernels.Recurrent;

/**
 * GRU4Rec's recurrent part: an input table (the output item matrix {@code Wy} when the embedding
 * is constrained, a separate {@code E} otherwise) feeding a stack of {@code nn.GRUCell} layers.
 * The session state is every layer's hidden state, concatenated ({@code sum_i H_i} floats,
 * layer 0 first); the last layer's is the user embedding.
 *
 * <p>Two ways to reach the same state: {@link #run} over a whole history (one
 * {@link Recurrent#gruScan} per layer, the lower layer's per-step states are the next one's
 * inputs) and {@link #step} for one new action (one {@link Recurrent#gruStep} per layer, in
 * place). Immutable; callers own the scratch.
 */
final class GruStack {
  private final GruWeights[] layers;
  private final int[] stateOffsets;  // layer i's state at [stateOffsets[i], stateOffsets[i] + H_i)
  private final float[] inputTable;  // [n_items + 1, inputDim] row-major
  private final int inputDim;
  private final int maxWidth;

  GruStack(GruWeights[] layers, float[] inputTable, int inputDim) {
    this.layers = layers.clone();
    this.inputTable = inputTable;
    this.inputDim = inputDim;
    this.stateOffsets = new int[layers.length + 1];
    int width = inputDim;
    for (int i = 0; i < layers.length; i++) {
      stateOffsets[i + 1] = stateOffsets[i] + layers[i].hiddenSize();
      width = Math.max(width, layers[i].hiddenSize());
    }
    this.maxWidth = width;
  }

  int layerCount() {
    return layers.length;
  }

  /** Floats of the concatenated per-layer state. */
  int stateSize() {
    return stateOffsets[layers.length];
  }

  /** Offset of the last layer's state inside the concatenated state. */
  int lastLayerOffset() {
    return stateOffsets[layers.length - 1];
  }

  int lastWidth() {
    return layers[layers.length - 1].hiddenSize();
  }

  /** Scratch floats {@link #run} needs for histories of up to {@code maxLen} actions. */
  int runScratchSize(int maxLen) {
    int steps = Math.max(1, maxLen);
    int scan = 0;
    for (GruWeights w : layers) {
      scan = Math.max(scan, Recurrent.gruScanScratchSize(1, steps, w.hiddenSize(), false));
    }
    // two ping-pong sequence buffers (inputs of a layer, its per-step outputs) plus the scan's
    return 2 * steps * maxWidth + scan;
  }

  /** Scratch floats {@link #step} needs. */
  int stepScratchSize() {
    int s = 0;
    for (GruWeights w : layers) {
      s = Math.max(s, Recurrent.gruStepScratchSize(1, w.hiddenSize()));
    }
    return inputDim + s;
  }

  /**
   * The state after {@code items[off .. off + len)} (ids already checked) from the zero state,
   * written to {@code state[stateOff ..]}; {@code len = 0} gives zeros.
   */
  void run(int[] items, int off, int len, float[] state, int stateOff, float[] scratch) {
    if (len == 0) {
      java.util.Arrays.fill(state, stateOff, stateOff + stateSize(), 0f);
      return;
    }
    int bufferA = 0;
    int bufferB = len * maxWidth;
    int scanScratch = 2 * len * maxWidth;
    for (int t = 0; t < len; t++) {
      System.arraycopy(inputTable, items[off + t] * inputDim, scratch, bufferA + t * inputDim, inputDim);
    }
    int in = bufferA;
    int outBuf = bufferB;
    for (int i = 0; i < layers.length; i++) {
      boolean last = i == layers.length - 1;
      Recurrent.gruScan(layers[i], scratch, in, false, 1, len, null, 0, null, 0,
          state, stateOff + stateOffsets[i], last ? null : scratch, outBuf, scratch, scanScratch);
      int swap = in;
      in = outBuf;
      outBuf = swap;
    }
  }

  /** Advances {@code state} by one action {@code item} (checked), in place. */
  void step(int item, float[] state, int stateOff, float[] scratch) {
    int xOff = 0;
    int cellScratch = inputDim;
    System.arraycopy(inputTable, item * inputDim, scratch, xOff, inputDim);
    float[] x = scratch;
    int xAt = xOff;
    for (int i = 0; i < layers.length; i++) {
      int h = stateOff + stateOffsets[i];
      Recurrent.gruStep(layers[i], x, xAt, state, h, 1, state, h, scratch, cellScratch);
      x = state;
      xAt = h;
    }
  }
}
