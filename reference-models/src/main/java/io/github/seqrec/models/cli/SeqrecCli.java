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
 * <p>Exit codes, each failure reported as ONE line on stderr starting {@code seqrec: } (stack
 * traces only with {@code --verbose}):
 *
 * <ul>
 *   <li>0 success;
 *   <li>2 bad input: unknown command, model, kernel or option, missing tensor, wrong shape, dtype or
 *       value, non-finite weight, option out of range, unreadable, non-regular, invalid or changed
 *       file, unwritable output;
 *   <li>3 out of resources: the JVM ran out of memory ({@link OutOfMemoryError}: the line names
 *       the tensor or step that was too large; give the JVM more heap with {@code -Xmx} or send a
 *       smaller input) or of stack ({@link StackOverflowError});
 *   <li>1 an internal error (a bug: please report it with the {@code --verbose} output).
 * </ul>
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
    subcommands = {KernelCommand.class, ModelCommand.class, FitCommand.class, EvalCommand.class, DemoCommand.class,
        ImportCommand.class,
        BackendCommand.class, CommandLine.HelpCommand.class})
public final class SeqrecCli implements Runnable {

  /** Exit code for input the user can fix. */
  public static final int EXIT_BAD_INPUT = 2;

  /** Exit code for an internal error. */
  public static final int EXIT_INTERNAL = 1;

  /** Exit code when the JVM ran out of heap or stack for the input. */
  public static final int EXIT_RESOURCES = 3;

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
    cl.setExecutionStrategy(SeqrecCli::runCatchingErrors);
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

  /**
   * Runs the subcommand; picocli hands exceptions to {@link #onExecutionError} but lets an {@link
   * Error} escape as a stack trace, so errors are wrapped to take the same path.
   */
  private static int runCatchingErrors(ParseResult parsed) {
    try {
      return new CommandLine.RunLast().execute(parsed);
    } catch (CommandLine.ParameterException | CommandLine.ExecutionException e) {
      throw e;
    } catch (Error e) {
      CommandLine cl = parsed.asCommandLineList().getLast();
      throw new CommandLine.ExecutionException(cl, String.valueOf(e), e);
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
    Throwable cause = e;
    if (cause instanceof CommandLine.ExecutionException x && x.getCause() instanceof Error error) {
      cause = error;
    }
    if (cause instanceof UncheckedIOException u) {
      cause = u.getCause();
    }
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
      case OutOfMemoryError oom -> {
        code = EXIT_RESOURCES;
        message = "out of memory: " + oom.getMessage() + "; give the JVM more heap (java -Xmx...) or send a smaller input";
      }
      case StackOverflowError so -> {
        code = EXIT_RESOURCES;
        message = "out of stack (java.lang.StackOverflowError); give the JVM a larger thread stack (java -Xss...)"
            + (verbose ? "" : "; run with --verbose for the stack trace");
      }
      default -> {
        code = EXIT_INTERNAL;
        message = "internal error: " + cause + (verbose ? "" : " (run with --verbose for the stack trace)");
      }
    }
    err.println("seqrec: " + oneLine(message));
    if (verbose) {
      if (cause instanceof StackOverflowError) {
        printTop(cause, err, 64);
      } else {
        cause.printStackTrace(err);
      }
    }
    err.flush();
    return code;
  }

  /** The first {@code frames} frames of a (deep) stack trace. */
  private static void printTop(Throwable t, PrintWriter err, int frames) {
    err.println(t);
    StackTraceElement[] stack = t.getStackTrace();
    for (int i = 0; i < Math.min(frames, stack.length); i++) {
      err.println("\tat " + stack[i]);
    }
    if (stack.length > frames) {
      err.println("\t... " + (stack.length - frames) + " more");
    }
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
