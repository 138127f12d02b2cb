package io.narthex.ruler.eval;

import io.narthex.promql.PromQLException;
import io.narthex.promql.Sample;
import io.narthex.promql.Scalar;
import io.narthex.promql.Value;
import io.narthex.promql.Vector;
import io.narthex.tsdb.labels.Labels;
import java.util.List;

/**
 * The read side of rule evaluation: a PromQL instant query for one tenant, through the querier's read path
 * (ingesters and store-gateways), as Mimir's ruler runs it in its "internal" mode.
 */
@FunctionalInterface
public interface RuleQuerier {
  /**
   * Evaluates {@code expr} for {@code tenant} at {@code timestampMs} (milliseconds since the epoch).
   *
   * @return the engine's value: a {@link Vector} or {@link Scalar} for a rule's expression
   * @throws io.narthex.promql.PromQLException when the query fails (bad expression, too many samples, timeout)
   * @throws RuntimeException on a storage fault
   */
  Value query(String tenant, String expr, long timestampMs);

  /**
   * A rule's expression at the evaluation's query time ({@code ts - query_offset}) for its tenant, as a vector
   * ({@link #asVector}): what both recording and alerting rules start from.
   *
   * @throws RuleEvaluationException with the engine's message when the query fails, or when the result is not a
   *     vector or scalar
   * @throws RuntimeException on a storage fault
   */
  default List<Sample> queryRule(EvaluationInstant at, String expr) throws RuleEvaluationException {
    try {
      return asVector(query(at.tenant(), expr, at.queryTimestampMs()));
    } catch (PromQLException e) {
      throw new RuleEvaluationException(e.getMessage(), e);
    }
  }

  /**
   * A query's result as a rule takes it, as Prometheus's {@code EngineQueryFunc}: a vector as it is, a scalar as one
   * sample without labels.
   *
   * @throws RuleEvaluationException for any other type, with Prometheus's message
   */
  static List<Sample> asVector(Value value) throws RuleEvaluationException {
    return switch (value) {
      case Vector vector -> vector.samples();
      case Scalar scalar -> List.of(new Sample(Labels.EMPTY, scalar.timestampMs(), scalar.value()));
      default -> throw new RuleEvaluationException("rule result is not a vector or scalar");
    };
  }
}
