/**
 * seqrec's CPU kernels: every kernel is a static method on a facade of {@code io.github.seqrec.kernels}
 * (the only exported package); the backends behind the facades ({@code io.github.seqrec.kernels.internal},
 * its {@code scalar} and {@code vector} packages) are not part of the API.
 *
 * <p>The Vector API is optional ({@code requires static}): the vector backend runs when the JVM
 * resolves {@code jdk.incubator.vector} ({@code --add-modules jdk.incubator.vector}); without it
 * the kernels run on the scalar backend and log one warning that says so.
 */
module io.github.seqrec.kernels {
  requires static jdk.incubator.vector;
  // HotSpotDiagnosticMXBean: the backend choice reads C2's flags (TieredStopAtLevel, UseFMA, ...).
  requires jdk.management;

  exports io.github.seqrec.kernels;
}
