package io.github.seqrec.models.eval;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * An interaction log grouped by user, each user's actions oldest first (equal timestamps keep the
 * file's order).
 *
 * <p>Format: CSV, one action per line, columns {@code user,item,timestamp[,action[,category]]}
 * (integers; user {@code >= 0}, item {@code >= 1}, timestamp in seconds, action {@code >= 0},
 * category {@code >= 1}). An optional header line names the columns, in any order (the three
 * first are required, {@code action} and {@code category} optional); without a header the columns
 * are positional. Blank lines are skipped; a file ending in {@code .gz} is read through gzip. Any
 * other deviation (a missing or extra column, a non-integer, a value out of range, an item listed
 * with two categories) is an {@link IllegalArgumentException} naming the file, the line, the column
 * and what was wrong; nothing is returned then.
 */
public final class Interactions {
  /** The column names a header may use. */
  static final String[] COLUMNS = {"user", "item", "timestamp", "action", "category"};

  private final int[] userIds;
  /** Actions of user u are rows {@code start[u] .. start[u + 1]} of the row arrays. */
  private final int[] start;
  private final int[] items;
  private final long[] timestamps;
  private final int[] actions;
  private final int[] categories;
  private final boolean hasActions;
  private final boolean hasCategories;
  private final int maxItem;

  private Interactions(int[] userIds, int[] start, int[] items, long[] timestamps, int[] actions, int[] categories,
                       boolean hasActions, boolean hasCategories) {
    this.userIds = userIds;
    this.start = start;
    this.items = items;
    this.timestamps = timestamps;
    this.actions = actions;
    this.categories = categories;
    this.hasActions = hasActions;
    this.hasCategories = hasCategories;
    int max = 0;
    for (int item : items) {
      max = Math.max(max, item);
    }
    this.maxItem = max;
  }

  /** Reads {@code file} (gzip when its name ends in {@code .gz}). */
  public static Interactions read(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return read(file.getFileName().toString().endsWith(".gz") ? new GZIPInputStream(in, 1 << 16) : in,
          file.toString());
    }
  }

  /** Reads CSV text from {@code in}; {@code source} names it in error messages. */
  public static Interactions read(InputStream in, String source) throws IOException {
    BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 1 << 16);
    Rows rows = new Rows();
    int[] columnOf = null; // columnOf[field] = index in the line, -1 if absent
    int width = 0;
    String line;
    int lineNo = 0;
    long[] values = new long[COLUMNS.length];
    while ((line = reader.readLine()) != null) {
      lineNo++;
      if (line.isBlank()) {
        continue;
      }
      if (columnOf == null) {
        String[] cells = line.split(",", -1);
        width = cells.length;
        if (width < 3 || width > COLUMNS.length) {
          throw new IllegalArgumentException(source + " line " + lineNo + ": expected 3 to 5 columns "
              + "(user,item,timestamp[,action[,category]]), got " + width);
        }
        columnOf = new int[COLUMNS.length];
        Arrays.fill(columnOf, -1);
        if (!isInteger(cells[0].trim())) {
          for (int c = 0; c < width; c++) {
            String name = cells[c].trim().toLowerCase(Locale.ROOT);
            int field = Arrays.asList(COLUMNS).indexOf(name);
            if (field < 0) {
              throw new IllegalArgumentException(source + " line " + lineNo + ", column " + (c + 1)
                  + ": unknown column '" + cells[c].trim() + "' (expected one of " + String.join(", ", COLUMNS) + ")");
            }
            if (columnOf[field] >= 0) {
              throw new IllegalArgumentException(source + " line " + lineNo + ", column " + (c + 1)
                  + ": column '" + name + "' appears twice");
            }
            columnOf[field] = c;
          }
          for (int f = 0; f < 3; f++) {
            if (columnOf[f] < 0) {
              throw new IllegalArgumentException(source + " line " + lineNo + ": the header has no '" + COLUMNS[f]
                  + "' column (required: user, item, timestamp)");
            }
          }
          rows.hasAction = columnOf[3] >= 0;
          rows.hasCategory = columnOf[4] >= 0;
          continue;
        }
        for (int c = 0; c < width; c++) {
          columnOf[c] = c;
        }
        rows.hasAction = width >= 4;
        rows.hasCategory = width >= 5;
      }
      parseLine(line, lineNo, source, width, columnOf, values);
      rows.add(values, lineNo);
    }
    if (columnOf == null || rows.n == 0) {
      throw new IllegalArgumentException(source + ": no interactions (the file is empty or holds only a header)");
    }
    return rows.group(source);
  }

  private static boolean isInteger(String s) {
    if (s.isEmpty()) {
      return false;
    }
    int i = s.charAt(0) == '-' || s.charAt(0) == '+' ? 1 : 0;
    if (i == s.length()) {
      return false;
    }
    for (; i < s.length(); i++) {
      if (s.charAt(i) < '0' || s.charAt(i) > '9') {
        return false;
      }
    }
    return true;
  }

  /** Splits one data line into {@code values} (by field), checking each cell. */
  private static void parseLine(String line, int lineNo, String source, int width, int[] columnOf, long[] values) {
    long[] byColumn = new long[width];
    int col = 0;
    int from = 0;
    int len = line.length();
    while (true) {
      int comma = line.indexOf(',', from);
      int to = comma < 0 ? len : comma;
      if (col >= width) {
        throw new IllegalArgumentException(source + " line " + lineNo + ": expected " + width
            + " columns (as the first line), got more");
      }
      byColumn[col] = parseCell(line, from, to, lineNo, col, source, columnOf);
      col++;
      if (comma < 0) {
        break;
      }
      from = comma + 1;
    }
    if (col != width) {
      throw new IllegalArgumentException(source + " line " + lineNo + ": expected " + width + " columns (as the first line), got "
          + col);
    }
    for (int f = 0; f < COLUMNS.length; f++) {
      if (columnOf[f] >= 0) {
        long v = byColumn[columnOf[f]];
        String bad = switch (f) {
          case 0 -> v < 0 || v > Integer.MAX_VALUE ? "must be in [0, " + Integer.MAX_VALUE + "]" : null;
          case 1 -> v < 1 || v > Integer.MAX_VALUE ? "must be in [1, " + Integer.MAX_VALUE + "] (0 is padding)" : null;
          case 3 -> v < 0 || v > Integer.MAX_VALUE ? "must be in [0, " + Integer.MAX_VALUE + "]" : null;
          case 4 -> v < 1 || v > Integer.MAX_VALUE ? "must be in [1, " + Integer.MAX_VALUE + "] (0 is padding)" : null;
          default -> null;
        };
        if (bad != null) {
          throw new IllegalArgumentException(source + " line " + lineNo + ", column " + (columnOf[f] + 1) + " ("
              + COLUMNS[f] + "): " + v + " " + bad);
        }
        values[f] = v;
      } else {
        values[f] = 0;
      }
    }
  }

  private static long parseCell(String line, int from, int to, int lineNo, int col, String source, int[] columnOf) {
    int a = from;
    int b = to;
    while (a < b && line.charAt(a) == ' ') {
      a++;
    }
    while (b > a && (line.charAt(b - 1) == ' ' || line.charAt(b - 1) == '\r')) {
      b--;
    }
    String what = "";
    for (int f = 0; f < COLUMNS.length; f++) {
      if (columnOf[f] == col) {
        what = " (" + COLUMNS[f] + ")";
      }
    }
    if (a == b) {
      throw new IllegalArgumentException(source + " line " + lineNo + ", column " + (col + 1) + what + ": empty value");
    }
    boolean negative = line.charAt(a) == '-';
    int i = negative || line.charAt(a) == '+' ? a + 1 : a;
    if (i == b || b - i > 18) {
      throw new IllegalArgumentException(source + " line " + lineNo + ", column " + (col + 1) + what + ": '"
          + line.substring(a, b) + "' is not an integer" + (b - i > 18 ? " in the 64-bit range" : ""));
    }
    long v = 0;
    for (; i < b; i++) {
      char c = line.charAt(i);
      if (c < '0' || c > '9') {
        throw new IllegalArgumentException(source + " line " + lineNo + ", column " + (col + 1) + what + ": '"
            + line.substring(a, b) + "' is not an integer");
      }
      v = v * 10 + (c - '0');
    }
    return negative ? -v : v;
  }

  /** Growable column arrays, grouped by user at the end. */
  private static final class Rows {
    int n;
    int[] user = new int[1024];
    int[] item = new int[1024];
    long[] time = new long[1024];
    int[] action = new int[1024];
    int[] category = new int[1024];
    int[] line = new int[1024];
    boolean hasAction;
    boolean hasCategory;

    void add(long[] v, int lineNo) {
      if (n == user.length) {
        int cap = Math.multiplyExact(user.length, 2);
        user = Arrays.copyOf(user, cap);
        item = Arrays.copyOf(item, cap);
        time = Arrays.copyOf(time, cap);
        action = Arrays.copyOf(action, cap);
        category = Arrays.copyOf(category, cap);
        line = Arrays.copyOf(line, cap);
      }
      user[n] = (int) v[0];
      item[n] = (int) v[1];
      time[n] = v[2];
      action[n] = (int) v[3];
      category[n] = (int) v[4];
      line[n] = lineNo;
      n++;
    }

    Interactions group(String source) {
      if (hasCategory) {
        Map<Integer, Integer> categoryOf = new HashMap<>();
        Map<Integer, Integer> firstLine = new HashMap<>();
        for (int r = 0; r < n; r++) {
          Integer before = categoryOf.putIfAbsent(item[r], category[r]);
          firstLine.putIfAbsent(item[r], line[r]);
          if (before != null && before != category[r]) {
            throw new IllegalArgumentException(source + " line " + line[r] + " (category): item " + item[r]
                + " has category " + category[r] + " here but " + before + " on line " + firstLine.get(item[r]));
          }
        }
      }
      // dense user index in order of first appearance, then a counting sort by user
      Map<Integer, Integer> dense = new HashMap<>();
      int[] userIndex = new int[n];
      for (int r = 0; r < n; r++) {
        Integer d = dense.putIfAbsent(user[r], dense.size());
        userIndex[r] = d == null ? dense.size() - 1 : d;
      }
      int users = dense.size();
      int[] ids = new int[users];
      dense.forEach((id, d) -> ids[d] = id);
      // users in ascending id order: the report and the sampled negatives do not depend on file order
      Integer[] byId = new Integer[users];
      for (int d = 0; d < users; d++) {
        byId[d] = d;
      }
      Arrays.sort(byId, (x, y) -> Integer.compare(ids[x], ids[y]));
      int[] rankOf = new int[users];
      int[] sortedIds = new int[users];
      for (int k = 0; k < users; k++) {
        rankOf[byId[k]] = k;
        sortedIds[k] = ids[byId[k]];
      }
      int[] start = new int[users + 1];
      for (int r = 0; r < n; r++) {
        start[rankOf[userIndex[r]] + 1]++;
      }
      for (int u = 0; u < users; u++) {
        start[u + 1] += start[u];
      }
      int[] fill = Arrays.copyOf(start, users);
      int[] order = new int[n];
      for (int r = 0; r < n; r++) {
        order[fill[rankOf[userIndex[r]]]++] = r;
      }
      // oldest first inside each user; equal timestamps keep the file order (a stable sort)
      long[] key = new long[0];
      for (int u = 0; u < users; u++) {
        int a = start[u];
        int b = start[u + 1];
        boolean sorted = true;
        for (int r = a + 1; r < b && sorted; r++) {
          sorted = time[order[r - 1]] <= time[order[r]];
        }
        if (!sorted) {
          Integer[] part = new Integer[b - a];
          for (int r = a; r < b; r++) {
            part[r - a] = order[r];
          }
          Arrays.sort(part, (x, y) -> time[x] != time[y] ? Long.compare(time[x], time[y]) : Integer.compare(x, y));
          for (int r = a; r < b; r++) {
            order[r] = part[r - a];
          }
        }
      }
      int[] items = new int[n];
      long[] times = new long[n];
      int[] acts = new int[n];
      int[] cats = new int[n];
      for (int r = 0; r < n; r++) {
        int src = order[r];
        items[r] = item[src];
        times[r] = time[src];
        acts[r] = action[src];
        cats[r] = category[src];
      }
      return new Interactions(sortedIds, start, items, times, acts, cats, hasAction, hasCategory);
    }
  }

  /** Number of users. */
  public int users() {
    return userIds.length;
  }

  /** Number of actions in all. */
  public int size() {
    return items.length;
  }

  /** The id of user {@code u} ({@code 0 <= u < users()}, ascending ids). */
  public int userId(int u) {
    return userIds[u];
  }

  /** First row of user {@code u}. */
  public int start(int u) {
    return start[u];
  }

  /** One past the last row of user {@code u}. */
  public int end(int u) {
    return start[u + 1];
  }

  /** Item ids, all users' rows (user by user, oldest first). */
  public int[] items() {
    return items;
  }

  public long[] timestamps() {
    return timestamps;
  }

  /** Action types (0 where the file has no {@code action} column). */
  public int[] actions() {
    return actions;
  }

  /** Category ids (0 where the file has no {@code category} column). */
  public int[] categories() {
    return categories;
  }

  public boolean hasActions() {
    return hasActions;
  }

  public boolean hasCategories() {
    return hasCategories;
  }

  /** The largest item id of the file. */
  public int maxItem() {
    return maxItem;
  }
}
