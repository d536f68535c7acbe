package io.github.seqrec.models.cli;

import io.github.seqrec.models.ModelBatch;
import io.github.seqrec.models.ModelInfo;
import io.github.seqrec.models.ModelOption;
import io.github.seqrec.models.NextItemModel;
import io.github.seqrec.models.UserHistory;
import io.github.seqrec.models.Models;
import io.github.seqrec.models.SequentialModel;
import io.github.seqrec.models.safetensors.SafeTensors;
import io.github.seqrec.models.safetensors.SafeTensorsFormatException;
import io.github.seqrec.models.tensors.Tensor;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code seqrec model --list} and {@code seqrec model NAME --weights W --in batch --out scores
 * [--option k=v ...] [--backend B]}: loads a model from its PyTorch weights, scores a padded batch
 * ({@link ModelBatch} names) user by user and writes {@code logits} and {@code probs} [B, C].
 */
@Command(name = "model", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Score a batch of requests with a reference model, or list the models.",
        "Example: seqrec model din --weights din.safetensors --in batch.safetensors --out scores.safetensors"})
final class ModelCommand implements Callable<Integer> {
  @Parameters(index = "0", arity = "0..1", paramLabel = "NAME", description = "Model to run (see --list).")
  String name;

  @Option(names = "--list", description = "List every model with its fields, options and batch tensors.")
  boolean list;

  @Option(names = "--weights", paramLabel = "FILE", description = "The model's state_dict as safetensors.")
  Path weights;

  @Option(names = "--in", paramLabel = "FILE", description = "The batch (safetensors), tensors as in --list.")
  Path in;

  @Option(names = "--out", paramLabel = "FILE", description = "Where to write logits and probs (safetensors).")
  Path out;

  @Option(names = "--option", paramLabel = "NAME=VALUE", description = "A load option overriding the weights' metadata.")
  Map<String, String> options = new LinkedHashMap<>();

  @Option(names = "--k", paramLabel = "K", defaultValue = "10",
      description = "Next-item models: also write the catalogue top-K per user (topk_ids, topk_scores; default 10, 1..1000).")
  int k;

  @Option(names = "--exclude-seen", description = "Next-item models: leave the items of each history out of the top-K.")
  boolean excludeSeen;

  @Mixin BackendOption backend;

  @Spec CommandSpec spec;

  /** The batch tensors {@link ModelBatch} reads, with the prefix of each history layout. */
  static Map<String, Tensor> batchTensors(SafeTensors st) {
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    for (String n : ModelBatch.tensorNames()) {
      if (st.contains(n)) {
        tensors.put(n, st.toTensor(n));
      }
    }
    return tensors;
  }

  /** An {@link OutOfMemoryError} whose message also says what was being done. */
  static OutOfMemoryError withContext(OutOfMemoryError e, String doing) {
    OutOfMemoryError wrapped = new OutOfMemoryError(doing + ": " + e.getMessage());
    wrapped.initCause(e);
    return wrapped;
  }

  static String reason(FileSystemException e) {
    if (e instanceof NoSuchFileException) {
      return "no such file";
    }
    if (e instanceof java.nio.file.AccessDeniedException) {
      return "permission denied";
    }
    return e.getReason() == null ? String.valueOf(e.getMessage()) : e.getReason();
  }

  @Override
  public Integer call() throws IOException {
    PrintWriter stdout = spec.commandLine().getOut();
    if (list) {
      for (ModelInfo info : Models.list()) {
        if (name == null || name.equals(info.name())) {
          stdout.println(info.name() + ": " + info.paper());
          stdout.println("  family:   " + info.family() + (info.nextItem() ? " (next-item: user embedding, catalogue top-k)" : ""));
          stdout.println("  captures: " + info.captures());
          stdout.println("  kernels:  " + String.join(", ", info.kernels()));
          stdout.println("  history:  " + info.fields());
          stdout.println("  batch:    " + String.join(", ", info.batchInputs()));
          stdout.println("  options (name (type, range) = default: meaning; hyperparameters come from the weights' metadata):");
          for (ModelOption<?> option : info.options()) {
            stdout.println("    " + option);
          }
        }
      }
      return 0;
    }
    if (name == null || weights == null || in == null || out == null) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "model needs NAME --weights FILE --in FILE --out FILE (or --list)");
    }
    String backendName = backend.apply();
    try {
      Models.spec(name);
    } catch (IllegalArgumentException e) {
      throw new BadInputException(e.getMessage(), e);
    }
    SequentialModel model;
    ModelBatch batch;
    try {
      model = Models.load(name, weights, options);
    } catch (OutOfMemoryError e) {
      throw withContext(e, "loading " + name + " from --weights " + weights);
    } catch (SafeTensorsFormatException e) {
      throw new BadInputException("invalid --weights file " + e.getMessage(), e);
    } catch (FileSystemException e) {
      throw new BadInputException("cannot read --weights " + weights + ": " + reason(e), e);
    } catch (UncheckedIOException e) {
      throw new BadInputException("invalid --weights file " + e.getCause().getMessage(), e);
    } catch (IllegalArgumentException e) {
      throw new BadInputException(e.getMessage(), e);
    }
    try (SafeTensors st = SafeTensors.open(in)) {
      batch = ModelBatch.of(batchTensors(st));
    } catch (OutOfMemoryError e) {
      throw withContext(e, "reading --in " + in);
    } catch (SafeTensorsFormatException e) {
      throw new BadInputException("invalid --in file " + e.getMessage(), e);
    } catch (FileSystemException e) {
      throw new BadInputException("cannot read --in " + in + ": " + reason(e), e);
    } catch (UncheckedIOException e) {
      throw new BadInputException("invalid --in file " + e.getCause().getMessage(), e);
    } catch (IllegalArgumentException e) {
      throw new BadInputException(e.getMessage(), e);
    }
    float[] logits;
    try {
      logits = batch.score(model);
    } catch (OutOfMemoryError e) {
      throw withContext(e, "scoring " + batch.users() + " users x " + batch.candidates() + " candidates with " + name);
    } catch (IllegalArgumentException e) {
      throw new BadInputException(e.getMessage(), e);
    }
    float[] probs = logits.clone();
    SequentialModel.probabilities(probs, 0, probs.length);
    int[] shape = {batch.users(), batch.candidates()};
    Map<String, Tensor> outputs = new LinkedHashMap<>();
    outputs.put("logits", new Tensor.F32(shape, logits));
    outputs.put("probs", new Tensor.F32(shape, probs));
    String topk = "";
    if (model instanceof NextItemModel next) {
      if (k < 1 || k > NextItemModel.MAX_K) {
        throw new BadInputException("--k must be in [1, " + NextItemModel.MAX_K + "], got " + k);
      }
      UserHistory[] users = new UserHistory[batch.users()];
      for (int b = 0; b < users.length; b++) {
        users[b] = batch.history(b);
      }
      int[] ids = new int[users.length * k];
      float[] scores = new float[users.length * k];
      int[] counts = new int[users.length];
      java.util.Arrays.fill(ids, -1);
      java.util.Arrays.fill(scores, Float.NaN);
      try {
        next.recommend(users, k, excludeSeen, next.newWorkspace(), ids, scores, counts);
      } catch (IllegalArgumentException e) {
        throw new BadInputException(e.getMessage(), e);
      }
      long[] idsLong = new long[ids.length];
      for (int i = 0; i < ids.length; i++) {
        idsLong[i] = ids[i];
      }
      int[] kShape = {users.length, k};
      outputs.put("topk_ids", new Tensor.I64(kShape, idsLong));
      outputs.put("topk_scores", new Tensor.F32(kShape, scores));
      topk = ", topk_ids and topk_scores " + List.of(users.length, k) + " (-1 / NaN past a user's eligible items)";
    }
    SafeTensors.write(out, outputs, Map.of("model", name, "backend", backendName));
    stdout.println(name + ": wrote logits and probs F32" + List.of(shape[0], shape[1]) + topk + " to " + out);
    return 0;
  }
}
