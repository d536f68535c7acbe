package io.github.seqrec.jmh;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One ONNX Runtime Java session on a committed export ({@code onnx/<name>.onnx}), set up as a
 * service would run it: {@code ALL_OPT}, {@code threads} intra-op threads with spinning off, one
 * inter-op thread; inputs as direct buffers made and closed per call.
 */
final class OrtPeer implements AutoCloseable {
  private final OrtEnvironment env;
  private final OrtSession session;

  OrtPeer(String name, int threads) throws Exception {
    env = OrtEnvironment.getEnvironment();
    OrtSession.SessionOptions options = new OrtSession.SessionOptions();
    options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
    options.setIntraOpNumThreads(threads);
    options.setInterOpNumThreads(1);
    options.addConfigEntry("session.intra_op.allow_spinning", "0");
    session = env.createSession(BenchData.resource("onnx/" + name + ".onnx").toString(), options);
  }

  /** Named inputs for one call, in the order they are added. */
  final class Inputs {
    private final Map<String, OnnxTensor> tensors = new LinkedHashMap<>();

    Inputs longs(String name, long[] values, long... shape) throws OrtException {
      LongBuffer buffer = ByteBuffer.allocateDirect(8 * values.length).order(ByteOrder.nativeOrder()).asLongBuffer();
      buffer.put(values).flip();
      tensors.put(name, OnnxTensor.createTensor(env, buffer, shape));
      return this;
    }

    Inputs floats(String name, float[] values, long... shape) throws OrtException {
      FloatBuffer buffer = ByteBuffer.allocateDirect(4 * values.length).order(ByteOrder.nativeOrder()).asFloatBuffer();
      buffer.put(values).flip();
      tensors.put(name, OnnxTensor.createTensor(env, buffer, shape));
      return this;
    }

    /** Runs the session on these inputs, closes them, returns the first output as floats. */
    float[] run() throws OrtException {
      try (OrtSession.Result result = session.run(tensors)) {
        FloatBuffer out = ((OnnxTensor) result.get(0)).getFloatBuffer();
        float[] values = new float[out.remaining()];
        out.get(values);
        return values;
      } finally {
        for (OnnxTensor t : tensors.values()) {
          t.close();
        }
      }
    }
  }

  Inputs inputs() {
    return new Inputs();
  }

  /**
   * Fails unless both peers give the same logits: relative 1e-4, with near-zero logits measured
   * against a tenth of the logits' rms (the golden tests' rule).
   */
  static void assertAgree(String what, float[] ours, float[] theirs) {
    if (ours.length != theirs.length) {
      throw new IllegalStateException(what + ": seqrec gave " + ours.length + " logits, ONNX Runtime " + theirs.length);
    }
    double scale = 0;
    for (float v : theirs) {
      scale += (double) v * v;
    }
    scale = 0.1 * Math.sqrt(scale / theirs.length);
    for (int i = 0; i < ours.length; i++) {
      double err = Math.abs(ours[i] - theirs[i]);
      if (!(err <= 1e-4 * (Math.abs(theirs[i]) + scale))) {
        throw new IllegalStateException(what + ": seqrec and ONNX Runtime disagree at candidate " + i + ": "
            + ours[i] + " vs " + theirs[i]);
      }
    }
  }

  static long[] toLongs(int[] values) {
    long[] out = new long[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = values[i];
    }
    return out;
  }

  @Override
  public void close() throws OrtException {
    session.close();
  }
}
