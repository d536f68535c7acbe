package io.github.seqrec.models.nextitem;

import io.github.seqrec.kernels.Activation;
import io.github.seqrec.kernels.Activations;
import io.github.seqrec.kernels.Convolution;
import io.github.seqrec.kernels.Dense;
import io.github.seqrec.kernels.PackedHorizontalConv;
import io.github.seqrec.kernels.PackedLinear;
import io.github.seqrec.kernels.PackedVerticalConv;
import io.github.seqrec.models.safetensors.SafeTensors;
import java.io.IOException;

/**
 * Caser's convolutional user embedding (official {@code caser.py} up to {@code x = [z; P_u]}): the
 * window of the last L actions as an {@code L x d} image, vertical filters ({@code conv_v},
 * {@link Convolution#vertical}), horizontal filters of every height 1..L max-pooled over time
 * ({@code conv_h}, {@link Convolution#horizontal}, which applies {@code ac_conv} after the max: the
 * same values, since every choice is non-decreasing), {@code z = ac_fc(fc1([o_v; o_h]))}, then the
 * user's own embedding {@code P_u} (user ids 1 .. n_users; id 0, the unknown user, has
 * {@code P_u = 0}, so its scores come from the sequence part alone). Immutable after loading;
 * scratch from the caller.
 */
final class CaserNetwork {
  private final int d;
  private final int window;
  private final int nUsers;
  private final int nItems;
  private final float[] itemTable;   // [n_items + 1, d], row 0 = the learned padding row
  private final float[] userTable;   // [n_users + 1, d], row 0 = the unknown user (not read)
  private final PackedVerticalConv vertical;
  private final PackedHorizontalConv horizontal;
  private final PackedLinear fc1;
  private final Activation acFc;
  private final int verticalOut;
  private final int horizontalOut;
  private final boolean rightPad;    // RecBole: the actions first, then the padding rows
  private final PackedLinear fc2;    // RecBole's head relu(fc2([z; P_u])), or null (the official x = [z; P_u])

  private CaserNetwork(int d, int window, int nUsers, int nItems, float[] itemTable, float[] userTable,
                       PackedVerticalConv vertical, PackedHorizontalConv horizontal, PackedLinear fc1,
                       Activation acFc, int nv, int nh, boolean rightPad, PackedLinear fc2) {
    this.d = d;
    this.window = window;
    this.nUsers = nUsers;
    this.nItems = nItems;
    this.itemTable = itemTable;
    this.userTable = userTable;
    this.vertical = vertical;
    this.horizontal = horizontal;
    this.fc1 = fc1;
    this.acFc = acFc;
    this.verticalOut = nv * d;
    this.horizontalOut = nh * window;
    this.rightPad = rightPad;
    this.fc2 = fc2;
  }

  /** The official activation names ({@code utils.activation_getter}). */
  static Activation activation(String name) {
    return switch (name) {
      case "iden" -> Activation.identity();
      case "relu" -> Activation.relu();
      case "tanh" -> Activation.tanh();
      case "sigm" -> Activation.sigmoid();
      default -> throw new IllegalArgumentException("caser: activation must be iden, relu, tanh or sigm, got '"
          + name + "'");
    };
  }

  /**
   * @param rightPad a short history fills the window from its first row and is padded after it
   *     (RecBole's right-padded item_seq) instead of before it (the official left padding)
   * @param fc2Head RecBole's head: the user vector is {@code relu(fc2([z; P_u]))} ({@code fc2.weight [d, 2d]})
   */
  static CaserNetwork load(SafeTensors st, int nUsers, int nItems, int d, int window, int nv, int nh, String acConv,
                           String acFc, boolean rightPad, boolean fc2Head) throws IOException {
    float[][] hw = new float[window][];
    float[][] hb = new float[window][];
    for (int h = 1; h <= window; h++) {
      hw[h - 1] = st.floats("conv_h." + (h - 1) + ".weight", nh, 1, h, d);
      hb[h - 1] = st.floats("conv_h." + (h - 1) + ".bias", nh);
    }
    int in = nv * d + nh * window;
    return new CaserNetwork(d, window, nUsers, nItems,
        st.floats("item_embeddings.weight", nItems + 1, d), st.floats("user_embeddings.weight", nUsers + 1, d),
        Convolution.packVertical(st.floats("conv_v.weight", nv, 1, window, 1), st.floats("conv_v.bias", nv), nv, window),
        Convolution.packHorizontal(hw, hb, nh, d, activation(acConv)),
        Dense.pack(st.floats("fc1.weight", d, in), st.floats("fc1.bias", d), d, in), activation(acFc), nv, nh,
        rightPad, fc2Head ? Dense.pack(st.floats("fc2.weight", d, 2 * d), st.floats("fc2.bias", d), d, 2 * d) : null);
  }

  int window() {
    return window;
  }

  int users() {
    return nUsers;
  }

  int items() {
    return nItems;
  }

  /** Width of the user embedding: x = [z; P_u], or d with RecBole's fc2 head. */
  int embeddingDim() {
    return fc2 == null ? 2 * d : d;
  }

  int scratchSize() {
    return window * d + verticalOut + horizontalOut + Convolution.horizontalScratchSize(window, horizontal)
        + (fc2 == null ? 0 : 2 * d);
  }

  /**
   * {@code x = [z; P_u]} (2d floats at outOff) for the actions {@code items[first .. end)} (ids
   * already checked), of which the last {@code min(end - first, L)} fill the window, left-padded
   * with id 0 (after the actions with {@code rightPad}). {@code user} is in {@code [0, n_users]}
   * (0 = unknown: P_u = 0). With the fc2 head, {@code relu(fc2(x))} (d floats) instead.
   */
  void userEmbedding(int[] items, int first, int end, int user, float[] out, int outOff, float[] scratch,
                     int scratchOff) {
    if (fc2 != null) {
      int x = scratchOff + scratchSize() - 2 * d;
      concatenated(items, first, end, user, scratch, x, scratch, scratchOff);
      Dense.linear(scratch, x, 1, fc2, out, outOff, false);
      Activations.apply(Activation.relu(), out, outOff, 1, d, out, outOff);
    } else {
      concatenated(items, first, end, user, out, outOff, scratch, scratchOff);
    }
  }

  /** {@code x = [z; P_u]} (2d floats at outOff). */
  private void concatenated(int[] items, int first, int end, int user, float[] out, int outOff, float[] scratch,
                            int scratchOff) {
    int img = scratchOff;
    int o = img + window * d;                   // [o_v; o_h], fc1's input
    int hScratch = o + verticalOut + horizontalOut;
    int m = Math.min(end - first, window);
    int pad = window - m;
    int firstAction = rightPad ? 0 : pad;       // window row of the oldest kept action
    int firstPad = rightPad ? m : 0;
    for (int r = 0; r < pad; r++) {
      System.arraycopy(itemTable, 0, scratch, img + (firstPad + r) * d, d);
    }
    for (int r = 0; r < m; r++) {
      System.arraycopy(itemTable, items[end - m + r] * d, scratch, img + (firstAction + r) * d, d);
    }
    Convolution.vertical(scratch, img, window, d, vertical, scratch, o);
    Convolution.horizontal(scratch, img, window, horizontal, scratch, o + verticalOut, scratch, hScratch);
    Dense.linear(scratch, o, 1, fc1, out, outOff, false);
    Activations.apply(acFc, out, outOff, 1, d, out, outOff);
    if (user == 0) {
      java.util.Arrays.fill(out, outOff + d, outOff + 2 * d, 0f);
    } else {
      System.arraycopy(userTable, user * d, out, outOff + d, d);
    }
  }
}
