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
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Item attributes from a CSV file with a header: {@code item} and {@code category} (integers) are
 * required; {@code name}, {@code category_name}, {@code kind} and {@code price_band} are read when
 * present (names hold no commas). Ids run from 1; a missing id has no attributes.
 */
public final class ItemCatalogue {
  private final int[] category;
  private final String[] name;
  private final String[] categoryName;
  private final String[] kind;
  private final int[] priceBand;
  private final int size;

  private ItemCatalogue(int[] category, String[] name, String[] categoryName, String[] kind, int[] priceBand, int size) {
    this.category = category;
    this.name = name;
    this.categoryName = categoryName;
    this.kind = kind;
    this.priceBand = priceBand;
    this.size = size;
  }

  public static ItemCatalogue read(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return read(in, file.toString());
    }
  }

  public static ItemCatalogue read(InputStream in, String source) throws IOException {
    BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
    String header = reader.readLine();
    if (header == null) {
      throw new IllegalArgumentException(source + ": empty catalogue");
    }
    List<String> columns = Arrays.stream(header.split(",", -1)).map(s -> s.trim().toLowerCase(Locale.ROOT)).toList();
    int itemCol = columns.indexOf("item");
    int catCol = columns.indexOf("category");
    if (itemCol < 0 || catCol < 0) {
      throw new IllegalArgumentException(source + " line 1: the header must name an 'item' and a 'category' column, got "
          + header);
    }
    int nameCol = columns.indexOf("name");
    int catNameCol = columns.indexOf("category_name");
    int kindCol = columns.indexOf("kind");
    int priceCol = columns.indexOf("price_band");
    Map<Integer, String[]> rows = new HashMap<>();
    int max = 0;
    String line;
    int lineNo = 1;
    while ((line = reader.readLine()) != null) {
      lineNo++;
      if (line.isBlank()) {
        continue;
      }
      String[] cells = line.split(",", -1);
      if (cells.length != columns.size()) {
        throw new IllegalArgumentException(source + " line " + lineNo + ": expected " + columns.size()
            + " columns (as the header), got " + cells.length);
      }
      int item = integer(cells[itemCol], source, lineNo, itemCol, "item");
      integer(cells[catCol], source, lineNo, catCol, "category");
      if (priceCol >= 0) {
        integer(cells[priceCol], source, lineNo, priceCol, "price_band");
      }
      if (rows.put(item, cells) != null) {
        throw new IllegalArgumentException(source + " line " + lineNo + ", column " + (itemCol + 1) + ": item " + item
            + " appears twice");
      }
      max = Math.max(max, item);
    }
    int[] category = new int[max + 1];
    String[] name = new String[max + 1];
    String[] categoryName = new String[max + 1];
    String[] kind = new String[max + 1];
    int[] price = new int[max + 1];
    for (Map.Entry<Integer, String[]> e : rows.entrySet()) {
      int i = e.getKey();
      String[] c = e.getValue();
      category[i] = Integer.parseInt(c[catCol].trim());
      name[i] = nameCol >= 0 ? c[nameCol].trim() : "item " + i;
      categoryName[i] = catNameCol >= 0 ? c[catNameCol].trim() : "category " + category[i];
      kind[i] = kindCol >= 0 ? c[kindCol].trim() : "";
      price[i] = priceCol >= 0 ? Integer.parseInt(c[priceCol].trim()) : 0;
    }
    return new ItemCatalogue(category, name, categoryName, kind, price, rows.size());
  }

  private static int integer(String s, String source, int lineNo, int col, String what) {
    try {
      int v = Integer.parseInt(s.trim());
      if (v < 1) {
        throw new IllegalArgumentException(source + " line " + lineNo + ", column " + (col + 1) + " (" + what + "): " + v
            + " must be >= 1");
      }
      return v;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(source + " line " + lineNo + ", column " + (col + 1) + " (" + what + "): '"
          + s.trim() + "' is not an integer");
    }
  }

  /** {@code categoryOf[item]}, 0 for ids without a row. */
  public int[] categories() {
    return category.clone();
  }

  /** The largest item id + 1. */
  public int idLimit() {
    return category.length;
  }

  /** Number of items. */
  public int size() {
    return size;
  }

  public boolean has(int item) {
    return item > 0 && item < category.length && name[item] != null;
  }

  public int category(int item) {
    return category[item];
  }

  public String name(int item) {
    return name[item];
  }

  public String categoryName(int item) {
    return categoryName[item];
  }

  public String kind(int item) {
    return kind[item];
  }

  public int priceBand(int item) {
    return priceBand[item];
  }

  /** The ids that have a row, ascending. */
  public int[] ids() {
    int[] ids = new int[size];
    int n = 0;
    for (int i = 1; i < name.length; i++) {
      if (name[i] != null) {
        ids[n++] = i;
      }
    }
    return ids;
  }

  /** The id of the item named {@code itemName} (case-insensitive), or -1. */
  public int find(String itemName) {
    for (int i = 1; i < name.length; i++) {
      if (name[i] != null && name[i].equalsIgnoreCase(itemName.trim())) {
        return i;
      }
    }
    return -1;
  }
}
