package io.github.seqrec.models.cli;

import io.github.seqrec.models.ModelBatch;
import io.github.seqrec.models.ModelInfo;
import io.github.seqrec.models.Models;
import io.github.seqrec.models.SequentialModel;
import io.github.seqrec.models.safetensors.SafeTensors;
import io.github.seqrec.models.safetensors.SafeTensorsFormatException;
import io.github.seqrec.models.tensors.Tensor;
import java.io.IOException;
import java.io.PrintWriter;
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

  @Mixin BackendOption backend;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    PrintWriter stdout = spec.commandLine().getOut();
    if (list) {
      for (ModelInfo info : Models.list()) {
        if (name == null || name.equals(info.name())) {
          stdout.println(info.name() + ": " + info.paper());
          stdout.println("  captures: " + info.captures());
          stdout.println("  kernels:  " + String.join(", ", info.kernels()));
          stdout.println("  history:  " + info.fields());
          stdout.println("  batch:    " + String.join(", ", info.batchInputs()));
          stdout.println("  options:  " + info.options());
        }
      }
      return 0;
    }
    if (name == null || weights == null || in == null || out == null) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "model needs NAME --weights FILE --in FILE --out FILE (or --list)");
    }
    String backendName = backend.apply();
    if (!Models.has(name)) {
      throw new BadInputException("unknown model '" + name + "'; known: "
          + String.join(", ", Models.list().stream().map(ModelInfo::name).toList()));
    }
    SequentialModel model;
    ModelBatch batch;
    try {
      model = Models.load(name, weights, options);
      try (SafeTensors st = SafeTensors.open(in)) {
        batch = ModelBatch.of(st.toTensors());
      }
    } catch (SafeTensorsFormatException e) {
      throw new BadInputException("invalid file " + e.getMessage(), e);
    } catch (NoSuchFileException e) {
      throw new BadInputException("no such file: " + e.getFile(), e);
    } catch (IllegalArgumentException e) {
      throw new BadInputException(e.getMessage(), e);
    }
    float[] logits;
    try {
      logits = batch.score(model);
    } catch (IllegalArgumentException e) {
      throw new BadInputException(e.getMessage(), e);
    }
    float[] probs = logits.clone();
    SequentialModel.probabilities(probs, 0, probs.length);
    int[] shape = {batch.users(), batch.candidates()};
    SafeTensors.write(out, Map.of("logits", new Tensor.F32(shape, logits), "probs", new Tensor.F32(shape, probs)),
        Map.of("model", name, "backend", backendName));
    stdout.println(name + ": wrote logits and probs F32" + List.of(shape[0], shape[1]) + " to " + out);
    return 0;
  }
}
