package io.narthex.ruler.eval;

import java.util.List;

/**
 * One evaluation of a rule: the group's scheduled instant, the instant its query runs at
 * ({@code evalTimestampMs - query_offset}, which output samples carry), the tenant and the group's {@code limit}.
 *
 * @param tenant the group's owner: its output, alerts and {@code ALERTS_FOR_STATE} are the owner's
 * @param evalTimestampMs the group's evaluation instant, milliseconds since the epoch
 * @param queryTimestampMs where the query runs and what output samples are stamped with, milliseconds
 * @param limit the group's series limit, 0 for none: a rule producing more fails (Prometheus's
 *     {@code exceeded limit of %d with %d series})
 * @param sourceTenants the group's {@code source_tenants} (Mimir's federated rule groups): when not empty, the rules'
 *     queries read these tenants as one instead of the owner
 */
public record EvaluationInstant(String tenant, long evalTimestampMs, long queryTimestampMs, int limit,
    List<String> sourceTenants) {
  public EvaluationInstant {
    sourceTenants = List.copyOf(sourceTenants);
  }

  /** An evaluation of a group that reads its own tenant. */
  public EvaluationInstant(String tenant, long evalTimestampMs, long queryTimestampMs, int limit) {
    this(tenant, evalTimestampMs, queryTimestampMs, limit, List.of());
  }

  /** Whether the rules' queries read the {@link #sourceTenants} rather than the owner. */
  public boolean federated() {
    return !sourceTenants.isEmpty();
  }
}
