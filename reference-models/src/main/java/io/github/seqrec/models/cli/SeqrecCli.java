package io.github.seqrec.models.cli;

import io.github.seqrec.models.safetensors.SafeTensorsFormatException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;

/**
 * The {@code seqrec} command line: {@code seqrec kernel ...} runs one kernel on safetensors
 * files, {@code seqrec backend} prints the CPU backend.
 *
 * <p>Exit codes: 0 success; 2 bad input (unknown kernel, missing tensor, wrong shape or dtype,
 * bad parameter, unreadable or invalid file, unknown option), reported as ONE line on stderr; 1
 * an internal error. Stack traces only with {@code --verbose}.
 *
 * <p>Adding a subcommand: write a picocli {@code @Command} class in this package (take {@code
 * @Mixin BackendOption backend} and call {@code backend.apply()} before touching any kernel, throw
 * {@link BadInputException} for input the user can fix) and add it to {@code subcommands} below.
 * This class maps exceptions to exit codes for every subcommand.
 */
@Command(
    name = "seqrec",
    mixinStandardHelpOptions = true,
    versionProvider = SeqrecCli.Version.class,
    description = "seqrec: sequential-recommender kernels in pure Java (scalar and Vector API backends).",
    subcommands = {KernelCommand.class, ModelCommand.class, BackendCommand.class, CommandLine.HelpCommand.class})
public final class SeqrecCli implements Runnable {

  /** Exit code for input the user can fix. */
  public static final int EXIT_BAD_INPUT = 2;

  /** Exit code for an internal error. */
  public static final int EXIT_INTERNAL = 1;

  @Option(names = "--verbose", scope = ScopeType.INHERIT,
      description = "More output; stack traces on errors.")
  boolean verbose;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing command (try 'seqrec --help')");
  }

  /** Held so the level set in {@link #main} stays (java.util.logging keeps loggers weakly). */
  private static java.util.logging.Logger seqrecLogger;

  /**
   * The {@code seqrec} process. seqrec's log lines (the backend chosen, a fallback) go through
   * System.Logger to java.util.logging on stderr; here they are one line each, and the INFO line
   * naming the backend shows only with {@code --verbose} (warnings always show).
   */
  public static void main(String[] args) {
    if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
      System.setProperty("java.util.logging.SimpleFormatter.format", "seqrec: %4$s: %5$s%6$s%n");
    }
    seqrecLogger = java.util.logging.Logger.getLogger("io.github.seqrec");
    seqrecLogger.setLevel(verbose(args) ? java.util.logging.Level.INFO : java.util.logging.Level.WARNING);
    System.exit(commandLine().execute(args));
  }

  /** The configured command line (exit codes, one-line errors); set its out/err to capture output. */
  public static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new SeqrecCli());
    cl.setParameterExceptionHandler(SeqrecCli::onParameterError);
    cl.setExecutionExceptionHandler(SeqrecCli::onExecutionError);
    return cl;
  }

  /** Runs {@code args} with the given streams; returns the exit code (tests use this). */
  public static int run(PrintWriter out, PrintWriter err, String... args) {
    CommandLine cl = commandLine();
    cl.setOut(out);
    cl.setErr(err);
    try {
      return cl.execute(args);
    } finally {
      out.flush();
      err.flush();
    }
  }

  private static int onParameterError(CommandLine.ParameterException e, String[] args) {
    CommandLine cl = e.getCommandLine();
    PrintWriter err = cl.getErr();
    String help = cl.getCommandSpec().qualifiedName() + " --help";
    err.println("seqrec: " + oneLine(e.getMessage()) + " (see '" + help + "')");
    if (verbose(args)) {
      e.printStackTrace(err);
    }
    err.flush();
    return EXIT_BAD_INPUT;
  }

  private static int onExecutionError(Exception e, CommandLine cl, ParseResult parsed) {
    PrintWriter err = cl.getErr();
    boolean verbose = verbose(parsed.originalArgs().toArray(String[]::new));
    Throwable cause = e instanceof UncheckedIOException u ? u.getCause() : e;
    int code;
    String message;
    switch (cause) {
      case BadInputException b -> {
        code = EXIT_BAD_INPUT;
        message = b.getMessage();
      }
      case IllegalArgumentException i -> {
        code = EXIT_BAD_INPUT;
        message = i.getMessage();
      }
      case SafeTensorsFormatException f -> {
        code = EXIT_BAD_INPUT;
        message = "invalid safetensors file " + f.getMessage();
      }
      case NoSuchFileException n -> {
        code = EXIT_BAD_INPUT;
        message = "no such file: " + n.getFile();
      }
      case AccessDeniedException a -> {
        code = EXIT_BAD_INPUT;
        message = "permission denied: " + a.getFile();
      }
      case IOException io -> {
        code = EXIT_BAD_INPUT;
        message = "I/O error: " + io.getMessage();
      }
      default -> {
        code = EXIT_INTERNAL;
        message = "internal error: " + cause + (verbose ? "" : " (run with --verbose for the stack trace)");
      }
    }
    err.println("seqrec: " + oneLine(message));
    if (verbose) {
      cause.printStackTrace(err);
    }
    err.flush();
    return code;
  }

  /** Whether {@code --verbose} appears among the arguments (also when parsing failed). */
  private static boolean verbose(String[] args) {
    for (String a : args) {
      if (a.equals("--")) {
        return false;
      }
      if (a.equals("--verbose")) {
        return true;
      }
    }
    return false;
  }

  static String oneLine(String message) {
    return message == null ? "(no message)" : message.strip().replaceAll("\\s*\\R\\s*", " ");
  }

  /** {@code seqrec <version>}, from the jar manifest when there is one. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = SeqrecCli.class.getPackage().getImplementationVersion();
      return new String[] {"seqrec " + (v == null ? "(development build)" : v) + " on Java "
          + Runtime.version() + " (" + System.getProperty("java.vm.name") + ")"};
    }
  }
}
