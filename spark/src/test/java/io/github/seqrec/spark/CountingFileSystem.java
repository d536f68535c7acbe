package io.github.seqrec.spark;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;

/**
 * A test-only Hadoop file system under the scheme {@value #SCHEME}: the local disk, but not a
 * {@link org.apache.hadoop.fs.LocalFileSystem}, so {@link ModelCache} takes the path every remote
 * file system ({@code hdfs:}, {@code s3a:} ...) takes, through {@code fs.open}. It counts the
 * {@code open} calls per path and notes which of ModelCache's temporary copies
 * ({@code seqrec-*.safetensors} in {@code java.io.tmpdir}) exist while a file is opened.
 */
public class CountingFileSystem extends RawLocalFileSystem {
  static final String SCHEME = "seqrectest";

  /** Successful {@code open} calls per path (the URI's path part). */
  static final ConcurrentHashMap<String, AtomicInteger> OPENS = new ConcurrentHashMap<>();

  /** Every temporary copy seen in {@code java.io.tmpdir} at an {@code open} call. */
  static final Set<java.nio.file.Path> COPIES_AT_OPEN = ConcurrentHashMap.newKeySet();

  @Override
  public String getScheme() {
    return SCHEME;
  }

  @Override
  public URI getUri() {
    return URI.create(SCHEME + ":///");
  }

  @Override
  public FSDataInputStream open(Path f, int bufferSize) throws IOException {
    COPIES_AT_OPEN.addAll(temporaryCopies());
    FSDataInputStream in = super.open(f, bufferSize);
    OPENS.computeIfAbsent(f.toUri().getPath(), p -> new AtomicInteger()).incrementAndGet();
    return in;
  }

  static int opens(java.nio.file.Path file) {
    AtomicInteger n = OPENS.get(file.toAbsolutePath().toString());
    return n == null ? 0 : n.get();
  }

  /** The files in {@code java.io.tmpdir} named as ModelCache names its copies. */
  static Set<java.nio.file.Path> temporaryCopies() throws IOException {
    try (Stream<java.nio.file.Path> files = Files.list(java.nio.file.Path.of(System.getProperty("java.io.tmpdir")))) {
      return files.filter(f -> {
        String name = f.getFileName().toString();
        return name.startsWith("seqrec-") && name.endsWith(".safetensors");
      }).collect(Collectors.toSet());
    }
  }
}
