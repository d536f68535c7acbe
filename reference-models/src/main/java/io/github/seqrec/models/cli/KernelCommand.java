package io.github.seqrec.models.cli;

import io.github.seqrec.kernels.Backends;
import io.github.seqrec.models.safetensors.SafeTensors;
import io.github.seqrec.models.safetensors.SafeTensorsFormatException;
import io.github.seqrec.models.tensors.Tensor;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code seqrec kernel --list [NAME]} and {@code seqrec kernel NAME --in IN --out OUT [--backend
 * B] [--param k=v ...]}: runs one {@link KernelOp} on the tensors of a safetensors file and writes
 * its outputs (metadata {@code kernel}, {@code backend}). Parameters come from the input file's
 * {@code __metadata__}, overridden by {@code --param}, else from one-element tensors of the same
 * name.
 */
@Command(name = "kernel", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Run one kernel on named tensors from a safetensors file, or list the kernels.",
        "Example: seqrec kernel linear --in in.safetensors --out out.safetensors"})
final class KernelCommand implements Callable<Integer> {
  @Parameters(index = "0", arity = "0..1", paramLabel = "NAME", description = "Kernel to run (see --list).")
  String name;

  @Option(names = "--list", description = "List every kernel (or only NAME) with its inputs, outputs and parameters.")
  boolean list;

  @Option(names = "--in", paramLabel = "FILE", description = "Input tensors (safetensors), named as in --list.")
  Path in;

  @Option(names = "--out", paramLabel = "FILE", description = "Where to write the output tensors (safetensors).")
  Path out;

  @Option(names = "--param", paramLabel = "NAME=VALUE",
      description = "A kernel parameter; overrides the input file's metadata. Repeatable.")
  Map<String, String> params = new LinkedHashMap<>();

  @Mixin BackendOption backend;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    PrintWriter stdout = spec.commandLine().getOut();
    if (list) {
      List<KernelOp> ops = name == null ? KernelOps.all() : List.of(KernelOps.get(name));
      for (KernelOp op : ops) {
        describe(op, stdout);
      }
      return 0;
    }
    if (name == null) {
      throw new CommandLine.ParameterException(spec.commandLine(), "missing kernel NAME (or --list)");
    }
    if (in == null || out == null) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "kernel " + name + " needs --in FILE and --out FILE");
    }
    boolean verbose = spec.commandLine().getParseResult().hasMatchedOption("--verbose");
    String backendName = backend.apply(); // before anything touches a kernel class
    KernelOp op = KernelOps.get(name);
    checkParams(op);

    Map<String, Tensor> tensors = new TreeMap<>();
    Map<String, String> merged = new TreeMap<>();
    List<String> unused = new ArrayList<>();
    try (SafeTensors st = SafeTensors.open(in)) {
      // Only what the op reads is copied: an unused (or huge, or misnamed) tensor costs nothing.
      for (String n : st.names()) {
        if (reads(op, n)) {
          tensors.put(n, st.toTensor(n));
        } else if (!n.startsWith("expected.")) {
          unused.add(n);
        }
      }
      merged.putAll(st.metadata());
    } catch (SafeTensorsFormatException e) {
      throw new BadInputException("invalid --in file " + e.getMessage(), e);
    } catch (UncheckedIOException e) {
      if (e.getCause() instanceof SafeTensorsFormatException f) {
        throw new BadInputException("invalid --in file " + f.getMessage(), e);
      }
      throw new BadInputException("cannot read --in " + in + ": " + e.getCause().getMessage(), e);
    } catch (NoSuchFileException e) {
      throw new BadInputException("cannot read --in " + in + ": no such file", e);
    } catch (AccessDeniedException e) {
      throw new BadInputException("cannot read --in " + in + ": permission denied", e);
    } catch (FileSystemException e) {
      throw new BadInputException("cannot read --in " + in + ": " + (e.getReason() == null ? e.getMessage() : e.getReason()), e);
    } catch (IOException e) {
      throw new BadInputException("cannot read --in " + in + ": " + e.getMessage(), e);
    }
    merged.putAll(params);
    warnAboutUnusedTensors(op, unused);

    long start = System.nanoTime();
    Map<String, Tensor> outputs = op.run(new OpInputs(tensors, merged));
    long nanos = System.nanoTime() - start;

    Map<String, String> metadata = new LinkedHashMap<>();
    metadata.put("kernel", op.name());
    metadata.put("backend", backendName);
    try {
      SafeTensors.write(out, outputs, metadata);
    } catch (IOException e) {
      throw new BadInputException("cannot write --out " + out + ": " + describe(e), e);
    }
    if (verbose) {
      stdout.println("backend: " + Backends.describe());
      tensors.forEach((n, t) -> stdout.println("in   " + n + " " + t.describe()));
      stdout.printf("ran %s in %.3f ms%n", op.name(), nanos / 1e6);
    }
    for (Map.Entry<String, Tensor> e : new TreeMap<>(outputs).entrySet()) {
      stdout.println(op.name() + ": wrote " + e.getKey() + " " + e.getValue().describe() + " to " + out);
    }
    return 0;
  }

  private void checkParams(KernelOp op) {
    List<String> known = op.params().stream().map(KernelOp.ParamSpec::name).toList();
    for (String p : params.keySet()) {
      if (!known.contains(p)) {
        throw new BadInputException("unknown parameter '" + p + "' for kernel " + op.name() + "; "
            + (known.isEmpty() ? "it takes none" : "it takes " + String.join(", ", known)));
      }
    }
  }

  /**
   * Whether {@code op} reads the tensor {@code name}: one of its inputs (a {@code <i>} in a spec
   * name stands for a number, as in {@code layers.<i>.weight}) or a parameter given as a tensor.
   */
  static boolean reads(KernelOp op, String name) {
    for (KernelOp.TensorSpec s : op.inputs()) {
      if (s.name().equals(name) || (s.name().contains("<") && name.matches(specPattern(s.name())))) {
        return true;
      }
    }
    return op.params().stream().anyMatch(p -> p.name().equals(name));
  }

  private static String specPattern(String specName) {
    String[] parts = specName.split("<[a-z]+>", -1);
    StringBuilder regex = new StringBuilder(java.util.regex.Pattern.quote(parts[0]));
    for (int i = 1; i < parts.length; i++) {
      regex.append("[0-9]+").append(java.util.regex.Pattern.quote(parts[i]));
    }
    return regex.toString();
  }

  /** One stderr line for tensors the op will not read (a typo in a name is the usual cause). */
  private void warnAboutUnusedTensors(KernelOp op, List<String> unused) {
    if (!unused.isEmpty()) {
      List<String> inputs = op.inputs().stream().map(KernelOp.TensorSpec::name).toList();
      spec.commandLine().getErr().println("seqrec: warning: " + op.name() + " ignores tensor(s) " + unused
          + "; its inputs are " + inputs);
    }
  }

  private static String describe(IOException e) {
    if (e instanceof NoSuchFileException n) {
      return "no such file or folder " + n.getFile();
    }
    if (e instanceof AccessDeniedException a) {
      return "permission denied on " + a.getFile();
    }
    return String.valueOf(e.getMessage());
  }

  private static void describe(KernelOp op, PrintWriter out) {
    out.println(op.name() + " - " + op.summary());
    for (KernelOp.TensorSpec t : op.inputs()) {
      out.printf("  in     %-14s %-5s %-16s %s%s%n", t.name(), t.dtype(), t.shape(), t.description(),
          t.optional() ? " (optional)" : "");
    }
    for (KernelOp.TensorSpec t : op.outputs()) {
      out.printf("  out    %-14s %-5s %-16s %s%n", t.name(), t.dtype(), t.shape(), t.description());
    }
    for (KernelOp.ParamSpec p : op.params()) {
      out.printf("  param  %-14s %-5s %-16s %s%n", p.name(), p.type(),
          p.defaultValue() == null ? "(required)" : "= " + p.defaultValue(), p.description());
    }
  }
}
