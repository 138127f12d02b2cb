package io.narthex.promql;

import java.util.List;
import java.util.Objects;

/**
 * The value of a query plus the annotations (warnings and infos) Prometheus would return alongside it, and the
 * query's {@link QueryStats statistics}.
 */
public record QueryResult(Value value, List<String> warnings, List<String> infos, QueryStats stats) {
  public QueryResult {
    Objects.requireNonNull(stats, "stats");
  }

  /** A result without statistics ({@link QueryStats#EMPTY}). */
  public QueryResult(Value value, List<String> warnings, List<String> infos) {
    this(value, warnings, infos, QueryStats.EMPTY);
  }
}
