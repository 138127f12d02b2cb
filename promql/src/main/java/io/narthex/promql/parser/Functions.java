package io.narthex.promql.parser;

import static io.narthex.promql.parser.ValueType.MATRIX;
import static io.narthex.promql.parser.ValueType.SCALAR;
import static io.narthex.promql.parser.ValueType.STRING;
import static io.narthex.promql.parser.ValueType.VECTOR;

import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Signatures of PromQL functions, as Prometheus's promql/parser/functions.go. The evaluator's registry
 * ({@code io.narthex.promql.FunctionCalls}) pairs each with its implementation and fails to load if one is missing.
 */
public final class Functions {
  /**
   * A function signature. {@code variadic} 0: exactly the listed arguments; positive: the last may be omitted and
   * up to that many extra of the last type allowed; -1: the last may be omitted or repeated without limit.
   */
  public record Def(String name, List<ValueType> argTypes, int variadic, ValueType returnType) {}

  private static final Map<String, Def> DEFS = new HashMap<>();

  private static void def(String name, ValueType ret, int variadic, ValueType... args) {
    DEFS.put(name, new Def(name, List.of(args), variadic, ret));
  }

  static {
    for (String f : List.of("abs", "ceil", "floor", "exp", "ln", "log2", "log10", "sqrt", "sgn", "acos", "acosh",
        "asin", "asinh", "atan", "atanh", "cos", "cosh", "sin", "sinh", "tan", "tanh", "deg", "rad", "sort",
        "sort_desc", "timestamp", "absent", "histogram_count", "histogram_sum", "histogram_avg",
        "histogram_stddev", "histogram_stdvar")) {
      def(f, VECTOR, 0, VECTOR);
    }
    for (String f : List.of("rate", "irate", "increase", "delta", "idelta", "deriv", "changes", "resets",
        "avg_over_time", "min_over_time", "max_over_time", "sum_over_time", "count_over_time", "last_over_time",
        "first_over_time", "stddev_over_time", "stdvar_over_time", "present_over_time", "absent_over_time",
        "mad_over_time", "ts_of_max_over_time", "ts_of_min_over_time", "ts_of_last_over_time",
        "ts_of_first_over_time")) {
      def(f, VECTOR, 0, MATRIX);
    }
    for (String f : List.of("day_of_month", "day_of_week", "day_of_year", "days_in_month", "hour", "minute",
        "month", "year")) {
      def(f, VECTOR, 1, VECTOR);
    }
    def("pi", SCALAR, 0);
    def("step", SCALAR, 0);
    def("range", SCALAR, 0);
    def("start", SCALAR, 0);
    def("end", SCALAR, 0);
    def("min_of", SCALAR, 0, SCALAR, SCALAR);
    def("max_of", SCALAR, 0, SCALAR, SCALAR);
    def("time", SCALAR, 0);
    def("scalar", SCALAR, 0, VECTOR);
    def("vector", VECTOR, 0, SCALAR);
    def("clamp", VECTOR, 0, VECTOR, SCALAR, SCALAR);
    def("clamp_min", VECTOR, 0, VECTOR, SCALAR);
    def("clamp_max", VECTOR, 0, VECTOR, SCALAR);
    def("round", VECTOR, 1, VECTOR, SCALAR);
    def("predict_linear", VECTOR, 0, MATRIX, SCALAR);
    def("quantile_over_time", VECTOR, 0, SCALAR, MATRIX);
    def("histogram_quantile", VECTOR, 0, SCALAR, VECTOR);
    def("histogram_fraction", VECTOR, 0, SCALAR, SCALAR, VECTOR);
    def("double_exponential_smoothing", VECTOR, 0, MATRIX, SCALAR, SCALAR);
    def("label_replace", VECTOR, 0, VECTOR, STRING, STRING, STRING, STRING);
    def("label_join", VECTOR, -1, VECTOR, STRING, STRING, STRING);
    def("sort_by_label", VECTOR, -1, VECTOR, STRING);
    def("sort_by_label_desc", VECTOR, -1, VECTOR, STRING);
  }

  private Functions() {}

  /** Every signature, in no particular order. */
  public static Collection<Def> all() {
    return Collections.unmodifiableCollection(DEFS.values());
  }

  /** The signature of {@code name}, or null when there is no such function. */
  public static Def get(String name) {
    return DEFS.get(name);
  }
}
