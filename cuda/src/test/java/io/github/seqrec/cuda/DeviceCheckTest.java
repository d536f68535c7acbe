package io.github.seqrec.cuda;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The device check's own logic (cases, scalar comparisons, event timing, table) on the host
 * emulator with tiny shapes, and its no-GPU answer here. The paper-sized run is
 * cuda/device-check.sh on a GPU machine.
 */
class DeviceCheckTest {

  @Test
  void everyCasePassesOnTheEmulatorAndTheTableComesLast() {
    CudaContext ctx = Targets.Emulator.context();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    boolean passed = DeviceCheck.runChecks(ctx, out, DeviceCheck.Plan.TINY);
    String text = bytes.toString(StandardCharsets.UTF_8);
    assertThat(passed).as(text).isTrue();
    assertThat(text).contains("| kernel ", "| gemm ", "| attention ", "| attention (long) ", "| attention gathered ",
        "| augru scan ", "| lstm scan ", "| causal conv1d ", "| simhash ", "| hamming top-k ", "| top-k ");
    assertThat(text.strip()).endsWith("RESULT: all checks passed");
  }

  @Test
  void withoutAGpuItSaysWhyAndExitsWithItsOwnCode() {
    Assumptions.assumeFalse(Targets.Gpu.available(), "a GPU is present: device-check.sh runs the full check there");
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    int code = DeviceCheck.run(out);
    String text = bytes.toString(StandardCharsets.UTF_8);
    assertThat(code).as(text).isEqualTo(DeviceCheck.NO_GPU);
    assertThat(text).startsWith("no GPU: ").hasLineCount(1);
  }
}
