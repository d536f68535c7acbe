package io.github.seqrec.models.torch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.seqrec.models.tensors.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hand-made archives and pickle streams aimed at the reader: each must fail with a {@link
 * TorchCheckpointFormatException} whose message says what was expected and what came, and
 * nothing in the file is ever constructed.
 */
class TorchCheckpointHostileTest {
  @TempDir Path dir;

  /** A zip with the given entries under {@code archive/}, stored (uncompressed) unless deflate. */
  Path archive(Map<String, byte[]> entries, boolean deflate) throws IOException {
    Path p = dir.resolve("x" + System.nanoTime() + ".pth");
    Map<String, byte[]> named = new LinkedHashMap<>();
    entries.forEach((name, bytes) -> named.put("archive/" + name, bytes));
    TestZips.write(p, named, deflate);
    return p;
  }

  Path withPickle(byte[] pickle, Map<String, byte[]> storages) throws IOException {
    Map<String, byte[]> entries = new LinkedHashMap<>();
    entries.put("data.pkl", pickle);
    storages.forEach((k, v) -> entries.put("data/" + k, v));
    entries.put("version", "3\n".getBytes());
    return archive(entries, false);
  }

  static byte[] bytes(Object... parts) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    for (Object p : parts) {
      if (p instanceof Character c) {
        b.write(c);
      } else if (p instanceof Integer i) {
        b.write(i);
      } else if (p instanceof String s) {
        b.writeBytes(s.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
      } else {
        b.writeBytes((byte[]) p);
      }
    }
    return b.toByteArray();
  }

  static byte[] str(String s) {
    byte[] u = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    return bytes(0x8c, u.length, u);
  }

  /** {"w": _rebuild_tensor_v2(storage('0', FloatStorage, numel), offset, size, stride, False, OrderedDict())}. */
  static byte[] tensorPickle(int numel, int offset, int[] size, int[] stride) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.writeBytes(bytes(0x80, 2, '}', str("w"), "ctorch._utils\n_rebuild_tensor_v2\n", '(',
        '(', str("storage"), "ctorch\nFloatStorage\n", str("0"), str("cpu"), 'J', le4(numel), 't', 'Q',
        'J', le4(offset), '('));
    for (int s : size) {
      b.writeBytes(bytes('J', le4(s)));
    }
    b.writeBytes(bytes('t', '('));
    for (int s : stride) {
      b.writeBytes(bytes('J', le4(s)));
    }
    b.writeBytes(bytes('t', 0x89, "ccollections\nOrderedDict\n", ')', 'R', 't', 'R', 's', '.'));
    return b.toByteArray();
  }

  static byte[] le4(int v) {
    return new byte[] {(byte) v, (byte) (v >> 8), (byte) (v >> 16), (byte) (v >> 24)};
  }

  static byte[] floats(int n) {
    java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4 * n).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < n; i++) {
      b.putFloat(i);
    }
    return b.array();
  }

  void assertRejected(Path p, String... fragments) {
    var a = assertThatThrownBy(() -> TorchCheckpoint.read(p)).isInstanceOf(TorchCheckpointFormatException.class);
    for (String f : fragments) {
      a.hasMessageContaining(f);
    }
  }

  @Test
  void handMadeTensorPickleReadsAndAStridedViewIsMaterialized() throws IOException {
    Path p = withPickle(tensorPickle(6, 1, new int[] {2, 2}, new int[] {1, 2}), Map.of("0", floats(6)));
    Tensor.F32 w = (Tensor.F32) TorchCheckpoint.read(p).stateDict().get("w");
    assertThat(w.shape()).containsExactly(2, 2);
    assertThat(w.data()).containsExactly(1, 3, 2, 4);
  }

  @Test
  void tensorsOutsideTheirStorageAreRefused() throws IOException {
    assertRejected(withPickle(tensorPickle(6, 3, new int[] {2, 2}, new int[] {2, 1}), Map.of("0", floats(6))),
        "reaches past its storage of 6");
    assertRejected(withPickle(tensorPickle(6, 0, new int[] {2, 3}, new int[] {3, 1}), Map.of("0", floats(5))),
        "declares 6", "holds 20 bytes");
    assertRejected(withPickle(tensorPickle(1, 0, new int[] {40_000, 40_000}, new int[] {0, 0}),
        Map.of("0", floats(1))), "expanded view");
    assertRejected(withPickle(tensorPickle(6, 0, new int[] {2, -3}, new int[] {3, 1}), Map.of("0", floats(6))),
        "integers from 0");
    assertRejected(withPickle(tensorPickle(6, 0, new int[] {6}, new int[] {1}), Map.of()),
        "missing zip entry archive/data/0");
  }

  @Test
  void arbitraryClassesAreRecordedNeverCalled() throws IOException {
    // os.system('rm -rf /'), the classic: a REDUCE of a global that is not whitelisted
    Path p = withPickle(bytes(0x80, 2, "cos\nsystem\n", str("rm -rf /"), 0x85, 'R', '.'), Map.of());
    Object v = TorchCheckpoint.read(p).value();
    assertThat(v).isInstanceOfSatisfying(TorchCheckpoint.Opaque.class, o -> {
      assertThat(o.qualifiedName()).isEqualTo("os.system");
      assertThat(o.args().items()).containsExactly("rm -rf /");
    });
    Path g = withPickle(bytes(0x80, 4, str("builtins"), str("eval"), 0x93, '.'), Map.of());
    assertThat(TorchCheckpoint.read(g).value()).isEqualTo(new TorchCheckpoint.Global("builtins", "eval"));
  }

  @Test
  void protocolTwoBytesAndByteOrderAreHandled() throws IOException {
    Path p = withPickle(bytes(0x80, 2, "c_codecs\nencode\n", str("a\u00ffb"), str("latin1"), 0x86, 'R', '.'), Map.of());
    assertThat(TorchCheckpoint.read(p).value()).isEqualTo(new byte[] {'a', (byte) 0xff, 'b'});
    Map<String, byte[]> entries = new LinkedHashMap<>();
    entries.put("data.pkl", bytes(0x80, 2, 'N', '.'));
    entries.put("byteorder", "big".getBytes());
    entries.put("version", "3\n".getBytes());
    assertRejected(archive(entries, false), "byte order 'big'");
    entries.put("byteorder", "little".getBytes());
    assertThat(TorchCheckpoint.read(archive(entries, false)).value()).isNull();
  }

  @Test
  void malformedPickleStreamsNameTheFault() throws IOException {
    assertRejected(withPickle(bytes(0x80, 2, 'i', "os\nsystem\n", '.'), Map.of()),
        "offset 2", "opcode 0x69 ('i')");
    assertRejected(withPickle(bytes(0x80, 2, 's', '.'), Map.of()), "SETITEM needs 1", "stack underflow");
    assertRejected(withPickle(bytes(0x80, 2, 'h', 7, '.'), Map.of()), "memo get of index 7");
    assertRejected(withPickle(bytes(0x80, 2, ']', 'K', 1), Map.of()), "without STOP");
    assertRejected(withPickle(bytes(0x80, 2, 'X', le4(-1), '.'), Map.of()), "BINUNICODE of 4294967295 bytes");
    assertRejected(withPickle(bytes(0x80, 2, 0x8d, new byte[] {-1, -1, -1, -1, -1, -1, -1, 0x7f}, '.'), Map.of()),
        "BINUNICODE8 of");
    assertRejected(withPickle(bytes(0x80, 2, 'u', '.'), Map.of()), "SETITEMS expects a MARK");
    assertRejected(withPickle(bytes(0x80, 2, ']', ']', '.'), Map.of()), "STOP with 1 values left");
    assertRejected(withPickle(bytes(0x80, 9, '.'), Map.of()), "protocol 9");
    assertRejected(withPickle(bytes(0x80, 2, '}', ']', 'N', 's', '.'), Map.of()), "unhashable key a list");
    assertRejected(withPickle(bytes(0x80, 2, 0x8c, 2, 0xc3, 0x28, '.'), Map.of()), "not valid UTF-8");
    assertRejected(withPickle(bytes(0x80, 2, "cos", '.'), Map.of()), "newline-terminated");
    // None as a value, appended and set, is data (List.of would have refused it)
    Object v = TorchCheckpoint.read(withPickle(bytes(0x80, 2, '}', str("k"), 'N', 's', str("l"), ']', 'N', 'a', 's', '.'),
        Map.of())).value();
    assertThat(v).isEqualTo(new LinkedHashMap<>(java.util.Collections.singletonMap("k", null)) {{
      put("l", new java.util.ArrayList<>(java.util.Collections.singletonList(null)));
    }});
    assertRejected(withPickle(bytes(0x80, 2, '(', str("storage"), "ctorch\nFloatStorage\n", str("0"), str("cpu"),
        'K', 1, 't', 'Q', '.'), Map.of("0", floats(1))), "bare storage");
  }

  @Test
  void deepNestingAndCyclesAreRefusedWithoutRecursion() throws IOException {
    ByteArrayOutputStream lists = new ByteArrayOutputStream();
    lists.writeBytes(bytes(0x80, 2));
    for (int i = 0; i < 100_000; i++) {
      lists.writeBytes(bytes(']'));
    }
    for (int i = 0; i < 99_999; i++) {
      lists.writeBytes(bytes('a'));
    }
    lists.writeBytes(bytes('.'));
    assertRejected(withPickle(lists.toByteArray(), Map.of()), "nested deeper than 100");

    ByteArrayOutputStream tuples = new ByteArrayOutputStream();
    tuples.writeBytes(bytes(0x80, 2, 'N'));
    for (int i = 0; i < 100_000; i++) {
      tuples.writeBytes(bytes(0x85));
    }
    tuples.writeBytes(bytes('.'));
    assertRejected(withPickle(tuples.toByteArray(), Map.of()), "tuples nested deeper than 100");

    // l = []; l.append(l)
    assertRejected(withPickle(bytes(0x80, 2, ']', 'q', 0, 'h', 0, 'a', '.'), Map.of()), "contains itself");
  }

  @Test
  void archivesWithMissingOrOversizedEntriesAreRefused() throws IOException {
    assertRejected(archive(Map.of("version", "3".getBytes()), false), "missing zip entry archive/data.pkl");
    assertRejected(archive(Map.of("data.pkl", bytes(0x80, 2, 'N', '.')), false), "missing zip entry archive/version");
    assertRejected(archive(new LinkedHashMap<>(Map.of("data.pkl", bytes(0x80, 2, 'N', '.'),
        "version", "three".getBytes())), false), "positive integer");
    // a deflated data.pkl of 100 MiB of zeros: declared size over the limit, nothing inflated
    Path bomb = archive(new LinkedHashMap<>(Map.of("version", "3\n".getBytes(),
        "data.pkl", new byte[100 << 20])), true);
    assertThat(Files.size(bomb)).isLessThan(1 << 20);
    assertRejected(bomb, "more than the limit");
    Path notZip = dir.resolve("text.pth");
    Files.writeString(notZip, "hello");
    assertRejected(notZip, "not a torch.save zip archive");
    Path empty = dir.resolve("empty.pth");
    Files.write(empty, new byte[0]);
    assertRejected(empty, "an empty file");
    assertRejected(dir, "not a regular file");
    assertRejected(dir.resolve("absent.pth"), "no such file");
  }
}
