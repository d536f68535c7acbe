package io.github.seqrec.models;

import java.util.List;
import java.util.Set;

/**
 * What a model says about itself, for {@code seqrec model --list} and error messages.
 *
 * @param name CLI name ({@code din}, {@code gru4rec}, ...)
 * @param family the family package it lives in ({@code ctr}, {@code lifelong}, {@code nextitem},
 *     {@code transformer})
 * @param paper the paper (authors, title, venue, year)
 * @param captures one line: what the architecture captures
 * @param kernels the seqrec kernel families it is composed of
 * @param fields the history fields it reads
 * @param options every option it declares: hyperparameters (from the weight file's metadata) and
 *     variants (such as {@code gsu=hard} or {@code gru_type=AGRU}), each with type, range and default
 * @param batchInputs the tensors {@code seqrec model NAME --in} reads
 * @param nextItem whether it is a {@link NextItemModel} (user embedding, catalogue top-k)
 */
public record ModelInfo(String name, String family, String paper, String captures, List<String> kernels,
                        Set<HistoryField> fields, List<ModelOption<?>> options, List<String> batchInputs,
                        boolean nextItem) {
  public ModelInfo {
    kernels = List.copyOf(kernels);
    fields = Set.copyOf(fields);
    options = List.copyOf(options);
    batchInputs = List.copyOf(batchInputs);
  }

  /**
   * The declared option {@code name}.
   *
   * @throws IllegalArgumentException when the model has no such option
   */
  public ModelOption<?> option(String name) {
    for (ModelOption<?> option : options) {
      if (option.name().equals(name)) {
        return option;
      }
    }
    throw new IllegalArgumentException(this.name + " has no option '" + name + "'");
  }
}
