package io.github.seqrec.models.nextitem;

import io.github.seqrec.models.AbstractNextItemModel;
import io.github.seqrec.models.HistoryChecks;
import io.github.seqrec.models.ModelOption;
import io.github.seqrec.models.ModelOptions;
import io.github.seqrec.models.ModelSpec;
import io.github.seqrec.models.UserHistory;
import io.github.seqrec.models.layers.Catalogue;
import io.github.seqrec.models.layers.CommonOptions;
import io.github.seqrec.models.safetensors.SafeTensors;
import java.io.IOException;

/**
 * Caser (Tang and Wang, WSDM 2018) as {@code golden/models/caser.py} defines it (the official
 * {@code caser_pytorch} network; MODELS.md section 4):
 * <pre>
 *   E   = E_item[window]                         the last L actions, left-padded with id 0 (a learned row)
 *   o_v = conv_v(E)                              nv vertical filters L x 1
 *   o_h = [max_t ac_conv(conv_h[h](E))]_h=1..L   nh horizontal filters h x d per height
 *   z   = ac_fc(fc1([o_v; o_h]))
 *   x   = [z; P_u]                               the user embedding (2d)
 *   y_j = x . W2[j] + b2[j]                      candidate and catalogue scores
 * </pre>
 * Only the last L actions enter the window: longer histories keep their most recent L actions
 * ({@code max_len}, default and golden value L = 5, bounds the history first: a max_len below L
 * leaves fewer actions in the window); shorter ones (the empty history included) are left-padded
 * with id 0, whose embedding is learned and part of Caser's math.
 *
 * <p><b>RecBole's form</b> ({@code recbole/model/sequential_recommender/caser.py}): {@code pad=right}
 * puts a short history's padding rows after its actions, and {@code head=fc2} replaces the
 * output table by {@code u = relu(fc2([z; P_u]))} ({@code fc2.weight [d, 2d]}) scored against the
 * item table, {@code y_j = u . E_item[j]}.
 *
 * <p><b>User ids.</b> Caser has a per-user embedding {@code P_u}, so every request needs
 * {@link UserHistory#userId()}: 1 .. n_users are the known users (rows of
 * {@code user_embeddings.weight [n_users + 1, d]}); 0 is the unknown user, for whom {@code P_u = 0}
 * and the scores come from the sequence part alone ({@code y_j = z . W2[j][:d] + b2[j]}). A history
 * without a user id, or with an id above n_users, is rejected. (The official table has n_users rows
 * for ids 0 .. n_users - 1: prepend a zero row and add 1 to the ids to serve it.)
 *
 * <p>Immutable and thread-safe; per-thread scratch from {@link #newWorkspace()}; scoring and
 * retrieval allocate nothing after warm-up.
 */
public final class Caser extends AbstractNextItemModel<Caser.Ws> {
  static final ModelOption<Integer> N_ITEMS = CommonOptions.N_ITEMS;
  static final ModelOption<Integer> N_USERS = ModelOption.intOption("n_users",
      "user vocabulary: ids 1 .. n_users (0 is the unknown user: no user embedding)", 1, CommonOptions.MAX_VOCABULARY);
  static final ModelOption<Integer> D = ModelOption.intOption("d", "item and user embedding width", 1, 1 << 14);
  static final ModelOption<Integer> L = ModelOption.intOption("L",
      "window: the last L actions form the L x d image (longer histories keep their most recent L)", 1, 1 << 10);
  static final ModelOption<Integer> NV = ModelOption.intOption("nv", "vertical filters", 1, 1 << 12);
  static final ModelOption<Integer> NH = ModelOption.intOption("nh", "horizontal filters per height", 1, 1 << 12);
  static final ModelOption<String> AC_CONV = ModelOption.choice("ac_conv",
      "activation of the horizontal convolutions (official names)", "relu", "iden", "relu", "tanh", "sigm");
  static final ModelOption<String> AC_FC = ModelOption.choice("ac_fc",
      "activation of fc1 (official names)", "relu", "iden", "relu", "tanh", "sigm");
  static final ModelOption<Integer> MAX_LEN = CommonOptions.maxLen(5);
  static final ModelOption<String> PAD = ModelOption.choice("pad",
      "where a short history's padding rows go in the window: before the actions (official) or after them"
          + " (RecBole's right-padded item_seq)", "left", "left", "right");
  static final ModelOption<String> HEAD = ModelOption.choice("head",
      "scores x . W2[j] + b2[j] with x = [z; P_u] (official) or relu(fc2(x)) . E_item[j] (RecBole)",
      "w2", "w2", "fc2");

  /** Caser as the registry knows it. */
  public static final ModelSpec SPEC = ModelSpec.builder("caser").family("nextitem")
      .paper("Tang and Wang, Personalized Top-N Sequential Recommendation via Convolutional Sequence Embedding, "
          + "WSDM 2018")
      .captures("union-level and point-level sequential patterns of the last L actions: horizontal filters of every "
          + "height 1..L max-pooled over time, vertical filters (weighted sums of the window), plus a user embedding")
      .kernels("Convolution (Caser vertical and horizontal, max over time)", "Dense (fc1)", "Activations",
          "Catalogue (dot-product top-k)")
      .options(N_ITEMS, N_USERS, D, L, NV, NH, AC_CONV, AC_FC, MAX_LEN, PAD, HEAD)
      .batchInputs("hist_items", "hist_len", "user_id", "cand_items")
      .nextItem()
      .loader(Caser::load)
      .build();

  private final CaserNetwork net;

  private Caser(CaserNetwork net, Catalogue catalogue, int maxLen) {
    super(SPEC, maxLen, Ws.class, catalogue);
    this.net = net;
  }

  /**
   * Loads the reference's {@code state_dict}; hyperparameters ({@code n_items, n_users, d, L, nv,
   * nh, ac_conv, ac_fc, max_len}) from the weight file's metadata.
   */
  public static Caser load(SafeTensors st, ModelOptions o) throws IOException {
    int nItems = o.get(N_ITEMS);
    int d = o.get(D);
    boolean fc2Head = o.get(HEAD).equals("fc2");
    CaserNetwork net = CaserNetwork.load(st, o.get(N_USERS), nItems, d, o.get(L), o.get(NV), o.get(NH),
        o.get(AC_CONV), o.get(AC_FC), o.get(PAD).equals("right"), fc2Head);
    if (fc2Head) {
      // RecBole scores the user vector against the input item table itself, without a bias
      return new Caser(net, Catalogue.of(st.floats("item_embeddings.weight", nItems + 1, d), nItems + 1, d, null),
          o.get(MAX_LEN));
    }
    float[] w2 = st.floats("W2.weight", nItems + 1, 2 * d);
    float[] b2 = st.floats("b2.weight", nItems + 1, 1);
    return new Caser(net, Catalogue.of(w2, nItems + 1, 2 * d, b2), o.get(MAX_LEN));
  }

  /** The users with an embedding: ids 1 .. users() (0 is the unknown user). */
  public int users() {
    return net.users();
  }

  /** The window L. */
  public int window() {
    return net.window();
  }

  @Override
  protected Ws createWorkspace() {
    return new Ws(this);
  }

  @Override
  protected void embed(UserHistory history, int first, Ws w, float[] out, int outOff) {
    if (!history.hasUserId()) {
      throw new IllegalArgumentException("caser: the history needs a user id (Caser has a per-user embedding): "
          + "1 .. " + net.users() + ", or 0 for an unknown user");
    }
    int user = history.userId();
    if (user > net.users()) {
      throw new IllegalArgumentException("caser: user id must be in [0, " + net.users() + "] (0 = unknown user), got "
          + user);
    }
    int end = history.length();
    if (end > first) {
      HistoryChecks.ids("history itemIds", history.itemIds(), first, end, net.items() + 1);
    }
    net.userEmbedding(history.itemIds(), first, end, user, out, outOff, w.scratch, 0);
  }

  /** Per-thread scratch: the window image and the convolution outputs. */
  static final class Ws extends RetrievalWorkspace {
    final float[] scratch;

    Ws(Caser owner) {
      super(owner);
      this.scratch = new float[owner.net.scratchSize()];
    }
  }
}
