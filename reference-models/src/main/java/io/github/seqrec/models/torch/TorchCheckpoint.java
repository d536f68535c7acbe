package io.github.seqrec.models.torch;

import io.github.seqrec.models.tensors.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * A PyTorch checkpoint read as data: the zip archive {@code torch.save} writes by default since
 * PyTorch 1.6 ({@code <top>/data.pkl}, {@code <top>/data/<key>} storages, {@code <top>/version};
 * the top folder's name is taken from the first entry).
 *
 * <p>The pickle is run by a restricted machine (protocols 2 to 5, the opcodes such data uses).
 * Values come back as plain Java objects: {@code Map} (dicts and {@code OrderedDict}s, insertion
 * order kept), {@code List} (lists), {@link Tuple}, {@code Set}, {@code Long} or {@code
 * BigInteger}, {@code Double}, {@code String}, {@code byte[]}, {@code Boolean}, {@code null} and
 * {@link Tensor}. Tensors ({@code torch._utils._rebuild_tensor_v2}, {@code _rebuild_parameter})
 * are materialized row-major from their storage, offset, size and stride; float64, float16 and
 * bfloat16 become float32 and uint8, int8 and int16 int32, as {@code SafeTensors.toTensor} does.
 * Any other class ({@code torch.save(model)} pickles, optimizer or config objects) is recorded as
 * an {@link Opaque} value naming its module and class, never imported or constructed. A legacy
 * (pre-1.6, non-zip) file is refused with a message saying to re-save it.
 *
 * <p>Every fault is a {@link TorchCheckpointFormatException}; sizes are checked before anything is
 * allocated (see the {@code MAX_*} limits).
 */
public final class TorchCheckpoint {
  /** The largest {@code data.pkl} read. */
  public static final long MAX_PICKLE_BYTES = 64L << 20;
  /** The largest storage entry read (a Java array's limit). */
  public static final long MAX_STORAGE_BYTES = Integer.MAX_VALUE - 64L;
  /** A compressed entry may expand at most this many times (zip-bomb guard). */
  public static final long MAX_COMPRESSION_RATIO = 200;
  /** Nesting depth of containers in the unpickled value. */
  public static final int MAX_DEPTH = 100;
  /** The most entries an archive may have. */
  public static final int MAX_ENTRIES = 100_000;

  private final Path path;
  private final Object value;
  private final int version;

  private TorchCheckpoint(Path path, Object value, int version) {
    this.path = path;
    this.value = value;
    this.version = version;
  }

  /** A tuple of the pickle (immutable; {@code torch.Size} values too). */
  public record Tuple(List<Object> items) {
    public Tuple {
      items = Collections.unmodifiableList(new ArrayList<>(items));
    }

    public Object get(int i) {
      return items.get(i);
    }

    public int size() {
      return items.size();
    }
  }

  /**
   * An object of a class the reader does not interpret: the class's module and name, the
   * arguments it would have been called with ({@code REDUCE}/{@code NEWOBJ}), the state {@code
   * BUILD} would have set and any items appended or set on it. Nothing was constructed. Identity
   * equality.
   */
  public static final class Opaque {
    private final String module;
    private final String name;
    private final Tuple args;
    private Object state;
    private final List<Object> listItems = new ArrayList<>();
    private final Map<Object, Object> dictItems = new LinkedHashMap<>();

    Opaque(String module, String name, Tuple args) {
      this.module = module;
      this.name = name;
      this.args = args;
    }

    public String module() {
      return module;
    }

    public String name() {
      return name;
    }

    /** {@code module.name}. */
    public String qualifiedName() {
      return module + "." + name;
    }

    public Tuple args() {
      return args;
    }

    /** What {@code BUILD} gave (usually the object's {@code __dict__} as a map), or null. */
    public Object state() {
      return state;
    }

    void setState(Object state) {
      this.state = state;
    }

    /** Items appended to it (a list subclass), in order. */
    public List<Object> listItems() {
      return listItems;
    }

    /** Items set on it (a dict subclass), in order. */
    public Map<Object, Object> dictItems() {
      return dictItems;
    }

    @Override
    public String toString() {
      return "Opaque[" + qualifiedName() + "]";
    }
  }

  /** A class or function named by the pickle and not called (e.g. a class passed as a value). */
  public record Global(String module, String name) {
    @Override
    public String toString() {
      return module + "." + name;
    }
  }

  /**
   * Reads {@code path}: the archive's entries are checked, {@code data.pkl} is unpickled and the
   * storages it names are read. The file is closed on return.
   */
  public static TorchCheckpoint read(Path path) throws IOException {
    if (!Files.isRegularFile(path)) {
      throw new TorchCheckpointFormatException(path, Files.exists(path)
          ? "not a regular file" : "no such file");
    }
    long fileSize = Files.size(path);
    byte[] head = new byte[4];
    int headLength;
    try (InputStream in = Files.newInputStream(path)) {
      headLength = in.readNBytes(head, 0, 4);
    }
    if (headLength >= 2 && (head[0] & 0xff) == 0x80 && head[1] >= 2 && head[1] <= 5) {
      throw new TorchCheckpointFormatException(path, "a legacy (pre-1.6, non-zip) torch.save file;"
          + " re-save it in the zip format: torch.save(torch.load(f), f2) with PyTorch >= 1.6");
    }
    if (headLength < 4 || head[0] != 'P' || head[1] != 'K' || head[2] != 3 || head[3] != 4) {
      throw new TorchCheckpointFormatException(path, "not a torch.save zip archive (expected the zip"
          + " signature PK\\3\\4, found " + hex(head, headLength) + ")");
    }
    try (ZipFile zip = new ZipFile(path.toFile())) {
      Archive archive = new Archive(path, zip, fileSize);
      int version = archive.version();
      archive.checkByteOrder();
      byte[] pickle = archive.entry("data.pkl", MAX_PICKLE_BYTES);
      Object value = new Unpickler(path, pickle, archive).run();
      return new TorchCheckpoint(path, value, version);
    } catch (TorchCheckpointFormatException e) {
      throw e;
    } catch (ZipException e) {
      throw new TorchCheckpointFormatException(path, "malformed zip archive: " + e.getMessage(), e);
    } catch (IllegalArgumentException | IllegalStateException e) {
      // ZipFile's reaction to malformed entry names or headers
      throw new TorchCheckpointFormatException(path, "malformed zip archive: " + e.getMessage(), e);
    }
  }

  /** The file read. */
  public Path path() {
    return path;
  }

  /** The archive's format version (the {@code version} entry; 3 for PyTorch 1.6 to 2.x). */
  public int version() {
    return version;
  }

  /** The whole unpickled value (see the class comment for the Java types). */
  public Object value() {
    return value;
  }

  /** True when the top-level value is a state dict: a map of string names to tensors. */
  public boolean isStateDict() {
    return asStateDict(value) != null;
  }

  /**
   * The top-level value as a state dict ({@code torch.save(model.state_dict())}, as FuxiCTR and
   * DeepCTR-Torch save), names in file order.
   */
  public Map<String, Tensor> stateDict() throws TorchCheckpointFormatException {
    Map<String, Tensor> sd = asStateDict(value);
    if (sd == null) {
      throw new TorchCheckpointFormatException(path, "the checkpoint is not a state dict (a map of"
          + " names to tensors) but " + describe(value)
          + (value instanceof Map<?, ?> m ? " with keys " + keys(m) + "; pick one with stateDict(key)" : ""));
    }
    return sd;
  }

  /**
   * The state dict under {@code key} of a checkpoint dict (RecBole's {@code "state_dict"}); when
   * the top level is itself a state dict and has no such key, the top level.
   */
  public Map<String, Tensor> stateDict(String key) throws TorchCheckpointFormatException {
    if (value instanceof Map<?, ?> m && m.containsKey(key)) {
      Object inner = m.get(key);
      Map<String, Tensor> sd = asStateDict(inner);
      if (sd == null) {
        throw new TorchCheckpointFormatException(path, "'" + key + "' is not a state dict (a map of"
            + " names to tensors) but " + describe(inner));
      }
      return sd;
    }
    Map<String, Tensor> top = asStateDict(value);
    if (top != null) {
      return top;
    }
    throw new TorchCheckpointFormatException(path, "no key '" + key + "' in the checkpoint ("
        + describe(value) + (value instanceof Map<?, ?> m ? " with keys " + keys(m) : "") + ")");
  }

  private static Map<String, Tensor> asStateDict(Object v) {
    if (!(v instanceof Map<?, ?> m)) {
      return null;
    }
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (Map.Entry<?, ?> e : m.entrySet()) {
      if (!(e.getKey() instanceof String k) || !(e.getValue() instanceof Tensor t)) {
        return null;
      }
      out.put(k, t);
    }
    return Collections.unmodifiableMap(out);
  }

  private static String keys(Map<?, ?> m) {
    List<String> ks = new ArrayList<>();
    for (Object k : m.keySet()) {
      if (ks.size() == 20) {
        ks.add("...");
        break;
      }
      ks.add(k instanceof String s ? "'" + s + "'" : String.valueOf(k));
    }
    return ks.toString();
  }

  /** A short description of a value's type, for messages. */
  static String describe(Object v) {
    if (v == null) {
      return "None";
    } else if (v instanceof Tensor t) {
      return "a tensor " + t.describe();
    } else if (v instanceof Map<?, ?> m) {
      return "a dict of " + m.size();
    } else if (v instanceof List<?> l) {
      return "a list of " + l.size();
    } else if (v instanceof Tuple t) {
      return "a tuple of " + t.size();
    } else if (v instanceof Opaque o) {
      return "an object of class " + o.qualifiedName();
    } else if (v instanceof String s) {
      return "a string '" + (s.length() > 40 ? s.substring(0, 40) + "..." : s) + "'";
    } else if (v instanceof byte[] b) {
      return "bytes of length " + b.length;
    }
    return "a " + v.getClass().getSimpleName() + " " + v;
  }

  private static String hex(byte[] b, int n) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < n; i++) {
      s.append(String.format("%02x", b[i] & 0xff));
    }
    return n == 0 ? "an empty file" : s.toString();
  }

  /** The archive's entries under its top folder, read with size checks. */
  static final class Archive {
    private final Path path;
    private final ZipFile zip;
    private final long fileSize;
    private final String top;
    private final Map<String, ZipEntry> entries = new HashMap<>();

    Archive(Path path, ZipFile zip, long fileSize) throws TorchCheckpointFormatException {
      this.path = path;
      this.zip = zip;
      this.fileSize = fileSize;
      String first = null;
      Enumeration<? extends ZipEntry> all = zip.entries();
      while (all.hasMoreElements()) {
        ZipEntry e = all.nextElement();
        if (entries.size() >= MAX_ENTRIES) {
          throw new TorchCheckpointFormatException(path, "more than " + MAX_ENTRIES + " zip entries");
        }
        if (first == null) {
          first = e.getName();
        }
        entries.put(e.getName(), e);
      }
      if (first == null) {
        throw new TorchCheckpointFormatException(path, "an empty zip archive (expected <top>/data.pkl)");
      }
      int slash = first.indexOf('/');
      if (slash <= 0) {
        throw new TorchCheckpointFormatException(path, "the first zip entry '" + first
            + "' is not inside a top folder (expected e.g. archive/data.pkl)");
      }
      top = first.substring(0, slash + 1);
    }

    long fileSize() {
      return fileSize;
    }

    int version() throws TorchCheckpointFormatException {
      String name = entries.containsKey(top + "version") ? "version" : ".data/version";
      if (!entries.containsKey(top + name)) {
        throw new TorchCheckpointFormatException(path, "missing zip entry " + top + "version (nor "
            + top + ".data/version)");
      }
      byte[] raw = entry(name, 64);
      String text = new String(raw, StandardCharsets.US_ASCII).strip();
      try {
        int v = Integer.parseInt(text);
        if (v < 1) {
          throw new NumberFormatException();
        }
        return v;
      } catch (NumberFormatException e) {
        throw new TorchCheckpointFormatException(path, "entry " + top + name
            + " should hold a positive integer, found '" + (text.length() > 20 ? text.substring(0, 20) : text) + "'");
      }
    }

    /** PyTorch 2.1+ records the byte order; storages are read little-endian only. */
    void checkByteOrder() throws TorchCheckpointFormatException {
      if (entries.containsKey(top + "byteorder")) {
        String order = new String(entry("byteorder", 16), StandardCharsets.US_ASCII).strip();
        if (!order.equals("little")) {
          throw new TorchCheckpointFormatException(path, "storages in byte order '"
              + (order.length() > 16 ? order.substring(0, 16) : order) + "', expected 'little'");
        }
      }
    }

    /** The storage entry {@code data/<key>}. */
    byte[] storage(String key) throws TorchCheckpointFormatException {
      return entry("data/" + key, MAX_STORAGE_BYTES);
    }

    byte[] entry(String name, long limit) throws TorchCheckpointFormatException {
      ZipEntry e = entries.get(top + name);
      if (e == null) {
        throw new TorchCheckpointFormatException(path, "missing zip entry " + top + name);
      }
      long size = e.getSize();
      long compressed = e.getCompressedSize();
      if (size < 0) {
        throw new TorchCheckpointFormatException(path, "zip entry " + e.getName() + " declares no size");
      }
      if (size > limit) {
        throw new TorchCheckpointFormatException(path, "zip entry " + e.getName() + " declares " + size
            + " bytes, more than the limit of " + limit);
      }
      if (e.getMethod() == ZipEntry.STORED ? size > fileSize
          : compressed < 0 || size > Math.max(compressed, 1) * MAX_COMPRESSION_RATIO + 4096) {
        throw new TorchCheckpointFormatException(path, "zip entry " + e.getName() + " declares " + size
            + " bytes from " + compressed + " stored in a file of " + fileSize + " (a zip bomb?)");
      }
      try (InputStream in = zip.getInputStream(e)) {
        byte[] data = in.readNBytes((int) size);
        if (data.length != size || in.read() != -1) {
          throw new TorchCheckpointFormatException(path, "zip entry " + e.getName() + " declares " + size
              + " bytes but holds " + (data.length != size ? data.length : "more"));
        }
        return data;
      } catch (TorchCheckpointFormatException x) {
        throw x;
      } catch (IOException | IllegalArgumentException | IllegalStateException x) {
        throw new TorchCheckpointFormatException(path, "cannot read zip entry " + e.getName() + ": " + x.getMessage(), x);
      }
    }
  }
}
