package io.github.seqrec.models.nextitem;

import io.github.seqrec.kernels.Dense;
import io.github.seqrec.models.AbstractNextItemModel;
import io.github.seqrec.models.HistoryChecks;
import io.github.seqrec.models.HistoryField;
import io.github.seqrec.models.ModelOption;
import io.github.seqrec.models.ModelOptions;
import io.github.seqrec.models.ModelSpec;
import io.github.seqrec.models.UserHistory;
import io.github.seqrec.models.layers.Catalogue;
import io.github.seqrec.models.layers.CommonOptions;
import io.github.seqrec.models.safetensors.SafeTensors;
import java.io.IOException;
import java.util.EnumSet;
import java.util.Set;

/**
 * FPMC, Factorizing Personalized Markov Chains (Rendle et al., WWW 2010), as
 * {@code golden/models/fpmc.py} defines it (the paper's factorized score and RecBole's four tables,
 * MODELS.md §1):
 * <pre>
 *   x(u, B, j) = &lt;UI[u], IU[j]&gt; + (1/|B|) sum_{l in B} &lt;IL[j], LI[l]&gt;
 *              = [UI[u]; mean_{l in B} LI[l]] . [IU[j]; IL[j]]
 * </pre>
 * B is the previous basket: the last kept action ({@code basket = last_item}, RecBole, the
 * default) or every trailing kept action sharing the last action's timestamp
 * ({@code basket = last_timestamp}, the paper's next-basket form; needs the timestamps).
 *
 * <p>Users: every history must carry a user id ({@link UserHistory#userId()}) in
 * {@code [0, n_users]}; a missing id or one above {@code n_users} is rejected. Id 0 is the unknown
 * user: its row of {@code UI} is zero (padding), so only the sequence (chain) term scores. The
 * empty history has no basket: the chain term is 0 and the MF term alone scores.
 *
 * <p>The user vector is {@code 2d} wide and the catalogue {@code [IU; IL]} is packed once, so
 * candidate scores and catalogue top-k are dot products ({@link AbstractNextItemModel}).
 * Immutable and thread-safe; allocation-free per request after warm-up.
 */
public final class Fpmc extends AbstractNextItemModel<Fpmc.Ws> {
  static final ModelOption<Integer> N_ITEMS = CommonOptions.N_ITEMS;
  static final ModelOption<Integer> N_USERS = ModelOption.intOption("n_users",
      "user vocabulary: ids 1 .. n_users (0 is the unknown user)", 1, CommonOptions.MAX_VOCABULARY);
  static final ModelOption<Integer> EMBEDDING_SIZE =
      ModelOption.intOption("embedding_size", "width d of each of the four factor tables", 1, 1 << 14);
  static final ModelOption<String> BASKET = ModelOption.choice("basket",
      "previous basket: the last action (RecBole) or the trailing actions at the last timestamp (paper)",
      "last_item", "last_item", "last_timestamp");
  static final ModelOption<Integer> MAX_LEN = CommonOptions.maxLen(100);

  /** FPMC as the registry knows it. */
  public static final ModelSpec SPEC = ModelSpec.builder("fpmc").family("nextitem").nextItem()
      .paper("Rendle, Freudenthaler, Schmidt-Thieme, Factorizing Personalized Markov Chains for Next-Basket "
          + "Recommendation, WWW 2010 (RecBole fpmc.py)")
      .captures("long-term taste (user-item MF) plus the first-order transition from the previous basket, "
          + "both factorized; one dot product with [IU; IL]")
      .kernels("Dense (basket mean, dot products with the item table)", "TopK (catalogue)")
      .options(N_ITEMS, N_USERS, EMBEDDING_SIZE, BASKET, MAX_LEN)
      .batchInputs("user_id", "hist_items", "hist_len", "hist_times (basket = last_timestamp)", "cand_items")
      .loader(Fpmc::load)
      .build();

  private final float[] userFactors;  // UI [n_users + 1, d], row 0 zero
  private final float[] lastItems;    // LI [n_items + 1, d]
  private final int nItems;
  private final int nUsers;
  private final int d;
  private final boolean timestampBasket;

  private Fpmc(float[] ui, float[] li, Catalogue catalogue, int nItems, int nUsers, int d, boolean timestampBasket,
               int maxLen) {
    super(SPEC, maxLen, Ws.class, catalogue);
    this.userFactors = ui;
    this.lastItems = li;
    this.nItems = nItems;
    this.nUsers = nUsers;
    this.d = d;
    this.timestampBasket = timestampBasket;
  }

  /**
   * Loads {@code UI_emb.weight [n_users+1, d]}, {@code IU_emb.weight}, {@code LI_emb.weight},
   * {@code IL_emb.weight [n_items+1, d]}.
   */
  public static Fpmc load(SafeTensors st, ModelOptions o) throws IOException {
    int n = o.get(N_ITEMS);
    int users = o.get(N_USERS);
    int d = o.get(EMBEDDING_SIZE);
    float[] ui = st.floats("UI_emb.weight", users + 1, d);
    float[] iu = st.floats("IU_emb.weight", n + 1, d);
    float[] li = st.floats("LI_emb.weight", n + 1, d);
    float[] il = st.floats("IL_emb.weight", n + 1, d);
    float[] table = new float[(n + 1) * 2 * d];
    for (int j = 0; j <= n; j++) {
      System.arraycopy(iu, j * d, table, j * 2 * d, d);
      System.arraycopy(il, j * d, table, j * 2 * d + d, d);
    }
    // the unknown user (id 0) scores by the chain term alone, whatever the file's row 0 holds
    java.util.Arrays.fill(ui, 0, d, 0f);
    return new Fpmc(ui, li, Catalogue.of(table, n + 1, 2 * d, null), n, users, d,
        o.get(BASKET).equals("last_timestamp"), o.get(MAX_LEN));
  }

  @Override
  public Set<HistoryField> requiredFields() {
    return timestampBasket ? EnumSet.of(HistoryField.ITEM_IDS, HistoryField.TIMESTAMPS) : SPEC.fields();
  }

  /** The basket form: {@code last_item} or {@code last_timestamp}. */
  public String basket() {
    return timestampBasket ? "last_timestamp" : "last_item";
  }

  @Override
  protected Ws createWorkspace() {
    return new Ws(this);
  }

  static void checkUser(String model, UserHistory history, int nUsers) {
    if (!history.hasUserId()) {
      throw new IllegalArgumentException(model + " needs the history's userId (0 = unknown user, 1 .. " + nUsers
          + "), the history has none");
    }
    int u = history.userId();
    if (u > nUsers) {
      throw new IllegalArgumentException(model + ": userId = " + u + " is outside the users [0, " + nUsers + "]");
    }
  }

  @Override
  protected void embed(UserHistory history, int first, Ws w, float[] out, int outOff) {
    int end = history.length();
    checkUser("fpmc", history, nUsers);
    int[] items = history.itemIds();
    HistoryChecks.ids("history itemIds", items, first, end, nItems + 1);
    System.arraycopy(userFactors, history.userId() * d, out, outOff, d);
    java.util.Arrays.fill(out, outOff + d, outOff + 2 * d, 0f);
    if (end == first) {
      return;
    }
    int basketStart = end - 1;
    if (timestampBasket) {
      long[] times = history.timestamps();
      long last = times[end - 1];
      while (basketStart > first && times[basketStart - 1] == last) {
        basketStart--;
      }
    }
    for (int l = basketStart; l < end; l++) {
      Dense.axpy(1f, lastItems, items[l] * d, out, outOff + d, d);
    }
    float size = end - basketStart;
    if (size > 1) {
      for (int c = 0; c < d; c++) {
        out[outOff + d + c] /= size;
      }
    }
  }

  /** Per-thread scratch: only the retrieval workspace's. */
  static final class Ws extends RetrievalWorkspace {
    Ws(Fpmc owner) {
      super(owner);
    }
  }
}
