package io.github.seqrec.kernels.internal.vector;

import static io.github.seqrec.kernels.internal.vector.Species.FLOAT;
import static io.github.seqrec.kernels.internal.vector.Species.FLOAT_LANES;

import io.github.seqrec.kernels.internal.DenseKernels;
import io.github.seqrec.kernels.internal.GemmTile;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * Vector API dense kernels.
 *
 * <p>The GEMM is a register-tiled outer-product kernel (tinyBLAS style): C is cut into tiles of
 * {@code rows x vectors}, held in accumulators for the whole k loop; each k step loads the tile's
 * vectors of B once and reuses them for every row (one broadcast of A per row). The tile is chosen
 * once, when the backend starts, from the register file ({@link GemmTile}):
 * <ul>
 *   <li>4 x 3 on 32 registers (AVX-512): 12 accumulators, 3 loads, 1 broadcast; 12 independent
 *       FMAs per 3 loads keep two FMA pipes busy through the 4-cycle FMA latency;</li>
 *   <li>6 x 2 on 16 registers (AVX2): 12 accumulators, 2 loads, 1 broadcast = 15 registers, the
 *       same 12 FMAs per step with one load fewer. 4 x 3 needs 16 there before any addressing and
 *       C2 spills accumulators inside the k loop.</li>
 * </ul>
 * Column panels are the outer loop so the k x panel slice of B stays in L1 while every row tile
 * passes over it. A last panel wider than one vector but narrower than a full panel is a tile of
 * the same height whose last vector ends at column n, overlapping the one before it (no masks in
 * the k loop, the main tile's FMAs per load); a last panel of at most one vector uses a masked
 * one-vector tile; leftover rows use shorter tiles of the same width (4, 2 then 1 rows, so that
 * each keeps as many independent FMA chains as it can); nothing is padded. The tiles load their
 * accumulators from the starting value of C (the bias row, zeros, or C itself when accumulating)
 * and store them once: C is written by the tiles only.
 */
public final class VectorDense implements DenseKernels {
  private static final int ROWS = 4;
  private static final int COLS = 3 * FLOAT_LANES;
  private static final int TALL_ROWS = 6;
  private static final int TALL_COLS = 2 * FLOAT_LANES;
  /** The starting value of C without bias or accumulate: every tile reads its row of zeros from here. */
  private static final float[] ZEROS = new float[3 * FLOAT_LANES];

  private final GemmTile tile;

  /** The GEMM with the tile for this JVM's register file. */
  public VectorDense() {
    this(GemmTile.choose(Species.FLOAT.vectorBitSize()).tile());
  }

  /** The GEMM with a given tile (tests run every tile on every species). */
  public VectorDense(GemmTile tile) {
    this.tile = tile;
  }

  /** The register tile this GEMM uses. */
  public GemmTile tile() {
    return tile;
  }

  @Override
  public void gemm(float[] a, int aOff, int lda, int m, int k,
                   float[] b, int bOff, int ldb, int n,
                   float[] bias, int biasOff,
                   float[] c, int cOff, int ldc, boolean accumulate) {
    // Where each tile's accumulators start: element (i, j) of C starts at
    // init[i0 + i * ild + j * icol]. Without accumulate that is the bias row (ild = 0) or zeros
    // (ild = icol = 0), read straight into the accumulators, so C is written once, by the tiles;
    // accumulating starts from C itself, with the bias first added in place when there is one.
    float[] init;
    int i0;
    int ild;
    int icol;
    if (accumulate) {
      if (bias != null) {
        for (int i = 0; i < m; i++) {
          addRow(bias, biasOff, c, cOff + i * ldc, n);
        }
      }
      init = c;
      i0 = cOff;
      ild = ldc;
      icol = 1;
    } else if (bias != null) {
      init = bias;
      i0 = biasOff;
      ild = 0;
      icol = 1;
    } else {
      init = ZEROS;
      i0 = 0;
      ild = 0;
      icol = 0;
    }
    if (tile == GemmTile.ROWS6_VECTORS2) {
      gemm6x2(a, aOff, lda, m, k, b, bOff, ldb, n, c, cOff, ldc, init, i0, ild, icol);
    } else {
      gemm4x3(a, aOff, lda, m, k, b, bOff, ldb, n, c, cOff, ldc, init, i0, ild, icol);
    }
  }

  /** {@code C = init + A B} with 4 x 3 tiles (32 registers); {@code init} as in {@link #gemm}. */
  private static void gemm4x3(float[] a, int aOff, int lda, int m, int k, float[] b, int bOff, int ldb, int n,
                              float[] c, int cOff, int ldc, float[] init, int i0, int ild, int icol) {
    int j = 0;
    for (; j + COLS <= n; j += COLS) {
      int i = 0;
      for (; i + ROWS <= m; i += ROWS) {
        tile4x3(a, aOff + i * lda, lda, k, b, bOff + j, ldb, c, cOff + i * ldc + j, ldc,
            init, i0 + i * ild + j * icol, ild, FLOAT_LANES, 2 * FLOAT_LANES);
      }
      for (; i < m; i++) {
        tile1x3(a, aOff + i * lda, k, b, bOff + j, ldb, c, cOff + i * ldc + j,
            init, i0 + i * ild + j * icol, FLOAT_LANES, 2 * FLOAT_LANES);
      }
    }
    int rest = n - j;
    if (rest > FLOAT_LANES) {
      // 17 to 47 columns left (N = 80: 32, N = 40: 40): two or three whole vectors, the last one
      // ending at column n and overlapping the one before it. The overlapped columns are computed
      // twice in the same tile from the same starting C, bit for bit the same, so they may be
      // stored twice; the panel keeps the main tile's FMAs per load instead of falling to 4x1 tiles.
      int last = rest - FLOAT_LANES;
      int i = 0;
      if (rest > 2 * FLOAT_LANES) {
        for (; i + ROWS <= m; i += ROWS) {
          tile4x3(a, aOff + i * lda, lda, k, b, bOff + j, ldb, c, cOff + i * ldc + j, ldc,
              init, i0 + i * ild + j * icol, ild, FLOAT_LANES, last);
        }
        for (; i < m; i++) {
          tile1x3(a, aOff + i * lda, k, b, bOff + j, ldb, c, cOff + i * ldc + j,
              init, i0 + i * ild + j * icol, FLOAT_LANES, last);
        }
      } else {
        for (; i + ROWS <= m; i += ROWS) {
          tile4x2(a, aOff + i * lda, lda, k, b, bOff + j, ldb, c, cOff + i * ldc + j, ldc,
              init, i0 + i * ild + j * icol, ild, last);
        }
        for (; i < m; i++) {
          tile1x3(a, aOff + i * lda, k, b, bOff + j, ldb, c, cOff + i * ldc + j,
              init, i0 + i * ild + j * icol, last, last);
        }
      }
      return;
    }
    if (rest > 0) {
      int i = 0;
      for (; i + ROWS <= m; i += ROWS) {
        tile4x1(a, aOff + i * lda, lda, k, b, bOff + j, ldb, c, cOff + i * ldc + j, ldc,
            init, i0 + i * ild + j * icol, ild, rest);
      }
      for (; i < m; i++) {
        tile1x1(a, aOff + i * lda, k, b, bOff + j, ldb, c, cOff + i * ldc + j, init, i0 + i * ild + j * icol, rest);
      }
    }
  }

  /**
   * {@code C = init + A B} with 6 x 2 tiles (16 registers). A last panel of V + 1 to 2V - 1 columns
   * is one overlapping 6 x 2 panel (vectors at 0 and rest - V), a last panel of at most V columns a
   * masked 6 x 1 panel. Leftover rows (m mod 6) take 4-, 2- and 1-row tiles of the same panel.
   */
  private static void gemm6x2(float[] a, int aOff, int lda, int m, int k, float[] b, int bOff, int ldb, int n,
                              float[] c, int cOff, int ldc, float[] init, int i0, int ild, int icol) {
    int j = 0;
    for (; j + TALL_COLS <= n; j += TALL_COLS) {
      panel6x2(a, aOff, lda, m, k, b, bOff + j, ldb, c, cOff + j, ldc, init, i0 + j * icol, ild, FLOAT_LANES);
    }
    int rest = n - j;
    if (rest > FLOAT_LANES) {
      // Two vectors, the second ending at column n and overlapping the first: the overlapped columns
      // are computed twice in the same tile from the same starting values, bit for bit the same.
      panel6x2(a, aOff, lda, m, k, b, bOff + j, ldb, c, cOff + j, ldc, init, i0 + j * icol, ild, rest - FLOAT_LANES);
    } else if (rest > 0) {
      // One masked vector of columns: 4-row tiles. A 6 x 1 tile (six masked accumulators) was too
      // large for C1's profiling tier ("out of virtual registers in LIR generator"), so HotSpot never
      // promoted it to C2 and it ran boxed at C1 level 2: 8 MB allocated per TWIN request.
      int i = 0;
      for (; i + ROWS <= m; i += ROWS) {
        tile4x1(a, aOff + i * lda, lda, k, b, bOff + j, ldb, c, cOff + i * ldc + j, ldc,
            init, i0 + i * ild + j * icol, ild, rest);
      }
      for (; i < m; i++) {
        tile1x1(a, aOff + i * lda, k, b, bOff + j, ldb, c, cOff + i * ldc + j, init, i0 + i * ild + j * icol, rest);
      }
    }
  }

  /** Every row of one two-vector panel (vectors at columns 0 and {@code v1} of it). */
  private static void panel6x2(float[] a, int aOff, int lda, int m, int k, float[] b, int b0, int ldb,
                               float[] c, int c0, int ldc, float[] init, int i0, int ild, int v1) {
    int i = 0;
    if (v1 == FLOAT_LANES) {
      for (; i + TALL_ROWS <= m; i += TALL_ROWS) {
        tile6x2Full(a, aOff + i * lda, lda, k, b, b0, ldb, c, c0 + i * ldc, ldc, init, i0 + i * ild, ild);
      }
    }
    for (; i + TALL_ROWS <= m; i += TALL_ROWS) {
      tile6x2(a, aOff + i * lda, lda, k, b, b0, ldb, c, c0 + i * ldc, ldc, init, i0 + i * ild, ild, v1);
    }
    if (i + ROWS <= m) {
      tile4x2(a, aOff + i * lda, lda, k, b, b0, ldb, c, c0 + i * ldc, ldc, init, i0 + i * ild, ild, v1);
      i += ROWS;
    }
    if (i + 2 <= m) {
      tile2x2(a, aOff + i * lda, lda, k, b, b0, ldb, c, c0 + i * ldc, ldc, init, i0 + i * ild, ild, v1);
      i += 2;
    }
    if (i < m) {
      tile1x2(a, aOff + i * lda, k, b, b0, ldb, c, c0 + i * ldc, init, i0 + i * ild, v1);
    }
  }

  /** {@code c[at .. at + n) += bias[biasOff ..]}: whole vectors, then a scalar tail. */
  private static void addRow(float[] bias, int biasOff, float[] c, int at, int n) {
    int j = 0;
    for (; j + FLOAT_LANES <= n; j += FLOAT_LANES) {
      FloatVector.fromArray(FLOAT, c, at + j).add(FloatVector.fromArray(FLOAT, bias, biasOff + j)).intoArray(c, at + j);
    }
    for (; j < n; j++) {
      c[at + j] += bias[biasOff + j];
    }
  }

  /**
   * A 4-row tile of three vectors at columns {@code 0, v1, v2} of the panel: {@code (V, 2V)} in the
   * full panels, {@code (V, rest - V)} for an overlapping last panel.
   */
  private static void tile4x3(float[] a, int a0, int lda, int k, float[] b, int b0, int ldb,
                              float[] c, int c0, int ldc, float[] init, int i0, int ild, int v1, int v2) {
    final int r1 = c0 + ldc;
    final int r2 = r1 + ldc;
    final int r3 = r2 + ldc;
    FloatVector c00 = FloatVector.fromArray(FLOAT, init, i0);
    FloatVector c01 = FloatVector.fromArray(FLOAT, init, i0 + v1);
    FloatVector c02 = FloatVector.fromArray(FLOAT, init, i0 + v2);
    FloatVector c10 = FloatVector.fromArray(FLOAT, init, i0 + ild);
    FloatVector c11 = FloatVector.fromArray(FLOAT, init, i0 + ild + v1);
    FloatVector c12 = FloatVector.fromArray(FLOAT, init, i0 + ild + v2);
    FloatVector c20 = FloatVector.fromArray(FLOAT, init, i0 + 2 * ild);
    FloatVector c21 = FloatVector.fromArray(FLOAT, init, i0 + 2 * ild + v1);
    FloatVector c22 = FloatVector.fromArray(FLOAT, init, i0 + 2 * ild + v2);
    FloatVector c30 = FloatVector.fromArray(FLOAT, init, i0 + 3 * ild);
    FloatVector c31 = FloatVector.fromArray(FLOAT, init, i0 + 3 * ild + v1);
    FloatVector c32 = FloatVector.fromArray(FLOAT, init, i0 + 3 * ild + v2);
    int a1 = a0 + lda;
    int a2 = a1 + lda;
    int a3 = a2 + lda;
    for (int p = 0, bp = b0; p < k; p++, bp += ldb) {
      FloatVector b0v = FloatVector.fromArray(FLOAT, b, bp);
      FloatVector b1v = FloatVector.fromArray(FLOAT, b, bp + v1);
      FloatVector b2v = FloatVector.fromArray(FLOAT, b, bp + v2);
      FloatVector x = FloatVector.broadcast(FLOAT, a[a0 + p]);
      c00 = b0v.fma(x, c00); c01 = b1v.fma(x, c01); c02 = b2v.fma(x, c02);
      x = FloatVector.broadcast(FLOAT, a[a1 + p]);
      c10 = b0v.fma(x, c10); c11 = b1v.fma(x, c11); c12 = b2v.fma(x, c12);
      x = FloatVector.broadcast(FLOAT, a[a2 + p]);
      c20 = b0v.fma(x, c20); c21 = b1v.fma(x, c21); c22 = b2v.fma(x, c22);
      x = FloatVector.broadcast(FLOAT, a[a3 + p]);
      c30 = b0v.fma(x, c30); c31 = b1v.fma(x, c31); c32 = b2v.fma(x, c32);
    }
    c00.intoArray(c, c0); c01.intoArray(c, c0 + v1); c02.intoArray(c, c0 + v2);
    c10.intoArray(c, r1); c11.intoArray(c, r1 + v1); c12.intoArray(c, r1 + v2);
    c20.intoArray(c, r2); c21.intoArray(c, r2 + v1); c22.intoArray(c, r2 + v2);
    c30.intoArray(c, r3); c31.intoArray(c, r3 + v1); c32.intoArray(c, r3 + v2);
  }

  /** A 4-row tile of two vectors at columns {@code 0} and {@code v1 <= V} of the panel (they may overlap). */
  private static void tile4x2(float[] a, int a0, int lda, int k, float[] b, int b0, int ldb,
                              float[] c, int c0, int ldc, float[] init, int i0, int ild, int v1) {
    final int r1 = c0 + ldc;
    final int r2 = r1 + ldc;
    final int r3 = r2 + ldc;
    FloatVector c00 = FloatVector.fromArray(FLOAT, init, i0);
    FloatVector c01 = FloatVector.fromArray(FLOAT, init, i0 + v1);
    FloatVector c10 = FloatVector.fromArray(FLOAT, init, i0 + ild);
    FloatVector c11 = FloatVector.fromArray(FLOAT, init, i0 + ild + v1);
    FloatVector c20 = FloatVector.fromArray(FLOAT, init, i0 + 2 * ild);
    FloatVector c21 = FloatVector.fromArray(FLOAT, init, i0 + 2 * ild + v1);
    FloatVector c30 = FloatVector.fromArray(FLOAT, init, i0 + 3 * ild);
    FloatVector c31 = FloatVector.fromArray(FLOAT, init, i0 + 3 * ild + v1);
    int a1 = a0 + lda;
    int a2 = a1 + lda;
    int a3 = a2 + lda;
    for (int p = 0, bp = b0; p < k; p++, bp += ldb) {
      FloatVector b0v = FloatVector.fromArray(FLOAT, b, bp);
      FloatVector b1v = FloatVector.fromArray(FLOAT, b, bp + v1);
      FloatVector x = FloatVector.broadcast(FLOAT, a[a0 + p]);
      c00 = b0v.fma(x, c00); c01 = b1v.fma(x, c01);
      x = FloatVector.broadcast(FLOAT, a[a1 + p]);
      c10 = b0v.fma(x, c10); c11 = b1v.fma(x, c11);
      x = FloatVector.broadcast(FLOAT, a[a2 + p]);
      c20 = b0v.fma(x, c20); c21 = b1v.fma(x, c21);
      x = FloatVector.broadcast(FLOAT, a[a3 + p]);
      c30 = b0v.fma(x, c30); c31 = b1v.fma(x, c31);
    }
    c00.intoArray(c, c0); c01.intoArray(c, c0 + v1);
    c10.intoArray(c, r1); c11.intoArray(c, r1 + v1);
    c20.intoArray(c, r2); c21.intoArray(c, r2 + v1);
    c30.intoArray(c, r3); c31.intoArray(c, r3 + v1);
  }

  /** One row of three vectors at columns {@code 0, v1, v2} of the panel (they may overlap). */
  private static void tile1x3(float[] a, int a0, int k, float[] b, int b0, int ldb, float[] c, int c0, float[] init, int i0,
                              int v1, int v2) {
    FloatVector c0v = FloatVector.fromArray(FLOAT, init, i0);
    FloatVector c1v = FloatVector.fromArray(FLOAT, init, i0 + v1);
    FloatVector c2v = FloatVector.fromArray(FLOAT, init, i0 + v2);
    for (int p = 0, bp = b0; p < k; p++, bp += ldb) {
      FloatVector x = FloatVector.broadcast(FLOAT, a[a0 + p]);
      c0v = FloatVector.fromArray(FLOAT, b, bp).fma(x, c0v);
      c1v = FloatVector.fromArray(FLOAT, b, bp + v1).fma(x, c1v);
      c2v = FloatVector.fromArray(FLOAT, b, bp + v2).fma(x, c2v);
    }
    c0v.intoArray(c, c0);
    c1v.intoArray(c, c0 + v1);
    c2v.intoArray(c, c0 + v2);
  }

  /** A 6-row tile of two vectors at columns {@code 0} and {@code v1 <= V} of the panel (they may overlap). */
  private static void tile6x2(float[] a, int a0, int lda, int k, float[] b, int b0, int ldb,
                              float[] c, int c0, int ldc, float[] init, int i0, int ild, int v1) {
    final int r1 = c0 + ldc;
    final int r2 = r1 + ldc;
    final int r3 = r2 + ldc;
    final int r4 = r3 + ldc;
    final int r5 = r4 + ldc;
    FloatVector c00 = FloatVector.fromArray(FLOAT, init, i0);
    FloatVector c01 = FloatVector.fromArray(FLOAT, init, i0 + v1);
    FloatVector c10 = FloatVector.fromArray(FLOAT, init, i0 + ild);
    FloatVector c11 = FloatVector.fromArray(FLOAT, init, i0 + ild + v1);
    FloatVector c20 = FloatVector.fromArray(FLOAT, init, i0 + 2 * ild);
    FloatVector c21 = FloatVector.fromArray(FLOAT, init, i0 + 2 * ild + v1);
    FloatVector c30 = FloatVector.fromArray(FLOAT, init, i0 + 3 * ild);
    FloatVector c31 = FloatVector.fromArray(FLOAT, init, i0 + 3 * ild + v1);
    FloatVector c40 = FloatVector.fromArray(FLOAT, init, i0 + 4 * ild);
    FloatVector c41 = FloatVector.fromArray(FLOAT, init, i0 + 4 * ild + v1);
    FloatVector c50 = FloatVector.fromArray(FLOAT, init, i0 + 5 * ild);
    FloatVector c51 = FloatVector.fromArray(FLOAT, init, i0 + 5 * ild + v1);
    int a1 = a0 + lda;
    int a2 = a1 + lda;
    int a3 = a2 + lda;
    int a4 = a3 + lda;
    int a5 = a4 + lda;
    for (int p = 0, bp = b0; p < k; p++, bp += ldb) {
      FloatVector b0v = FloatVector.fromArray(FLOAT, b, bp);
      FloatVector b1v = FloatVector.fromArray(FLOAT, b, bp + v1);
      FloatVector x = FloatVector.broadcast(FLOAT, a[a0 + p]);
      c00 = b0v.fma(x, c00); c01 = b1v.fma(x, c01);
      x = FloatVector.broadcast(FLOAT, a[a1 + p]);
      c10 = b0v.fma(x, c10); c11 = b1v.fma(x, c11);
      x = FloatVector.broadcast(FLOAT, a[a2 + p]);
      c20 = b0v.fma(x, c20); c21 = b1v.fma(x, c21);
      x = FloatVector.broadcast(FLOAT, a[a3 + p]);
      c30 = b0v.fma(x, c30); c31 = b1v.fma(x, c31);
      x = FloatVector.broadcast(FLOAT, a[a4 + p]);
      c40 = b0v.fma(x, c40); c41 = b1v.fma(x, c41);
      x = FloatVector.broadcast(FLOAT, a[a5 + p]);
      c50 = b0v.fma(x, c50); c51 = b1v.fma(x, c51);
    }
    c00.intoArray(c, c0); c01.intoArray(c, c0 + v1);
    c10.intoArray(c, r1); c11.intoArray(c, r1 + v1);
    c20.intoArray(c, r2); c21.intoArray(c, r2 + v1);
    c30.intoArray(c, r3); c31.intoArray(c, r3 + v1);
    c40.intoArray(c, r4); c41.intoArray(c, r4 + v1);
    c50.intoArray(c, r5); c51.intoArray(c, r5 + v1);
  }

  /**
   * {@link #tile6x2} on a full panel (vectors at 0 and V): the constant offset frees a general
   * register and an add per k step, which the 16-register loop is short of.
   */
  private static void tile6x2Full(float[] a, int a0, int lda, int k, float[] b, int b0, int ldb,
                              float[] c, int c0, int ldc, float[] init, int i0, int ild) {
    final int r1 = c0 + ldc;
    final int r2 = r1 + ldc;
    final int r3 = r2 + ldc;
    final int r4 = r3 + ldc;
    final int r5 = r4 + ldc;
    FloatVector c00 = FloatVector.fromArray(FLOAT, init, i0);
    FloatVector c01 = FloatVector.fromArray(FLOAT, init, i0 + FLOAT_LANES);
    FloatVector c10 = FloatVector.fromArray(FLOAT, init, i0 + ild);
    FloatVector c11 = FloatVector.fromArray(FLOAT, init, i0 + ild + FLOAT_LANES);
    FloatVector c20 = FloatVector.fromArray(FLOAT, init, i0 + 2 * ild);
    FloatVector c21 = FloatVector.fromArray(FLOAT, init, i0 + 2 * ild + FLOAT_LANES);
    FloatVector c30 = FloatVector.fromArray(FLOAT, init, i0 + 3 * ild);
    FloatVector c31 = FloatVector.fromArray(FLOAT, init, i0 + 3 * ild + FLOAT_LANES);
    FloatVector c40 = FloatVector.fromArray(FLOAT, init, i0 + 4 * ild);
    FloatVector c41 = FloatVector.fromArray(FLOAT, init, i0 + 4 * ild + FLOAT_LANES);
    FloatVector c50 = FloatVector.fromArray(FLOAT, init, i0 + 5 * ild);
    FloatVector c51 = FloatVector.fromArray(FLOAT, init, i0 + 5 * ild + FLOAT_LANES);
    int a1 = a0 + lda;
    int a2 = a1 + lda;
    int a3 = a2 + lda;
    int a4 = a3 + lda;
    int a5 = a4 + lda;
    for (int p = 0, bp = b0; p < k; p++, bp += ldb) {
      FloatVector b0v = FloatVector.fromArray(FLOAT, b, bp);
      FloatVector b1v = FloatVector.fromArray(FLOAT, b, bp + FLOAT_LANES);
      FloatVector x = FloatVector.broadcast(FLOAT, a[a0 + p]);
      c00 = b0v.fma(x, c00); c01 = b1v.fma(x, c01);
      x = FloatVector.broadcast(FLOAT, a[a1 + p]);
      c10 = b0v.fma(x, c10); c11 = b1v.fma(x, c11);
      x = FloatVector.broadcast(FLOAT, a[a2 + p]);
      c20 = b0v.fma(x, c20); c21 = b1v.fma(x, c21);
      x = FloatVector.broadcast(FLOAT, a[a3 + p]);
      c30 = b0v.fma(x, c30); c31 = b1v.fma(x, c31);
      x = FloatVector.broadcast(FLOAT, a[a4 + p]);
      c40 = b0v.fma(x, c40); c41 = b1v.fma(x, c41);
      x = FloatVector.broadcast(FLOAT, a[a5 + p]);
      c50 = b0v.fma(x, c50); c51 = b1v.fma(x, c51);
    }
    c00.intoArray(c, c0); c01.intoArray(c, c0 + FLOAT_LANES);
    c10.intoArray(c, r1); c11.intoArray(c, r1 + FLOAT_LANES);
    c20.intoArray(c, r2); c21.intoArray(c, r2 + FLOAT_LANES);
    c30.intoArray(c, r3); c31.intoArray(c, r3 + FLOAT_LANES);
    c40.intoArray(c, r4); c41.intoArray(c, r4 + FLOAT_LANES);
    c50.intoArray(c, r5); c51.intoArray(c, r5 + FLOAT_LANES);
  }

  /** A 2-row tile of two vectors at columns {@code 0} and {@code v1 <= V} of the panel (they may overlap). */
  private static void tile2x2(float[] a, int a0, int lda, int k, float[] b, int b0, int ldb,
                              float[] c, int c0, int ldc, float[] init, int i0, int ild, int v1) {
    final int r1 = c0 + ldc;
    FloatVector c00 = FloatVector.fromArray(FLOAT, init, i0);
    FloatVector c01 = FloatVector.fromArray(FLOAT, init, i0 + v1);
    FloatVector c10 = FloatVector.fromArray(FLOAT, init, i0 + ild);
    FloatVector c11 = FloatVector.fromArray(FLOAT, init, i0 + ild + v1);
    int a1 = a0 + lda;
    for (int p = 0, bp = b0; p < k; p++, bp += ldb) {
      FloatVector b0v = FloatVector.fromArray(FLOAT, b, bp);
      FloatVector b1v = FloatVector.fromArray(FLOAT, b, bp + v1);
      FloatVector x = FloatVector.broadcast(FLOAT, a[a0 + p]);
      c00 = b0v.fma(x, c00); c01 = b1v.fma(x, c01);
      x = FloatVector.broadcast(FLOAT, a[a1 + p]);
      c10 = b0v.fma(x, c10); c11 = b1v.fma(x, c11);
    }
    c00.intoArray(c, c0); c01.intoArray(c, c0 + v1);
    c10.intoArray(c, r1); c11.intoArray(c, r1 + v1);
  }

  /** One row of two vectors at columns {@code 0} and {@code v1 <= V} of the panel (they may overlap). */
  private static void tile1x2(float[] a, int a0, int k, float[] b, int b0, int ldb, float[] c, int c0, float[] init, int i0, int v1) {
    FloatVector c0v = FloatVector.fromArray(FLOAT, init, i0);
    FloatVector c1v = FloatVector.fromArray(FLOAT, init, i0 + v1);
    for (int p = 0, bp = b0; p < k; p++, bp += ldb) {
      FloatVector x = FloatVector.broadcast(FLOAT, a[a0 + p]);
      c0v = FloatVector.fromArray(FLOAT, b, bp).fma(x, c0v);
      c1v = FloatVector.fromArray(FLOAT, b, bp + v1).fma(x, c1v);
    }
    c0v.intoArray(c, c0);
    c1v.intoArray(c, c0 + v1);
  }

  /** A 6-row tile of one masked vector: the last {@code colsLeft <= V} columns. */
  private static void tile4x1(float[] a, int a0, int lda, int k, float[] b, int b0, int ldb,
                              float[] c, int c0, int ldc, float[] init, int i0, int ild, int colsLeft) {
    VectorMask<Float> cols = FLOAT.indexInRange(0, colsLeft);
    final int r1 = c0 + ldc;
    final int r2 = r1 + ldc;
    final int r3 = r2 + ldc;
    FloatVector s0 = FloatVector.fromArray(FLOAT, init, i0, cols);
    FloatVector s1 = FloatVector.fromArray(FLOAT, init, i0 + ild, cols);
    FloatVector s2 = FloatVector.fromArray(FLOAT, init, i0 + 2 * ild, cols);
    FloatVector s3 = FloatVector.fromArray(FLOAT, init, i0 + 3 * ild, cols);
    int a1 = a0 + lda;
    int a2 = a1 + lda;
    int a3 = a2 + lda;
    for (int p = 0, bp = b0; p < k; p++, bp += ldb) {
      FloatVector bv = FloatVector.fromArray(FLOAT, b, bp, cols);
      s0 = bv.fma(FloatVector.broadcast(FLOAT, a[a0 + p]), s0);
      s1 = bv.fma(FloatVector.broadcast(FLOAT, a[a1 + p]), s1);
      s2 = bv.fma(FloatVector.broadcast(FLOAT, a[a2 + p]), s2);
      s3 = bv.fma(FloatVector.broadcast(FLOAT, a[a3 + p]), s3);
    }
    s0.intoArray(c, c0, cols);
    s1.intoArray(c, r1, cols);
    s2.intoArray(c, r2, cols);
    s3.intoArray(c, r3, cols);
  }

  private static void tile1x1(float[] a, int a0, int k, float[] b, int b0, int ldb, float[] c, int c0, float[] init, int i0,
                              int colsLeft) {
    VectorMask<Float> cols = FLOAT.indexInRange(0, colsLeft);
    FloatVector s = FloatVector.fromArray(FLOAT, init, i0, cols);
    for (int p = 0, bp = b0; p < k; p++, bp += ldb) {
      s = FloatVector.fromArray(FLOAT, b, bp, cols).fma(FloatVector.broadcast(FLOAT, a[a0 + p]), s);
    }
    s.intoArray(c, c0, cols);
  }

  @Override
  public void gemv(float[] w, int wOff, int out, int in, float[] x, int xOff, float[] y, int yOff) {
    for (int o = 0; o < out; o++) {
      y[yOff + o] = dot(w, wOff + o * in, x, xOff, in);
    }
  }

  /** Four independent accumulators hide the FMA latency; the tail is one masked step. */
  @Override
  public float dot(float[] a, int aOff, float[] b, int bOff, int n) {
    FloatVector s0 = FloatVector.zero(FLOAT), s1 = s0, s2 = s0, s3 = s0;
    int i = 0;
    for (; i + 4 * FLOAT_LANES <= n; i += 4 * FLOAT_LANES) {
      s0 = FloatVector.fromArray(FLOAT, a, aOff + i).fma(FloatVector.fromArray(FLOAT, b, bOff + i), s0);
      s1 = FloatVector.fromArray(FLOAT, a, aOff + i + FLOAT_LANES)
          .fma(FloatVector.fromArray(FLOAT, b, bOff + i + FLOAT_LANES), s1);
      s2 = FloatVector.fromArray(FLOAT, a, aOff + i + 2 * FLOAT_LANES)
          .fma(FloatVector.fromArray(FLOAT, b, bOff + i + 2 * FLOAT_LANES), s2);
      s3 = FloatVector.fromArray(FLOAT, a, aOff + i + 3 * FLOAT_LANES)
          .fma(FloatVector.fromArray(FLOAT, b, bOff + i + 3 * FLOAT_LANES), s3);
    }
    for (; i < n; i += FLOAT_LANES) {
      VectorMask<Float> m = FLOAT.indexInRange(i, n);
      s0 = FloatVector.fromArray(FLOAT, a, aOff + i, m).fma(FloatVector.fromArray(FLOAT, b, bOff + i, m), s0);
    }
    FloatVector h = s0.add(s1).add(s2.add(s3)); // lanes summed in a fixed order, see Lanes
    h = Lanes.FOLD8 ? h.add(h.rearrange(Lanes.XOR8)) : h;
    h = Lanes.FOLD4 ? h.add(h.rearrange(Lanes.XOR4)) : h;
    h = Lanes.FOLD2 ? h.add(h.rearrange(Lanes.XOR2)) : h;
    return h.add(h.rearrange(Lanes.XOR1)).lane(0);
  }

  @Override
  public void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
    FloatVector av = FloatVector.broadcast(FLOAT, alpha);
    int i = 0;
    for (; i + FLOAT_LANES <= n; i += FLOAT_LANES) { // whole vectors unmasked: a masked store checks its mask
      FloatVector.fromArray(FLOAT, x, xOff + i).fma(av, FloatVector.fromArray(FLOAT, y, yOff + i)).intoArray(y, yOff + i);
    }
    if (i < n) {
      VectorMask<Float> m = FLOAT.indexInRange(i, n);
      FloatVector.fromArray(FLOAT, x, xOff + i, m)
          .fma(av, FloatVector.fromArray(FLOAT, y, yOff + i, m))
          .intoArray(y, yOff + i, m);
    }
  }

  /** Blocked so both the reads and the writes stay within a few cache lines at a time. */
  @Override
  public void transpose(float[] src, int srcOff, int rows, int cols, float[] dst, int dstOff) {
    final int block = 16;
    for (int r0 = 0; r0 < rows; r0 += block) {
      int r1 = Math.min(rows, r0 + block);
      for (int c0 = 0; c0 < cols; c0 += block) {
        int c1 = Math.min(cols, c0 + block);
        for (int r = r0; r < r1; r++) {
          for (int c = c0; c < c1; c++) {
            dst[dstOff + c * rows + r] = src[srcOff + r * cols + c];
          }
        }
      }
    }
  }
}
