package io.github.seqrec.models.lifelong;

import io.github.seqrec.kernels.SimHash;
import io.github.seqrec.models.HistoryChecks;
import io.github.seqrec.models.UserHistory;
import io.github.seqrec.models.layers.ActionLog;
import java.util.Arrays;

/**
 * ETA's per-user cache (Chen et al., arXiv 2108.04468, §3.2: the behaviours' SimHash signatures are
 * computed once and reused by every request): the user's actions (item, category, oldest first) and
 * the packed signature {@code sig(e_l)} of each, appended one action at a time as actions arrive.
 *
 * <p>Signatures are {@link SimHash} words ({@code ceil(hash_bits / 64)} longs per action, bit k of
 * the signature in bit {@code k % 64} of word {@code k / 64}; ETA's 32 bits use the low half of one
 * word, the high half is 0). One appended action goes through the same GEMM as a bulk
 * {@link #appendAll}, which computes each projection independently of the rows around it, so an
 * action-by-action cache equals a bulk one bit for bit. Made by {@link Eta#newSignatureCache()}
 * and tied to that model. Not thread-safe while appending; read-only scoring may share it.
 */
public final class EtaSignatureCache {
  private static final int BLOCK = 64;

  private final Eta model;
  private final int d;
  private final int words;
  private final ActionLog log;
  private long[] signatures;
  private final float[] embedded;
  private final float[] scratch;

  EtaSignatureCache(Eta model, int initialCapacity) {
    this.model = model;
    this.d = model.embedding().dim();
    this.words = SimHash.words(model.paddedBits());
    this.log = new ActionLog(initialCapacity, false);
    this.signatures = new long[log.capacity() * words];
    this.embedded = new float[BLOCK * d];
    this.scratch = new float[SimHash.signaturesScratchSize(BLOCK, model.paddedBits())];
  }

  /** The model this cache belongs to. */
  public Eta model() {
    return model;
  }

  /** Number of actions held. */
  public int length() {
    return log.length();
  }

  /** Longs per signature. */
  public int words() {
    return words;
  }

  /** Forgets every action (capacity is kept). */
  public void clear() {
    log.clear();
  }

  /**
   * Appends one action (the newest) and computes its signature.
   *
   * @throws IllegalArgumentException for an item or category id outside the vocabulary
   */
  public void append(int item, int category) {
    ActionLog.checkAction(log.length(), item, category, model.embedding().itemVocabulary(),
        model.embedding().cateVocabulary());
    ensureCapacity(log.length() + 1);
    sign(log.put(item, category, 0L), 1);
  }

  /**
   * Appends the actions {@code [from, to)} of a history; all ids are checked before anything is
   * appended. The same cache as appending them one by one.
   */
  public void appendAll(UserHistory history, int from, int to) {
    ActionLog.checkAppend(model.name(), model.requiredFields(), history, from, to, model.embedding().itemVocabulary(),
        model.embedding().cateVocabulary());
    ensureCapacity(log.length() + (to - from));
    int start = log.length();
    for (int i = from; i < to; i++) {
      log.put(history.itemIds()[i], history.categoryIds()[i], 0L);
    }
    for (int s = start; s < log.length(); s += BLOCK) {
      sign(s, Math.min(BLOCK, log.length() - s));
    }
  }

  /** Appends a whole history. */
  public void appendAll(UserHistory history) {
    appendAll(history, 0, history.length());
  }

  /** Word {@code word} of action {@code slot}'s signature. */
  public long signature(int slot, int word) {
    if (slot < 0 || slot >= log.length() || word < 0 || word >= words) {
      throw new IllegalArgumentException("slot must be in [0, " + log.length() + ") and word in [0, " + words
          + "), got " + slot + ", " + word);
    }
    return signatures[slot * words + word];
  }

  public int item(int slot) {
    return log.item(slot);
  }

  public int category(int slot) {
    return log.category(slot);
  }

  int[] itemsArray() { return log.items(); }
  int[] categoriesArray() { return log.categories(); }
  long[] signaturesArray() { return signatures; }

  private void sign(int s, int rows) {
    int[] items = log.items();
    int[] categories = log.categories();
    for (int r = 0; r < rows; r++) {
      model.embedding().embed(items[s + r], categories[s + r], embedded, r * d);
    }
    SimHash.signatures(embedded, 0, rows, d, model.planes(), 0, model.paddedBits(), signatures, s * words,
        scratch, 0);
  }

  private void ensureCapacity(int needed) {
    if (log.ensureCapacity(needed)) {
      signatures = Arrays.copyOf(signatures, log.capacity() * words);
    }
  }
}
