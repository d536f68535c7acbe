package io.github.seqrec.models.cli;

import io.github.seqrec.models.interop.ImportRequest;
import io.github.seqrec.models.interop.ImportedModel;
import io.github.seqrec.models.interop.PeerImporter;
import io.github.seqrec.models.interop.PeerImports;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code seqrec import --from PEER --model NAME CHECKPOINT [--config FILE]... [-P key=value]... -o
 * OUT}: converts a checkpoint trained in FuxiCTR, DeepCTR-Torch or RecBole into a seqrec weight
 * file (see {@link io.github.seqrec.models.interop}). The file is written only when the mapping is
 * complete and the converted model loads.
 */
@Command(name = "import", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Convert a checkpoint trained in a peer library into a seqrec weight file (safetensors).",
        "Examples:",
        "  seqrec import --from recbole --model sasrec SASRec-Dec-04-2026.pth -o sasrec.safetensors",
        "  seqrec import --from fuxictr --model din DIN_test.model --config model_config.yaml "
            + "--config feature_map.json -P expid=DIN_test -o din.safetensors",
        "  seqrec import --from deepctr-torch --model din din.pth -P att_weight_normalization=false -o din.safetensors",
        "'seqrec import --list' shows every peer, the models it imports and the files and settings it reads."})
final class ImportCommand implements Callable<Integer> {
  @Option(names = "--list", description = "List the peers, their models and what each reads, and exit.")
  boolean list;

  @Option(names = "--from", paramLabel = "PEER", description = "The library the checkpoint comes from.")
  String peer;

  @Option(names = "--model", paramLabel = "NAME", description = "The seqrec model to produce (see --list).")
  String model;

  @Parameters(index = "0", arity = "0..1", paramLabel = "CHECKPOINT", description = "The peer's torch.save file.")
  Path checkpoint;

  @Option(names = "--config", paramLabel = "FILE", description = "A peer configuration file (repeatable; see --list).")
  List<Path> configs = new ArrayList<>();

  @Option(names = {"-P", "--peer-option"}, paramLabel = "KEY=VALUE",
      description = "A peer setting by the peer's own name (repeatable; see --list).")
  Map<String, String> peerOptions = new LinkedHashMap<>();

  @Option(names = {"-o", "--out"}, paramLabel = "FILE", description = "Where to write the seqrec weights.")
  Path out;

  @Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    PrintWriter stdout = spec.commandLine().getOut();
    if (list) {
      for (PeerImporter importer : PeerImports.all()) {
        stdout.println(importer.peer() + ": " + String.join(", ", importer.models()));
        for (String line : importer.usage()) {
          stdout.println("    " + line);
        }
      }
      return 0;
    }
    require(peer, "--from PEER");
    require(model, "--model NAME");
    require(checkpoint, "the CHECKPOINT file");
    require(out, "-o FILE");
    ImportedModel imported = PeerImports.importModel(peer, new ImportRequest(model, checkpoint, configs, peerOptions));
    imported.load(Map.of());   // the converted weights must load before anything is written
    imported.write(out);
    stdout.println(peer + " -> " + model + ": " + imported.tensors().size() + " tensors, options "
        + imported.options() + "; wrote " + out);
    for (String note : imported.notes()) {
      stdout.println("  note: " + note);
    }
    stdout.println("serve it with: seqrec model " + model + " --weights " + out + " --in batch.safetensors"
        + " --out scores.safetensors");
    return 0;
  }

  private void require(Object value, String what) {
    if (value == null) {
      throw new CommandLine.ParameterException(spec.commandLine(), "missing " + what + " (or --list)");
    }
  }
}
