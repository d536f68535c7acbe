package io.github.seqrec.kernels;

/** Argument checks shared by the element-wise facades ({@link Activations}, {@link Normalization}). */
final class ElementwiseChecks {
  private ElementwiseChecks() {}

  /** A strictly positive, finite float such as eps. */
  static void positiveFinite(String name, float value) {
    if (!(value > 0f) || Float.isInfinite(value)) {
      throw new IllegalArgumentException(name + " must be finite and > 0, got " + value);
    }
  }

  /** Output y may be x itself (same array and offset: in place) or a disjoint region, nothing in between. */
  static void inPlaceOrDisjoint(float[] x, int xOff, float[] y, int yOff, long length) {
    if (x == y && xOff != yOff && length > 0 && xOff < yOff + length && yOff < xOff + length) {
      throw new IllegalArgumentException("y must be x at the same offset (in place) or not overlap it; x offset "
          + xOff + " and y offset " + yOff + " overlap over " + length + " values");
    }
  }

  /** A per-channel parameter vector indexed from 0: non-null with at least {@code channels} entries. */
  static void channelVector(String name, float[] values, int channels) {
    if (values == null) {
      throw new IllegalArgumentException(name + " must not be null");
    }
    if (values.length < channels) {
      throw new IllegalArgumentException(name + " must have one value per channel (" + channels + "), got "
          + values.length);
    }
  }

  /** Like {@link #channelVector} but null is allowed (the identity: gamma = 1, beta = 0). */
  static void optionalChannelVector(String name, float[] values, int channels) {
    if (values != null) {
      channelVector(name, values, channels);
    }
  }
}
