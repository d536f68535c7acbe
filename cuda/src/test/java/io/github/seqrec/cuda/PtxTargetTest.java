package io.github.seqrec.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Which PTX build a context loads: by compute capability, or forced with -Dseqrec.cuda.ptx. */
class PtxTargetTest {

  @AfterEach
  void clear() {
    System.clearProperty(CudaContext.PTX_PROPERTY);
  }

  @Test
  void theNewestTargetTheDeviceRuns() throws CudaUnavailableException {
    try (CudaContext hopper = CudaContext.open(new NoLaunchDriver(9, 0));
         CudaContext ampere = CudaContext.open(new NoLaunchDriver(8, 6))) {
      assertThat(hopper.ptxTarget()).isEqualTo("sm_90");
      assertThat(ampere.ptxTarget()).isEqualTo("compute_75");
      assertThat(hopper.kernelNames()).contains("seqrec_gemm", "seqrec_target_attention", "seqrec_topk_rows");
    }
    assertThatThrownBy(() -> CudaContext.open(new NoLaunchDriver(7, 0)))
        .isInstanceOf(CudaUnavailableException.class)
        .satisfies(e -> assertThat(((CudaUnavailableException) e).reason())
            .isEqualTo(CudaUnavailableException.Reason.DEVICE_TOO_OLD));
  }

  @Test
  void theDriverMustReadTheIsaOfTheBuild() throws CudaUnavailableException {
    // sm_90 is ISA 7.8 (CUDA 11.8); compute_75 is ISA 7.0 (CUDA 11.0).
    try (CudaContext r520 = CudaContext.open(new NoLaunchDriver(9, 0, 11080));
         CudaContext r450 = CudaContext.open(new NoLaunchDriver(9, 0, 11000))) {
      assertThat(r520.ptxTarget()).isEqualTo("sm_90");
      assertThat(r520.ptxIsa()).isEqualTo("7.8");
      assertThat(r450.ptxTarget()).isEqualTo("compute_75");
    }
    assertThatThrownBy(() -> CudaContext.open(new NoLaunchDriver(8, 6, 10020)))
        .isInstanceOf(CudaUnavailableException.class)
        .hasMessage("the CUDA driver supports CUDA 10.2, but seqrec's compute_75 PTX (ISA 7.0) needs CUDA 11.0 or newer")
        .satisfies(e -> assertThat(((CudaUnavailableException) e).reason())
            .isEqualTo(CudaUnavailableException.Reason.DRIVER_TOO_OLD));
    System.setProperty(CudaContext.PTX_PROPERTY, "sm_90");
    assertThatThrownBy(() -> CudaContext.open(new NoLaunchDriver(9, 0, 11070)))
        .hasMessage("the CUDA driver supports CUDA 11.7, but seqrec's sm_90 PTX (ISA 7.8) needs CUDA 11.8 or newer");
  }

  @Test
  void forcedByTheProperty() throws CudaUnavailableException {
    System.setProperty(CudaContext.PTX_PROPERTY, "compute_75");
    try (CudaContext hopper = CudaContext.open(new NoLaunchDriver(9, 0))) {
      assertThat(hopper.ptxTarget()).isEqualTo("compute_75");
    }
    System.setProperty(CudaContext.PTX_PROPERTY, "sm_90");
    assertThatThrownBy(() -> CudaContext.open(new NoLaunchDriver(8, 9)))
        .isInstanceOf(CudaUnavailableException.class)
        .hasMessage("-Dseqrec.cuda.ptx=sm_90 needs compute capability 9.0, no-launch test driver has 8.9");
    System.setProperty(CudaContext.PTX_PROPERTY, "sm_80");
    assertThatThrownBy(() -> CudaContext.open(new NoLaunchDriver(9, 0)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("-Dseqrec.cuda.ptx must be auto, sm_90 or compute_75, got 'sm_80'");
  }
}
