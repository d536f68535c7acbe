package io.github.seqrec.kernels;

import io.github.seqrec.kernels.internal.Checks;
import io.github.seqrec.kernels.internal.KernelProvider;
import io.github.seqrec.kernels.internal.SelectionKernels;

/**
 * SIM's hard search (Pi et al., CIKM 2020, GSU): the positions of a behaviour sequence whose
 * category equals the target's. A separate facade from {@link TopK} because it selects by an exact
 * key rather than by score, though both are the selection family.
 *
 * <p>Positions come out ascending, so with a chronological (oldest first) history SIM's "most
 * recent K" are the last K of the result. The vector backend compares a vector of ids at once and
 * walks the matching lanes. Stateless, thread-safe, no allocation.
 */
public final class CategoryFilter {
  private static final SelectionKernels KERNELS = KernelProvider.get().selection();

  private CategoryFilter() {}

  /**
   * Writes every {@code i < n} with {@code categories[categoriesOff + i] == target}, ascending, to
   * {@code positions[positionsOff ..]} and returns how many. {@code positions} must have room for
   * n from its offset (the worst case); only the first {@code count} are written. The two arrays
   * must not overlap.
   */
  public static int filter(int[] categories, int categoriesOff, int n, int target, int[] positions, int positionsOff) {
    Checks.nonNegative("n", n);
    Checks.region("categories", categories, categoriesOff, n);
    Checks.region("positions", positions, positionsOff, n);
    if (categories == positions && n > 0 && categoriesOff < positionsOff + n && positionsOff < categoriesOff + n) {
      throw new IllegalArgumentException("positions must not overlap categories");
    }
    return KERNELS.filterCategory(categories, categoriesOff, n, target, positions, positionsOff);
  }
}
