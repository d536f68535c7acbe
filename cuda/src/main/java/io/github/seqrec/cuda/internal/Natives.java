package io.github.seqrec.cuda.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;

/**
 * Finds the native libraries JCuda's driver binding needs before JCuda looks for them, so that a
 * machine without them gets a diagnostic naming what was searched instead of a bare
 * {@link UnsatisfiedLinkError}, and a machine that has them somewhere the dynamic loader does not
 * look still works.
 *
 * <ul>
 *   <li>{@code libJCudaDriver-<version>-<os>-<arch>.so}: JCuda loads it with
 *       {@code System.loadLibrary} from {@code java.library.path} first, and only when that fails
 *       copies it out of its natives jar into {@code java.io.tmpdir} (which fails where that
 *       folder is mounted {@code noexec}). The device bundle ships it unpacked and puts its folder
 *       on {@code java.library.path}, so nothing is extracted.</li>
 *   <li>{@code libcuda.so.1}, the NVIDIA driver's user-space library, which the binding links:
 *       searched where the loader looks ({@code LD_LIBRARY_PATH}, {@code /etc/ld.so.cache}, the
 *       default folders), then in the folders container images and distributions put it
 *       ({@code /usr/local/nvidia/lib64}, ...) or the file {@code -Dseqrec.cuda.libcuda} names; one
 *       found only there is loaded by absolute path first, so that the binding's dependency
 *       resolves to it.</li>
 *   <li>{@code libstdc++.so.6} (and {@code libgcc_s.so.1}), which the binding also links: where
 *       the loader finds none, the copies in {@code -Dseqrec.cuda.fallbackLibs} (the bundle's
 *       {@code native/fallback}) are loaded by absolute path first.</li>
 * </ul>
 */
public final class Natives {
  /** System property: an explicit path of libcuda.so.1. */
  public static final String LIBCUDA_PROPERTY = "seqrec.cuda.libcuda";
  /** System property: a folder with libstdc++.so.6 and libgcc_s.so.1 to use where the system has none. */
  public static final String FALLBACK_PROPERTY = "seqrec.cuda.fallbackLibs";

  /** Folders outside the loader's default path where NVIDIA drivers are commonly installed. */
  static final List<String> DRIVER_FOLDERS = List.of("/usr/local/nvidia/lib64", "/usr/local/nvidia/lib",
      "/usr/lib/wsl/lib", "/usr/lib/x86_64-linux-gnu/nvidia/current", "/usr/lib64/nvidia", "/run/opengl-driver/lib");

  /** Folders the dynamic loader searches after LD_LIBRARY_PATH and its cache. */
  static final List<String> DEFAULT_FOLDERS = List.of("/lib64", "/usr/lib64", "/lib", "/usr/lib",
      "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib/aarch64-linux-gnu", "/usr/lib/aarch64-linux-gnu");

  /**
   * What was found: the JCuda driver binding's file (or how JCuda will get it), libcuda.so.1 and
   * libstdc++.so.6 (a path, or null), and for each a human-readable account for the device
   * check's first line and for diagnostics.
   */
  public record Report(String jcudaLibrary, Path jcudaOnLibraryPath, String jcudaAccount, Path libcuda,
                       String libcudaAccount, Path libstdcxx, String libstdcxxAccount) {
    /** One line: {@code JCuda natives: ...; libcuda.so.1: ...; libstdc++.so.6: ...}. */
    public String describe() {
      return "JCuda natives: " + jcudaAccount + "; libcuda.so.1: " + libcudaAccount + "; libstdc++.so.6: "
          + libstdcxxAccount;
    }
  }

  private static Report report;

  private Natives() {}

  /** JCuda's release (from its jar's Maven metadata), e.g. {@code 12.0.0}. */
  public static String jcudaVersion() {
    try (InputStream in = jcuda.driver.JCudaDriver.class.getResourceAsStream(
        "/META-INF/maven/org.jcuda/jcuda/pom.properties")) {
      if (in != null) {
        Properties p = new Properties();
        p.load(in);
        String v = p.getProperty("version");
        if (v != null && !v.isBlank()) {
          return v.trim();
        }
      }
    } catch (IOException | LinkageError e) {
      // fall through to the version seqrec is built against
    }
    return "12.0.0";
  }

  /** The binding's library name as JCuda asks {@code System.loadLibrary} for it. */
  public static String jcudaDriverLibraryName() {
    return "JCudaDriver-" + jcudaVersion() + "-" + osName() + "-" + archName();
  }

  static String osName() {
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    if (os.startsWith("windows")) {
      return "windows";
    }
    if (os.startsWith("mac") || os.startsWith("darwin")) {
      return "apple";
    }
    return "linux";
  }

  static String archName() {
    String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
    return switch (arch) {
      case "amd64", "x86_64" -> "x86_64";
      case "aarch64", "arm64" -> "aarch64";
      case "ppc64le" -> "ppc_64";
      default -> arch;
    };
  }

  /**
   * Looks for every library (once per JVM), loads libcuda.so.1 and the C++ runtime by absolute
   * path where the dynamic loader would not find them, and returns what it found. Never throws:
   * a missing library is reported by {@link JCudaBackend#open} with this report's account.
   */
  public static synchronized Report prepare() {
    if (report == null) {
      report = look();
    }
    return report;
  }

  private static Report look() {
    String jcudaName = jcudaDriverLibraryName();
    String jcudaFile = System.mapLibraryName(jcudaName);
    Path onPath = findIn(splitPath(System.getProperty("java.library.path", "")), jcudaFile);
    String jcudaAccount;
    if (onPath != null) {
      jcudaAccount = onPath + " (java.library.path: loaded in place, nothing extracted)";
    } else if (Natives.class.getResource("/lib/" + jcudaFile) != null) {
      String tmp = System.getProperty("java.io.tmpdir");
      jcudaAccount = jcudaFile + " not on java.library.path: JCuda extracts it from its natives jar into java.io.tmpdir="
          + tmp + (isNoexec(Path.of(tmp)) ? " (mounted noexec: loading will fail; put the unpacked library on"
          + " -Djava.library.path)" : "");
    } else {
      jcudaAccount = "none: " + jcudaFile + " is neither on java.library.path (" + System.getProperty("java.library.path")
          + ") nor in a jcuda-natives jar on the class path";
    }

    List<String> searched = new ArrayList<>();
    Path libcuda = null;
    String libcudaAccount;
    String explicit = System.getProperty(LIBCUDA_PROPERTY);
    if (explicit != null && !explicit.isBlank()) {
      Path p = Path.of(explicit.trim());
      if (Files.isRegularFile(p) && preload(p)) {
        libcuda = p;
        libcudaAccount = p + " (-D" + LIBCUDA_PROPERTY + ", loaded by path)";
      } else {
        libcudaAccount = "not loadable at -D" + LIBCUDA_PROPERTY + "=" + explicit;
      }
    } else {
      Path found = loaderFinds("libcuda.so.1", searched);
      if (found != null) {
        libcuda = found;
        libcudaAccount = found.toString();
      } else {
        Path extra = findIn(DRIVER_FOLDERS, "libcuda.so.1");
        searched.addAll(DRIVER_FOLDERS);
        if (extra != null && preload(extra)) {
          libcuda = extra;
          libcudaAccount = extra + " (outside the loader's path: loaded by path)";
        } else {
          libcudaAccount = "not found (the NVIDIA driver's library; searched " + String.join(", ", searched)
              + "; install the driver or add its folder to LD_LIBRARY_PATH, or name the file with -D"
              + LIBCUDA_PROPERTY + "=...)";
        }
      }
    }

    Path libstdcxx = loaderFinds("libstdc++.so.6", new ArrayList<>());
    String libstdcxxAccount;
    if (libstdcxx != null) {
      libstdcxxAccount = libstdcxx.toString();
    } else {
      String fallback = System.getProperty(FALLBACK_PROPERTY);
      Path dir = fallback == null || fallback.isBlank() ? null : Path.of(fallback.trim());
      Path copy = dir == null ? null : dir.resolve("libstdc++.so.6");
      if (copy != null && Files.isRegularFile(copy)) {
        Path gcc = dir.resolve("libgcc_s.so.1");
        if (Files.isRegularFile(gcc)) {
          preload(gcc);
        }
        libstdcxx = preload(copy) ? copy : null;
        libstdcxxAccount = libstdcxx != null ? copy + " (the system has none: the bundled copy, loaded by path)"
            : "the system has none and the bundled " + copy + " does not load";
      } else {
        libstdcxxAccount = "not found by the loader (JCuda's driver binding links it: install libstdc++6"
            + (dir == null ? "" : ", or put libstdc++.so.6 into " + dir) + ")";
      }
    }
    return new Report(jcudaName, onPath, jcudaAccount, libcuda, libcudaAccount, libstdcxx, libstdcxxAccount);
  }

  private static boolean preload(Path library) {
    try {
      System.load(library.toAbsolutePath().toString());
      return true;
    } catch (UnsatisfiedLinkError | SecurityException e) {
      return false;
    }
  }

  /** Where the dynamic loader would find {@code file}: LD_LIBRARY_PATH, its cache, the default folders. */
  static Path loaderFinds(String file, List<String> searched) {
    List<String> ldPath = splitPath(System.getenv().getOrDefault("LD_LIBRARY_PATH", ""));
    searched.add("LD_LIBRARY_PATH=" + String.join(":", ldPath));
    Path p = findIn(ldPath, file);
    if (p != null) {
      return p;
    }
    searched.add("/etc/ld.so.cache");
    p = inLoaderCache(Path.of("/etc/ld.so.cache"), file);
    if (p != null) {
      return p;
    }
    searched.addAll(DEFAULT_FOLDERS);
    return findIn(DEFAULT_FOLDERS, file);
  }

  /** The first path in the loader cache ending in {@code /file} that exists (the cache stores NUL-terminated paths). */
  static Path inLoaderCache(Path cache, String file) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(cache);
    } catch (IOException | SecurityException e) {
      return null;
    }
    byte[] needle = ("/" + file + "\0").getBytes(StandardCharsets.US_ASCII);
    outer:
    for (int i = 0; i + needle.length <= bytes.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (bytes[i + j] != needle[j]) {
          continue outer;
        }
      }
      int start = i;
      while (start > 0 && bytes[start - 1] != 0) {
        start--;
      }
      Path p = Path.of(new String(bytes, start, i + needle.length - 1 - start, StandardCharsets.US_ASCII));
      if (p.isAbsolute() && Files.isRegularFile(p)) {
        return p;
      }
    }
    return null;
  }

  static Path findIn(List<String> folders, String file) {
    for (String folder : folders) {
      if (folder.isEmpty()) {
        continue;
      }
      Path p = Path.of(folder, file);
      if (Files.isRegularFile(p)) {
        return p.toAbsolutePath();
      }
    }
    return null;
  }

  static List<String> splitPath(String path) {
    Set<String> out = new LinkedHashSet<>();
    for (String s : path.split(java.io.File.pathSeparator)) {
      if (!s.isBlank()) {
        out.add(s.trim());
      }
    }
    return List.copyOf(out);
  }

  /** Whether {@code folder} lies on a file system mounted {@code noexec} (from /proc/mounts; false if unknown). */
  static boolean isNoexec(Path folder) {
    try {
      return isNoexec(folder, Files.readAllLines(Path.of("/proc/mounts")));
    } catch (IOException | SecurityException e) {
      return false;
    }
  }

  /** Whether the mount (lines of /proc/mounts) holding {@code folder} has the noexec option. */
  static boolean isNoexec(Path folder, List<String> mounts) {
    Path abs = folder.toAbsolutePath().normalize();
    String best = "";
    boolean noexec = false;
    for (String line : mounts) {
      String[] f = line.split(" ");
      if (f.length < 4) {
        continue;
      }
      String point = f[1].replace("\\040", " ");
      if (abs.startsWith(point) && point.length() >= best.length()) {
        best = point;
        noexec = List.of(f[3].split(",")).contains("noexec");
      }
    }
    return noexec;
  }

  /**
   * The NVIDIA kernel driver's version (e.g. {@code 580.159.03}) from
   * {@code /proc/driver/nvidia/version}, or null where there is none. The driver API reports only
   * the CUDA version it supports.
   */
  public static String kernelDriverVersion() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/driver/nvidia/version"))) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("Kernel Module\\s+(?:for \\S+\\s+)?([0-9][0-9.]+)")
            .matcher(line);
        if (m.find()) {
          return m.group(1);
        }
      }
    } catch (IOException | SecurityException e) {
      return null;
    }
    return null;
  }
}
