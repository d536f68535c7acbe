package io.github.seqrec.cuda;

import io.github.seqrec.cuda.internal.Driver;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A {@link Driver} backed by the host emulator (src/test/emu): device memory is a Java byte
 * array per allocation, and a launch sends the regions its pointer arguments reach to the
 * emulator process (the kernels' own .cu sources compiled with g++ against emu.h, with
 * AddressSanitizer), which runs every CUDA thread as a fiber and sends the regions back. It
 * exercises everything the JCuda backend does except the real hardware: argument marshalling,
 * launch geometry, the kernels' indexing, barriers, shuffles and shared memory.
 */
final class EmulatedDriver implements Driver {
  private static final Path SOURCES = Path.of("src");
  private static final int MAGIC = 0x4d455153; // "SQEM"

  private final Process process;
  private final DataInputStream in;
  private final OutputStream out;
  private final Path stderr;
  private long nextAddress = 0x1000_0000L;

  private static final class Mem implements Memory {
    final long address;
    final byte[] data;

    Mem(long address, long bytes) {
      this.address = address;
      this.data = new byte[Math.toIntExact(bytes)];
    }

    @Override
    public long bytes() {
      return data.length;
    }
  }

  private record Fn(String name) implements Function {}

  private static final class MutableEvent implements Event {
    long nanos;
  }

  private EmulatedDriver(Process process, Path stderr) {
    this.process = process;
    this.stderr = stderr;
    this.in = new DataInputStream(new BufferedInputStream(process.getInputStream(), 1 << 16));
    this.out = new BufferedOutputStream(process.getOutputStream(), 1 << 16);
  }

  /** Why the emulator cannot run here, or null when it can (g++ found). */
  static String unavailableReason() {
    if (!Boolean.parseBoolean(System.getProperty("seqrec.cuda.emulator", "true"))) {
      return "the emulator is disabled (-Dseqrec.cuda.emulator=false)";
    }
    if (!Files.isRegularFile(SOURCES.resolve("test/emu/emu_main.cpp"))) {
      return "the emulator sources are not here (working directory " + Path.of("").toAbsolutePath() + ")";
    }
    try {
      Process p = new ProcessBuilder("g++", "--version").redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      return p.waitFor() == 0 ? null : "g++ --version failed";
    } catch (IOException e) {
      return "no g++ on the PATH to build the kernel emulator";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    }
  }

  /** Builds the emulator (cached by a hash of its sources and the kernels) and starts it. */
  static EmulatedDriver start() throws IOException, InterruptedException {
    Path binary = build();
    Path err = Files.createTempFile("seqrec-emu", ".log");
    Process p = new ProcessBuilder(binary.toString())
        .redirectError(err.toFile())
        .start();
    return new EmulatedDriver(p, err);
  }

  private static Path build() throws IOException, InterruptedException {
    List<Path> inputs = new ArrayList<>();
    try (var files = Files.list(SOURCES.resolve("main/cuda"))) {
      files.filter(f -> f.toString().endsWith(".cu") || f.toString().endsWith(".cuh")).sorted().forEach(inputs::add);
    }
    inputs.add(SOURCES.resolve("test/emu/emu.h"));
    inputs.add(SOURCES.resolve("test/emu/emu_main.cpp"));
    MessageDigest digest;
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    for (Path f : inputs) {
      digest.update(f.getFileName().toString().getBytes(StandardCharsets.UTF_8));
      digest.update(Files.readAllBytes(f));
    }
    String hash = HexFormat.of().formatHex(digest.digest()).substring(0, 16);
    Path dir = Path.of("target", "emu");
    Files.createDirectories(dir);
    Path binary = dir.resolve("seqrec-emu-" + hash);
    if (Files.isExecutable(binary)) {
      return binary;
    }
    Path tmp = dir.resolve("seqrec-emu-" + hash + ".tmp");
    List<String> command = new ArrayList<>(List.of("g++", "-std=c++20", "-O1", "-g", "-ffp-contract=off",
        "-fno-omit-frame-pointer"));
    if (sanitizerWorks(dir)) {
      command.add("-fsanitize=address");
    }
    command.addAll(List.of("-o", tmp.toString(), SOURCES.resolve("test/emu/emu_main.cpp").toString()));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
      throw new IllegalStateException("building the kernel emulator failed:\n" + String.join(" ", command) + "\n" + log);
    }
    Files.move(tmp, binary, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    return binary;
  }

  /** Whether g++ can link AddressSanitizer here (libasan installed). */
  private static boolean sanitizerWorks(Path dir) throws IOException, InterruptedException {
    Path src = dir.resolve("asan-probe.cpp");
    Files.writeString(src, "int main() { return 0; }\n");
    Process p = new ProcessBuilder("g++", "-fsanitize=address", "-o", dir.resolve("asan-probe").toString(), src.toString())
        .redirectErrorStream(true).start();
    p.getInputStream().readAllBytes();
    return p.waitFor() == 0;
  }

  @Override
  public CudaDevice device() {
    return new CudaDevice("seqrec host emulator", 0, 9, 0, 2, 1L << 32, 13000);
  }

  @Override
  public List<Function> loadModule(String moduleName, byte[] ptxWithNul, List<String> entries) {
    if (ptxWithNul.length == 0 || ptxWithNul[ptxWithNul.length - 1] != 0) {
      throw new IllegalStateException(moduleName + ": PTX image without its terminating NUL");
    }
    List<Function> fns = new ArrayList<>();
    for (String e : entries) {
      fns.add(new Fn(e));
    }
    return fns;
  }

  @Override
  public Memory alloc(long bytes) {
    Mem m = new Mem(nextAddress, bytes);
    nextAddress += (bytes + 511) / 256 * 256 + 256; // gaps between regions
    // Fresh device memory is not zeroed on a GPU either: make reads of unwritten memory visible.
    java.util.Arrays.fill(m.data, (byte) 0xff);
    return m;
  }

  @Override
  public void free(Memory memory) {
    // nothing to release
  }

  private static ByteBuffer view(Mem m) {
    return ByteBuffer.wrap(m.data).order(ByteOrder.LITTLE_ENDIAN);
  }

  @Override
  public void copyToDevice(Memory dst, long dstByte, Object hostArray, long hostByte, long bytes) {
    ByteBuffer b = view((Mem) dst).position(Math.toIntExact(dstByte));
    switch (hostArray) {
      case float[] f -> b.asFloatBuffer().put(f, (int) (hostByte / 4), (int) (bytes / 4));
      case int[] i -> b.asIntBuffer().put(i, (int) (hostByte / 4), (int) (bytes / 4));
      case long[] l -> b.asLongBuffer().put(l, (int) (hostByte / 8), (int) (bytes / 8));
      default -> throw new IllegalArgumentException(String.valueOf(hostArray));
    }
  }

  @Override
  public void copyToHost(Object hostArray, long hostByte, Memory src, long srcByte, long bytes) {
    ByteBuffer b = view((Mem) src).position(Math.toIntExact(srcByte));
    switch (hostArray) {
      case float[] f -> b.asFloatBuffer().get(f, (int) (hostByte / 4), (int) (bytes / 4));
      case int[] i -> b.asIntBuffer().get(i, (int) (hostByte / 4), (int) (bytes / 4));
      case long[] l -> b.asLongBuffer().get(l, (int) (hostByte / 8), (int) (bytes / 8));
      default -> throw new IllegalArgumentException(String.valueOf(hostArray));
    }
  }

  @Override
  public void copyDeviceToDevice(Memory dst, long dstByte, Memory src, long srcByte, long bytes) {
    System.arraycopy(((Mem) src).data, Math.toIntExact(srcByte), ((Mem) dst).data, Math.toIntExact(dstByte),
        Math.toIntExact(bytes));
  }

  @Override
  public void fill32(Memory dst, long dstByte, int value, long count) {
    ByteBuffer b = view((Mem) dst);
    for (long i = 0; i < count; i++) {
      b.putInt(Math.toIntExact(dstByte + 4 * i), value);
    }
  }

  @Override
  public void launch(Function function, int gridX, int gridY, int gridZ, int blockX, int blockY, int blockZ,
                     int sharedBytes, List<Arg> args) {
    Map<Mem, Boolean> regions = new IdentityHashMap<>();
    for (Arg a : args) {
      if (a instanceof Arg.Ptr p && p.memory() != null) {
        regions.put((Mem) p.memory(), Boolean.TRUE);
      }
    }
    List<Mem> sent = new ArrayList<>(regions.keySet());
    String name = function.name();
    try {
      ByteBuffer head = ByteBuffer.allocate(64 + name.length() + args.size() * 9).order(ByteOrder.LITTLE_ENDIAN);
      head.putInt(MAGIC).putInt(name.length()).put(name.getBytes(StandardCharsets.US_ASCII));
      head.putInt(gridX).putInt(gridY).putInt(gridZ).putInt(blockX).putInt(blockY).putInt(blockZ).putInt(sharedBytes);
      head.putInt(args.size());
      for (Arg a : args) {
        switch (a) {
          case Arg.Ptr p -> head.put((byte) 'P').putLong(p.memory() == null ? 0 : ((Mem) p.memory()).address + p.byteOffset());
          case Arg.I32 i -> head.put((byte) 'I').putLong(i.value() & 0xffffffffL);
          case Arg.I64 l -> head.put((byte) 'J').putLong(l.value());
          case Arg.F32 f -> head.put((byte) 'F').putLong(Float.floatToRawIntBits(f.value()) & 0xffffffffL);
        }
      }
      head.putInt(sent.size());
      out.write(head.array(), 0, head.position());
      for (Mem m : sent) {
        ByteBuffer r = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        r.putLong(m.address).putLong(m.data.length);
        out.write(r.array());
        out.write(m.data);
      }
      out.flush();
      int status = Integer.reverseBytes(in.readInt());
      if (status != 0) {
        byte[] msg = new byte[Integer.reverseBytes(in.readInt())];
        in.readFully(msg);
        throw new CudaException("emulated launch of " + name + " (" + new String(msg, StandardCharsets.UTF_8) + ")",
            719, "CUDA_ERROR_LAUNCH_FAILED");
      }
      for (Mem m : sent) {
        in.readFully(m.data);
      }
    } catch (EOFException e) {
      throw new IllegalStateException("the kernel emulator died during " + name + ":\n" + emulatorLog(), e);
    } catch (IOException e) {
      throw new UncheckedIOException("talking to the kernel emulator during " + name + ":\n" + emulatorLog(), e);
    }
  }

  private String emulatorLog() {
    try {
      process.waitFor(5, TimeUnit.SECONDS);
      String log = Files.readString(stderr);
      return log.length() > 8000 ? log.substring(0, 8000) : log;
    } catch (IOException e) {
      return "(no log: " + e + ")";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "(interrupted)";
    }
  }

  @Override
  public void synchronize(String after) {
    // launches ran to completion already
  }

  @Override
  public Event createEvent() {
    return new MutableEvent();
  }

  @Override
  public void record(Event event) {
    ((MutableEvent) event).nanos = System.nanoTime();
  }

  @Override
  public float elapsedMillis(Event start, Event end) {
    return (((MutableEvent) end).nanos - ((MutableEvent) start).nanos) / 1e6f;
  }

  @Override
  public void destroy(Event event) {
    // nothing to release
  }

  @Override
  public void makeCurrent() {
    // single emulated context
  }

  @Override
  public void close() {
    try {
      out.close();
    } catch (IOException e) {
      // the process is going away anyway
    }
    process.destroy();
  }
}
