package io.github.seqrec.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.seqrec.cuda.internal.Driver.Arg;
import org.junit.jupiter.api.Test;

/**
 * A sticky CUDA error (the context is unusable after it) is recorded once by the context: later
 * calls fail fast naming it instead of reaching the driver again, closing still releases the
 * device without reporting the error a second time; a non-sticky error leaves the context usable.
 */
class StickyErrorTest {

  private static void copy(CudaContext ctx, DeviceFloats src, DeviceFloats dst) {
    ctx.run(() -> ctx.launch("seqrec_copy", 1, 1, 256, 0, src.at(0), dst.at(0), new Arg.I64(4)));
  }

  @Test
  void anIllegalAddressBreaksTheContextOnce() throws CudaUnavailableException {
    CudaContext ctx = CudaContext.open(FaultyDriver.failing(new NoLaunchDriver(9, 0), "seqrec_copy", 700));
    DeviceFloats src = ctx.allocFloats(4);
    DeviceFloats dst = ctx.allocFloats(4);
    assertThat(ctx.stickyError()).isNull();
    assertThatThrownBy(() -> copy(ctx, src, dst)).isInstanceOf(CudaException.class)
        .hasMessage("cuStreamSynchronize after seqrec_copy failed: CUDA_ERROR_700 (700)");
    assertThat(ctx.stickyError()).isNotNull();
    assertThat(ctx.stickyError().result()).isEqualTo(700);
    // Every later call names the first error and does not reach the driver.
    assertThatThrownBy(() -> ctx.allocFloats(4)).isInstanceOf(IllegalStateException.class)
        .hasMessage("the CudaContext is unusable after an earlier sticky CUDA error (cuStreamSynchronize after"
            + " seqrec_copy failed: CUDA_ERROR_700 (700)): close it and open a new one");
    assertThatThrownBy(() -> src.copyFrom(new float[4])).isInstanceOf(IllegalStateException.class);
    assertThatCode(dst::close).doesNotThrowAnyException();
    assertThatCode(ctx::close).doesNotThrowAnyException();
    assertThat(ctx.isClosed()).isTrue();
  }

  @Test
  void aNonStickyErrorLeavesTheContextUsable() throws CudaUnavailableException {
    try (CudaContext ctx = CudaContext.open(FaultyDriver.failing(new NoLaunchDriver(9, 0), "seqrec_copy", 1));
         DeviceFloats src = ctx.allocFloats(4); DeviceFloats dst = ctx.allocFloats(4)) {
      assertThatThrownBy(() -> copy(ctx, src, dst)).isInstanceOf(CudaException.class);
      assertThat(ctx.stickyError()).isNull();
      assertThatCode(() -> src.copyFrom(new float[4])).doesNotThrowAnyException();
    }
  }

  @Test
  void theStickyCodesAreTheDriversContextCorruptingOnes() {
    for (int code : new int[] {700, 702, 710, 714, 715, 716, 717, 718, 719}) {
      assertThat(CudaContext.isSticky(code)).as("%d", code).isTrue();
    }
    for (int code : new int[] {0, 1, 2, 98, 200, 209, 218, 701, 720, 999}) {
      assertThat(CudaContext.isSticky(code)).as("%d", code).isFalse();
    }
  }
}
