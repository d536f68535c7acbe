package io.github.seqrec.models.torch;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Corrupted copies of the PyTorch-written fixtures: the pickle truncated at every offset, bits
 * flipped and bytes overwritten in the pickle (repacked into a valid zip so the pickle machine
 * sees them) and in the raw file, storages shortened. Every outcome must be a read or a {@link
 * TorchCheckpointFormatException}; no other exception or error. Seeded, so a failure replays.
 */
class TorchCheckpointCorruptionTest {
  private static final int TRIALS = 900;
  private static final List<String> FIXTURES = List.of("linear_embedding_gru", "dtypes", "views",
      "recbole_style", "whole_module");

  @TempDir Path dir;

  static Map<String, byte[]> entries(Path p) throws IOException {
    Map<String, byte[]> out = new LinkedHashMap<>();
    try (ZipFile z = new ZipFile(p.toFile())) {
      for (ZipEntry e : Collections.list(z.entries())) {
        out.put(e.getName(), z.getInputStream(e).readAllBytes());
      }
    }
    return out;
  }

  static void write(Path p, Map<String, byte[]> entries) throws IOException {
    TestZips.write(p, entries, false);
  }

  static String pickleName(Map<String, byte[]> entries) {
    return entries.keySet().stream().filter(n -> n.endsWith("/data.pkl")).findFirst().orElseThrow();
  }

  /** Reads p; true when it read, false on a clean refusal; anything else fails the test. */
  static boolean readOrRefuse(Path p, String what) {
    try {
      TorchCheckpoint c = TorchCheckpoint.read(p);
      c.isStateDict();
      TorchCheckpoint.describe(c.value());
      return true;
    } catch (TorchCheckpointFormatException e) {
      assertThat(e.getMessage()).as(what).isNotBlank();
      return false;
    } catch (Throwable t) {
      throw new AssertionError(what + ": " + t, t);
    }
  }

  @Test
  void thePickleTruncatedAtEveryOffsetIsRefused() throws IOException {
    Map<String, byte[]> original = entries(TorchCheckpointTest.resource("/torch/views.pth"));
    String pkl = pickleName(original);
    byte[] pickle = original.get(pkl);
    Path target = dir.resolve("truncated.pth");
    for (int n = 0; n < pickle.length; n++) {
      Map<String, byte[]> e = new LinkedHashMap<>(original);
      e.put(pkl, Arrays.copyOf(pickle, n));
      write(target, e);
      assertThat(readOrRefuse(target, "pickle truncated to " + n)).as("truncated to " + n).isFalse();
    }
  }

  @Test
  void randomCorruptionsAreReadsOrCleanRefusals() throws IOException {
    List<Map<String, byte[]>> originals = new ArrayList<>();
    List<byte[]> raw = new ArrayList<>();
    for (String f : FIXTURES) {
      Path p = TorchCheckpointTest.resource("/torch/" + f + ".pth");
      originals.add(entries(p));
      raw.add(Files.readAllBytes(p));
    }
    Path target = dir.resolve("corrupt.pth");
    int refused = 0;
    int read = 0;
    for (int trial = 0; trial < TRIALS; trial++) {
      SplittableRandom random = new SplittableRandom(0x70C4_0000L + trial);
      int which = random.nextInt(originals.size());
      Map<String, byte[]> e = new LinkedHashMap<>(originals.get(which));
      String pkl = pickleName(e);
      byte[] pickle = e.get(pkl).clone();
      String what = FIXTURES.get(which) + " trial " + trial + ": ";
      switch (random.nextInt(6)) {
        case 5 -> {
          // an opcode of the subset (or near it) inserted: SETITEM over None, APPEND, TUPLE3, ...
          byte[] ops = "}])(NsuaetqhjKMJG\u0085\u0086\u0087\u0088\u0089\u0094Rb.Q0123".getBytes(
              java.nio.charset.StandardCharsets.ISO_8859_1);
          int at = random.nextInt(pickle.length);
          byte[] grown = new byte[pickle.length + 1];
          System.arraycopy(pickle, 0, grown, 0, at);
          grown[at] = ops[random.nextInt(ops.length)];
          System.arraycopy(pickle, at, grown, at + 1, pickle.length - at);
          e.put(pkl, grown);
          what += "opcode 0x" + Integer.toHexString(grown[at] & 0xff) + " inserted at " + at;
        }
        case 0 -> {
          int flips = 1 + random.nextInt(4);
          for (int i = 0; i < flips; i++) {
            pickle[random.nextInt(pickle.length)] ^= (byte) (1 << random.nextInt(8));
          }
          e.put(pkl, pickle);
          what += flips + " bit flips in the pickle";
        }
        case 1 -> {
          int at = random.nextInt(pickle.length);
          int n = 1 + random.nextInt(Math.min(8, pickle.length - at));
          for (int i = 0; i < n; i++) {
            pickle[at + i] = (byte) random.nextInt(256);
          }
          e.put(pkl, pickle);
          what += n + " random bytes at pickle offset " + at;
        }
        case 2 -> {
          List<String> storages = e.keySet().stream().filter(k -> k.contains("/data/")).toList();
          String s = storages.get(random.nextInt(storages.size()));
          byte[] d = e.get(s);
          int n = d.length == 0 ? 1 : random.nextInt(2 * d.length + 1);
          e.put(s, Arrays.copyOf(d, n));
          what += "storage " + s + " resized to " + n;
        }
        case 3 -> {
          // a chunk of the pickle copied over another place
          int from = random.nextInt(pickle.length);
          int to = random.nextInt(pickle.length);
          int n = Math.min(1 + random.nextInt(16), Math.min(pickle.length - from, pickle.length - to));
          System.arraycopy(e.get(pkl), from, pickle, to, n);
          e.put(pkl, pickle);
          what += n + " bytes copied from " + from + " to " + to;
        }
        default -> {
          byte[] file = raw.get(which).clone();
          if (random.nextBoolean()) {
            file = Arrays.copyOf(file, random.nextInt(file.length));
            what += "file truncated to " + file.length;
          } else {
            int at = random.nextInt(file.length);
            file[at] ^= (byte) (1 << random.nextInt(8));
            what += "raw bit flip at " + at;
          }
          Files.write(target, file);
          if (readOrRefuse(target, what)) {
            read++;
          } else {
            refused++;
          }
          continue;
        }
      }
      write(target, e);
      if (readOrRefuse(target, what)) {
        read++;
      } else {
        refused++;
      }
    }
    assertThat(read + refused).isEqualTo(TRIALS);
    assertThat(refused).isGreaterThan(TRIALS / 3);
  }
}
