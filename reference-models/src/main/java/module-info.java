/**
 * seqrec's reference models: the model API ({@code io.github.seqrec.models}), one package per
 * family of the survey ({@code .nextitem}, {@code .ctr}, {@code .lifelong}, {@code .transformer}),
 * leave-one-out evaluation ({@code .eval}), the demo world ({@code .demo}), the shared blocks ({@code .layers}), safetensors I/O, the tensor records and the data-only PyTorch checkpoint reader ({@code .torch}) and the importers of checkpoints trained in FuxiCTR, DeepCTR-Torch and RecBole ({@code .interop}).
 * The {@code seqrec} command line ({@code .cli}) is not API: it is opened to picocli, which
 * reads its annotated fields reflectively, and runs from the shaded {@code seqrec.jar} on the
 * class path.
 */
module io.github.seqrec.models {
  requires transitive io.github.seqrec.kernels;
  requires info.picocli;
  requires java.logging;        // the CLI quiets the kernels' backend line unless --verbose
  requires org.yaml.snakeyaml;  // FuxiCTR's model YAML (read as plain maps, no custom types)

  exports io.github.seqrec.models;
  exports io.github.seqrec.models.ctr;
  exports io.github.seqrec.models.lifelong;
  exports io.github.seqrec.models.nextitem;
  exports io.github.seqrec.models.transformer;
  exports io.github.seqrec.models.layers;
  exports io.github.seqrec.models.eval;
  exports io.github.seqrec.models.demo;
  exports io.github.seqrec.models.safetensors;
  exports io.github.seqrec.models.tensors;
  exports io.github.seqrec.models.torch;
  exports io.github.seqrec.models.interop;
  exports io.github.seqrec.models.interop.deepctr;
  exports io.github.seqrec.models.interop.fuxictr;
  exports io.github.seqrec.models.interop.recbole;

  opens io.github.seqrec.models.cli to info.picocli;
}
