package io.github.seqrec.jmh.report;

import java.util.Map;
import java.util.SortedMap;

/**
 * One row of a JMH JSON result, reduced to what the report needs.
 *
 * @param className benchmark class, fully qualified
 * @param method benchmark method
 * @param params JMH {@code @Param} values, sorted by name
 * @param secondsPerOp median seconds per operation (from the median iteration)
 * @param errorFraction JMH's 99.9% error as a fraction of the mean score (NaN if unknown)
 * @param allocBytesPerOp {@code gc.alloc.rate.norm} when run with {@code -prof gc}, else NaN
 * @param jvmArgs the fork's JVM arguments (they carry the forced backend)
 */
record BenchResult(String className, String method, SortedMap<String, String> params,
                   double secondsPerOp, double errorFraction, double allocBytesPerOp, String jvmArgs) {

  String simpleClassName() {
    return className.substring(className.lastIndexOf('.') + 1);
  }

  /**
   * The method name without its backend suffix ({@code linearVector -> linear}); benchmarks whose
   * methods are just {@code scalar} and {@code vector} are named by their class alone.
   */
  String kernel() {
    if (method.equals("scalar") || method.equals("vector")) {
      return "";
    }
    for (String suffix : new String[] {"Scalar", "Vector"}) {
      if (method.endsWith(suffix)) {
        return method.substring(0, method.length() - suffix.length());
      }
    }
    return method;
  }

  /** {@code scalar}, {@code vector} or {@code ""} for benchmarks that are not backend pairs. */
  String backend() {
    if (method.endsWith("Scalar") || method.equals("scalar")) {
      return "scalar";
    }
    if (method.endsWith("Vector") || method.equals("vector")) {
      return "vector";
    }
    return "";
  }

  String paramsText() {
    StringBuilder sb = new StringBuilder();
    for (Map.Entry<String, String> e : params.entrySet()) {
      if (!sb.isEmpty()) {
        sb.append(' ');
      }
      sb.append(e.getKey()).append('=').append(e.getValue());
    }
    return sb.toString();
  }
}
