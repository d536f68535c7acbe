package io.github.seqrec.models;

import io.github.seqrec.kernels.SimHash;
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
  private int length;
  private int capacity;
  private int[] items;
  private int[] categories;
  private long[] signatures;
  private final float[] embedded;
  private final float[] scratch;

  EtaSignatureCache(Eta model, int initialCapacity) {
    this.model = model;
    this.d = model.embedding().dim();
    this.words = SimHash.words(model.paddedBits());
    this.capacity = Math.max(1, initialCapacity);
    this.items = new int[capacity];
    this.categories = new int[capacity];
    this.signatures = new long[capacity * words];
    this.embedded = new float[BLOCK * d];
    this.scratch = new float[SimHash.signaturesScratchSize(BLOCK, model.paddedBits())];
  }

  /** The model this cache belongs to. */
  public Eta model() {
    return model;
  }

  /** Number of actions held. */
  public int length() {
    return length;
  }

  /** Longs per signature. */
  public int words() {
    return words;
  }

  /** Forgets every action (capacity is kept). */
  public void clear() {
    length = 0;
  }

  /**
   * Appends one action (the newest) and computes its signature.
   *
   * @throws IllegalArgumentException for an item or category id outside the vocabulary
   */
  public void append(int item, int category) {
    checkId("itemIds", length, item, model.embedding().itemVocabulary());
    checkId("categoryIds", length, category, model.embedding().cateVocabulary());
    ensureCapacity(length + 1);
    items[length] = item;
    categories[length] = category;
    length++;
    sign(length - 1, 1);
  }

  /**
   * Appends the actions {@code [from, to)} of a history; all ids are checked before anything is
   * appended. The same cache as appending them one by one.
   */
  public void appendAll(UserHistory history, int from, int to) {
    if (history.categoryIds() == null) {
      HistoryChecks.requireFields(model.name(), model.requiredFields(), history);
    }
    if (from < 0 || to > history.length() || from > to) {
      throw new IllegalArgumentException("range [" + from + ", " + to + ") must lie in [0, " + history.length() + "]");
    }
    HistoryChecks.ids("history itemIds", history.itemIds(), from, to, model.embedding().itemVocabulary());
    HistoryChecks.ids("history categoryIds", history.categoryIds(), from, to, model.embedding().cateVocabulary());
    ensureCapacity(length + (to - from));
    int start = length;
    System.arraycopy(history.itemIds(), from, items, start, to - from);
    System.arraycopy(history.categoryIds(), from, categories, start, to - from);
    length += to - from;
    for (int s = start; s < length; s += BLOCK) {
      sign(s, Math.min(BLOCK, length - s));
    }
  }

  /** Appends a whole history. */
  public void appendAll(UserHistory history) {
    appendAll(history, 0, history.length());
  }

  /** Word {@code word} of action {@code slot}'s signature. */
  public long signature(int slot, int word) {
    if (slot < 0 || slot >= length || word < 0 || word >= words) {
      throw new IllegalArgumentException("slot must be in [0, " + length + ") and word in [0, " + words
          + "), got " + slot + ", " + word);
    }
    return signatures[slot * words + word];
  }

  public int item(int slot) {
    checkSlot(slot);
    return items[slot];
  }

  public int category(int slot) {
    checkSlot(slot);
    return categories[slot];
  }

  int[] itemsArray() { return items; }
  int[] categoriesArray() { return categories; }
  long[] signaturesArray() { return signatures; }

  private void sign(int s, int rows) {
    for (int r = 0; r < rows; r++) {
      model.embedding().embed(items[s + r], categories[s + r], embedded, r * d);
    }
    SimHash.signatures(embedded, 0, rows, d, model.planes(), 0, model.paddedBits(), signatures, s * words,
        scratch, 0);
  }

  private void ensureCapacity(int needed) {
    if (needed <= capacity) {
      return;
    }
    int grown = Math.max(needed, 2 * capacity);
    items = Arrays.copyOf(items, grown);
    categories = Arrays.copyOf(categories, grown);
    signatures = Arrays.copyOf(signatures, grown * words);
    capacity = grown;
  }

  private void checkSlot(int slot) {
    if (slot < 0 || slot >= length) {
      throw new IllegalArgumentException("slot must be in [0, " + length + "), got " + slot);
    }
  }

  private static void checkId(String field, int slot, int id, int vocabulary) {
    if (id < 1 || id >= vocabulary) {
      throw new IllegalArgumentException("history " + field + "[" + slot + "] = " + id
          + " is outside the vocabulary [1, " + (vocabulary - 1) + "]");
    }
  }
}
