package io.github.seqrec.models.cli;

import io.github.seqrec.models.tensors.Tensor;
import java.util.List;
import java.util.Map;

/**
 * One seqrec kernel runnable on named tensors: what {@code seqrec kernel NAME} runs and what each
 * PyTorch golden case is checked with. Implementations are thin adapters over the public kernel
 * facades: read named inputs, check shapes, call the kernel, return named outputs.
 */
public interface KernelOp {

  /** CLI name, snake_case, e.g. {@code gru_cell}. */
  String name();

  /** One line: what it computes (with the equation where short). */
  String summary();

  /** Input tensors (optional ones marked). */
  List<TensorSpec> inputs();

  /** Output tensors. */
  List<TensorSpec> outputs();

  /** Scalar parameters: CLI options {@code --param name=value}, or safetensors metadata. */
  List<ParamSpec> params();

  /** Runs the kernel; bad input raises {@link BadInputException} naming the tensor. */
  Map<String, Tensor> run(OpInputs inputs);

  /** A tensor's name, dtype, symbolic shape such as {@code "[B, L, d]"}, and meaning. */
  record TensorSpec(String name, String dtype, String shape, boolean optional, String description) {
    public static TensorSpec required(String name, String dtype, String shape, String description) {
      return new TensorSpec(name, dtype, shape, false, description);
    }

    public static TensorSpec optional(String name, String dtype, String shape, String description) {
      return new TensorSpec(name, dtype, shape, true, description);
    }
  }

  /** A parameter's name, type ({@code int}, {@code float}, {@code bool}, {@code string}), default (null: required). */
  record ParamSpec(String name, String type, String defaultValue, String description) {}
}
