package io.narthex.ruler.eval;

/**
 * One evaluation of a rule: the group's scheduled instant, the instant its query runs at
 * ({@code evalTimestampMs - query_offset}, which output samples carry), the tenant and the group's {@code limit}.
 *
 * @param evalTimestampMs the group's evaluation instant, milliseconds since the epoch
 * @param queryTimestampMs where the query runs and what output samples are stamped with, milliseconds
 * @param limit the group's series limit, 0 for none: a rule producing more fails (Prometheus's
 *     {@code exceeded limit of %d with %d series})
 */
public record EvaluationInstant(String tenant, long evalTimestampMs, long queryTimestampMs, int limit) {}
