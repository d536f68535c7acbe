package io.github.seqrec.cuda.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The native-library search behind the device check's first line and the no-driver diagnostic. */
class NativesTest {

  @Test
  void theBindingIsNamedAsJCudaLoadsIt() {
    assertThat(Natives.jcudaVersion()).isEqualTo("12.0.0");
    if (System.getProperty("os.name").startsWith("Linux") && System.getProperty("os.arch").equals("amd64")) {
      assertThat(Natives.jcudaDriverLibraryName()).isEqualTo("JCudaDriver-12.0.0-linux-x86_64");
      assertThat(System.mapLibraryName(Natives.jcudaDriverLibraryName()))
          .isEqualTo("libJCudaDriver-12.0.0-linux-x86_64.so");
    }
  }

  @Test
  void theLoaderCacheIsReadForAbsolutePathsThatExist(@TempDir Path dir) throws IOException {
    Path lib = Files.writeString(dir.resolve("libcuda.so.1"), "elf");
    byte[] cache = ("ld.so-1.7.0\0glibc-ld.so.cache1.1\0libcudart.so.12\0/nowhere/libcudart.so.12\0libcuda.so.1\0"
        + "/gone/libcuda.so.1\0libcuda.so.1\0" + lib + "\0libc.so.6\0/lib/libc.so.6\0").getBytes(StandardCharsets.US_ASCII);
    Path file = Files.write(dir.resolve("ld.so.cache"), cache);
    assertThat(Natives.inLoaderCache(file, "libcuda.so.1")).isEqualTo(lib);
    assertThat(Natives.inLoaderCache(file, "libnvidia-ml.so.1")).isNull();
    assertThat(Natives.inLoaderCache(dir.resolve("missing"), "libcuda.so.1")).isNull();
  }

  @Test
  void foldersAreSearchedInOrder(@TempDir Path dir) throws IOException {
    Path a = Files.createDirectory(dir.resolve("a"));
    Path b = Files.createDirectory(dir.resolve("b"));
    Files.writeString(b.resolve("libx.so"), "");
    assertThat(Natives.findIn(List.of("", a.toString(), b.toString()), "libx.so")).isEqualTo(b.resolve("libx.so"));
    assertThat(Natives.findIn(List.of(a.toString()), "libx.so")).isNull();
    assertThat(Natives.splitPath("/x::/y:/x")).containsExactly("/x", "/y");
  }

  @Test
  void aNoexecTmpIsRecognisedByItsMount() {
    List<String> mounts = List.of("/dev/root / ext4 rw,relatime 0 0", "tmpfs /tmp tmpfs rw,nosuid,nodev,noexec 0 0",
        "tmpfs /tmp/exec tmpfs rw 0 0");
    assertThat(Natives.isNoexec(Path.of("/tmp/jcuda"), mounts)).isTrue();
    assertThat(Natives.isNoexec(Path.of("/tmp/exec/x"), mounts)).isFalse();
    assertThat(Natives.isNoexec(Path.of("/var/tmp"), mounts)).isFalse();
  }

  @Test
  void withoutADriverTheAccountNamesEverythingSearched() {
    Natives.Report report = Natives.prepare();
    if (report.libcuda() == null) {
      assertThat(report.libcudaAccount()).startsWith("not found (the NVIDIA driver's library; searched LD_LIBRARY_PATH=")
          .contains("/etc/ld.so.cache", "/usr/lib/x86_64-linux-gnu", "/usr/local/nvidia/lib64", "LD_LIBRARY_PATH");
    } else {
      assertThat(report.libcuda()).exists();
    }
    List<String> searched = new ArrayList<>();
    Natives.loaderFinds("libseqrec-none.so.0", searched);
    assertThat(searched.get(0)).startsWith("LD_LIBRARY_PATH=");
    assertThat(searched).contains("/etc/ld.so.cache", "/usr/lib64");
  }
}
