package io.github.seqrec.models.cli;

import io.github.seqrec.kernels.Backends;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code seqrec backend}: prints the CPU backend this JVM runs ({@link Backends#describe()}). */
@Command(name = "backend", mixinStandardHelpOptions = true,
    description = "Print the CPU backend: scalar or vector, species width, FMA.")
final class BackendCommand implements Callable<Integer> {
  @Mixin BackendOption backend;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    backend.apply();
    spec.commandLine().getOut().println(Backends.describe());
    return 0;
  }
}
