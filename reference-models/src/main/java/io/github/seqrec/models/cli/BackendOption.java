package io.github.seqrec.models.cli;

import io.github.seqrec.kernels.Backends;
import java.util.Locale;
import picocli.CommandLine.Option;

/**
 * {@code --backend scalar|vector|auto}, for every subcommand that runs kernels ({@code @Mixin
 * BackendOption backend;}). {@link #apply()} must run before any kernel class initialises: it sets
 * the {@code seqrec.backend} system property the kernels read once, then checks with {@link
 * Backends#name()} that the JVM really runs what was asked.
 */
public final class BackendOption {
  /** The system property the kernels read (KernelProvider.BACKEND_PROPERTY). */
  static final String PROPERTY = "seqrec.backend";

  @Option(names = "--backend", paramLabel = "scalar|vector|auto",
      description = "CPU backend (default: the seqrec.backend system property, else auto = vector when "
          + "--add-modules jdk.incubator.vector is given, else scalar).")
  String backend;

  /**
   * Selects the backend and returns {@link Backends#name()}; a {@link BadInputException} if the
   * requested backend cannot run here (for vector: the reason and its fix).
   */
  public String apply() {
    String wanted = null;
    if (backend != null) {
      wanted = backend.trim().toLowerCase(Locale.ROOT);
      if (!wanted.equals("scalar") && !wanted.equals("vector") && !wanted.equals("auto")) {
        throw new BadInputException("--backend must be scalar, vector or auto, got '" + backend + "'");
      }
      System.setProperty(PROPERTY, wanted);
    }
    String actual;
    try {
      actual = Backends.name();
    } catch (ExceptionInInitializerError e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      String reason = String.valueOf(cause.getMessage()).replaceFirst("^-D" + PROPERTY + "=vector was requested but ", "");
      throw new BadInputException("the " + System.getProperty(PROPERTY) + " backend is unavailable: " + reason, e);
    } catch (NoClassDefFoundError e) {
      throw new BadInputException("backend unavailable (seqrec.backend=" + System.getProperty(PROPERTY) + "): " + e, e);
    }
    if (wanted != null && !wanted.equals("auto") && !wanted.equals(actual)) {
      throw new BadInputException("--backend " + wanted + " was requested but this JVM already runs the " + actual
          + " backend (kernels were initialised before the option was read)");
    }
    return actual;
  }
}
