package io.github.seqrec.models.safetensors;

import io.github.seqrec.models.tensors.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A safetensors file (the Hugging Face format PyTorch weights travel in): an 8-byte little-endian
 * header length, a UTF-8 JSON header naming each tensor's dtype, shape and byte range, then the raw
 * little-endian data.
 *
 * <pre>{@code
 * try (SafeTensors st = SafeTensors.open(Path.of("model.safetensors"))) {
 *   float[] w = st.floats("encoder.weight", 64, -1); // fails naming the tensor unless [64, ?] and finite
 *   MemorySegment raw = st.view("item_embedding.weight"); // read once, valid until close()
 *   String kernel = st.metadata().get("kernel");
 * }
 * }</pre>
 *
 * <p>{@link #open} accepts regular files only (a FIFO or a device would block or never end) and
 * validates the whole header before reading any data: header length within the file and at most
 * {@value #MAX_HEADER_BYTES} bytes, strict UTF-8 JSON, known dtypes, non-negative dimensions, byte
 * size equal to elements times dtype size, and data offsets that tile the data section exactly (no
 * overlap, no gap, nothing past the end). Every failure is a {@link SafeTensorsFormatException}
 * naming the file and the tensor. After that, reads cannot go out of bounds.
 *
 * <p>The file is read, never memory-mapped: a mapping turns a file truncated underneath into a
 * {@code java.lang.InternalError} and shows in-place writes to data already validated. Each read
 * copies the tensor's bytes with positional reads and then checks that the file still has the size
 * and modification time it had at {@link #open}: a file truncated, extended or rewritten in place
 * since then gives a {@link SafeTensorsFormatException} (wrapped in an {@link
 * UncheckedIOException} by the reads that declare none), never other data. Replace weight files
 * atomically (write a new file, then rename it over the old one, as {@link #write} does): an open
 * {@code SafeTensors} keeps reading the file it opened.
 *
 * <p>Reads copy into fresh Java arrays ({@link #floats}, {@link #longs}, {@link #ints}, {@link
 * #booleans}, {@link #toTensor}); {@link #floats} also rejects NaN and infinities, naming the
 * tensor and the first bad index, since one non-finite weight turns every score into NaN ({@link
 * #floatsAllowingNonFinite} reads tensors that hold them on purpose, such as additive {@code -inf}
 * masks). {@link #view} reads a tensor once into memory owned by this object and returns those
 * bytes on every later call. An open file is safe to read from many threads; {@link #close()}
 * releases it, after which every view fails with {@link IllegalStateException} instead of reading
 * freed memory. Interrupting a thread while it reads closes the file (a {@link
 * java.nio.channels.FileChannel} rule); later reads then fail with an {@link
 * UncheckedIOException}.
 */
public final class SafeTensors implements AutoCloseable {

  /** Largest header accepted, as in the reference Rust implementation. */
  public static final long MAX_HEADER_BYTES = 100_000_000L;

  /** The header key of the string-to-string metadata map. */
  public static final String METADATA_KEY = "__metadata__";

  /** Longest Java array {@link #floats} and friends will allocate. */
  private static final long MAX_ARRAY_ELEMENTS = Integer.MAX_VALUE - 8;

  private static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final ValueLayout.OfDouble F64_LE = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final ValueLayout.OfShort I16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final ValueLayout.OfInt I32_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final ValueLayout.OfLong I64_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  /** Bytes read per positional read: large enough to amortise the system call, small enough to stay in cache. */
  private static final int CHUNK_BYTES = 1 << 20;

  private final Path path;
  private final FileChannel channel;
  private final long dataStart;
  private final FileSnapshot snapshot;
  private final Arena arena;
  private final Map<String, MemorySegment> pinned = new ConcurrentHashMap<>();
  private final Map<String, TensorInfo> tensors;
  private final Map<String, String> metadata;

  /** What the file looked like when it was opened: every read is checked against it. */
  private record FileSnapshot(long size, Object fileKey, FileTime lastModified) {}

  private SafeTensors(Path path, FileChannel channel, long dataStart, FileSnapshot snapshot,
      Map<String, TensorInfo> tensors, Map<String, String> metadata) {
    this.path = path;
    this.channel = channel;
    this.dataStart = dataStart;
    this.snapshot = snapshot;
    this.arena = Arena.ofShared();
    this.tensors = tensors;
    this.metadata = metadata;
  }

  // ---------------------------------------------------------------------------------------------
  // Opening and validation

  /**
   * Opens a regular file and validates its header; tensor data is read by the read methods.
   *
   * @throws SafeTensorsFormatException if the file is not valid safetensors (the message names the
   *     file, the tensor and the problem)
   * @throws java.nio.file.FileSystemException if the path names a folder, a FIFO, a device or
   *     anything else that is not a regular file
   * @throws IOException if the file cannot be read
   */
  public static SafeTensors open(Path path) throws IOException {
    Objects.requireNonNull(path, "path");
    BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class);
    if (!attributes.isRegularFile()) {
      String kind = attributes.isDirectory() ? "a folder" : "a FIFO, socket or device";
      throw new FileSystemException(path.toString(), null, "not a regular file (" + kind
          + "); safetensors files are read from regular files only");
    }
    FileChannel channel = FileChannel.open(path, StandardOpenOption.READ);
    try {
      long fileSize = channel.size();
      if (fileSize < 8) {
        throw new SafeTensorsFormatException(path, null,
            "the file has " + fileSize + " bytes, fewer than the 8-byte header length that starts every safetensors file");
      }
      ByteBuffer lengthBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      readFully(channel, lengthBytes, 0, path);
      long headerLength = lengthBytes.getLong(0);
      if (headerLength < 0 || headerLength > MAX_HEADER_BYTES) {
        throw new SafeTensorsFormatException(path, null, "header length " + Long.toUnsignedString(headerLength)
            + " exceeds the limit of " + MAX_HEADER_BYTES + " bytes");
      }
      if (headerLength > fileSize - 8) {
        throw new SafeTensorsFormatException(path, null, "header length " + headerLength
            + " runs past the end of the file (" + fileSize + " bytes, so at most " + (fileSize - 8) + ")");
      }
      ByteBuffer headerBytes = ByteBuffer.allocate((int) headerLength);
      readFully(channel, headerBytes, 8, path);
      String json;
      try {
        json = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT)
            .decode(headerBytes.flip())
            .toString();
      } catch (CharacterCodingException e) {
        throw new SafeTensorsFormatException(path, null, "the header is not valid UTF-8", e);
      }
      long dataStart = 8 + headerLength;
      long dataLength = fileSize - dataStart;
      Map<String, String> metadata = new TreeMap<>();
      Map<String, TensorInfo> tensors = parseHeader(path, json, dataLength, metadata);
      // The snapshot every read is checked against: the file as it was opened (attributes read
      // before the open only served to refuse a FIFO, which open() would block on).
      BasicFileAttributes opened = Files.readAttributes(path, BasicFileAttributes.class);
      FileSnapshot snapshot = new FileSnapshot(fileSize, opened.fileKey(), opened.lastModifiedTime());
      SafeTensors st = new SafeTensors(path, channel, dataStart, snapshot, tensors,
          Collections.unmodifiableMap(metadata));
      st.checkUnchanged(null); // the header just read must still be the file's
      return st;
    } catch (IOException | RuntimeException | Error e) {
      channel.close();
      throw e;
    }
  }

  private static void readFully(FileChannel channel, ByteBuffer buffer, long position, Path path) throws IOException {
    long at = position;
    while (buffer.hasRemaining()) {
      int n = channel.read(buffer, at);
      if (n < 0) {
        throw new SafeTensorsFormatException(path, null, "the file ended while reading its header (file changed?)");
      }
      at += n;
    }
  }

  private static Map<String, TensorInfo> parseHeader(Path path, String json, long dataLength,
      Map<String, String> metadataOut) throws SafeTensorsFormatException {
    Object root;
    try {
      root = Json.parse(json);
    } catch (Json.ParseException e) {
      throw new SafeTensorsFormatException(path, null, "malformed JSON header: " + e.getMessage(), e);
    }
    if (!(root instanceof Map<?, ?> entries)) {
      throw new SafeTensorsFormatException(path, null, "the header must be a JSON object, got " + jsonType(root));
    }
    Map<String, TensorInfo> tensors = new TreeMap<>();
    for (Map.Entry<?, ?> entry : entries.entrySet()) {
      String name = (String) entry.getKey();
      if (name.equals(METADATA_KEY)) {
        if (!(entry.getValue() instanceof Map<?, ?> meta)) {
          throw new SafeTensorsFormatException(path, null,
              METADATA_KEY + " must be an object of strings, got " + jsonType(entry.getValue()));
        }
        for (Map.Entry<?, ?> m : meta.entrySet()) {
          if (!(m.getValue() instanceof String value)) {
            throw new SafeTensorsFormatException(path, null, METADATA_KEY + " entry '" + m.getKey()
                + "' must be a string, got " + jsonType(m.getValue()));
          }
          metadataOut.put((String) m.getKey(), value);
        }
        continue;
      }
      tensors.put(name, tensorInfo(path, name, entry.getValue(), dataLength));
    }
    checkCoverage(path, tensors.values(), dataLength);
    return Collections.unmodifiableMap(tensors);
  }

  private static TensorInfo tensorInfo(Path path, String name, Object value, long dataLength)
      throws SafeTensorsFormatException {
    if (name.isEmpty()) {
      throw new SafeTensorsFormatException(path, name, "tensor names must not be empty");
    }
    if (!(value instanceof Map<?, ?> fields)) {
      throw new SafeTensorsFormatException(path, name, "the entry must be an object with dtype, shape and data_offsets, got "
          + jsonType(value));
    }
    for (Object key : fields.keySet()) {
      if (!key.equals("dtype") && !key.equals("shape") && !key.equals("data_offsets")) {
        throw new SafeTensorsFormatException(path, name, "unknown key '" + key + "' (expected dtype, shape, data_offsets)");
      }
    }
    if (!(fields.get("dtype") instanceof String dtypeName)) {
      throw new SafeTensorsFormatException(path, name, "dtype must be a string, got " + jsonType(fields.get("dtype")));
    }
    DType dtype = DType.fromHeaderName(dtypeName).orElseThrow(() -> new SafeTensorsFormatException(path, name,
        "unknown dtype '" + dtypeName + "' (supported: " + Arrays.toString(DType.values()) + ")"));

    if (!(fields.get("shape") instanceof List<?> dims)) {
      throw new SafeTensorsFormatException(path, name, "shape must be an array of integers, got " + jsonType(fields.get("shape")));
    }
    int[] shape = new int[dims.size()];
    long elements = 1;
    for (int i = 0; i < shape.length; i++) {
      if (!(dims.get(i) instanceof Long d) || d < 0 || d > Integer.MAX_VALUE) {
        throw new SafeTensorsFormatException(path, name, "shape " + dims + ": dimension " + i
            + " must be an integer in [0, " + Integer.MAX_VALUE + "]");
      }
      shape[i] = (int) (long) d;
      try {
        elements = Math.multiplyExact(elements, d);
      } catch (ArithmeticException e) {
        throw new SafeTensorsFormatException(path, name, "shape " + dims + " has more than 2^63 elements");
      }
    }

    if (!(fields.get("data_offsets") instanceof List<?> offsets) || offsets.size() != 2
        || !(offsets.get(0) instanceof Long begin) || !(offsets.get(1) instanceof Long end)) {
      throw new SafeTensorsFormatException(path, name, "data_offsets must be an array of two integers [begin, end], got "
          + (fields.containsKey("data_offsets") ? fields.get("data_offsets") : "nothing"));
    }
    if (begin < 0 || end < begin || end > dataLength) {
      throw new SafeTensorsFormatException(path, name, "data_offsets [" + begin + ", " + end
          + "] out of range: need 0 <= begin <= end <= " + dataLength + " (the data section's size)");
    }
    long bytes;
    try {
      bytes = Math.multiplyExact(elements, dtype.byteSize());
    } catch (ArithmeticException e) {
      bytes = -1;
    }
    if (bytes != end - begin) {
      throw new SafeTensorsFormatException(path, name, "shape " + Arrays.toString(shape) + " of " + dtype + " needs "
          + (bytes < 0 ? "more than 2^63" : String.valueOf(bytes)) + " bytes but data_offsets [" + begin + ", " + end
          + "] span " + (end - begin));
    }
    return new TensorInfo(name, dtype, shape, begin, bytes);
  }

  /** The tensors' byte ranges must tile the data section: no overlap, no gap, nothing left over. */
  private static void checkCoverage(Path path, Iterable<TensorInfo> infos, long dataLength)
      throws SafeTensorsFormatException {
    List<TensorInfo> byOffset = new ArrayList<>();
    infos.forEach(byOffset::add);
    byOffset.sort(Comparator.comparingLong(TensorInfo::dataOffset).thenComparingLong(TensorInfo::byteSize));
    long covered = 0;
    TensorInfo previous = null;
    for (TensorInfo t : byOffset) {
      if (t.dataOffset() < covered) {
        throw new SafeTensorsFormatException(path, t.name(), "data_offsets " + range(t) + " overlap tensor '"
            + previous.name() + "' at " + range(previous));
      }
      if (t.dataOffset() > covered) {
        throw new SafeTensorsFormatException(path, t.name(), "data_offsets " + range(t) + " leave bytes [" + covered
            + ", " + t.dataOffset() + ") of the data section unused");
      }
      covered = t.dataOffset() + t.byteSize();
      previous = t;
    }
    if (covered != dataLength) {
      throw new SafeTensorsFormatException(path, null, "the data section has " + dataLength
          + " bytes but the tensors cover only the first " + covered);
    }
  }

  private static String range(TensorInfo t) {
    return "[" + t.dataOffset() + ", " + (t.dataOffset() + t.byteSize()) + "]";
  }

  private static String jsonType(Object v) {
    if (v == null) {
      return "nothing";
    }
    if (v instanceof Map) {
      return "an object";
    }
    if (v instanceof List) {
      return "an array";
    }
    if (v instanceof String) {
      return "a string";
    }
    if (v instanceof Long) {
      return "an integer";
    }
    if (v instanceof Boolean) {
      return "a boolean";
    }
    return "null";
  }

  // ---------------------------------------------------------------------------------------------
  // Header access

  /** The file this was opened from. */
  public Path path() {
    return path;
  }

  /** Tensor names, sorted. */
  public Set<String> names() {
    return tensors.keySet();
  }

  /** Whether a tensor of this name exists. */
  public boolean contains(String name) {
    return tensors.containsKey(name);
  }

  /** The {@code __metadata__} string map (empty if the file has none), sorted by key. */
  public Map<String, String> metadata() {
    return metadata;
  }

  /** The tensor's validated header entry. */
  public TensorInfo info(String name) {
    TensorInfo t = tensors.get(name);
    if (t == null) {
      List<String> names = new ArrayList<>(tensors.keySet());
      String have = names.size() <= 20 ? String.join(", ", names)
          : String.join(", ", names.subList(0, 20)) + ", ... (" + names.size() + " in all)";
      throw new IllegalArgumentException(path + ": no tensor '" + name + "'; the file has: "
          + (names.isEmpty() ? "no tensors" : have));
    }
    return t;
  }

  /** The tensor's dtype. */
  public DType dtype(String name) {
    return info(name).dtype();
  }

  /** The tensor's shape (a copy). */
  public int[] shape(String name) {
    return info(name).shape();
  }

  // ---------------------------------------------------------------------------------------------
  // Data access

  /**
   * The tensor's raw little-endian bytes: read from the file on the first call, then the same
   * read-only bytes on every call until {@link #close()} (afterwards any access throws {@link
   * IllegalStateException}). Read elements with unaligned little-endian layouts. The bytes stay
   * in memory owned by this object until it is closed.
   *
   * @throws UncheckedIOException wrapping a {@link SafeTensorsFormatException} if the file changed
   *     since it was opened, or the {@link IOException} of a failed read
   * @throws OutOfMemoryError naming the tensor if its bytes do not fit in memory
   */
  public MemorySegment view(String name) {
    TensorInfo t = info(name);
    ensureOpen();
    MemorySegment bytes = pinned.computeIfAbsent(t.name(), n -> pin(t));
    ensureOpen();
    return bytes.asReadOnly();
  }

  /**
   * The tensor as float32 values (F32 copied; F16, BF16 widened; F64 rounded to nearest), any
   * shape, every value finite.
   *
   * @throws IllegalArgumentException naming the file and tensor if it is missing, not
   *     floating-point, too large for a Java array, or holds a NaN or an infinity (the message
   *     gives the first such index; an F64 beyond the float range counts as infinite)
   * @throws UncheckedIOException wrapping a {@link SafeTensorsFormatException} if the file changed
   *     since it was opened
   * @throws OutOfMemoryError naming the tensor if it does not fit in the heap
   */
  public float[] floats(String name) {
    TensorInfo t = info(name);
    return requireFinite(t, readFloats(requireFloating(t)));
  }

  /**
   * Like {@link #floats(String)}, first checking the shape: {@code expectedShape} lists the
   * dimensions, {@code -1} matching any size (e.g. {@code floats("emb.weight", -1, 64)}); {@code
   * floats(name, new int[0])} requires a scalar ({@code floats(name)} alone checks nothing).
   *
   * @throws IllegalArgumentException naming the tensor, the expected and the actual shape, or the
   *     first non-finite value
   */
  public float[] floats(String name, int... expectedShape) {
    TensorInfo t = info(name);
    checkShape(t, expectedShape);
    return requireFinite(t, readFloats(requireFloating(t)));
  }

  /**
   * Like {@link #floats(String, int...)} but NaN and infinities pass unchanged: for tensors that
   * hold them on purpose (an additive {@code -inf} attention mask, an expected output past a
   * sequence's end). Weights read with it are the caller's responsibility.
   */
  public float[] floatsAllowingNonFinite(String name, int... expectedShape) {
    TensorInfo t = info(name);
    checkShape(t, expectedShape);
    return readFloats(requireFloating(t));
  }

  /** The tensor as longs (I64 copied; I32, U8 widened), any shape. */
  public long[] longs(String name) {
    return readLongs(info(name));
  }

  /** Like {@link #longs(String)}, first checking the shape ({@code -1} matches any size). */
  public long[] longs(String name, int... expectedShape) {
    TensorInfo t = info(name);
    checkShape(t, expectedShape);
    return readLongs(t);
  }

  /** The tensor as ints (I32 copied, U8 widened, I64 if every value fits an int), any shape. */
  public int[] ints(String name) {
    return readInts(info(name));
  }

  /** Like {@link #ints(String)}, first checking the shape ({@code -1} matches any size). */
  public int[] ints(String name, int... expectedShape) {
    TensorInfo t = info(name);
    checkShape(t, expectedShape);
    return readInts(t);
  }

  /** A BOOL tensor (0 false, any other byte true), any shape. */
  public boolean[] booleans(String name) {
    return readBooleans(info(name));
  }

  /** Like {@link #booleans(String)}, first checking the shape ({@code -1} matches any size). */
  public boolean[] booleans(String name, int... expectedShape) {
    TensorInfo t = info(name);
    checkShape(t, expectedShape);
    return readBooleans(t);
  }

  /**
   * The tensor copied into a {@link Tensor}: F32, F16, BF16 and F64 become {@link Tensor.F32}; I64
   * {@link Tensor.I64}; I32 and U8 {@link Tensor.I32}; BOOL {@link Tensor.Bool}. Values are copied
   * as they are (a float tensor may hold NaN or infinities: this is the generic container read,
   * for weights use {@link #floats}).
   */
  public Tensor toTensor(String name) {
    TensorInfo t = info(name);
    return switch (t.dtype()) {
      case F32, F16, BF16, F64 -> new Tensor.F32(t.shape(), readFloats(t));
      case I64 -> new Tensor.I64(t.shape(), readLongs(t));
      case I32, U8 -> new Tensor.I32(t.shape(), readInts(t));
      case BOOL -> new Tensor.Bool(t.shape(), readBooleans(t));
    };
  }

  /** Every tensor copied as by {@link #toTensor}, in name order. */
  public Map<String, Tensor> toTensors() {
    Map<String, Tensor> all = new LinkedHashMap<>();
    for (String name : tensors.keySet()) {
      all.put(name, toTensor(name));
    }
    return all;
  }

  /** Closes the file and frees every {@link #view}. Idempotent. Views obtained earlier become inaccessible. */
  @Override
  public void close() {
    synchronized (arena) {
      if (arena.scope().isAlive()) {
        arena.close();
      }
    }
    try {
      channel.close();
    } catch (IOException e) {
      // Closing a file opened for reading loses nothing; there is nobody to tell.
    }
  }

  @Override
  public String toString() {
    return "SafeTensors[" + path + ", " + tensors.size() + " tensors]";
  }

  private void ensureOpen() {
    if (!arena.scope().isAlive()) {
      throw new IllegalStateException(path + " is closed");
    }
  }

  private void checkShape(TensorInfo t, int[] expected) {
    int[] actual = t.shape();
    boolean ok = actual.length == expected.length;
    for (int i = 0; ok && i < actual.length; i++) {
      ok = expected[i] == -1 || expected[i] == actual[i];
    }
    if (!ok) {
      StringBuilder want = new StringBuilder("[");
      for (int i = 0; i < expected.length; i++) {
        want.append(i == 0 ? "" : ", ").append(expected[i] == -1 ? "?" : String.valueOf(expected[i]));
      }
      throw new IllegalArgumentException(path + ": tensor '" + t.name() + "' has shape " + Arrays.toString(actual)
          + ", expected " + want.append(']'));
    }
  }

  private TensorInfo requireFloating(TensorInfo t) {
    if (!t.dtype().isFloatingPoint()) {
      throw new IllegalArgumentException(path + ": tensor '" + t.name() + "' is " + t.describe()
          + ", expected a floating-point dtype (F32, F16, BF16, F64)");
    }
    return t;
  }

  /** NaN policy for weights: reject, naming the first bad element (one pass over the fresh copy). */
  private float[] requireFinite(TensorInfo t, float[] values) {
    for (int i = 0; i < values.length; i++) {
      if (!Float.isFinite(values[i])) {
        throw new IllegalArgumentException(path + ": tensor '" + t.name() + "' " + t.describe() + " holds "
            + values[i] + " at index " + Arrays.toString(unravel(i, t.shape()))
            + (t.dtype() == DType.F64 && !Float.isNaN(values[i]) ? " (an F64 beyond the float range)" : "")
            + "; weights must be finite");
      }
    }
    return values;
  }

  /** The multi-index of flat position {@code flat} in a row-major {@code shape}. */
  private static int[] unravel(int flat, int[] shape) {
    int[] index = new int[shape.length];
    for (int d = shape.length - 1; d >= 0; d--) {
      index[d] = shape[d] == 0 ? 0 : flat % shape[d];
      flat = shape[d] == 0 ? 0 : flat / shape[d];
    }
    return index;
  }

  private int arrayLength(TensorInfo t) {
    long n = t.elementCount();
    if (n > MAX_ARRAY_ELEMENTS) {
      throw new IllegalArgumentException(path + ": tensor '" + t.name() + "' has " + n
          + " elements, more than a Java array holds; read it through view(name)");
    }
    return (int) n;
  }

  /** What a too-large tensor costs, for the {@link OutOfMemoryError} that names it. */
  private OutOfMemoryError tooLarge(TensorInfo t, long bytes, String where, OutOfMemoryError cause) {
    OutOfMemoryError e = new OutOfMemoryError(path + ": tensor '" + t.name() + "' " + t.describe() + " needs "
        + bytes + " bytes of " + where + ", more than is free (max heap " + Runtime.getRuntime().maxMemory()
        + " bytes)");
    e.initCause(cause);
    return e;
  }

  private float[] newFloats(TensorInfo t) {
    int n = arrayLength(t);
    try {
      return new float[n];
    } catch (OutOfMemoryError e) {
      throw tooLarge(t, 4L * n, "heap", e);
    }
  }

  private long[] newLongs(TensorInfo t) {
    int n = arrayLength(t);
    try {
      return new long[n];
    } catch (OutOfMemoryError e) {
      throw tooLarge(t, 8L * n, "heap", e);
    }
  }

  private int[] newInts(TensorInfo t) {
    int n = arrayLength(t);
    try {
      return new int[n];
    } catch (OutOfMemoryError e) {
      throw tooLarge(t, 4L * n, "heap", e);
    }
  }

  /** Receives one chunk of a tensor's bytes: whole elements {@code [first, first + count)}. */
  @FunctionalInterface
  private interface ChunkConsumer {
    void accept(MemorySegment chunk, int first, int count);
  }

  /**
   * Streams a tensor's bytes (or those pinned by {@link #view}) through {@code consumer} in chunks
   * of whole elements, then checks that the file is still the one opened, so that every value the
   * caller returns is one the file held at {@link #open}.
   */
  private void readChunks(TensorInfo t, ChunkConsumer consumer) {
    ensureOpen();
    int size = t.dtype().byteSize();
    long total = t.byteSize();
    MemorySegment held = pinned.get(t.name());
    if (held != null) {
      for (long done = 0; done < total; ) {
        long bytes = Math.min(total - done, (long) (CHUNK_BYTES / size) * size);
        consumer.accept(held.asSlice(done, bytes), (int) (done / size), (int) (bytes / size));
        done += bytes;
      }
      return;
    }
    try (Arena scratch = Arena.ofConfined()) {
      MemorySegment chunk = scratch.allocate(Math.min(Math.max(total, 1), (long) (CHUNK_BYTES / size) * size), 8);
      for (long done = 0; done < total; ) {
        long bytes = Math.min(total - done, chunk.byteSize());
        MemorySegment part = chunk.asSlice(0, bytes);
        readData(t, part, done);
        consumer.accept(part, (int) (done / size), (int) (bytes / size));
        done += bytes;
      }
    }
    checkUnchanged(t);
  }

  /** Fills {@code into} with the tensor's bytes from {@code offset} (relative to the tensor). */
  private void readData(TensorInfo t, MemorySegment into, long offset) {
    long at = dataStart + t.dataOffset() + offset;
    // A ByteBuffer spans at most 2^31 - 1 bytes: large views read in slices.
    for (long done = 0; done < into.byteSize(); ) {
      ByteBuffer buffer = into.asSlice(done, Math.min(into.byteSize() - done, 1L << 30)).asByteBuffer();
      while (buffer.hasRemaining()) {
        int n;
        try {
          n = channel.read(buffer, at + done + buffer.position());
        } catch (IOException e) {
          throw new UncheckedIOException(path + ": reading tensor '" + t.name() + "' failed: " + e, e);
        }
        if (n < 0) {
          throw new UncheckedIOException(new SafeTensorsFormatException(path, t.name(), "the file ended at byte "
              + (at + done + buffer.position()) + ", before the tensor's end at " + (dataStart + t.dataOffset()
              + t.byteSize()) + ": it was truncated after it was opened"));
        }
      }
      done += buffer.capacity();
    }
  }

  /** Reads the tensor once into memory owned by {@link #arena}: what {@link #view} returns from then on. */
  private MemorySegment pin(TensorInfo t) {
    MemorySegment segment;
    synchronized (arena) {
      ensureOpen();
      try {
        segment = arena.allocate(Math.max(t.byteSize(), 1), 8).asSlice(0, t.byteSize());
      } catch (OutOfMemoryError e) {
        throw tooLarge(t, t.byteSize(), "native memory", e);
      }
    }
    readData(t, segment, 0);
    checkUnchanged(t);
    return segment;
  }

  /**
   * Fails unless the file still has the size it had at {@link #open} and, while the path still
   * names the same file, the same modification time: data read after a truncation, an extension
   * or an in-place write is never returned. (A path renamed over by a new file is fine: the open
   * channel still reads the file that was validated.)
   */
  private void checkUnchanged(TensorInfo t) {
    String tensor = t == null ? null : t.name();
    try {
      long size = channel.size();
      if (size != snapshot.size()) {
        throw new SafeTensorsFormatException(path, tensor, "the file changed size from " + snapshot.size() + " to "
            + size + " bytes after it was opened; replace weight files atomically (write, then rename)");
      }
      BasicFileAttributes now;
      try {
        now = Files.readAttributes(path, BasicFileAttributes.class);
      } catch (NoSuchFileException e) {
        return; // deleted or renamed: the channel still reads the opened file
      }
      if (Objects.equals(now.fileKey(), snapshot.fileKey()) && !now.lastModifiedTime().equals(snapshot.lastModified())) {
        throw new SafeTensorsFormatException(path, tensor, "the file was modified after it was opened (modification "
            + "time " + snapshot.lastModified() + " -> " + now.lastModifiedTime()
            + "); replace weight files atomically (write, then rename)");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private float[] readFloats(TensorInfo t) {
    float[] out = newFloats(t);
    switch (t.dtype()) {
      case F32 -> readChunks(t, (s, first, n) -> MemorySegment.copy(s, F32_LE, 0, out, first, n));
      case F64 -> readChunks(t, (s, first, n) -> {
        for (int i = 0; i < n; i++) {
          out[first + i] = (float) s.getAtIndex(F64_LE, i);
        }
      });
      case F16 -> readChunks(t, (s, first, n) -> {
        for (int i = 0; i < n; i++) {
          out[first + i] = Float.float16ToFloat(s.getAtIndex(I16_LE, i));
        }
      });
      case BF16 -> readChunks(t, (s, first, n) -> {
        for (int i = 0; i < n; i++) {
          out[first + i] = Float.intBitsToFloat((s.getAtIndex(I16_LE, i) & 0xFFFF) << 16);
        }
      });
      default -> throw new AssertionError(t.dtype()); // requireFloating ran first
    }
    return out;
  }

  private long[] readLongs(TensorInfo t) {
    switch (t.dtype()) {
      case I64 -> {
        long[] out = newLongs(t);
        readChunks(t, (s, first, n) -> MemorySegment.copy(s, I64_LE, 0, out, first, n));
        return out;
      }
      case I32, U8 -> {
        int[] ints = readInts(t);
        long[] out = newLongs(t);
        for (int i = 0; i < ints.length; i++) {
          out[i] = ints[i];
        }
        return out;
      }
      default -> throw new IllegalArgumentException(path + ": tensor '" + t.name() + "' is " + t.describe()
          + ", expected an integer dtype (I64, I32, U8)");
    }
  }

  private int[] readInts(TensorInfo t) {
    if (t.dtype() != DType.I32 && t.dtype() != DType.U8 && t.dtype() != DType.I64) {
      throw new IllegalArgumentException(path + ": tensor '" + t.name() + "' is " + t.describe()
          + ", expected an integer dtype (I32, U8, I64)");
    }
    int[] out = newInts(t);
    switch (t.dtype()) {
      case I32 -> readChunks(t, (s, first, n) -> MemorySegment.copy(s, I32_LE, 0, out, first, n));
      case U8 -> readChunks(t, (s, first, n) -> {
        for (int i = 0; i < n; i++) {
          out[first + i] = s.get(ValueLayout.JAVA_BYTE, i) & 0xFF;
        }
      });
      default -> readChunks(t, (s, first, n) -> {
        for (int i = 0; i < n; i++) {
          long v = s.getAtIndex(I64_LE, i);
          if (v != (int) v) {
            throw new IllegalArgumentException(path + ": tensor '" + t.name() + "' value " + v + " at index "
                + (first + i) + " does not fit an int");
          }
          out[first + i] = (int) v;
        }
      });
    }
    return out;
  }

  private boolean[] readBooleans(TensorInfo t) {
    if (t.dtype() != DType.BOOL) {
      throw new IllegalArgumentException(path + ": tensor '" + t.name() + "' is " + t.describe() + ", expected BOOL");
    }
    int n = arrayLength(t);
    boolean[] out;
    try {
      out = new boolean[n];
    } catch (OutOfMemoryError e) {
      throw tooLarge(t, n, "heap", e);
    }
    readChunks(t, (s, first, count) -> {
      for (int i = 0; i < count; i++) {
        out[first + i] = s.get(ValueLayout.JAVA_BYTE, i) != 0;
      }
    });
    return out;
  }

  // ---------------------------------------------------------------------------------------------
  // Writing

  /** {@link #write(Path, Map, Map)} without metadata. */
  public static void write(Path path, Map<String, ? extends Tensor> tensors) throws IOException {
    write(path, tensors, Map.of());
  }

  /**
   * Writes tensors (in name order) and string metadata as a safetensors file that PyTorch's and
   * Hugging Face's readers accept. The header is padded with spaces to a multiple of 8 bytes. The
   * file appears atomically: data goes to a temporary file in the same folder, then is renamed.
   *
   * @throws IllegalArgumentException if a name is empty or {@value #METADATA_KEY}, or a name,
   *     tensor, key or value is null
   */
  public static void write(Path path, Map<String, ? extends Tensor> tensors, Map<String, String> metadata)
      throws IOException {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(tensors, "tensors");
    Objects.requireNonNull(metadata, "metadata");
    Map<String, Tensor> sorted = new TreeMap<>();
    for (Map.Entry<String, ? extends Tensor> e : tensors.entrySet()) {
      String name = e.getKey();
      if (name == null || name.isEmpty() || name.equals(METADATA_KEY)) {
        throw new IllegalArgumentException("invalid tensor name " + (name == null ? "null" : "'" + name + "'")
            + " for " + path);
      }
      if (e.getValue() == null) {
        throw new IllegalArgumentException("tensor '" + name + "' is null (writing " + path + ")");
      }
      sorted.put(name, e.getValue());
    }
    StringBuilder header = new StringBuilder("{");
    if (!metadata.isEmpty()) {
      header.append(Json.quote(METADATA_KEY)).append(":{");
      boolean first = true;
      for (Map.Entry<String, String> m : new TreeMap<>(metadata).entrySet()) {
        if (m.getValue() == null) {
          throw new IllegalArgumentException("metadata '" + m.getKey() + "' is null (writing " + path + ")");
        }
        header.append(first ? "" : ",").append(Json.quote(m.getKey())).append(':').append(Json.quote(m.getValue()));
        first = false;
      }
      header.append('}');
    }
    long offset = 0;
    for (Map.Entry<String, Tensor> e : sorted.entrySet()) {
      Tensor t = e.getValue();
      long bytes = t.size() * DType.valueOf(t.dtype()).byteSize();
      header.append(header.length() > 1 ? "," : "").append(Json.quote(e.getKey()))
          .append(":{\"dtype\":\"").append(t.dtype()).append("\",\"shape\":[");
      int[] shape = t.shape();
      for (int i = 0; i < shape.length; i++) {
        header.append(i == 0 ? "" : ",").append(shape[i]);
      }
      header.append("],\"data_offsets\":[").append(offset).append(',').append(offset + bytes).append("]}");
      offset += bytes;
    }
    header.append('}');
    byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
    int padded = (json.length + 7) & ~7;

    Path absolute = path.toAbsolutePath();
    Path dir = absolute.getParent();
    Path tmp = Files.createTempFile(dir, "." + absolute.getFileName(), ".tmp");
    boolean done = false;
    try {
      try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
        ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        buf.putLong(padded);
        for (int i = 0; i < padded; i++) {
          if (!buf.hasRemaining()) {
            drain(out, buf);
          }
          buf.put(i < json.length ? json[i] : (byte) ' ');
        }
        for (Tensor t : sorted.values()) {
          writeData(out, buf, t);
        }
        drain(out, buf);
        out.force(false);
      }
      try {
        Files.move(tmp, absolute, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, absolute, StandardCopyOption.REPLACE_EXISTING);
      }
      done = true;
    } finally {
      if (!done) {
        Files.deleteIfExists(tmp);
      }
    }
  }

  private static void writeData(FileChannel out, ByteBuffer buf, Tensor t) throws IOException {
    switch (t) {
      case Tensor.F32 f -> {
        for (float v : f.data()) {
          if (buf.remaining() < 8) {
            drain(out, buf);
          }
          buf.putFloat(v);
        }
      }
      case Tensor.I64 l -> {
        for (long v : l.data()) {
          if (buf.remaining() < 8) {
            drain(out, buf);
          }
          buf.putLong(v);
        }
      }
      case Tensor.I32 i -> {
        for (int v : i.data()) {
          if (buf.remaining() < 8) {
            drain(out, buf);
          }
          buf.putInt(v);
        }
      }
      case Tensor.Bool b -> {
        for (boolean v : b.data()) {
          if (buf.remaining() < 8) {
            drain(out, buf);
          }
          buf.put(v ? (byte) 1 : (byte) 0);
        }
      }
    }
  }

  private static void drain(FileChannel out, ByteBuffer buf) throws IOException {
    buf.flip();
    while (buf.hasRemaining()) {
      out.write(buf);
    }
    buf.clear();
  }
}
