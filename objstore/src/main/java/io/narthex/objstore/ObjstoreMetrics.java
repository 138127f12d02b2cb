package io.narthex.objstore;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * Object-storage metrics, registered in the registry of the process that owns the buckets; one instance is shared
 * by all of them. Label {@code operation} is one of get, get_range, upload, delete, exists, attributes, iter;
 * {@code bucket} is the bucket's role (for example "blocks").
 */
public final class ObjstoreMetrics {
  final Counter operations;
  final Counter failures;
  final Counter retries;
  final Histogram duration;

  /** @throws IllegalStateException when {@code registry} holds these metrics already */
  public ObjstoreMetrics(PrometheusRegistry registry) {
    operations = Counter.builder()
        .name("narthex_objstore_operations_total")
        .help("Object-storage operations started, whatever their outcome (retries not counted apart).")
        .labelNames("operation", "bucket")
        .register(registry);
    failures = Counter.builder()
        .name("narthex_objstore_operation_failures_total")
        .help("Object-storage operations that failed after their retries; a missing object is no failure.")
        .labelNames("operation", "bucket")
        .register(registry);
    retries = Counter.builder()
        .name("narthex_objstore_operation_retries_total")
        .help("Attempts of object-storage operations repeated after a transient failure.")
        .labelNames("operation", "bucket")
        .register(registry);
    duration = Histogram.builder()
        .name("narthex_objstore_operation_duration_seconds")
        .help("Time of object-storage operations, retries and backoff included; for get and get_range "
            + "until the stream is open.")
        .labelNames("operation", "bucket")
        .classicOnly()
        .classicUpperBounds(0.01, 0.1, 0.3, 0.6, 1, 3, 6, 9, 20, 30, 60, 90, 120)
        .register(registry);
  }
}
