package io.github.seqrec.kernels.internal.scalar;

/**
 * The complementary error function, which {@code java.lang.Math} lacks.
 *
 * <p>Chebyshev fit of Press et al., Numerical Recipes §6.2 ({@code erfcc}): fractional error below
 * 1.2e-7 for every argument, including large positive ones where {@code 1 - erf} would cancel.
 * That makes {@code 0.5 x erfc(-x/√2)} accurate to float precision for very negative x too.
 */
public final class Erf {
  private Erf() {}

  public static double erfc(double z) {
    double t = 1.0 / (1.0 + 0.5 * Math.abs(z));
    double poly = -z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418
        + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587
        + t * (-0.82215223 + t * 0.17087277))))))));
    double r = t * Math.exp(poly);
    return z >= 0 ? r : 2.0 - r;
  }
}
