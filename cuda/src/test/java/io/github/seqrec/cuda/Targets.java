package io.github.seqrec.cuda;

import java.util.stream.Stream;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Where the GPU kernel tests run: the real GPU through JCuda (skipped with the reason when
 * {@link CudaContext#open()} finds none, failed instead under {@code -Dseqrec.cuda.require=true})
 * and the host emulator (skipped without g++). Each context is opened once per test JVM and closed
 * when it exits.
 */
final class Targets {
  private Targets() {}

  /** One place to run kernels; {@code large} allows the paper-sized shapes (L up to 10^5). */
  record Target(String name, boolean large) {
    CudaContext context() {
      return name.equals("gpu") ? Gpu.context() : Emulator.context();
    }

    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Target> all() {
    return Stream.of(new Target("gpu", true), new Target("emulator", false));
  }

  static final class Gpu {
    private static Object result = open();

    private static Object open() {
      try {
        CudaContext ctx = CudaContext.open();
        Runtime.getRuntime().addShutdownHook(new Thread(ctx::close));
        System.out.println("[seqrec-cuda tests] GPU: " + ctx + ", PTX ISA " + ctx.ptxIsa());
        return ctx;
      } catch (CudaUnavailableException e) {
        return "no GPU: " + e;
      }
    }

    /**
     * The shared GPU context: skips the test when there is no GPU, or fails it under
     * {@code -Dseqrec.cuda.require=true} (a device run must not "pass" with nothing run). A
     * context broken by a sticky error in an earlier test is closed and replaced, once per
     * error, so one faulty kernel does not fail every later test.
     */
    static synchronized CudaContext context() {
      if (result instanceof CudaContext ctx && ctx.stickyError() != null) {
        System.out.println("[seqrec-cuda tests] the GPU context has a sticky error (" + ctx.stickyError().getMessage()
            + "): reopening it for the next tests");
        try {
          ctx.close();
        } catch (RuntimeException e) {
          System.out.println("[seqrec-cuda tests] closing it: " + e);
        }
        result = open();
      }
      if (!(result instanceof CudaContext) && DeviceCheck.required()) {
        Assertions.fail("-D" + DeviceCheck.REQUIRE_PROPERTY + "=true but " + result);
      }
      Assumptions.assumeTrue(result instanceof CudaContext, () -> String.valueOf(result));
      return (CudaContext) result;
    }

    static synchronized boolean available() {
      return result instanceof CudaContext;
    }
  }

  static final class Emulator {
    private static final Object RESULT = open();

    private static Object open() {
      String reason = EmulatedDriver.unavailableReason();
      if (reason != null) {
        return "no kernel emulator: " + reason;
      }
      try {
        CudaContext ctx = CudaContext.open(EmulatedDriver.start());
        Runtime.getRuntime().addShutdownHook(new Thread(ctx::close));
        return ctx;
      } catch (Exception e) {
        throw new IllegalStateException("the kernel emulator could not start", e);
      }
    }

    static CudaContext context() {
      Assumptions.assumeTrue(RESULT instanceof CudaContext, () -> String.valueOf(RESULT));
      return (CudaContext) RESULT;
    }
  }
}
