package io.github.seqrec.models.cli;

import io.github.seqrec.models.safetensors.SafeTensors;
import io.github.seqrec.models.safetensors.TensorInfo;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A safetensors file taken apart for the fuzz suite: header entries that can be edited freely
 * (dtype, shape, offsets as raw longs, even nonsense), the metadata and the data section's bytes,
 * put back together by {@link #bytes()} with any header text the mutation wants.
 */
final class RawFile {
  /** One header entry; {@code shape} as longs so that a mutation can write what no int holds. */
  static final class Entry {
    String name;
    String dtype;
    long[] shape;
    long begin;
    long end;

    Entry(String name, String dtype, long[] shape, long begin, long end) {
      this.name = name;
      this.dtype = dtype;
      this.shape = shape;
      this.begin = begin;
      this.end = end;
    }

    Entry copy() {
      return new Entry(name, dtype, shape.clone(), begin, end);
    }

    long elements() {
      long n = 1;
      for (long d : shape) {
        n *= d;
      }
      return n;
    }

    String json() {
      StringBuilder s = new StringBuilder();
      s.append('"').append(name).append("\":{\"dtype\":\"").append(dtype).append("\",\"shape\":[");
      for (int i = 0; i < shape.length; i++) {
        s.append(i == 0 ? "" : ",").append(shape[i]);
      }
      return s.append("],\"data_offsets\":[").append(begin).append(',').append(end).append("]}").toString();
    }
  }

  final List<Entry> entries = new ArrayList<>();
  final Map<String, String> metadata = new LinkedHashMap<>();
  byte[] data;

  static RawFile read(Path file) throws IOException {
    RawFile raw = new RawFile();
    long dataStart;
    try (SafeTensors st = SafeTensors.open(file)) {
      raw.metadata.putAll(st.metadata());
      for (String name : st.names()) {
        TensorInfo t = st.info(name);
        raw.entries.add(new Entry(name, t.dtype().name(), Arrays.stream(t.shape()).asLongStream().toArray(),
            t.dataOffset(), t.dataOffset() + t.byteSize()));
      }
    }
    byte[] all = Files.readAllBytes(file);
    dataStart = 8 + ByteBuffer.wrap(all, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    raw.data = Arrays.copyOfRange(all, (int) dataStart, all.length);
    return raw;
  }

  RawFile copy() {
    RawFile c = new RawFile();
    entries.forEach(e -> c.entries.add(e.copy()));
    c.metadata.putAll(metadata);
    c.data = data.clone();
    return c;
  }

  Entry entry(String name) {
    return entries.stream().filter(e -> e.name.equals(name)).findFirst().orElseThrow();
  }

  /** The header JSON: metadata first, then the entries in list order. */
  String header() {
    StringBuilder s = new StringBuilder("{");
    if (!metadata.isEmpty()) {
      s.append("\"__metadata__\":{");
      boolean first = true;
      for (Map.Entry<String, String> m : metadata.entrySet()) {
        s.append(first ? "" : ",").append(quote(m.getKey())).append(':').append(quote(m.getValue()));
        first = false;
      }
      s.append('}');
    }
    for (Entry e : entries) {
      s.append(s.length() > 1 ? "," : "").append(e.json());
    }
    return s.append('}').toString();
  }

  byte[] bytes() {
    return bytes(header());
  }

  /** A file with this header text (length field = its UTF-8 length, padded to 8 with spaces) and the data. */
  byte[] bytes(String header) {
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    int padded = (h.length + 7) & ~7;
    ByteArrayOutputStream out = new ByteArrayOutputStream(8 + padded + data.length);
    out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).array());
    out.writeBytes(h);
    out.writeBytes(" ".repeat(padded - h.length).getBytes(StandardCharsets.US_ASCII));
    out.writeBytes(data);
    return out.toByteArray();
  }

  /** Offset of the data section in {@link #bytes()}. */
  int dataStart() {
    return 8 + ((header().getBytes(StandardCharsets.UTF_8).length + 7) & ~7);
  }

  static String quote(String s) {
    StringBuilder out = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.append('"').toString();
  }
}
