package io.github.seqrec.models.safetensors;

import io.github.seqrec.models.tensors.Tensor;
import java.io.IOException;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
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

/**
 * A safetensors file (the Hugging Face format PyTorch weights travel in), memory-mapped with the
 * FFM API: an 8-byte little-endian header length, a UTF-8 JSON header naming each tensor's dtype,
 * shape and byte range, then the raw little-endian data.
 *
 * <pre>{@code
 * try (SafeTensors st = SafeTensors.open(Path.of("model.safetensors"))) {
 *   float[] w = st.floats("encoder.weight", 64, -1); // fails naming the tensor unless [64, ?]
 *   MemorySegment raw = st.view("item_embedding.weight"); // zero-copy, valid until close()
 *   String kernel = st.metadata().get("kernel");
 * }
 * }</pre>
 *
 * <p>{@link #open} validates the whole header before mapping anything: header length within the
 * file and at most {@value #MAX_HEADER_BYTES} bytes, strict UTF-8 JSON, known dtypes,
 * non-negative dimensions, byte size equal to elements times dtype size, and data offsets that
 * tile the data section exactly (no overlap, no gap, nothing past the end). Every failure is a
 * {@link SafeTensorsFormatException} naming the file and the tensor. After that, reads cannot go
 * out of bounds.
 *
 * <p>Reads copy into fresh Java arrays ({@link #floats}, {@link #longs}, {@link #ints}, {@link
 * #booleans}, {@link #toTensor}); {@link #view} gives the mapped bytes without copying. An open
 * file is immutable and safe to read from many threads; {@link #close()} unmaps it, after which
 * every view fails with {@link IllegalStateException} instead of reading freed memory.
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

  private final Path path;
  private final Arena arena;
  private final MemorySegment data;
  private final Map<String, TensorInfo> tensors;
  private final Map<String, String> metadata;

  private SafeTensors(Path path, Arena arena, MemorySegment data, Map<String, TensorInfo> tensors,
      Map<String, String> metadata) {
    this.path = path;
    this.arena = arena;
    this.data = data;
    this.tensors = tensors;
    this.metadata = metadata;
  }

  // ---------------------------------------------------------------------------------------------
  // Opening and validation

  /**
   * Opens, validates and memory-maps a safetensors file.
   *
   * @throws SafeTensorsFormatException if the file is not valid safetensors (the message names the
   *     file, the tensor and the problem)
   * @throws IOException if the file cannot be read
   */
  public static SafeTensors open(Path path) throws IOException {
    Objects.requireNonNull(path, "path");
    try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
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
      Arena arena = Arena.ofShared();
      try {
        MemorySegment data = channel.map(FileChannel.MapMode.READ_ONLY, dataStart, dataLength, arena).asReadOnly();
        return new SafeTensors(path, arena, data, tensors, Collections.unmodifiableMap(metadata));
      } catch (IOException | RuntimeException | Error e) {
        arena.close();
        throw e;
      }
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
   * The tensor's raw little-endian bytes, without copying: a read-only slice of the mapping,
   * valid until {@link #close()} (afterwards any access throws {@link IllegalStateException}).
   * Read elements with unaligned little-endian layouts; offsets in a file need not be aligned.
   */
  public MemorySegment view(String name) {
    TensorInfo t = info(name);
    ensureOpen();
    return data.asSlice(t.dataOffset(), t.byteSize());
  }

  /**
   * The tensor as float32 values (F32 copied; F16, BF16 widened; F64 rounded to nearest), any
   * shape.
   *
   * @throws IllegalArgumentException naming the file and tensor if it is missing, not
   *     floating-point, or too large for a Java array
   */
  public float[] floats(String name) {
    return readFloats(requireFloating(info(name)));
  }

  /**
   * Like {@link #floats(String)}, first checking the shape: {@code expectedShape} lists the
   * dimensions, {@code -1} matching any size (e.g. {@code floats("emb.weight", -1, 64)}); {@code
   * floats(name, new int[0])} requires a scalar ({@code floats(name)} alone checks nothing).
   *
   * @throws IllegalArgumentException naming the tensor, the expected and the actual shape
   */
  public float[] floats(String name, int... expectedShape) {
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
   * {@link Tensor.I64}; I32 and U8 {@link Tensor.I32}; BOOL {@link Tensor.Bool}.
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

  /** Unmaps the file. Idempotent. Views obtained earlier become inaccessible. */
  @Override
  public void close() {
    if (arena.scope().isAlive()) {
      arena.close();
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

  private int arrayLength(TensorInfo t) {
    long n = t.elementCount();
    if (n > MAX_ARRAY_ELEMENTS) {
      throw new IllegalArgumentException(path + ": tensor '" + t.name() + "' has " + n
          + " elements, more than a Java array holds; read it through view(name)");
    }
    return (int) n;
  }

  private float[] readFloats(TensorInfo t) {
    int n = arrayLength(t);
    MemorySegment s = view(t.name());
    float[] out = new float[n];
    switch (t.dtype()) {
      case F32 -> MemorySegment.copy(s, F32_LE, 0, out, 0, n);
      case F64 -> {
        for (int i = 0; i < n; i++) {
          out[i] = (float) s.getAtIndex(F64_LE, i);
        }
      }
      case F16 -> {
        for (int i = 0; i < n; i++) {
          out[i] = Float.float16ToFloat(s.getAtIndex(I16_LE, i));
        }
      }
      case BF16 -> {
        for (int i = 0; i < n; i++) {
          out[i] = Float.intBitsToFloat((s.getAtIndex(I16_LE, i) & 0xFFFF) << 16);
        }
      }
      default -> throw new AssertionError(t.dtype()); // requireFloating ran first
    }
    return out;
  }

  private long[] readLongs(TensorInfo t) {
    int n = arrayLength(t);
    long[] out = new long[n];
    switch (t.dtype()) {
      case I64 -> MemorySegment.copy(view(t.name()), I64_LE, 0, out, 0, n);
      case I32, U8 -> {
        int[] ints = readInts(t);
        for (int i = 0; i < n; i++) {
          out[i] = ints[i];
        }
      }
      default -> throw new IllegalArgumentException(path + ": tensor '" + t.name() + "' is " + t.describe()
          + ", expected an integer dtype (I64, I32, U8)");
    }
    return out;
  }

  private int[] readInts(TensorInfo t) {
    int n = arrayLength(t);
    MemorySegment s = view(t.name());
    int[] out = new int[n];
    switch (t.dtype()) {
      case I32 -> MemorySegment.copy(s, I32_LE, 0, out, 0, n);
      case U8 -> {
        for (int i = 0; i < n; i++) {
          out[i] = s.get(ValueLayout.JAVA_BYTE, i) & 0xFF;
        }
      }
      case I64 -> {
        for (int i = 0; i < n; i++) {
          long v = s.getAtIndex(I64_LE, i);
          if (v != (int) v) {
            throw new IllegalArgumentException(path + ": tensor '" + t.name() + "' value " + v + " at index " + i
                + " does not fit an int");
          }
          out[i] = (int) v;
        }
      }
      default -> throw new IllegalArgumentException(path + ": tensor '" + t.name() + "' is " + t.describe()
          + ", expected an integer dtype (I32, U8, I64)");
    }
    return out;
  }

  private boolean[] readBooleans(TensorInfo t) {
    if (t.dtype() != DType.BOOL) {
      throw new IllegalArgumentException(path + ": tensor '" + t.name() + "' is " + t.describe() + ", expected BOOL");
    }
    int n = arrayLength(t);
    MemorySegment s = view(t.name());
    boolean[] out = new boolean[n];
    for (int i = 0; i < n; i++) {
      out[i] = s.get(ValueLayout.JAVA_BYTE, i) != 0;
    }
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
