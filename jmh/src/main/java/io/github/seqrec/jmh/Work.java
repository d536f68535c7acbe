package io.github.seqrec.jmh;

/**
 * The work one benchmark operation does, so the report can turn a time into a rate and compare it
 * with the machine's measured ceiling. Every benchmark class declares
 * {@code public static Work workPerOp(java.util.Map<String, String> params)}, reading the JMH
 * {@code @Param} values it needs from the map.
 *
 * @param amount units of work per operation
 * @param unit {@link #FLOP} (compared with the FMA peak), {@link #BYTE} (compared with the copy
 *     bandwidth) or {@link #COMPARISON} (signature comparisons; no ceiling)
 */
public record Work(double amount, String unit) {
  public static final String FLOP = "flop";
  public static final String BYTE = "byte";
  public static final String COMPARISON = "comparison";

  public static Work flops(double amount) {
    return new Work(amount, FLOP);
  }

  public static Work bytes(double amount) {
    return new Work(amount, BYTE);
  }

  public static Work comparisons(double amount) {
    return new Work(amount, COMPARISON);
  }

  /** Integer parameter from a JMH params map, with a clear failure. */
  public static int intParam(java.util.Map<String, String> params, String name) {
    String value = params.get(name);
    if (value == null) {
      throw new IllegalArgumentException("benchmark parameter '" + name + "' missing from " + params);
    }
    return Integer.parseInt(value);
  }
}
