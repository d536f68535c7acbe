package io.github.seqrec.models.nextitem;

import io.github.seqrec.kernels.Dense;
import io.github.seqrec.kernels.LstmWeights;
import io.github.seqrec.kernels.PackedLinear;
import io.github.seqrec.kernels.Recurrent;
import io.github.seqrec.models.AbstractNextItemModel;
import io.github.seqrec.models.HistoryChecks;
import io.github.seqrec.models.HistoryField;
import io.github.seqrec.models.ModelOption;
import io.github.seqrec.models.ModelOptions;
import io.github.seqrec.models.ModelSpec;
import io.github.seqrec.models.SequentialModel;
import io.github.seqrec.models.UserHistory;
import io.github.seqrec.models.layers.Catalogue;
import io.github.seqrec.models.layers.CommonOptions;
import io.github.seqrec.models.safetensors.SafeTensors;
import java.io.IOException;

/**
 * RRN, Recurrent Recommender Networks (Wu et al., WSDM 2017). No public code of the paper exists
 * (MODELS.md §2), so the PyTorch module {@code golden/models/rrn.py} is RRN's executable definition
 * in seqrec; this class is checked against it. Per non-empty weekly time step of the user's history
 * (step {@code s = floor((t - epoch) / step_seconds)}):
 * <pre>
 *   y_s     = sum_{(j, r) in step s} r * ratings[j] + extra([newbie, tau_s, tau_prev])   (tau = s / time_scale)
 *   (h, c)  = LSTM(y_s, (h, c))
 *   rating(i, j) = &lt;W_u h_T + b_u, m~_j&gt; + &lt;user_factor[i], item_factor[j]&gt;      (paper eq. 7, no sigmoid)
 *               = [u~; user_factor[i]] . [m~_j; item_factor[j]]
 * </pre>
 * The history's ratings are its {@link HistoryField#ACTION_TYPES} values ({@code hist_actions}),
 * its times {@link HistoryField#TIMESTAMPS} (non-decreasing, checked). The item side
 * {@code m~_j = item_out(item_state[j])} is the catalogue snapshot of the file, packed once.
 *
 * <p>Users: every history must carry a user id in {@code [0, n_users]} (a missing one or one above
 * {@code n_users} is rejected); id 0 is the unknown user, whose stationary factor is zero, so it
 * scores by the dynamic (LSTM) term alone. The empty history has no step: {@code h = 0}, so
 * {@code u~ = b_u}. Histories longer than {@code max_len} keep their most recent actions (the
 * first kept step is the "newbie" step).
 *
 * <p>Serving: a {@link UserState} holds the LSTM state (and the state before the current time
 * step); {@link #append} costs one {@code lstmStep} and equals rescoring the whole history.
 * Immutable and thread-safe; allocation-free per request after warm-up.
 */
public final class Rrn extends AbstractNextItemModel<Rrn.Ws> {
  static final ModelOption<Integer> N_ITEMS = CommonOptions.N_ITEMS;
  static final ModelOption<Integer> N_USERS = ModelOption.intOption("n_users",
      "user vocabulary: ids 1 .. n_users (0 is the unknown user)", 1, CommonOptions.MAX_VOCABULARY);
  static final ModelOption<Integer> D_INPUT = ModelOption.intOption("d_input", "LSTM input width", 1, 1 << 14);
  static final ModelOption<Integer> HIDDEN = ModelOption.intOption("hidden", "LSTM width", 1, 1 << 14);
  static final ModelOption<Integer> D_DYNAMIC =
      ModelOption.intOption("d_dynamic", "width of the dynamic factors u~, m~", 1, 1 << 14);
  static final ModelOption<Integer> D_STATIONARY =
      ModelOption.intOption("d_stationary", "width of the stationary factors", 1, 1 << 14);
  static final ModelOption<Integer> STEP_SECONDS = ModelOption.intOption("step_seconds",
      "length of one time step in seconds (a week)", 1, Integer.MAX_VALUE).withDefault(604800);
  static final ModelOption<Integer> EPOCH = ModelOption.intOption("epoch",
      "origin of the time steps, seconds", Integer.MIN_VALUE, Integer.MAX_VALUE).withDefault(1600000000);
  static final ModelOption<Float> TIME_SCALE =
      ModelOption.floatOption("time_scale", "tau = step / time_scale", 1e-6f, 1e9f).withDefault(52f);
  static final ModelOption<Integer> MAX_LEN = CommonOptions.maxLen(100);

  /** RRN as the registry knows it. */
  public static final ModelSpec SPEC = ModelSpec.builder("rrn").family("nextitem").nextItem()
      .paper("Wu, Ahmed, Beutel, Smola, Jing, Recurrent Recommender Networks, WSDM 2017 "
          + "(no public code: golden/models/rrn.py is the definition)")
      .captures("how a user's taste drifts over weeks: an LSTM over weekly rating steps with wall-clock "
          + "features, plus stationary user and item factors")
      .kernels("Dense (axpy rating rows, time-feature linear, dot products)",
          "Recurrent (lstmScan over the steps, lstmStep per appended action)", "TopK (catalogue)")
      .fields(HistoryField.ACTION_TYPES, HistoryField.TIMESTAMPS)
      .options(N_ITEMS, N_USERS, D_INPUT, HIDDEN, D_DYNAMIC, D_STATIONARY, STEP_SECONDS, EPOCH, TIME_SCALE, MAX_LEN)
      .batchInputs("user_id", "hist_items", "hist_actions (ratings)", "hist_times", "hist_len", "cand_items")
      .loader(Rrn::load)
      .build();

  private final RrnRecurrence recurrence;
  private final PackedLinear userOut;
  private final float[] userFactors;  // [n_users + 1, d_stationary], row 0 zero
  private final int nItems;
  private final int nUsers;
  private final int dDynamic;
  private final int dStationary;

  private Rrn(RrnRecurrence recurrence, PackedLinear userOut, float[] userFactors, Catalogue catalogue, int nItems,
              int nUsers, int dDynamic, int dStationary, int maxLen) {
    super(SPEC, maxLen, Ws.class, catalogue);
    this.recurrence = recurrence;
    this.userOut = userOut;
    this.userFactors = userFactors;
    this.nItems = nItems;
    this.nUsers = nUsers;
    this.dDynamic = dDynamic;
    this.dStationary = dStationary;
  }

  /**
   * Loads {@code user_input.ratings.weight [n_items+1, d_input]}, {@code user_input.extra.{weight [d_input, 3],
   * bias}}, {@code user_lstm.{weight,bias}_{ih,hh}_l0}, {@code user_out.{weight [d_dynamic, hidden], bias}},
   * {@code user_factor.weight [n_users+1, d_stationary]}, and the catalogue side {@code item_state
   * [n_items+1, hidden]}, {@code item_out.*}, {@code item_factor.weight [n_items+1, d_stationary]}.
   * The item-side LSTM weights ({@code item_input.*, item_lstm.*}) make the snapshot offline and
   * are not read.
   */
  public static Rrn load(SafeTensors st, ModelOptions o) throws IOException {
    int n = o.get(N_ITEMS);
    int users = o.get(N_USERS);
    int dIn = o.get(D_INPUT);
    int hidden = o.get(HIDDEN);
    int dDyn = o.get(D_DYNAMIC);
    int dStat = o.get(D_STATIONARY);
    LstmWeights lstm = Recurrent.packLstm(st.floats("user_lstm.weight_ih_l0", 4 * hidden, dIn),
        st.floats("user_lstm.weight_hh_l0", 4 * hidden, hidden), st.floats("user_lstm.bias_ih_l0", 4 * hidden),
        st.floats("user_lstm.bias_hh_l0", 4 * hidden), dIn, hidden);
    PackedLinear extra = Dense.pack(st.floats("user_input.extra.weight", dIn, 3), st.floats("user_input.extra.bias", dIn),
        dIn, 3);
    PackedLinear userOut = Dense.pack(st.floats("user_out.weight", dDyn, hidden), st.floats("user_out.bias", dDyn),
        dDyn, hidden);
    PackedLinear itemOut = Dense.pack(st.floats("item_out.weight", dDyn, hidden), st.floats("item_out.bias", dDyn),
        dDyn, hidden);
    float[] userFactors = st.floats("user_factor.weight", users + 1, dStat);
    java.util.Arrays.fill(userFactors, 0, dStat, 0f);  // the unknown user: dynamic term only
    float[] itemState = st.floats("item_state", n + 1, hidden);
    float[] itemFactors = st.floats("item_factor.weight", n + 1, dStat);
    float[] dynamic = new float[(n + 1) * dDyn];
    Dense.linear(itemState, 0, n + 1, itemOut, dynamic, 0, false);
    int d = dDyn + dStat;
    float[] table = new float[(n + 1) * d];
    for (int j = 0; j <= n; j++) {
      System.arraycopy(dynamic, j * dDyn, table, j * d, dDyn);
      System.arraycopy(itemFactors, j * dStat, table, j * d + dDyn, dStat);
    }
    RrnRecurrence recurrence = new RrnRecurrence(st.floats("user_input.ratings.weight", n + 1, dIn), dIn, extra, lstm,
        o.get(EPOCH), o.get(STEP_SECONDS), o.get(TIME_SCALE));
    return new Rrn(recurrence, userOut, userFactors, Catalogue.of(table, n + 1, d, null), n, users, dDyn, dStat,
        o.get(MAX_LEN));
  }

  @Override
  protected Ws createWorkspace() {
    return new Ws(this);
  }

  @Override
  protected void embed(UserHistory history, int first, Ws w, float[] out, int outOff) {
    int end = history.length();
    Fpmc.checkUser("rrn", history, nUsers);
    int[] items = history.itemIds();
    HistoryChecks.ids("history itemIds", items, first, end, nItems + 1);
    long[] times = history.timestamps();
    for (int a = first + 1; a < end; a++) {
      if (times[a] < times[a - 1]) {
        throw new IllegalArgumentException("rrn: history timestamps must be non-decreasing, timestamps[" + a + "] = "
            + times[a] + " < timestamps[" + (a - 1) + "] = " + times[a - 1]);
      }
    }
    recurrence.run(items, history.actionTypes(), times, first, end - first, w.h, 0, w.c, 0, w.runScratch);
    project(w.h, history.userId(), out, outOff);
  }

  private void project(float[] h, int userId, float[] out, int outOff) {
    Dense.linear(h, 0, 1, userOut, out, outOff, false);
    System.arraycopy(userFactors, userId * dStationary, out, outOff + dDynamic, dStationary);
  }

  // ------------------------------------------------------------------------------------------
  // Incremental serving

  /**
   * A fresh serving state for user {@code userId} ({@code 0 .. n_users}, 0 = unknown): no action seen.
   */
  public UserState newUserState(int userId) {
    if (userId < 0 || userId > nUsers) {
      throw new IllegalArgumentException("rrn: userId = " + userId + " is outside the users [0, " + nUsers + "]");
    }
    return new UserState(this, userId);
  }

  /**
   * Advances the state by one action (item, its rating, its time): one LSTM step from the state
   * before the action's time step (the action joins the current step or opens the next one).
   *
   * @throws IllegalArgumentException for an item outside {@code [1, n_items]}, a time before the
   *     previous action's, or a state of another model; the state is unchanged then
   */
  public void append(UserState state, int item, int rating, long time, SequentialModel.Workspace workspace) {
    checkState(state);
    Ws w = acquire(workspace);
    try {
      if (item < 1 || item > nItems) {
        throw new IllegalArgumentException("rrn: item " + item + " is outside the vocabulary [1, " + nItems + "]");
      }
      if (state.actions > 0 && time < state.lastTime) {
        throw new IllegalArgumentException("rrn: time " + time + " is before the previous action's " + state.lastTime);
      }
      recurrence.advance(state.recurrent, item, rating, time, w.stepScratch);
      state.lastTime = time;
      state.actions++;
    } finally {
      release(w);
    }
  }

  /** The state's user embedding {@code [u~; user_factor[u]]}, {@link #embeddingDim()} floats. */
  public void userEmbedding(UserState state, float[] out, int outOff) {
    checkState(state);
    HistoryChecks.output(out, outOff, embeddingDim());
    project(state.recurrent.h, state.userId, out, outOff);
  }

  private void checkState(UserState state) {
    if (state == null || state.owner != this) {
      throw new IllegalArgumentException("rrn: the user state must come from this model's newUserState(), got "
          + (state == null ? "null" : "one of another instance"));
    }
  }

  /**
   * One user's serving state: the LSTM state, the state before the current time step and the
   * step's summed rating input. Mutable, not thread-safe: one per user.
   */
  public static final class UserState {
    private final Rrn owner;
    private final int userId;
    private final RrnRecurrence.State recurrent;
    private long lastTime;
    private long actions;

    private UserState(Rrn owner, int userId) {
      this.owner = owner;
      this.userId = userId;
      this.recurrent = owner.recurrence.newState();
    }

    public int userId() {
      return userId;
    }

    /** Actions appended since creation or {@link #reset()}. */
    public long actions() {
      return actions;
    }

    /** Back to the empty history. */
    public void reset() {
      recurrent.reset();
      actions = 0;
    }
  }

  /** Per-thread scratch: the LSTM state of a rescoring and the scan / step scratch sized for max_len. */
  static final class Ws extends RetrievalWorkspace {
    final float[] h;
    final float[] c;
    final float[] runScratch;
    final float[] stepScratch;

    Ws(Rrn owner) {
      super(owner);
      this.h = new float[owner.recurrence.hidden()];
      this.c = new float[owner.recurrence.hidden()];
      this.runScratch = new float[owner.recurrence.runScratchSize(owner.maxHistoryLength())];
      this.stepScratch = new float[owner.recurrence.stepScratchSize()];
    }
  }
}
