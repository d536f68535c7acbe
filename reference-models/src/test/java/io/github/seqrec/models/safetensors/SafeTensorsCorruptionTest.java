package io.github.seqrec.models.safetensors;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.seqrec.models.tensors.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Randomized corruption of valid files (truncation, flipped bytes, rewritten header lengths, bytes
 * copied over the header): every outcome must be a clean {@link SafeTensorsFormatException} or a
 * read that is consistent with the header it accepted, never an IndexOutOfBounds, an
 * OutOfMemoryError, a StackOverflowError or any other exception. Seeded: a failure names the seed
 * and the corruption, so it replays.
 */
class SafeTensorsCorruptionTest {
  private static final int TRIALS = 1500;

  @TempDir Path dir;

  @Test
  void everyCorruptionIsACleanErrorOrAConsistentRead() throws IOException {
    List<byte[]> originals = new ArrayList<>();
    originals.add(Files.readAllBytes(SafeTensorsTest.resource("/safetensors/all_dtypes.safetensors")));
    originals.add(Files.readAllBytes(SafeTensorsTest.resource("/golden/dense/linear_tiny.safetensors")));
    originals.add(Files.readAllBytes(SafeTensorsTest.resource("/golden/dense/linear_no_bias.safetensors")));
    Path javaWritten = dir.resolve("java.safetensors");
    SafeTensors.write(javaWritten, Map.of(
        "m", new Tensor.Bool(new int[] {3}, new boolean[] {true, false, true}),
        "x", new Tensor.F32(new int[] {2, 2}, new float[] {1, 2, 3, 4}),
        "ids", new Tensor.I64(new int[] {2}, new long[] {5, 6})), Map.of("kernel", "linear"));
    originals.add(Files.readAllBytes(javaWritten));

    Path target = dir.resolve("corrupt.safetensors");
    int rejected = 0;
    int accepted = 0;
    for (int trial = 0; trial < TRIALS; trial++) {
      SplittableRandom random = new SplittableRandom(0x5EED_0000L + trial);
      byte[] original = originals.get(random.nextInt(originals.size()));
      long headerLength = ByteBuffer.wrap(original, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
      byte[] bytes = original.clone();
      String what;
      switch (random.nextInt(5)) {
        case 0 -> {
          int length = random.nextInt(bytes.length);
          bytes = Arrays.copyOf(bytes, length);
          what = "truncated to " + length;
        }
        case 1 -> {
          // Flip bits inside the header (where parsing happens), 1 to 4 positions.
          int flips = 1 + random.nextInt(4);
          StringBuilder at = new StringBuilder();
          for (int f = 0; f < flips; f++) {
            int pos = 8 + random.nextInt((int) headerLength);
            bytes[pos] ^= (byte) (1 << random.nextInt(8));
            at.append(pos).append(' ');
          }
          what = "header bits flipped at " + at;
        }
        case 2 -> {
          // Replace header characters with JSON-significant ones.
          String alphabet = "{}[]\",:0123456789-. \\u";
          int changes = 1 + random.nextInt(3);
          StringBuilder at = new StringBuilder();
          for (int c = 0; c < changes; c++) {
            int pos = 8 + random.nextInt((int) headerLength);
            bytes[pos] = (byte) alphabet.charAt(random.nextInt(alphabet.length()));
            at.append(pos).append(' ');
          }
          what = "header characters replaced at " + at;
        }
        case 3 -> {
          int pos = random.nextInt(8);
          bytes[pos] = (byte) random.nextInt(256);
          what = "length byte " + pos + " set to " + (bytes[pos] & 0xFF);
        }
        default -> {
          int pos = random.nextInt(bytes.length);
          bytes[pos] = (byte) random.nextInt(256);
          what = "byte " + pos + " set to " + (bytes[pos] & 0xFF);
        }
      }
      Files.write(target, bytes);
      String replay = "trial " + trial + " (" + what + ")";
      try (SafeTensors st = SafeTensors.open(target)) {
        accepted++;
        readEverything(st, replay);
      } catch (SafeTensorsFormatException e) {
        rejected++;
        assertThat(e.getMessage()).as(replay).startsWith(target + ": ");
      } catch (Throwable t) {
        throw new AssertionError(replay + ": unexpected " + t, t);
      }
    }
    assertThat(rejected).as("corruptions rejected").isGreaterThan(TRIALS / 3);
    assertThat(accepted).as("corruptions that still read (data bytes only)").isGreaterThan(0);
  }

  /** An accepted file must read back completely and agree with its own header. */
  private static void readEverything(SafeTensors st, String replay) {
    long total = 0;
    for (String name : st.names()) {
      TensorInfo info = st.info(name);
      Tensor t = st.toTensor(name);
      assertThat(t.shape()).as(replay).isEqualTo(info.shape());
      assertThat(t.size()).as(replay).isEqualTo(info.elementCount());
      assertThat(st.view(name).byteSize()).as(replay).isEqualTo(info.byteSize());
      total += info.byteSize();
    }
    assertThat(total).as(replay).isGreaterThanOrEqualTo(0);
  }
}
