package io.github.seqrec.models.ctr;

import io.github.seqrec.kernels.Activation;
import io.github.seqrec.kernels.Activations;
import io.github.seqrec.kernels.Attention;
import io.github.seqrec.kernels.Dense;
import io.github.seqrec.kernels.DinAttentionUnit;
import io.github.seqrec.kernels.Graph;
import io.github.seqrec.kernels.GruWeights;
import io.github.seqrec.kernels.PackedLinear;
import io.github.seqrec.kernels.Recurrent;
import io.github.seqrec.kernels.TopK;
import io.github.seqrec.models.layers.ItemCateEmbedding;
import io.github.seqrec.models.safetensors.SafeTensors;
import java.io.IOException;

/**
 * SURGE's forward pass (Chang et al., SIGIR 2021) as {@code golden/models/surge.py} defines it (the
 * official {@code surge.py} step by step; MODELS.md §6), composed from seqrec kernels:
 * <ol>
 *   <li>metric graph: {@link Graph#cosineSimilarity} of {@code X * w}, {@link Graph#minMaxRows};
 *   <li>sparsification: {@link Graph#relativeRankAdjacency} (ratio 0.5, strict {@code >});
 *   <li>interest fusion: {@link Graph#normalizedAdjacency} ({@code Ah}, whose positive entries are
 *       the edge mask {@code Ab}), cluster queries {@code Ah (Ah X)} (two GEMMs), the cluster- and
 *       query-aware scores (attention MLPs, softmax), edge weights {@code Ab_ij (f1_j + f2_i)},
 *       LeakyReLU, a softmax over each node's edges ({@link Activations#softmaxMasked}), then
 *       {@code X_c = LeakyReLU(E X W_c^T + X)};
 *   <li>extraction and pooling: the same two scores on {@code X_c}, {@code gamma = softmax(f1' + f2')},
 *       the pooling threshold from {@link TopK#topK} ({@code to_keep}-th largest + 1e-7, 0 + 1e-7 when
 *       every node is kept), readout {@code g = sum_kept gamma_i X_c[i]};
 *   <li>prediction: the kept nodes in temporal order, the AUGRU ({@link Recurrent#augruScan}, paper
 *       form with PyTorch gates) weighted by a third attention, and the output MLP on
 *       {@code [h; g; e_a; g * e_a]}.
 * </ol>
 * Steps 1-3's graph and {@code f1} are computed once per user; everything from the query-aware
 * score on is per candidate. The attention units ({@code _attention_fcn}, an MLP over
 * {@code [k'; q; k' - q; k' * q]} with {@code k' = k M^T}) have their BatchNorms (eval) folded into
 * the Linear before them at load. Where one query meets many keys (the query-aware scores, the
 * AUGRU attention) they run as DIN's activation unit ({@link Attention#dinScores}: the first layer
 * split into a key part, a query part and the {@code k' * q} part), and the query-aware score on
 * {@code X} runs once for all candidates; the cluster-aware score, whose query differs per row,
 * runs as plain MLP GEMMs over the rows. Immutable after loading; scratch comes from a
 * {@link Scratch}; nothing allocates per request once the scratch is large enough.
 */
final class SurgeNetwork {
  /** TensorFlow's {@code K.epsilon()}, added to the degree roots and the pooling threshold. */
  static final float EPSILON = 1e-7f;

  final ItemCateEmbedding emb;
  private final int f;                 // node width d_item + d_cate = hidden
  private final float[] graphWeight;
  private final AttentionMlp attCluster;
  private final AttentionMlp attQuery;
  private final AttentionMlp attGru;
  private final PackedLinear fusion;
  private final GruWeights augru;
  private final PackedLinear[] mlpHidden;
  private final PackedLinear mlpOut;
  private final float ratio;
  private final int poolLength;
  private final float slope;

  private SurgeNetwork(ItemCateEmbedding emb, float[] graphWeight, AttentionMlp attCluster, AttentionMlp attQuery,
                       AttentionMlp attGru, PackedLinear fusion, GruWeights augru, PackedLinear[] mlpHidden,
                       PackedLinear mlpOut, float ratio, int poolLength, float slope) {
    this.emb = emb;
    this.f = emb.dim();
    this.graphWeight = graphWeight;
    this.attCluster = attCluster;
    this.attQuery = attQuery;
    this.attGru = attGru;
    this.fusion = fusion;
    this.augru = augru;
    this.mlpHidden = mlpHidden;
    this.mlpOut = mlpOut;
    this.ratio = ratio;
    this.poolLength = poolLength;
    this.slope = slope;
  }

  static SurgeNetwork load(SafeTensors st, int nItems, int nCates, int dItem, int dCate, int hidden, int[] attHidden,
                           int[] mlpHidden, float bnEps, float ratio, int poolLength, float slope) throws IOException {
    ItemCateEmbedding emb = ItemCateEmbedding.load(st, "emb", nItems, nCates, dItem, dCate);
    int f = emb.dim();
    if (hidden != f) {
      throw new IllegalArgumentException("surge: hidden (" + hidden + ") must equal d_item + d_cate (" + f
          + "): X_c = LeakyReLU(E X W_c + X) adds X, and the AUGRU runs on X_c");
    }
    if (!(ratio >= 0f && ratio <= 1f)) {
      throw new IllegalArgumentException("surge: relative_threshold must be in [0, 1], got " + ratio);
    }
    if (poolLength <= 0) {
      throw new IllegalArgumentException("surge: pool_length must be > 0, got " + poolLength);
    }
    PackedLinear[] mlp = new PackedLinear[mlpHidden.length];
    int in = 4 * hidden;
    for (int i = 0; i < mlpHidden.length; i++) {
      mlp[i] = foldedLinear(st, "mlp", i, in, mlpHidden[i], bnEps);
      in = mlpHidden[i];
    }
    return new SurgeNetwork(emb, st.floats("graph_weight", f),
        AttentionMlp.load(st, "att_cluster", f, f, attHidden, bnEps),
        AttentionMlp.load(st, "att_query", f, f, attHidden, bnEps),
        AttentionMlp.load(st, "att_gru", hidden, f, attHidden, bnEps),
        Dense.pack(st.floats("fusion.weight", hidden, f), null, hidden, f),
        Recurrent.packGru(st.floats("augru.weight_ih", 3 * hidden, hidden), st.floats("augru.weight_hh", 3 * hidden, hidden),
            st.floats("augru.bias_ih", 3 * hidden), st.floats("augru.bias_hh", 3 * hidden), hidden, hidden),
        mlp, Dense.pack(st.floats("mlp.out.weight", 1, in), st.floats("mlp.out.bias", 1), 1, in), ratio, poolLength,
        slope);
  }

  /**
   * {@code prefix.hidden.i} followed by {@code prefix.bn.i} (eval) as one Linear:
   * {@code W' = diag(s) W}, {@code b' = s (b - mean) + beta}, {@code s = gamma / sqrt(var + eps)}.
   */
  static PackedLinear foldedLinear(SafeTensors st, String prefix, int i, int in, int out, float eps) throws IOException {
    float[][] folded = folded(st, prefix, i, in, out, eps);
    return Dense.pack(folded[0], folded[1], out, in);
  }

  /** {@link #foldedLinear}'s weight {@code [out, in]} and bias, unpacked. */
  static float[][] folded(SafeTensors st, String prefix, int i, int in, int out, float eps) throws IOException {
    float[] w = st.floats(prefix + ".hidden." + i + ".weight", out, in);
    float[] b = st.floats(prefix + ".hidden." + i + ".bias", out);
    String bn = prefix + ".bn." + i + ".";
    float[] gamma = st.floats(bn + "weight", out);
    float[] beta = st.floats(bn + "bias", out);
    float[] mean = st.floats(bn + "running_mean", out);
    float[] var = st.floats(bn + "running_var", out);
    float[] wf = new float[out * in];
    float[] bf = new float[out];
    for (int o = 0; o < out; o++) {
      if (!(var[o] + (double) eps > 0)) {
        throw new IllegalArgumentException(bn + "running_var[" + o + "] = " + var[o] + ": var + eps must be > 0");
      }
      double s = gamma[o] / Math.sqrt(var[o] + (double) eps);
      for (int c = 0; c < in; c++) {
        wf[o * in + c] = (float) (w[o * in + c] * s);
      }
      bf[o] = (float) ((b[o] - (double) mean[o]) * s + beta[o]);
    }
    return new float[][] {wf, bf};
  }

  int nodeWidth() {
    return f;
  }

  /**
   * Logits for C candidates ({@code candItems/candCates[0 .. c)}) of the history
   * {@code items/cates[first .. end)} (ids checked by the caller, {@code end - first <=} the
   * scratch's node capacity). Writes C floats at logitsOff.
   */
  void score(int[] items, int[] cates, int first, int end, int[] candItems, int[] candCates, int c, float[] logits,
             int logitsOff, Scratch w) {
    int n = end - first;
    w.ensure(n, c);
    for (int t = 0; t < c; t++) {
      emb.embed(candItems[t], candCates[t], w.cand, t * f);
    }
    java.util.Arrays.fill(w.readout, 0, c * f, 0f);
    java.util.Arrays.fill(w.hLast, 0, c * f, 0f);
    if (n > 0) {
      for (int i = 0; i < n; i++) {
        emb.embed(items[first + i], cates[first + i], w.x, i * f);
      }
      buildGraph(n, w);
      attQuery.scoresOneQuery(w.cand, 0, c, w.x, 0, n, w.f2x, 0, w);
      for (int t = 0; t < c; t++) {
        candidate(n, t, w);
      }
      Recurrent.augruScan(augru, w.kept, 0, false, w.alpha, 0, c, n, w.keptCount, 0, null, 0, w.hLast, 0, null, 0,
          w.gruScratch, 0);
    }
    // output MLP on [h; g; e_a; g * e_a]
    int in = 4 * f;
    for (int t = 0; t < c; t++) {
      int row = t * in;
      System.arraycopy(w.hLast, t * f, w.head, row, f);
      System.arraycopy(w.readout, t * f, w.head, row + f, f);
      System.arraycopy(w.cand, t * f, w.head, row + 2 * f, f);
      for (int k = 0; k < f; k++) {
        w.head[row + 3 * f + k] = w.readout[t * f + k] * w.cand[t * f + k];
      }
    }
    System.arraycopy(mlp(w.head, c, w), 0, logits, logitsOff, c);
  }

  /** Steps 1-3 up to the per-user parts: S, A, Ah and its edge mask, X_q = Ah (Ah X), f1. */
  private void buildGraph(int n, Scratch w) {
    int nn = n * n;
    Graph.cosineSimilarity(w.x, 0, n, f, graphWeight, 0, w.s, 0, w.graphScratch, 0);
    Graph.minMaxRows(w.s, 0, n, n, w.s, 0);
    Graph.relativeRankAdjacency(w.s, 0, n, n, ratio, w.adj, 0, w.graphScratch, 0);
    Graph.normalizedAdjacency(w.adj, 0, n, EPSILON, w.adj, 0, w.graphScratch, 0);
    for (int i = 0; i < nn; i++) {
      w.edge[i] = w.adj[i] > 0f;
    }
    clusterQuery(w.x, 0, n, w);
    attCluster.scoresPerRow(w.xq, 0, w.x, 0, n, w.f1, 0, w);
    Activations.softmax(w.f1, 0, w.f1, 0, n);
  }

  /** {@code xq = Ah (Ah v)} for v ({@code n x f} at vOff). */
  private void clusterQuery(float[] v, int vOff, int n, Scratch w) {
    Dense.gemm(w.adj, 0, n, n, n, v, vOff, f, f, null, 0, w.tmp, 0, f, false);
    Dense.gemm(w.adj, 0, n, n, n, w.tmp, 0, f, f, null, 0, w.xq, 0, f, false);
  }

  /** Steps 3-5's per-candidate part for candidate t: X_c, gamma, the pooled nodes, readout, AUGRU inputs. */
  private void candidate(int n, int t, Scratch w) {
    int q = t * f;
    // query-aware score on X (computed for every candidate in score()), edge weights, graph attention convolution
    Activations.softmax(w.f2x, t * n, w.f2, 0, n);
    for (int i = 0; i < n; i++) {
      int row = i * n;
      float f2 = w.f2[i];
      for (int j = 0; j < n; j++) {
        w.e[row + j] = w.edge[row + j] ? w.f1[j] + f2 : 0f;
      }
    }
    Activations.leakyRelu(w.e, 0, w.e, 0, n * n, slope);
    for (int i = 0; i < n; i++) {
      Activations.softmaxMasked(w.e, i * n, w.e, i * n, n, w.edge, i * n);
    }
    Dense.gemm(w.e, 0, n, n, n, w.x, 0, f, f, null, 0, w.tmp, 0, f, false);
    Dense.linear(w.tmp, 0, n, fusion, w.xc, 0, false);
    Dense.axpy(1f, w.x, 0, w.xc, 0, n * f);
    Activations.leakyRelu(w.xc, 0, w.xc, 0, n * f, slope);
    // interest extraction: the two scores again on X_c, gamma
    clusterQuery(w.xc, 0, n, w);
    attCluster.scoresPerRow(w.xq, 0, w.xc, 0, n, w.f1b, 0, w);
    Activations.softmax(w.f1b, 0, w.f1b, 0, n);
    attQuery.scoresOneQuery(w.cand, q, 1, w.xc, 0, n, w.f2, 0, w);
    Activations.softmax(w.f2, 0, w.f2, 0, n);
    for (int i = 0; i < n; i++) {
      w.gamma[i] = w.f1b[i] + w.f2[i];
    }
    Activations.softmax(w.gamma, 0, w.gamma, 0, n);
    // pooling: strictly above the to_keep-th largest score (0 when every node may stay) + 1e-7
    int toKeep = n > poolLength ? poolLength : n;
    float base = 0f;
    if (toKeep < n) {
      TopK.topK(w.gamma, 0, n, toKeep + 1, w.topValues, 0, w.topIndices, 0);
      base = w.topValues[toKeep];
    }
    float threshold = base + EPSILON;
    int m = 0;
    int keptBase = t * n * f;
    for (int i = 0; i < n; i++) {
      if (w.gamma[i] > threshold) {
        Dense.axpy(w.gamma[i], w.xc, i * f, w.readout, q, f);
        System.arraycopy(w.xc, i * f, w.kept, keptBase + m * f, f);
        m++;
      }
    }
    w.keptCount[t] = m;
    // AUGRU attention over the kept nodes (the scan reads alpha[t * n .. + m))
    if (m > 0) {
      attGru.scoresOneQuery(w.cand, q, 1, w.kept, keptBase, m, w.alpha, t * n, w);
      Activations.softmax(w.alpha, t * n, w.alpha, t * n, m);
    }
  }

  /** The output MLP over {@code rows} rows of x; returns the buffer holding the rows logits. */
  private float[] mlp(float[] x, int rows, Scratch w) {
    float[] in = x;
    float[] a = w.mlpA;
    float[] b = w.mlpB;
    for (PackedLinear layer : mlpHidden) {
      Dense.linear(in, 0, rows, layer, a, 0, false);
      Activations.relu(a, 0, a, 0, rows * layer.outFeatures());
      in = a;
      a = b;
      b = in;
    }
    Dense.linear(in, 0, rows, mlpOut, a, 0, false);
    return a;
  }

  /**
   * {@code _attention_fcn}'s logits: for keys {@code k_i} and queries {@code q},
   * {@code MLP([k'_i; q; k'_i - q; k'_i * q])} with {@code k' = k M^T}; the MLP's hidden layers are
   * Linear (BN folded) + ReLU, its output Linear(1). Held twice: as packed layers for the per-row
   * form, and as a {@link DinAttentionUnit} for one query against many keys. DIN's unit reads
   * {@code [q; k; q - k; q * k]} (query first), so the first weight's column blocks
   * {@code [A | B | C | D]} become {@code [B | A | -C | D]}:
   * {@code A k' + B q + C (k' - q) + D (k' q) = B q + A k' - C (q - k') + D (q k')}.
   */
  static final class AttentionMlp {
    final PackedLinear proj;
    final PackedLinear[] hidden;
    final PackedLinear out;
    final DinAttentionUnit unit;
    final int queryWidth;

    private AttentionMlp(PackedLinear proj, PackedLinear[] hidden, PackedLinear out, DinAttentionUnit unit) {
      this.proj = proj;
      this.hidden = hidden;
      this.out = out;
      this.unit = unit;
      this.queryWidth = proj.outFeatures();
    }

    static AttentionMlp load(SafeTensors st, String prefix, int keyWidth, int queryWidth, int[] widths, float eps)
        throws IOException {
      if (widths.length == 0) {
        throw new IllegalArgumentException("surge: att_hidden must name at least one layer");
      }
      int d = queryWidth;
      PackedLinear[] hidden = new PackedLinear[widths.length];
      DinAttentionUnit.Builder unit = DinAttentionUnit.builder(d);
      int in = 4 * d;
      for (int i = 0; i < widths.length; i++) {
        float[][] folded = folded(st, prefix + ".mlp", i, in, widths[i], eps);
        hidden[i] = Dense.pack(folded[0], folded[1], widths[i], in);
        unit.hidden(i == 0 ? queryFirst(folded[0], widths[i], d) : folded[0], folded[1], widths[i], Activation.relu());
        in = widths[i];
      }
      float[] outWeight = st.floats(prefix + ".mlp.out.weight", 1, in);
      float[] outBias = st.floats(prefix + ".mlp.out.bias", 1);
      unit.output(outWeight, outBias);
      return new AttentionMlp(Dense.pack(st.floats(prefix + ".proj.weight", queryWidth, keyWidth), null, queryWidth,
          keyWidth), hidden, Dense.pack(outWeight, outBias, 1, in), unit.build());
    }

    /** The first layer's {@code [A | B | C | D]} (each {@code out x d}) as {@code [B | A | -C | D]}. */
    private static float[] queryFirst(float[] w, int out, int d) {
      float[] r = new float[w.length];
      for (int o = 0; o < out; o++) {
        int row = o * 4 * d;
        for (int c = 0; c < d; c++) {
          r[row + c] = w[row + d + c];
          r[row + d + c] = w[row + c];
          r[row + 2 * d + c] = -w[row + 2 * d + c];
          r[row + 3 * d + c] = w[row + 3 * d + c];
        }
      }
      return r;
    }

    int widest() {
      int wmax = 4 * queryWidth;
      for (PackedLinear h : hidden) {
        wmax = Math.max(wmax, h.outFeatures());
      }
      return wmax;
    }

    /**
     * Logits of {@code b} queries ({@code b x d} at qOff) against the same {@code rows} keys: a
     * {@code b x rows} block at resultOff (row t for query t).
     */
    void scoresOneQuery(float[] queries, int qOff, int b, float[] keys, int kOff, int rows, float[] result,
                        int resultOff, Scratch w) {
      Dense.linear(keys, kOff, rows, proj, w.kp, 0, false);
      Attention.dinScores(unit, queries, qOff, b, w.kp, 0, rows, rows, result, resultOff, w.unitScratch, 0);
    }

    /** Logits of {@code rows} keys, each against its own query (row i of {@code queries} at qOff). */
    void scoresPerRow(float[] queries, int qOff, float[] keys, int kOff, int rows, float[] result, int resultOff,
                      Scratch w) {
      int d = queryWidth;
      Dense.linear(keys, kOff, rows, proj, w.kp, 0, false);
      int in = 4 * d;
      for (int i = 0; i < rows; i++) {
        int z = i * in;
        int k = i * d;
        int qq = qOff + i * d;
        System.arraycopy(w.kp, k, w.attA, z, d);
        System.arraycopy(queries, qq, w.attA, z + d, d);
        for (int c = 0; c < d; c++) {
          float kv = w.kp[k + c];
          float qv = queries[qq + c];
          w.attA[z + 2 * d + c] = kv - qv;
          w.attA[z + 3 * d + c] = kv * qv;
        }
      }
      float[] a = w.attA;
      float[] b = w.attB;
      for (PackedLinear layer : hidden) {
        Dense.linear(a, 0, rows, layer, b, 0, false);
        Activations.relu(b, 0, b, 0, rows * layer.outFeatures());
        float[] swap = a;
        a = b;
        b = swap;
      }
      Dense.linear(a, 0, rows, out, b, 0, false);
      System.arraycopy(b, 0, result, resultOff, rows);
    }
  }

  /** Per-thread buffers, grown to the largest history and candidate count seen (never shrunk). */
  static final class Scratch {
    private final SurgeNetwork net;
    int nodes = -1;
    int cands = -1;
    float[] x;
    float[] s;
    float[] adj;
    boolean[] edge;
    float[] graphScratch;
    float[] xq;
    float[] tmp;
    float[] f1;
    float[] f1b;
    float[] f2;
    float[] f2x;
    float[] unitScratch;
    float[] e;
    float[] xc;
    float[] gamma;
    float[] topValues;
    int[] topIndices;
    float[] kp;
    float[] attA;
    float[] attB;
    float[] cand;
    float[] readout;
    float[] kept;
    float[] alpha;
    int[] keptCount;
    float[] hLast;
    float[] gruScratch;
    float[] head;
    float[] mlpA;
    float[] mlpB;

    Scratch(SurgeNetwork net, int nodes, int cands) {
      this.net = net;
      ensure(nodes, cands);
    }

    void ensure(int n, int c) {
      if (n <= nodes && c <= cands) {
        return;
      }
      n = Math.max(n, Math.max(nodes, 1));
      c = Math.max(c, Math.max(cands, 1));
      int f = net.f;
      if (n > nodes) {
        x = new float[n * f];
        s = new float[n * n];
        adj = new float[n * n];
        edge = new boolean[n * n];
        graphScratch = new float[Math.max(Graph.cosineSimilarityScratchSize(n, f),
            Math.max(Graph.relativeRankScratchSize(n, n), Graph.normalizedAdjacencyScratchSize(n)))];
        xq = new float[n * f];
        tmp = new float[n * f];
        f1 = new float[n];
        f1b = new float[n];
        f2 = new float[n];
        e = new float[n * n];
        xc = new float[n * f];
        gamma = new float[n];
        topValues = new float[n + 1];
        topIndices = new int[n + 1];
        int widest = Math.max(net.attCluster.widest(), Math.max(net.attQuery.widest(), net.attGru.widest()));
        kp = new float[n * f];
        attA = new float[n * widest];
        attB = new float[n * widest];
      }
      cand = new float[c * f];
      f2x = new float[c * n];
      unitScratch = new float[Math.max(unitScratchSize(net.attQuery, c, n), unitScratchSize(net.attGru, 1, n))];
      readout = new float[c * f];
      kept = new float[c * n * f];
      alpha = new float[c * n];
      keptCount = new int[c];
      hLast = new float[c * f];
      gruScratch = new float[Recurrent.gruScanScratchSize(c, n, f, false)];
      head = new float[c * 4 * f];
      int widest = 1;
      for (PackedLinear layer : net.mlpHidden) {
        widest = Math.max(widest, layer.outFeatures());
      }
      mlpA = new float[c * widest];
      mlpB = new float[c * widest];
      nodes = n;
      cands = c;
    }

    /**
     * The most {@link Attention#dinScores} scratch that up to {@code b} queries against up to
     * {@code n} keys need: the kernel blocks its queries by key count, so its need is not monotone
     * in the key count and every count up to n is asked.
     */
    private static int unitScratchSize(AttentionMlp mlp, int b, int n) {
      int most = 0;
      for (int rows = 1; rows <= n; rows++) {
        most = Math.max(most, Attention.dinScoresScratchSize(mlp.unit, b, rows));
      }
      return most;
    }
  }
}
