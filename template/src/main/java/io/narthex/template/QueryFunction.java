package io.narthex.template;

import java.util.List;

/**
 * What the {@code query} template function runs: an instant PromQL query at the rule's evaluation time, as
 * Prometheus's template.QueryFunc.
 */
@FunctionalInterface
public interface QueryFunction {
  /**
   * @param expr the PromQL expression as the template wrote it
   * @param evalTimestampMs the evaluation time, milliseconds since the epoch
   * @return the instant vector's samples (a scalar result as one sample without labels)
   * @throws Exception whose message becomes the template's {@code error calling query: <message>}
   */
  List<Sample> query(String expr, long evalTimestampMs) throws Exception;
}
