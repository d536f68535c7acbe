package io.github.seqrec.models.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.github.seqrec.models.tensors.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The file under a {@link SafeTensors}: only regular files open (a FIFO fails at once instead of
 * blocking), a file truncated or rewritten in place after {@link SafeTensors#open} gives a clean
 * {@link SafeTensorsFormatException} (never a {@code java.lang.InternalError} from a mapping, never
 * the new bytes), and weights read as floats must be finite.
 */
class SafeTensorsFileSafetyTest {
  @TempDir Path dir;

  private static final int N = 300_000; // 1.2 MB: more than one read chunk

  private Path big(String name) throws IOException {
    float[] values = new float[N];
    for (int i = 0; i < N; i++) {
      values[i] = i * 0.5f;
    }
    Path p = dir.resolve(name);
    SafeTensors.write(p, Map.of("a", new Tensor.F32(new int[] {2}, new float[] {1, 2}),
        "big", new Tensor.F32(new int[] {N}, values)));
    // An old modification time, so that a rewrite in the same clock tick as the write is still seen.
    Files.setLastModifiedTime(p, FileTime.fromMillis(1_600_000_000_000L));
    return p;
  }

  private static long dataStart(Path p) throws IOException {
    byte[] head = new byte[8];
    try (FileChannel ch = FileChannel.open(p)) {
      ch.read(ByteBuffer.wrap(head));
    }
    return 8 + ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN).getLong();
  }

  private static void overwrite(Path p, long position, byte[] bytes) throws IOException {
    try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(bytes), position);
    }
  }

  private static void assertChanged(Throwable t, Path p, String fragment) {
    assertThat(t).isInstanceOf(UncheckedIOException.class);
    assertThat(t.getCause()).isInstanceOf(SafeTensorsFormatException.class).hasMessageStartingWith(p + ": ")
        .hasMessageContaining(fragment);
  }

  @Test
  void aFifoFailsAtOnceInsteadOfBlocking() throws Exception {
    Path fifo = dir.resolve("weights.fifo");
    Process mkfifo;
    try {
      mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).start();
    } catch (IOException e) {
      Assumptions.abort("no mkfifo here: " + e);
      return;
    }
    Assumptions.assumeTrue(mkfifo.waitFor(10, TimeUnit.SECONDS) && mkfifo.exitValue() == 0, "mkfifo failed");
    try {
      assertTimeoutPreemptively(Duration.ofSeconds(5), () ->
          assertThatThrownBy(() -> SafeTensors.open(fifo)).isInstanceOf(FileSystemException.class)
              .hasMessageContaining(fifo.toString()).hasMessageContaining("not a regular file"));
    } finally {
      // Releases a reader blocked in open(2) when the check is missing (opening for writing would
      // block too without a reader, hence non-blocking through the shell's redirection in a child).
      new ProcessBuilder("sh", "-c", "exec 3<>'" + fifo + "'").start().waitFor(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void aFolderIsNotARegularFile() {
    assertThatThrownBy(() -> SafeTensors.open(dir)).isInstanceOf(FileSystemException.class)
        .hasMessageContaining("not a regular file (a folder)");
  }

  @Test
  void truncationAfterOpenIsACleanFormatError() throws IOException {
    Path p = big("t.safetensors");
    try (SafeTensors st = SafeTensors.open(p)) {
      try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
        ch.truncate(dataStart(p) + 100);
      }
      assertChanged(catchThrowable(() -> st.floats("big", N)), p, "tensor 'big'");
      assertChanged(catchThrowable(() -> st.view("big")), p, "tensor 'big'");
      assertChanged(catchThrowable(() -> st.floats("a", 2)), p, "changed size");
    }
  }

  @Test
  void anInPlaceWriteAfterOpenIsACleanFormatError() throws IOException {
    Path p = big("w.safetensors");
    try (SafeTensors st = SafeTensors.open(p)) {
      overwrite(p, dataStart(p), new byte[] {1, 2, 3, 4});
      assertChanged(catchThrowable(() -> st.floats("a", 2)), p, "modified after it was opened");
    }
  }

  @Test
  void viewedBytesStayTheValidatedOnesWhateverHappensToTheFile() throws IOException {
    Path p = big("v.safetensors");
    try (SafeTensors st = SafeTensors.open(p)) {
      MemorySegment view = st.view("big");
      float before = view.get(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 4L * 1000);
      overwrite(p, dataStart(p) + 8 + 4L * 1000, new byte[] {0, 0, (byte) 0xC0, 0x7F}); // NaN over big[1000]
      try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
        ch.truncate(64);
      }
      assertThat(view.get(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 4L * 1000))
          .isEqualTo(before).isEqualTo(500f);
      assertThat(st.view("big").asByteBuffer()).isEqualTo(view.asByteBuffer());
      float[] again = st.floats("big", N); // served from the pinned bytes
      assertThat(again[1000]).isEqualTo(500f);
      assertThat(again[N - 1]).isEqualTo((N - 1) * 0.5f);
    }
  }

  @Test
  void aFileReplacedByRenameKeepsReadingTheOpenedOne() throws IOException {
    Path p = big("r.safetensors");
    Path other = dir.resolve("other.safetensors");
    SafeTensors.write(other, Map.of("a", new Tensor.F32(new int[] {2}, new float[] {7, 8})));
    try (SafeTensors st = SafeTensors.open(p)) {
      Files.move(other, p, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      assertThat(st.floats("a", 2)).containsExactly(1f, 2f);
      assertThat(st.floats("big", N)[N - 1]).isEqualTo((N - 1) * 0.5f);
    }
  }

  @Test
  void nonFiniteWeightsAreRejectedNamingTheTensorAndTheFirstBadIndex() throws IOException {
    Path p = dir.resolve("nan.safetensors");
    float[] w = new float[12];
    w[7] = Float.NaN;
    w[9] = Float.POSITIVE_INFINITY;
    float[] inf = {0, Float.NEGATIVE_INFINITY};
    SafeTensors.write(p, Map.of("layer.weight", new Tensor.F32(new int[] {3, 4}, w),
        "mask", new Tensor.F32(new int[] {2}, inf), "ok", new Tensor.F32(new int[] {1}, new float[] {3})));
    try (SafeTensors st = SafeTensors.open(p)) {
      assertThatThrownBy(() -> st.floats("layer.weight", 3, 4)).isInstanceOf(IllegalArgumentException.class)
          .hasMessage(p + ": tensor 'layer.weight' F32[3, 4] holds NaN at index [1, 3]; weights must be finite");
      assertThatThrownBy(() -> st.floats("mask")).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("tensor 'mask' F32[2] holds -Infinity at index [1]");
      assertThat(st.floatsAllowingNonFinite("mask", 2)).containsExactly(0f, Float.NEGATIVE_INFINITY);
      assertThat(st.floatsAllowingNonFinite("layer.weight", 3, 4)[7]).isNaN();
      assertThat(((Tensor.F32) st.toTensor("mask")).data()).containsExactly(0f, Float.NEGATIVE_INFINITY);
      assertThat(st.floats("ok", 1)).containsExactly(3f);
    }
  }

  @Test
  void f16InfinitiesAndF64BeyondTheFloatRangeAreRejectedToo() throws IOException {
    // F16 [1, +inf] and F64 [1e300]: written by hand, the writer only emits F32.
    String header = "{\"h\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]},"
        + "\"d\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[4,12]}}";
    ByteBuffer data = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
    data.putShort(Float.floatToFloat16(1f)).putShort((short) 0x7C00).putDouble(1e300);
    Path p = dir.resolve("wide.safetensors");
    Files.write(p, SafeTensorsTest.raw(header, data.array()));
    try (SafeTensors st = SafeTensors.open(p)) {
      assertThatThrownBy(() -> st.floats("h")).hasMessageContaining("tensor 'h' F16[2] holds Infinity at index [1]");
      assertThatThrownBy(() -> st.floats("d")).hasMessageContaining("tensor 'd' F64[1] holds Infinity at index [0]")
          .hasMessageContaining("beyond the float range");
    }
  }

  private static Throwable catchThrowable(org.assertj.core.api.ThrowableAssert.ThrowingCallable call) {
    return org.assertj.core.api.Assertions.catchThrowable(call);
  }
}
