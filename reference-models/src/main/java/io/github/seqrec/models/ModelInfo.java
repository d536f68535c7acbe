package io.github.seqrec.models;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a model says about itself, for {@code seqrec model --list} and error messages.
 *
 * @param name CLI name ({@code din}, {@code dien}, ...)
 * @param paper the paper (authors, venue, year)
 * @param captures one line: what the architecture captures
 * @param kernels the seqrec kernel families it is composed of
 * @param fields the history fields it reads
 * @param options load options and their defaults (hyperparameters come from the weight file's
 *     metadata; options choose variants such as {@code gsu=hard} or {@code gru_type=AGRU})
 * @param batchInputs the tensors {@code seqrec model NAME --in} reads
 */
public record ModelInfo(String name, String paper, String captures, List<String> kernels,
                        Set<HistoryField> fields, Map<String, String> options, List<String> batchInputs) {}
