package io.github.seqrec.cuda;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.seqrec.cuda.internal.Natives;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The device check's own logic on the host emulator with tiny shapes (cases, scalar comparisons,
 * poisoning, event timing, streamed rows, sticky errors, timeouts), and its no-GPU answer here, in
 * this JVM and as its own process (first line, exit code 3, or 4 under
 * {@code -Dseqrec.cuda.require=true}). The paper-sized run is cuda/device-check.sh on a GPU machine.
 */
class DeviceCheckTest {

  private static final String[] ROWS = {"| gemm ", "| attention ", "| attention (long) ", "| attention gathered ",
      "| augru scan ", "| lstm scan ", "| causal conv1d ", "| simhash ", "| hamming top-k ", "| top-k "};

  private static String capture(java.util.function.Consumer<PrintStream> body) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    body.accept(out);
    return bytes.toString(StandardCharsets.UTF_8);
  }

  @Test
  void everyCasePassesOnTheEmulatorRowByRow() {
    CudaContext ctx = Targets.Emulator.context();
    boolean[] passed = new boolean[1];
    String text = capture(out -> passed[0] = DeviceCheck.runChecks(ctx, out, DeviceCheck.Plan.TINY));
    assertThat(passed[0]).as(text).isTrue();
    assertThat(text).contains("| kernel ").contains(ROWS).contains("copy bandwidth (seqrec_copy, read + write)");
    assertThat(text).doesNotContain("FAIL", "poison");
    assertThat(text.strip()).endsWith("== tiny pass sm_90: passed");
    assertThat(ctx.isClosed()).as("the caller's context stays open").isFalse();
  }

  /** Fresh emulated contexts whose launches of one kernel fail with CUDA_ERROR_ILLEGAL_ADDRESS. */
  @Test
  void aStickyErrorIsReportedOnceAndTheCheckGoesOnWithAFreshContext() throws Exception {
    Assumptions.assumeTrue(EmulatedDriver.unavailableReason() == null, EmulatedDriver::unavailableReason);
    List<CudaContext> opened = new ArrayList<>();
    DeviceCheck.Opener opener = target -> {
      CudaContext c;
      try {
        c = CudaContext.open(FaultyDriver.failing(EmulatedDriver.start(), "seqrec_target_attention", 700), target);
      } catch (IOException | InterruptedException e) {
        throw new IllegalStateException(e);
      }
      opened.add(c);
      return c;
    };
    DeviceCheck.Outcome[] outcome = new DeviceCheck.Outcome[1];
    String text = capture(out -> outcome[0] = DeviceCheck.run(out, opener, true, DeviceCheck.Plan.TINY,
        DeviceCheck.Plan.FULL, false));
    assertThat(outcome[0].code()).as(text).isEqualTo(DeviceCheck.FAILED);
    assertThat(outcome[0].hung()).isFalse();
    // The first attention case breaks its context; the next one runs on a fresh context and breaks it too; the
    // cases after them pass on fresh contexts.
    // Both tiny passes (sm_90, compute_75): each of the three attention cases breaks its context and is
    // reported once; every other case passes on the fresh context opened after it.
    assertThat(text.split("\\| attention          \\| FAILED: ", -1)).hasSize(3);
    assertThat(text.split("sticky CUDA error \\(reported once\\)", -1)).hasSize(7);
    assertThat(text).contains("opened a fresh context after the sticky error in attention: PTX sm_90",
        "opened a fresh context after the sticky error in attention gathered: PTX compute_75");
    for (String row : new String[] {"| gemm ", "| augru scan ", "| lstm scan ", "| causal conv1d ", "| simhash ",
        "| hamming top-k ", "| top-k "}) {
      assertThat(text).contains(row);
    }
    assertThat(text).contains("| top-k              | rows3 n500 k20");
    assertThat(text.strip()).endsWith("RESULT: FAILED");
    assertThat(opened).allMatch(CudaContext::isClosed);
  }

  @Test
  void aKernelThatNeverFinishesTimesOutAndLeavesEveryOtherRow() throws Exception {
    Assumptions.assumeTrue(EmulatedDriver.unavailableReason() == null, EmulatedDriver::unavailableReason);
    CountDownLatch release = new CountDownLatch(1);
    int[] opens = {0};
    DeviceCheck.Opener opener = target -> {
      try {
        // Only the first context hangs in the GEMM; the fresh one opened after the timeout works.
        var driver = opens[0]++ == 0 ? FaultyDriver.hanging(EmulatedDriver.start(), "seqrec_gemm", release)
            : EmulatedDriver.start();
        return CudaContext.open(driver, target);
      } catch (IOException | InterruptedException e) {
        throw new IllegalStateException(e);
      }
    };
    DeviceCheck.Plan tiny = new DeviceCheck.Plan(true, 0, 1, 15);
    DeviceCheck.Outcome[] outcome = new DeviceCheck.Outcome[1];
    try {
      String text = capture(out -> outcome[0] = DeviceCheck.run(out, opener, true, tiny, DeviceCheck.Plan.FULL, false));
      assertThat(outcome[0].code()).as(text).isEqualTo(DeviceCheck.FAILED);
      assertThat(outcome[0].hung()).isTrue();
      assertThat(text).contains("| gemm               | TIMEOUT after 15 s: gemm did not finish");
      assertThat(text).contains(ROWS[1], ROWS[2], ROWS[3], ROWS[9]);
      assertThat(text).doesNotContain("| attention          | FAILED");
    } finally {
      release.countDown();
    }
  }

  @Test
  void withoutAGpuTheFirstLineSaysWhatWasFoundAndTheExitCodeIsThree() {
    Assumptions.assumeFalse(Targets.Gpu.available(), "a GPU is present: device-check.sh runs the full check there");
    DeviceCheck.Outcome[] outcome = new DeviceCheck.Outcome[1];
    String text = capture(out -> outcome[0] = DeviceCheck.run(out, DeviceCheck.gpu(), false, DeviceCheck.Plan.TINY,
        DeviceCheck.Plan.FULL, false));
    assertThat(outcome[0].code()).as(text).isEqualTo(DeviceCheck.NO_GPU);
    List<String> lines = text.lines().toList();
    assertThat(lines).hasSize(3);
    assertThat(lines.get(0)).startsWith("seqrec-cuda device check | driver ")
        .contains(" | GPU none | PTX sm_90 ISA 7.8 (needs CUDA >= 11.8) compute_75 ISA 7.0 (needs CUDA >= 11.0)")
        .contains(" | JCuda 12.0.0 JCuda natives: ", "libcuda.so.1: ", "libstdc++.so.6: ");
    assertThat(lines.get(1)).startsWith("no GPU: ");
    assertThat(lines.get(2)).isEqualTo("RESULT: no GPU (exit 3)");

    String required = capture(out -> outcome[0] = DeviceCheck.run(out, DeviceCheck.gpu(), false,
        DeviceCheck.Plan.TINY, DeviceCheck.Plan.FULL, true));
    assertThat(outcome[0].code()).isEqualTo(DeviceCheck.NO_GPU_REQUIRED);
    assertThat(required.strip()).endsWith("RESULT: FAILED: a GPU is required (-Dseqrec.cuda.require=true) and none is usable");
  }

  /**
   * DeviceCheck as its own JVM, the way device-check.sh starts it: with JCuda's native library
   * unpacked onto java.library.path (nothing extracted) it reaches its first line and exits 3, or
   * 4 when a GPU is required.
   */
  @Test
  void asItsOwnProcessItStopsAfterItsFirstLineWithTheNoGpuCode(@TempDir Path natives) throws Exception {
    Assumptions.assumeFalse(Targets.Gpu.available(), "a GPU is present");
    String file = System.mapLibraryName(Natives.jcudaDriverLibraryName());
    try (InputStream in = DeviceCheckTest.class.getResourceAsStream("/lib/" + file)) {
      Assumptions.assumeTrue(in != null, "no jcuda-natives jar for this platform on the class path");
      Files.copy(in, natives.resolve(file));
    }
    Path tmp = Files.createDirectory(natives.resolve("tmp"));
    for (boolean require : new boolean[] {false, true}) {
      String java = ProcessHandle.current().info().command().orElse("java");
      List<String> command = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED",
          "-Djava.library.path=" + natives, "-Djava.io.tmpdir=" + tmp, "-D" + DeviceCheck.REQUIRE_PROPERTY + "=" + require,
          "-cp", System.getProperty("java.class.path"), "io.github.seqrec.cuda.DeviceCheck", "--tiny"));
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).as(text).isEqualTo(require ? DeviceCheck.NO_GPU_REQUIRED : DeviceCheck.NO_GPU);
      List<String> lines = text.lines().toList();
      assertThat(lines.get(0)).as(text).startsWith("seqrec-cuda device check | driver ")
          .contains("JCuda natives: " + natives.resolve(file) + " (java.library.path: loaded in place, nothing extracted)")
          .contains("libcuda.so.1: not found (the NVIDIA driver's library; searched LD_LIBRARY_PATH=");
      assertThat(lines.get(1)).startsWith("no GPU: NO_DRIVER: ");
      try (var left = Files.list(tmp)) {
        assertThat(left).as("nothing extracted into java.io.tmpdir").isEmpty();
      }
    }
  }
}
