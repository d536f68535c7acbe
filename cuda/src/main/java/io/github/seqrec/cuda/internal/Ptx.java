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
    m.put("dense", List.of("seqrec_gemm", "seqrec_gemm_tf32", "seqrec_copy"));
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
   * The PTX ISA version of an image as {@code major * 10 + minor}, or -1 if there is no
   * {@code .version} line. nvcc 13 writes 9.0; build-ptx.sh lowers it to the lowest ISA ptxas
   * accepts for the file (7.8 for sm_90, 6.3 or 7.0 for compute_75), so that older drivers load it.
   */
  public static int isaVersion(byte[] ptx) {
    Matcher m = VERSION.matcher(new String(ptx, StandardCharsets.US_ASCII));
    return m.find() ? Integer.parseInt(m.group(1)) * 10 + Integer.parseInt(m.group(2)) : -1;
  }

  /** The highest PTX ISA ({@code major * 10 + minor}) among the shipped modules of one target. */
  public static int isaVersion(Target target) {
    int isa = -1;
    for (String family : MODULES.keySet()) {
      isa = Math.max(isa, isaVersion(load(family, target)));
    }
    return isa;
  }

  /**
   * The oldest CUDA driver ({@code 1000 major + 10 minor}, as {@code cuDriverGetVersion} reports)
   * whose JIT compiler reads PTX ISA {@code isa}: ISA 6.3 came with CUDA 10.0, 7.0 with 11.0,
   * 7.8 with 11.8, 8.0 with 12.0, ..., 8.5 with 12.5, 8.6 with 12.7, 8.7 with 12.8, 8.8 with 12.9 and
   * 9.0 with 13.0 (the PTX ISA manual's release notes).
   */
  public static int minimumDriverFor(int isa) {
    boolean known = (isa >= 63 && isa <= 65) || (isa >= 70 && isa <= 78) || (isa >= 80 && isa <= 88) || isa == 90;
    if (!known) {
      throw new IllegalArgumentException("PTX ISA " + isaString(isa) + " is not one of 6.3-6.5, 7.0-7.8, 8.0-8.8, 9.0");
    }
    return switch (isa) {
      case 63 -> 10000;
      case 64 -> 10010;
      case 65 -> 10020;
      case 86 -> 12070;
      case 87 -> 12080;
      case 88 -> 12090;
      case 90 -> 13000;
      default -> isa < 80 ? 11000 + (isa - 70) * 10 : 12000 + (isa - 80) * 10;
    };
  }

  /** {@code 11080} as {@code "11.8"}. */
  public static String cudaVersionString(int version) {
    return version / 1000 + "." + (version % 1000) / 10;
  }

  /** {@code 78} as {@code "7.8"}. */
  public static String isaString(int isa) {
    return isa / 10 + "." + isa % 10;
  }
}
