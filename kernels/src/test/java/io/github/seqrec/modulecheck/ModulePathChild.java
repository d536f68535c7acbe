package io.github.seqrec.modulecheck;

import io.github.seqrec.kernels.Activation;
import io.github.seqrec.kernels.Activations;
import io.github.seqrec.kernels.Backends;
import java.util.Arrays;

/**
 * Entry point of the child JVMs of {@code ModuleBoundaryTest}: run from the class path (an unnamed
 * module, in a package of its own) against the kernels as a named module on the module path, it
 * prints what that module exports and lets reach, then uses a kernel.
 */
public final class ModulePathChild {
  private ModulePathChild() {}

  public static void main(String[] args) throws Exception {
    Module kernels = Backends.class.getModule();
    System.out.println("MODULE " + kernels.getName());
    System.out.println("EXPORTS-INTERNAL " + kernels.isExported("io.github.seqrec.kernels.internal"));
    try {
      Class.forName("io.github.seqrec.kernels.internal.KernelProvider").getMethod("get").invoke(null);
      System.out.println("INTERNAL reachable");
    } catch (IllegalAccessException e) {
      System.out.println("INTERNAL blocked");
    }
    float[] y = new float[3];
    Activations.apply(Activation.relu(), new float[] {-1f, 2f, -3f}, 0, 1, 3, y, 0);
    System.out.println("APPLY " + Arrays.toString(y));
    System.out.println("BACKEND " + Backends.describe());
  }
}
