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
 * (ingesters and store-gateways), as Mimir's ruler runs it in its "internal" mode; and, for federated rule groups
 * ({@code source_tenants}), over several tenants read as one ({@link #queryTenants}).
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
   * Evaluates {@code expr} over {@code tenants} read as one, as Mimir's ruler reads a federated rule group's
   * {@code source_tenants}: every series labelled {@code __tenant_id__} (also when there is one tenant), each tenant
   * under its own query limits, no partial result. The default refuses: a querier of one tenant at a time.
   *
   * @throws io.narthex.promql.PromQLException when the query fails, or names more tenants than allowed
   * @throws RuntimeException on a storage fault, naming the tenant
   */
  default Value queryTenants(List<String> tenants, String expr, long timestampMs) {
    throw new UnsupportedOperationException("this ruler's querier reads one tenant at a time: federated rule groups"
        + " (source_tenants) are not supported");
  }

  /**
   * What a rule's queries read at {@code at}: the group's source tenants as one when it is federated, else its
   * tenant. Template {@code query} calls read the same, as in Mimir, where both run in the group's context.
   */
  default Value queryAt(EvaluationInstant at, String expr, long timestampMs) {
    return at.federated() ? queryTenants(at.sourceTenants(), expr, timestampMs)
        : query(at.tenant(), expr, timestampMs);
  }

  /**
   * A rule's expression at the evaluation's query time ({@code ts - query_offset}) over what the group reads
   * ({@link #queryAt}: its tenant, or its source tenants), as a vector
   * ({@link #asVector}): what both recording and alerting rules start from.
   *
   * @throws RuleEvaluationException with the engine's message when the query fails, or when the result is not a
   *     vector or scalar
   * @throws RuntimeException on a storage fault
   */
  default List<Sample> queryRule(EvaluationInstant at, String expr) throws RuleEvaluationException {
    try {
      return asVector(queryAt(at, expr, at.queryTimestampMs()));
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
