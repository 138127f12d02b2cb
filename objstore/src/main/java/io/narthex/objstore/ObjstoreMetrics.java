package io.narthex.objstore;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;

/**
 * Object-storage metrics, registered once per process in the default registry. Label {@code
 * operation} is one of get, get_range, upload, delete, exists, attributes, iter; {@code bucket} is
 * the bucket's role (for example "blocks").
 */
final class ObjstoreMetrics {
  static final Counter OPERATIONS = Counter.builder()
      .name("narthex_objstore_operations_total")
      .help("Object-storage operations started, whatever their outcome (retries not counted apart).")
      .labelNames("operation", "bucket")
      .register();
  static final Counter FAILURES = Counter.builder()
      .name("narthex_objstore_operation_failures_total")
      .help("Object-storage operations that failed after their retries; a missing object is no failure.")
      .labelNames("operation", "bucket")
      .register();
  static final Counter RETRIES = Counter.builder()
      .name("narthex_objstore_operation_retries_total")
      .help("Attempts of object-storage operations repeated after a transient failure.")
      .labelNames("operation", "bucket")
      .register();
  static final Histogram DURATION = Histogram.builder()
      .name("narthex_objstore_operation_duration_seconds")
      .help("Time of object-storage operations, retries and backoff included; for get and get_range "
          + "until the stream is open.")
      .labelNames("operation", "bucket")
      .classicOnly()
      .classicUpperBounds(0.01, 0.1, 0.3, 0.6, 1, 3, 6, 9, 20, 30, 60, 90, 120)
      .register();

  private ObjstoreMetrics() {}
}
