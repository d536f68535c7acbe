package io.github.seqrec.models.torch;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** Zip archives for the reader's tests, written entry by entry as given. */
final class TestZips {
  private TestZips() {}

  /** Writes {@code entries} (full names, in order) to {@code p}: stored, or deflated when {@code deflate}. */
  static void write(Path p, Map<String, byte[]> entries, boolean deflate) throws IOException {
    try (OutputStream out = Files.newOutputStream(p); ZipOutputStream zip = new ZipOutputStream(out)) {
      for (var e : entries.entrySet()) {
        ZipEntry z = new ZipEntry(e.getKey());
        if (!deflate) {
          z.setMethod(ZipEntry.STORED);
          z.setSize(e.getValue().length);
          CRC32 crc = new CRC32();
          crc.update(e.getValue());
          z.setCrc(crc.getValue());
        }
        zip.putNextEntry(z);
        zip.write(e.getValue());
        zip.closeEntry();
      }
    }
  }
}
