package io.github.seqrec.models.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.seqrec.models.tensors.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeTensorsTest {
  @TempDir Path dir;

  static Path resource(String name) {
    try {
      return Path.of(SafeTensorsTest.class.getResource(name).toURI());
    } catch (URISyntaxException e) {
      throw new AssertionError(e);
    }
  }

  /** A file with the given header length field, header text and data bytes. */
  static byte[] raw(long headerLength, String header, byte[] data) {
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(headerLength).put(h).put(data);
    return b.array();
  }

  static byte[] raw(String header, byte[] data) {
    return raw(header.getBytes(StandardCharsets.UTF_8).length, header, data);
  }

  private Path file(String name, byte[] bytes) throws IOException {
    Path p = dir.resolve(name);
    Files.write(p, bytes);
    return p;
  }

  /** Opening must fail with a format exception naming the file (and the tensor, if given). */
  private void assertRejected(byte[] bytes, String tensor, String... fragments) throws IOException {
    Path p = file("bad.safetensors", bytes);
    assertThatThrownBy(() -> {
      try (SafeTensors st = SafeTensors.open(p)) {
        st.names();
      }
    }).isInstanceOfSatisfying(SafeTensorsFormatException.class, e -> {
      assertThat(e.file()).isEqualTo(p);
      assertThat(e.tensor()).isEqualTo(tensor);
      assertThat(e.getMessage()).startsWith(p + ": ");
      if (tensor != null) {
        assertThat(e.getMessage()).contains("tensor '" + tensor + "'");
      }
      for (String f : fragments) {
        assertThat(e.getMessage()).contains(f);
      }
    });
  }

  private static String entry(String name, String dtype, String shape, long begin, long end) {
    return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":[" + begin + ","
        + end + "]}";
  }

  // ---------------------------------------------------------------------------------------------
  // Reading

  @Test
  void readsEveryDtypeWrittenByPyTorch() throws IOException {
    try (SafeTensors st = SafeTensors.open(resource("/safetensors/all_dtypes.safetensors"))) {
      assertThat(st.names()).containsExactly("bf16", "bool", "empty", "f16", "f32", "f64", "i32", "i64", "scalar", "u8");
      assertThat(st.metadata()).containsEntry("note", "héllo \"quoted\"\n").containsEntry("source", "safetensors_fixture.py");
      float[] expected = {0.5f, -1.25f, 3f, 65504f, -0f, 0x1p-14f};
      for (String name : new String[] {"f32", "f16", "f64"}) {
        assertThat(st.floats(name, 2, 3)).as(name).containsExactly(expected);
        assertThat(st.toTensor(name)).isInstanceOfSatisfying(Tensor.F32.class, t -> {
          assertThat(t.shape()).containsExactly(2, 3);
          assertThat(t.data()).containsExactly(expected);
        });
      }
      assertThat(Float.floatToRawIntBits(st.floats("f16")[4])).isEqualTo(Float.floatToRawIntBits(-0f));
      assertThat(st.floats("bf16")).containsExactly(0.5f, -1.25f, 3f, 65536f, -0f, 0x1p-14f);
      assertThat(st.dtype("bf16")).isEqualTo(DType.BF16);
      assertThat(st.longs("i64", 4)).containsExactly(-(1L << 40), -1, 0, 1L << 40);
      assertThat(st.toTensor("i64")).isInstanceOf(Tensor.I64.class);
      assertThat(st.ints("i32", 2, 2)).containsExactly(Integer.MIN_VALUE, -1, 0, Integer.MAX_VALUE);
      assertThat(st.longs("i32")).containsExactly(Integer.MIN_VALUE, -1, 0, Integer.MAX_VALUE);
      assertThat(st.ints("u8")).containsExactly(0, 1, 127, 128, 255);
      assertThat(st.longs("u8")).containsExactly(0, 1, 127, 128, 255);
      assertThat(st.toTensor("u8")).isInstanceOfSatisfying(Tensor.I32.class,
          t -> assertThat(t.data()).containsExactly(0, 1, 127, 128, 255));
      assertThat(st.booleans("bool", 3)).containsExactly(true, false, true);
      assertThat(st.toTensor("bool")).isInstanceOf(Tensor.Bool.class);
      assertThat(st.shape("scalar")).isEmpty();
      assertThat(st.floats("scalar", new int[0])).containsExactly(7.5f);
      assertThat(st.floats("empty", 0, 3)).isEmpty();
      assertThat(st.info("empty").elementCount()).isZero();
      assertThat(st.toTensors()).hasSize(10);
    }
  }

  @Test
  void readsThePythonDenseGolden() throws IOException {
    try (SafeTensors st = SafeTensors.open(resource("/golden/dense/linear_tiny.safetensors"))) {
      assertThat(st.names()).containsExactly("bias", "expected.y", "weight", "x");
      assertThat(st.metadata()).containsEntry("kernel", "linear").containsEntry("source", "torch.nn.functional.linear");
      assertThat(st.floats("x", 2, 3)).hasSize(6);
      assertThat(st.floats("weight", -1, 3)).hasSize(6);
    }
  }

  @Test
  void typedReadsCheckShapeAndDtypeNamingTheTensor() throws IOException {
    Path p = resource("/safetensors/all_dtypes.safetensors");
    try (SafeTensors st = SafeTensors.open(p)) {
      assertThatThrownBy(() -> st.floats("f32", 3, 2)).isInstanceOf(IllegalArgumentException.class)
          .hasMessage(p + ": tensor 'f32' has shape [2, 3], expected [3, 2]");
      assertThatThrownBy(() -> st.floats("f32", -1, 4)).hasMessageContaining("expected [?, 4]");
      assertThatThrownBy(() -> st.floats("f32", new int[0])).hasMessageContaining("has shape [2, 3], expected []");
      assertThatThrownBy(() -> st.floats("i64")).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("tensor 'i64' is I64[4], expected a floating-point dtype");
      assertThatThrownBy(() -> st.ints("i64")).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("tensor 'i64' value -1099511627776 at index 0 does not fit an int");
      assertThatThrownBy(() -> st.longs("f32")).hasMessageContaining("expected an integer dtype");
      assertThatThrownBy(() -> st.ints("bool")).hasMessageContaining("expected an integer dtype");
      assertThatThrownBy(() -> st.booleans("u8")).hasMessageContaining("tensor 'u8' is U8[5], expected BOOL");
      assertThatThrownBy(() -> st.floats("nope")).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining(p + ": no tensor 'nope'; the file has: bf16, bool, empty");
      assertThat(st.contains("f32")).isTrue();
      assertThat(st.contains("nope")).isFalse();
    }
  }

  @Test
  void viewIsReadOnceReadOnlyAndDiesWithTheFile() throws IOException {
    SafeTensors st = SafeTensors.open(resource("/safetensors/all_dtypes.safetensors"));
    MemorySegment v = st.view("f32");
    assertThat(v.byteSize()).isEqualTo(24);
    assertThat(v.isReadOnly()).isTrue();
    assertThat(v.isMapped()).as("read once into memory, never mapped").isFalse();
    assertThat(v.get(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 4)).isEqualTo(-1.25f);
    assertThatThrownBy(() -> v.set(ValueLayout.JAVA_BYTE, 0, (byte) 1)).isInstanceOf(IllegalArgumentException.class);
    st.close();
    st.close(); // idempotent
    assertThatThrownBy(() -> v.get(ValueLayout.JAVA_BYTE, 0)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> st.view("f32")).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    assertThatThrownBy(() -> st.floats("f32")).isInstanceOf(IllegalStateException.class);
    assertThat(st.shape("f32")).containsExactly(2, 3); // the header stays readable
  }

  @Test
  void fileWithNoTensorsOpens() throws IOException {
    Path p = file("meta.safetensors", raw("{\"__metadata__\":{\"a\":\"b\"}}  ", new byte[0]));
    try (SafeTensors st = SafeTensors.open(p)) {
      assertThat(st.names()).isEmpty();
      assertThat(st.metadata()).containsExactly(Map.entry("a", "b"));
      assertThatThrownBy(() -> st.info("x")).hasMessageContaining("the file has: no tensors");
    }
  }

  @Test
  void headerMayCarryWhitespaceAndUnalignedData() throws IOException {
    // One-byte BOOL first puts the F32 at data offset 1: unaligned reads must work.
    String header = " {" + entry("a", "BOOL", "[1]", 0, 1) + ", " + entry("b", "F32", "[1]", 1, 5) + "}\n  ";
    ByteBuffer data = ByteBuffer.allocate(5).order(ByteOrder.LITTLE_ENDIAN).put((byte) 1).putFloat(2.5f);
    try (SafeTensors st = SafeTensors.open(file("ws.safetensors", raw(header, data.array())))) {
      assertThat(st.booleans("a")).containsExactly(true);
      assertThat(st.floats("b")).containsExactly(2.5f);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Writing

  @Test
  void writeThenReadRoundTripsEveryTensorType() throws IOException {
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    tensors.put("w", new Tensor.F32(new int[] {2, 2}, new float[] {1f, -2f, Float.MIN_VALUE, Float.NaN}));
    tensors.put("ids", new Tensor.I64(new int[] {3}, new long[] {Long.MIN_VALUE, 0, Long.MAX_VALUE}));
    tensors.put("lens", new Tensor.I32(new int[] {1, 2}, new int[] {7, -7}));
    tensors.put("mask", new Tensor.Bool(new int[] {3}, new boolean[] {true, false, true}));
    tensors.put("s", new Tensor.F32(new int[] {}, new float[] {3f}));
    tensors.put("nothing", new Tensor.F32(new int[] {0, 4}, new float[0]));
    tensors.put("ünï \"odd\" name", new Tensor.I32(new int[] {1}, new int[] {1}));
    Map<String, String> meta = Map.of("kernel", "linear", "tricky", "tab\t quote\" backslash\\ nl\n ctl\u0001 é");
    Path p = dir.resolve("rt.safetensors");
    SafeTensors.write(p, tensors, meta);
    long headerLength = ByteBuffer.wrap(Files.readAllBytes(p), 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    assertThat(headerLength % 8).isZero();
    try (SafeTensors st = SafeTensors.open(p)) {
      assertThat(st.metadata()).isEqualTo(meta);
      assertThat(st.names()).containsExactlyInAnyOrderElementsOf(tensors.keySet());
      for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
        Tensor back = st.toTensor(e.getKey());
        assertThat(back.dtype()).isEqualTo(e.getValue().dtype());
        assertThat(back.shape()).isEqualTo(e.getValue().shape());
        assertThat(bits(back)).as(e.getKey()).isEqualTo(bits(e.getValue()));
      }
    }
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files).as("no temporary file left behind").containsExactly(p);
    }
  }

  /** Element bit patterns (NaN payloads and -0 included). */
  private static long[] bits(Tensor t) {
    return switch (t) {
      case Tensor.F32 f -> {
        long[] out = new long[f.data().length];
        for (int i = 0; i < out.length; i++) {
          out[i] = Float.floatToRawIntBits(f.data()[i]);
        }
        yield out;
      }
      case Tensor.I64 l -> l.data();
      case Tensor.I32 i -> Arrays.stream(i.data()).asLongStream().toArray();
      case Tensor.Bool b -> {
        long[] out = new long[b.data().length];
        for (int i = 0; i < out.length; i++) {
          out[i] = b.data()[i] ? 1 : 0;
        }
        yield out;
      }
    };
  }

  @Test
  void writeReplacesAnExistingFile() throws IOException {
    Path p = file("old.safetensors", new byte[] {1, 2, 3});
    SafeTensors.write(p, Map.of("x", new Tensor.I32(new int[] {1}, new int[] {5})));
    try (SafeTensors st = SafeTensors.open(p)) {
      assertThat(st.ints("x")).containsExactly(5);
      assertThat(st.metadata()).isEmpty();
    }
  }

  @Test
  void writeRejectsBadNames() {
    Tensor t = new Tensor.I32(new int[] {1}, new int[] {5});
    Path p = dir.resolve("x.safetensors");
    assertThatThrownBy(() -> SafeTensors.write(p, Map.of("", t))).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("invalid tensor name ''");
    assertThatThrownBy(() -> SafeTensors.write(p, Map.of("__metadata__", t)))
        .hasMessageContaining("invalid tensor name '__metadata__'");
    Map<String, String> nullValue = new LinkedHashMap<>();
    nullValue.put("k", null);
    assertThatThrownBy(() -> SafeTensors.write(p, Map.of("x", t), nullValue)).hasMessageContaining("metadata 'k' is null");
    assertThat(Files.exists(p)).isFalse();
  }

  // ---------------------------------------------------------------------------------------------
  // Validation: each failure is a SafeTensorsFormatException naming the file and the tensor

  @Test
  void rejectsFilesShorterThanTheLengthField() throws IOException {
    assertRejected(new byte[0], null, "the file has 0 bytes");
    assertRejected(new byte[5], null, "the file has 5 bytes");
  }

  @Test
  void rejectsHeaderLengthBeyondTheFile() throws IOException {
    assertRejected(raw(100, "{}", new byte[0]), null, "header length 100 runs past the end of the file (10 bytes");
  }

  @Test
  void rejectsHeaderLengthBeyondTheLimit() throws IOException {
    assertRejected(raw(200_000_000L, "{}", new byte[0]), null, "header length 200000000 exceeds the limit of 100000000");
    assertRejected(raw(-1L, "{}", new byte[0]), null, "header length 18446744073709551615 exceeds the limit");
  }

  @Test
  void rejectsMalformedJson() throws IOException {
    assertRejected(raw("{\"a\":", new byte[0]), null, "malformed JSON header", "unexpected end");
    assertRejected(raw("{\"a\":{},}", new byte[0]), null, "malformed JSON header", "expected a string key");
    assertRejected(raw("{} x", new byte[0]), null, "unexpected content after the JSON value");
    assertRejected(raw("{\"a\":1,\"a\":2}", new byte[0]), null, "duplicate key \"a\"");
    assertRejected(raw("[]", new byte[0]), null, "the header must be a JSON object, got an array");
    assertRejected(raw("[".repeat(100_000), new byte[0]), null, "nested deeper than 64");
    assertRejected(raw("{\"a\":\"x\u0001\"}", new byte[0]), null, "unescaped control character");
    assertRejected(raw("", new byte[0]), null, "unexpected end of JSON");
  }

  @Test
  void rejectsInvalidUtf8() throws IOException {
    byte[] bytes = raw("{\"a?\":1}", new byte[0]);
    bytes[8 + 3] = (byte) 0xC3; // a lead byte followed by '"', not a continuation byte
    assertRejected(bytes, null, "the header is not valid UTF-8");
  }

  @Test
  void rejectsUnknownDtype() throws IOException {
    assertRejected(raw("{" + entry("w", "Q4", "[1]", 0, 1) + "}", new byte[1]), "w", "unknown dtype 'Q4'",
        "supported: [F32, F16, BF16, F64, I64, I32, U8, BOOL]");
  }

  @Test
  void rejectsShapeByteSizeMismatch() throws IOException {
    assertRejected(raw("{" + entry("w", "F32", "[2,3]", 0, 20) + "}", new byte[20]), "w",
        "shape [2, 3] of F32 needs 24 bytes but data_offsets [0, 20] span 20");
    assertRejected(raw("{" + entry("w", "F32", "[4294967296,4294967296,4294967296]", 0, 4) + "}", new byte[4]), "w",
        "dimension 0 must be an integer in [0, 2147483647]");
    assertRejected(raw("{" + entry("w", "F64", "[2147483647,2147483647,2147483647]", 0, 4) + "}", new byte[4]), "w",
        "more than 2^63 elements");
    assertRejected(raw("{" + entry("w", "F32", "[-1]", 0, 4) + "}", new byte[4]), "w", "dimension 0 must be");
    assertRejected(raw("{" + entry("w", "F32", "[1.5]", 0, 4) + "}", new byte[4]), null, "only integers are allowed");
    assertRejected(raw("{" + entry("w", "F32", "3", 0, 4) + "}", new byte[4]), "w", "shape must be an array of integers");
  }

  @Test
  void rejectsOffsetsOutOfRange() throws IOException {
    assertRejected(raw("{" + entry("w", "F32", "[25]", 0, 100) + "}", new byte[24]), "w",
        "data_offsets [0, 100] out of range: need 0 <= begin <= end <= 24");
    assertRejected(raw("{" + entry("w", "F32", "[1]", 8, 4) + "}", new byte[24]), "w", "out of range");
    assertRejected(raw("{" + entry("w", "F32", "[1]", -4, 0) + "}", new byte[24]), "w", "out of range");
    assertRejected(raw("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}", new byte[4]), "w",
        "data_offsets must be an array of two integers");
    assertRejected(raw("{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}", new byte[4]), "w", "got nothing");
  }

  @Test
  void rejectsOverlappingTensors() throws IOException {
    assertRejected(raw("{" + entry("a", "F32", "[2]", 0, 8) + "," + entry("b", "F32", "[2]", 4, 12) + "}", new byte[12]),
        "b", "data_offsets [4, 12] overlap tensor 'a' at [0, 8]");
  }

  @Test
  void rejectsDataNotFullyCovered() throws IOException {
    assertRejected(raw("{" + entry("a", "F32", "[1]", 0, 4) + "," + entry("b", "F32", "[1]", 8, 12) + "}", new byte[12]),
        "b", "leave bytes [4, 8) of the data section unused");
    assertRejected(raw("{" + entry("a", "F32", "[1]", 0, 4) + "}", new byte[8]), null,
        "the data section has 8 bytes but the tensors cover only the first 4");
    assertRejected(raw("{}", new byte[3]), null, "the data section has 3 bytes but the tensors cover only the first 0");
  }

  @Test
  void rejectsBadEntries() throws IOException {
    assertRejected(raw("{\"w\":[1]}", new byte[0]), "w", "the entry must be an object");
    assertRejected(raw("{\"w\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0],\"x\":1}}", new byte[0]), "w",
        "unknown key 'x'");
    assertRejected(raw("{\"w\":{\"dtype\":4,\"shape\":[0],\"data_offsets\":[0,0]}}", new byte[0]), "w",
        "dtype must be a string, got an integer");
    assertRejected(raw("{" + entry("", "F32", "[0]", 0, 0) + "}", new byte[0]), "", "tensor names must not be empty");
    assertRejected(raw("{\"__metadata__\":{\"a\":1}}", new byte[0]), null, "__metadata__ entry 'a' must be a string");
    assertRejected(raw("{\"__metadata__\":[]}", new byte[0]), null, "__metadata__ must be an object of strings");
  }

  @Test
  void missingFileIsAnIOException() {
    assertThatThrownBy(() -> SafeTensors.open(dir.resolve("absent.safetensors")))
        .isInstanceOf(java.nio.file.NoSuchFileException.class);
  }

  /** A builder check for the corruption test's helper: a written file's bytes start as expected. */
  @Test
  void rawHelperMatchesWriterLayout() throws IOException {
    Path p = dir.resolve("w.safetensors");
    SafeTensors.write(p, Map.of("a", new Tensor.Bool(new int[] {1}, new boolean[] {true})));
    byte[] bytes = Files.readAllBytes(p);
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    String header = "{" + entry("a", "BOOL", "[1]", 0, 1) + "}";
    header = header + " ".repeat((8 - header.length() % 8) % 8);
    expected.writeBytes(raw(header, new byte[] {1}));
    assertThat(bytes).isEqualTo(expected.toByteArray());
  }
}
