package io.github.seqrec.cuda;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectPackage;

import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/**
 * The whole device check in one JVM (what cuda/device-check.sh starts): {@link DeviceCheck} (its
 * first line, the tiny pass on both PTX builds, the full table), then the GPU test suite of this
 * module through the JUnit launcher, in require mode (no GPU fails, never skips) with a timeout
 * per test, each result printed as it finishes. A test that hangs is abandoned on its own thread
 * and the suite goes on; the lines already printed stay in the log whatever stops the JVM.
 *
 * <p>Arguments: {@code --timeout=S} per kernel of the full table (default 90), {@code --test-timeout=S}
 * per test (default 120), {@code --no-tests}, {@code --tests-only} (the suite alone). Exit codes: those of {@link DeviceCheck}
 * (0 passed, 1 failed, 3 no GPU, 4 no GPU but one required); 1 also when a test failed.
 */
public final class DeviceCheckMain {
  private DeviceCheckMain() {}

  public static void main(String[] args) {
    int kernelTimeout = DeviceCheck.DEFAULT_TIMEOUT_SECONDS;
    int testTimeout = 120;
    boolean tests = true;
    boolean testsOnly = false;
    for (String a : args) {
      if (a.startsWith("--timeout=")) {
        kernelTimeout = Integer.parseInt(a.substring("--timeout=".length()));
      } else if (a.startsWith("--test-timeout=")) {
        testTimeout = Integer.parseInt(a.substring("--test-timeout=".length()));
      } else if (a.equals("--no-tests")) {
        tests = false;
      } else if (a.equals("--tests-only")) {
        testsOnly = true; // checks the bundle's JUnit and AssertJ on a machine without a GPU
      } else {
        System.err.println("usage: DeviceCheckMain [--timeout=S] [--test-timeout=S] [--no-tests]");
        System.exit(2);
      }
    }
    PrintStream out = System.out;
    if (testsOnly) {
      System.exit(runTests(out, testTimeout) == 0 ? DeviceCheck.OK : DeviceCheck.FAILED);
    }
    DeviceCheck.Outcome check = DeviceCheck.run(out, DeviceCheck.gpu(), false, DeviceCheck.Plan.TINY,
        DeviceCheck.Plan.FULL.withTimeout(kernelTimeout), DeviceCheck.required());
    if (!tests || check.code() == DeviceCheck.NO_GPU || check.code() == DeviceCheck.NO_GPU_REQUIRED) {
      DeviceCheck.exit(check);
    }
    long failed = runTests(out, testTimeout);
    int code = check.code() == DeviceCheck.OK && failed == 0 ? DeviceCheck.OK : DeviceCheck.FAILED;
    out.println("RESULT (device check, then GPU tests): " + (code == DeviceCheck.OK ? "all passed" : "FAILED"));
    DeviceCheck.exit(new DeviceCheck.Outcome(code, check.hung()));
  }

  /** Runs every test of the package on the GPU (emulator off, no GPU = failure); returns the failures. */
  static long runTests(PrintStream out, int timeoutSeconds) {
    System.setProperty(DeviceCheck.REQUIRE_PROPERTY, "true");
    System.setProperty("seqrec.cuda.emulator", "false");
    System.setProperty("seqrec.nvcc", "/nonexistent"); // the committed PTX is what runs here
    out.println();
    out.println("== GPU test suite (JUnit, CPU reference = scalar backend, " + timeoutSeconds + " s per test)");
    LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request()
        .selectors(selectPackage("io.github.seqrec.cuda"))
        .configurationParameter("junit.jupiter.execution.timeout.default", timeoutSeconds + " s")
        .configurationParameter("junit.jupiter.execution.timeout.thread.mode.default", "SEPARATE_THREAD")
        .build();
    Streaming listener = new Streaming(out);
    Launcher launcher = LauncherFactory.create();
    launcher.execute(request, listener);
    out.printf(Locale.ROOT, "== GPU tests: %d passed, %d failed, %d skipped%n", listener.passed.get(),
        listener.failed.get(), listener.skipped.get());
    return listener.failed.get();
  }

  /** Prints one line per finished test: PASS / FAIL (with the first line of the cause) / SKIP (with the reason). */
  private static final class Streaming implements TestExecutionListener {
    final PrintStream out;
    final AtomicLong passed = new AtomicLong();
    final AtomicLong failed = new AtomicLong();
    final AtomicLong skipped = new AtomicLong();
    final ConcurrentHashMap<String, Long> started = new ConcurrentHashMap<>();

    Streaming(PrintStream out) {
      this.out = out;
    }

    private static String name(TestIdentifier id) {
      String legacy = id.getLegacyReportingName();
      String uid = id.getUniqueId();
      int cls = uid.indexOf("[class:");
      String owner = cls < 0 ? "" : uid.substring(cls + 7, uid.indexOf(']', cls)).replace("io.github.seqrec.cuda.", "");
      return owner + " " + legacy;
    }

    @Override
    public void executionStarted(TestIdentifier id) {
      started.put(id.getUniqueId(), System.nanoTime());
    }

    @Override
    public void executionSkipped(TestIdentifier id, String reason) {
      if (id.isTest() || id.isContainer() && id.getSource().isPresent()) {
        skipped.incrementAndGet();
        out.println("  SKIP " + name(id) + ": " + reason);
      }
    }

    @Override
    public void executionFinished(TestIdentifier id, TestExecutionResult result) {
      Long t0 = started.remove(id.getUniqueId());
      double ms = t0 == null ? 0 : (System.nanoTime() - t0) / 1e6;
      switch (result.getStatus()) {
        case SUCCESSFUL -> {
          if (id.isTest()) {
            passed.incrementAndGet();
            out.printf(Locale.ROOT, "  PASS %s (%.0f ms)%n", name(id), ms);
          }
        }
        case ABORTED -> {
          if (id.isTest()) {
            skipped.incrementAndGet();
            out.println("  SKIP " + name(id) + ": " + result.getThrowable().map(Throwable::getMessage).orElse(""));
          }
        }
        case FAILED -> {
          failed.incrementAndGet();
          String cause = result.getThrowable().map(t -> {
            String m = String.valueOf(t);
            int nl = m.indexOf('\n');
            return nl < 0 ? m : m.substring(0, nl);
          }).orElse("");
          out.printf(Locale.ROOT, "  FAIL %s (%.0f ms): %s%n", name(id), ms, cause);
        }
      }
    }
  }
}
