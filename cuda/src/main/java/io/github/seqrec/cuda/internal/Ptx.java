package io.github.seqrec.cuda.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The PTX images shipped in the jar: one module per kernel family ({@code src/main/cuda/<family>.cu}),
 * each compiled by nvcc 13 for two targets, and a small parser of their {@code .entry} signatures
 * so that every launch can be checked against the kernel's parameter list before it reaches the
 * driver.
 */
public final class Ptx {
  /** Class-path folder of the images: {@code <family>.<target>.ptx}. */
  public static final String RESOURCE_DIR = "/io/github/seqrec/cuda/ptx/";

  /** The kernel families and the entry points each module must define. */
  public static final Map<String, List<String>> MODULES = modules();

  private static final Pattern ENTRY = Pattern.compile("\\.entry\\s+(\\w+)\\s*\\(([^)]*)\\)");
  private static final Pattern PARAM = Pattern.compile("\\.param\\s+\\.(\\w+)\\s+\\w+");
  private static final Pattern VERSION = Pattern.compile("(?m)^\\.version\\s+(\\d+)\\.(\\d+)\\s*$");

  private Ptx() {}

  private static Map<String, List<String>> modules() {
    Map<String, List<String>> m = new LinkedHashMap<>();
    m.put("dense", List.of("seqrec_gemm", "seqrec_copy"));
    m.put("attention", List.of("seqrec_target_attention", "seqrec_attention_combine"));
    m.put("recurrent", List.of("seqrec_gru_scan", "seqrec_lstm_scan"));
    m.put("convolution", List.of("seqrec_causal_conv1d"));
    m.put("hashing", List.of("seqrec_simhash", "seqrec_hamming_topk"));
    m.put("selection", List.of("seqrec_topk_rows"));
    return java.util.Collections.unmodifiableMap(m);
  }

  /** A compilation target of the shipped PTX. */
  public enum Target {
    /** {@code -arch=compute_90}: Hopper, and newer GPUs through the driver's JIT. */
    SM_90("sm_90", 90),
    /** {@code -arch=compute_75}: the oldest target nvcc 13 accepts (Turing, Ampere, Ada). */
    COMPUTE_75("compute_75", 75);

    private final String fileTag;
    private final int minCapability;

    Target(String fileTag, int minCapability) {
      this.fileTag = fileTag;
      this.minCapability = minCapability;
    }

    public String fileTag() {
      return fileTag;
    }

    /** Lowest compute capability ({@code major * 10 + minor}) the target runs on. */
    public int minCapability() {
      return minCapability;
    }
  }

  /** The best target for a device of compute capability {@code cc} (e.g. 90), or null if none runs there. */
  public static Target targetFor(int cc) {
    for (Target t : Target.values()) {
      if (cc >= t.minCapability) {
        return t;
      }
    }
    return null;
  }

  /** Class-path name of one image. */
  public static String resourceName(String family, Target target) {
    return RESOURCE_DIR + family + "." + target.fileTag() + ".ptx";
  }

  /** The bytes of one image, as shipped. */
  public static byte[] load(String family, Target target) {
    String name = resourceName(family, target);
    try (InputStream in = Ptx.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("PTX resource " + name + " is missing from the class path");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read PTX resource " + name, e);
    }
  }

  /** The image with the terminating NUL byte {@code cuModuleLoadData} reads it up to. */
  public static byte[] withNul(byte[] ptx) {
    return Arrays.copyOf(ptx, ptx.length + 1);
  }

  /** Kind of one kernel parameter as PTX declares it. */
  public enum ParamKind {
    /** 64-bit: a pointer or a {@code long long}. */
    B64,
    /** 32-bit integer. */
    B32,
    /** 32-bit float. */
    F32;

    static ParamKind of(String ptxType) {
      return switch (ptxType) {
        case "u64", "s64", "b64" -> B64;
        case "u32", "s32", "b32" -> B32;
        case "f32" -> F32;
        default -> throw new IllegalArgumentException("unsupported PTX parameter type ." + ptxType);
      };
    }

    /** Whether a launch argument fits this parameter. */
    public boolean accepts(Driver.Arg arg) {
      return switch (arg) {
        case Driver.Arg.Ptr p -> this == B64;
        case Driver.Arg.I64 l -> this == B64;
        case Driver.Arg.I32 i -> this == B32;
        case Driver.Arg.F32 f -> this == F32;
      };
    }
  }

  /** Every {@code .entry} of a PTX text with its parameter kinds, in declaration order. */
  public static Map<String, List<ParamKind>> entries(String ptxText) {
    Map<String, List<ParamKind>> out = new LinkedHashMap<>();
    Matcher entry = ENTRY.matcher(ptxText);
    while (entry.find()) {
      List<ParamKind> params = new ArrayList<>();
      Matcher param = PARAM.matcher(entry.group(2));
      while (param.find()) {
        params.add(ParamKind.of(param.group(1)));
      }
      out.put(entry.group(1), List.copyOf(params));
    }
    return out;
  }

  public static Map<String, List<ParamKind>> entries(byte[] ptx) {
    return entries(new String(ptx, StandardCharsets.US_ASCII));
  }

  /**
   * The PTX ISA version of an image as {@code major * 10 + minor} (nvcc 13.0 writes 9.0 = 90,
   * which a driver older than CUDA 13 rejects), or -1 if there is no {@code .version} line.
   */
  public static int isaVersion(byte[] ptx) {
    Matcher m = VERSION.matcher(new String(ptx, StandardCharsets.US_ASCII));
    return m.find() ? Integer.parseInt(m.group(1)) * 10 + Integer.parseInt(m.group(2)) : -1;
  }
}
