package io.github.seqrec.spark;

import io.github.seqrec.models.HistoryField;
import io.github.seqrec.models.ModelOption;
import io.github.seqrec.models.Models;
import io.github.seqrec.models.SequentialModel;
import io.github.seqrec.models.safetensors.SafeTensors;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;

/**
 * One loaded model per JVM and (model, weights URI, options): executors load it on the first task
 * that needs it and every later task of that JVM shares it (models are immutable and thread-safe).
 * Weights are read through Hadoop's {@link FileSystem}, so any scheme the cluster has a file system
 * for ({@code file:}, {@code hdfs:}, {@code s3a:} ...) works; a non-local file is copied once to a
 * local temporary file, loaded, and the copy deleted (loading copies every tensor to the heap).
 */
final class ModelCache {
  private ModelCache() {}

  /** What identifies a loaded model. */
  record Key(String model, String weightsUri, Map<String, String> options) implements java.io.Serializable {
    Key {
      options = Map.copyOf(new TreeMap<>(options));
    }
  }

  /**
   * A loaded model and its values per action of the cross-feature fields ({@code n_cross} for
   * TWIN's buckets, {@code n_num} for TWIN-V2's numeric features; 0 when it reads neither).
   */
  record Loaded(SequentialModel model, int crossDim) {}

  /** The option that states a per-action-row field's width. */
  private static final Map<HistoryField, String> CROSS_DIM_OPTIONS =
      Map.of(HistoryField.CROSS_BUCKETS, "n_cross", HistoryField.CROSS_NUMERIC, "n_num");

  private static final ConcurrentHashMap<Key, Loaded> LOADED = new ConcurrentHashMap<>();

  /** The model for {@code key}, loading it on first use in this JVM (concurrent first calls load it once). */
  static Loaded get(Key key, Configuration hadoopConf) {
    Loaded loaded = LOADED.get(key);
    if (loaded != null) {
      return loaded;
    }
    return LOADED.computeIfAbsent(key, k -> load(k, hadoopConf));
  }

  private static Loaded load(Key key, Configuration hadoopConf) {
    try {
      Path path = new Path(key.weightsUri());
      FileSystem fs = path.getFileSystem(hadoopConf);
      if (fs instanceof LocalFileSystem local) {
        return load(key, local.pathToFile(path).toPath());
      }
      java.nio.file.Path copy = Files.createTempFile("seqrec-" + key.model() + "-", ".safetensors");
      try {
        try (InputStream in = fs.open(path)) {
          Files.copy(in, copy, StandardCopyOption.REPLACE_EXISTING);
        }
        return load(key, copy);
      } finally {
        Files.deleteIfExists(copy);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("seqrec " + key.model() + ": cannot read weights " + key.weightsUri() + ": " + e, e);
    }
  }

  private static Loaded load(Key key, java.nio.file.Path file) throws IOException {
    SequentialModel model = Models.load(key.model(), file, key.options());
    int crossDim = 0;
    for (Map.Entry<HistoryField, String> e : CROSS_DIM_OPTIONS.entrySet()) {
      if (!model.requiredFields().contains(e.getKey())) {
        continue;
      }
      String text = key.options().get(e.getValue());
      if (text == null) {
        try (SafeTensors st = SafeTensors.open(file)) {
          text = st.metadata().get(e.getValue());
        }
      }
      if (text == null) {
        ModelOption<?> option = model.info().option(e.getValue());
        text = String.valueOf(option.defaultValue());
      }
      crossDim = Integer.parseInt(text.trim());
    }
    return new Loaded(model, crossDim);
  }
}
