package io.github.seqrec.kernels.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.management.ManagementFactory;
import java.util.Locale;
import java.util.Optional;

/**
 * One set of kernel implementations, one per family, chosen once per JVM.
 *
 * <p>The pattern is Lucene's vectorization provider: the scalar provider is always available and
 * is the definition of every kernel; the vector provider is loaded reflectively only after every
 * check that it can run well has passed, so a JVM without {@code jdk.incubator.vector} never
 * loads a class that links against it. The chosen provider sits in a holder class, and each
 * public facade copies its family into a {@code static final} field so the JIT sees exactly one
 * implementation and inlines it.
 */
public abstract class KernelProvider {

  /** System property forcing a backend: {@code scalar}, {@code vector} or {@code auto} (default). */
  public static final String BACKEND_PROPERTY = "seqrec.backend";

  /** The line logged when the incubator module is missing; tests look for it. */
  public static final String ENABLE_VECTOR_HINT =
      "add '--add-modules jdk.incubator.vector' to the java command line to enable the Vector API backend";

  private static final System.Logger LOG = System.getLogger("io.github.seqrec.kernels");

  /** Backend name: {@code "scalar"} or {@code "vector"}. */
  public abstract String name();

  /** One line for logs, CLI output and benchmark results: backend, species width, FMA, GEMM tile. */
  public abstract String describe();

  /** Width of the float species in bits, or 0 for the scalar backend. */
  public abstract int vectorBitSize();

  public abstract DenseKernels dense();

  public abstract ActivationKernels activations();

  public abstract NormalizationKernels normalization();

  public abstract AttentionKernels attention();

  public abstract RecurrentKernels recurrent();

  public abstract ConvolutionKernels convolution();

  public abstract HashingKernels hashing();

  public abstract SelectionKernels selection();

  public abstract GraphKernels graph();

  /** The provider this JVM uses. */
  public static KernelProvider get() {
    return Holder.INSTANCE;
  }

  /** A new scalar provider, whatever the JVM's choice (tests compare against it). */
  public static KernelProvider scalar() {
    return new ScalarKernelProvider();
  }

  /**
   * A new vector provider if this JVM can run one, else empty with no log line. Tests use it to
   * compare the two backends inside one JVM.
   */
  public static Optional<KernelProvider> vectorIfAvailable() {
    return whyVectorUnavailable() == null ? Optional.ofNullable(loadVector()) : Optional.empty();
  }

  /**
   * A new vector provider whose GEMM uses {@code tile} whatever this machine's register file, if
   * this JVM can run one, else empty. Tests run every tile on every species with it.
   */
  public static Optional<KernelProvider> vectorIfAvailable(GemmTile tile) {
    return whyVectorUnavailable() == null ? Optional.ofNullable(loadVector(tile)) : Optional.empty();
  }

  /** Holder idiom: the lookup runs on first use, once, without class-loading deadlocks. */
  private static final class Holder {
    static final KernelProvider INSTANCE = lookup();
  }

  static KernelProvider lookup() {
    String forced = System.getProperty(BACKEND_PROPERTY, "auto").trim().toLowerCase(Locale.ROOT);
    switch (forced) {
      case "scalar" -> {
        KernelProvider scalar = new ScalarKernelProvider();
        LOG.log(System.Logger.Level.INFO, "seqrec kernels: " + scalar.describe() + " (forced by -D"
            + BACKEND_PROPERTY + "=scalar)");
        return scalar;
      }
      case "vector", "auto" -> {
        GemmTile.checkProperty(); // a bad -Dseqrec.gemm.tile fails here, not as a silent scalar fallback
        String reason = whyVectorUnavailable();
        KernelProvider vector = reason == null ? loadVector() : null;
        if (vector != null) {
          LOG.log(System.Logger.Level.INFO, "seqrec kernels: " + vector.describe());
          return vector;
        }
        if (reason == null) {
          reason = "the vector backend failed to initialise";
        }
        if (forced.equals("vector")) {
          throw new IllegalStateException("-D" + BACKEND_PROPERTY + "=vector was requested but " + reason);
        }
        LOG.log(System.Logger.Level.WARNING, "seqrec kernels: using the scalar backend because " + reason);
        return new ScalarKernelProvider();
      }
      default -> throw new IllegalArgumentException(
          "-D" + BACKEND_PROPERTY + " must be scalar, vector or auto, got '" + forced + "'");
    }
  }

  /** Null when the vector backend can run well here, else the reason (with its fix) why not. */
  static String whyVectorUnavailable() {
    ModuleLayer layer = Optional.ofNullable(KernelProvider.class.getModule().getLayer()).orElse(ModuleLayer.boot());
    Optional<Module> vectorModule = layer.findModule("jdk.incubator.vector");
    if (vectorModule.isEmpty()) {
      return "the module jdk.incubator.vector is not readable; " + ENABLE_VECTOR_HINT;
    }
    String vmName = System.getProperty("java.vm.name", "");
    if (!(vmName.contains("HotSpot") || vmName.contains("OpenJDK"))) {
      return "the Vector API is only fast on HotSpot's C2 compiler, this VM is '" + vmName + "'";
    }
    if (vmFlag("UseJVMCICompiler").map(Boolean::parseBoolean).orElse(false)) {
      return "the JVMCI compiler is in use and does not intrinsify the Vector API as C2 does";
    }
    Optional<Integer> stopLevel = vmFlag("TieredStopAtLevel").map(Integer::parseInt);
    if (stopLevel.isPresent() && stopLevel.get() < 4
        && vmFlag("TieredCompilation").map(Boolean::parseBoolean).orElse(true)) {
      return "C2 is disabled (-XX:TieredStopAtLevel=" + stopLevel.get() + "), so the Vector API would not be intrinsified";
    }
    KernelProvider.class.getModule().addReads(vectorModule.get()); // a no-op on the class path, needed as a named module
    return null;
  }

  /** Reads a HotSpot flag through the diagnostic MXBean, if the JVM has one. */
  static Optional<String> vmFlag(String name) {
    try {
      var bean = ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class);
      return bean == null ? Optional.empty() : Optional.of(bean.getVMOption(name).getValue());
    } catch (RuntimeException | LinkageError e) {
      return Optional.empty();
    }
  }

  private static KernelProvider loadVector() {
    return loadVector(null);
  }

  /** The vector provider with {@code tile} (null: the one chosen for this machine). */
  private static KernelProvider loadVector(GemmTile tile) {
    try {
      var lookup = MethodHandles.lookup();
      Class<?> type = lookup.findClass("io.github.seqrec.kernels.internal.vector.VectorKernelProvider");
      // The constructor is package-private; a private lookup in its class (same module) may call it.
      return (KernelProvider) MethodHandles.privateLookupIn(type, lookup)
          .findConstructor(type, MethodType.methodType(void.class, GemmTile.class)).invoke(tile);
    } catch (UnsupportedOperationException e) {
      LOG.log(System.Logger.Level.WARNING, "seqrec kernels: vector backend unsupported here: " + e.getMessage());
      return null;
    } catch (RuntimeException | Error e) {
      LOG.log(System.Logger.Level.WARNING, "seqrec kernels: vector backend failed to load: " + e);
      return null;
    } catch (Throwable e) {
      throw new AssertionError(e);
    }
  }
}
