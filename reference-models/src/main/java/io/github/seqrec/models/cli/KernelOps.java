package io.github.seqrec.models.cli;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Every {@link KernelOp}, by name. Each kernel family contributes one class with a
 * {@code static List<KernelOp> ops()} listed here.
 */
public final class KernelOps {
  private static final Map<String, KernelOp> BY_NAME = index();

  private KernelOps() {}

  private static Map<String, KernelOp> index() {
    List<KernelOp> all = new ArrayList<>();
    all.addAll(DenseOps.ops());
    all.addAll(ActivationOps.ops());
    all.addAll(NormalizationOps.ops());
    all.addAll(SelectionOps.ops());
    all.addAll(AttentionOps.ops());
    all.addAll(RecurrentOps.ops());
    all.addAll(ConvolutionOps.ops());
    all.addAll(GraphOps.ops());
    all.addAll(HashingOps.ops());
    Map<String, KernelOp> byName = new TreeMap<>();
    for (KernelOp op : all) {
      if (byName.put(op.name(), op) != null) {
        throw new IllegalStateException("two kernel ops are named " + op.name());
      }
    }
    return Collections.unmodifiableMap(byName);
  }

  /** All ops, sorted by name. */
  public static List<KernelOp> all() {
    return List.copyOf(BY_NAME.values());
  }

  /** The op with this name, or a {@link BadInputException} listing the known names. */
  public static KernelOp get(String name) {
    KernelOp op = BY_NAME.get(name);
    if (op == null) {
      throw new BadInputException("unknown kernel '" + name + "'; known: " + String.join(", ", BY_NAME.keySet()));
    }
    return op;
  }
}
