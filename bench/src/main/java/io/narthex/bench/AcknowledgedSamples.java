package io.narthex.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a write run had acknowledged, and the check that a target returns exactly that: per tenant, the samples of
 * the run's series ({@code bench_run="<runId>"}) counted with {@code count_over_time} over the run's time span must
 * equal the samples the target acknowledged. Shared by {@code write --verify-url} and {@code verify} (which reads a
 * write run's JSON summary, e.g. after a restart).
 *
 * @param runId the run's {@code bench_run} label value
 * @param startMs the first round's timestamp, ms since the epoch
 * @param lastSampleMs the last round's timestamp, ms since the epoch; {@link Long#MIN_VALUE} when nothing was sent
 * @param acknowledged samples acknowledged per tenant id, in the order the run used them
 * @param headers extra request headers; {@code X-Scope-OrgID} is set per tenant unless present here
 */
record AcknowledgedSamples(String runId, long startMs, long lastSampleMs, Map<String, Long> acknowledged,
    Map<String, String> headers) {

  /**
   * Queries {@code apiBase} (a Prometheus API base, e.g. {@code http://127.0.0.1:9009/prometheus}) once per tenant
   * and metric name.
   *
   * @return {@code result} ({@code match} or {@code mismatch}), the {@code query} and per tenant its
   *     {@code acknowledged} and {@code queried} counts, or an {@code error} (status and message) when a query failed
   */
  Map<String, Object> check(String apiBase) {
    Map<String, Object> verification = new LinkedHashMap<>();
    long total = acknowledged.values().stream().mapToLong(Long::longValue).sum();
    if (lastSampleMs == Long.MIN_VALUE) {
      verification.put("result", total == 0 ? "match" : "mismatch");
      verification.put("tenants", Map.of());
      return verification;
    }
    // Range selectors are left-open, (t - range, t]: 1ms more than the span includes the first round. One query
    // per metric name: count_over_time drops the name, so across names label sets would collide.
    String range = (lastSampleMs - startMs + 1) + "ms";
    String query = "sum(count_over_time(<name>{bench_run=\"" + runId + "\"}[" + range + "]))";
    boolean match = true;
    Map<String, Object> perTenant = new LinkedHashMap<>();
    for (Map.Entry<String, Long> tenant : acknowledged.entrySet()) {
      Map<String, String> tenantHeaders = new LinkedHashMap<>(headers);
      if (Loopback.header(headers, "X-Scope-OrgID") == null) {
        tenantHeaders.put("X-Scope-OrgID", tenant.getKey());
      }
      PromClient client = new PromClient(apiBase, tenantHeaders);
      Map<String, Object> result = new LinkedHashMap<>();
      result.put("acknowledged", tenant.getValue());
      long queried = 0;
      for (String name : LabelShape.METRIC_NAMES) {
        PromClient.Answer answer = client.instant(query.replace("<name>", name), lastSampleMs);
        if (!answer.ok()) {
          result.put("error", answer.status() + " " + answer.error());
          match = false;
          break;
        }
        for (var sample : answer.data().path("result")) {
          queried += Math.round(Double.parseDouble(sample.get("value").get(1).asText()));
        }
      }
      result.put("queried", queried);
      match &= queried == tenant.getValue();
      perTenant.put(tenant.getKey(), result);
    }
    verification.put("result", match ? "match" : "mismatch");
    verification.put("query", query);
    verification.put("tenants", perTenant);
    return verification;
  }

  static Map<String, Long> perTenant(List<String> tenantIds, java.util.concurrent.atomic.AtomicLongArray counts) {
    Map<String, Long> map = new LinkedHashMap<>();
    for (int t = 0; t < tenantIds.size(); t++) {
      map.put(tenantIds.get(t), counts.get(t));
    }
    return map;
  }
}
