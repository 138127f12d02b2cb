package io.narthex.ruler.alert;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.List;

/**
 * The ruler's notifier metrics, with Mimir's names: Prometheus's {@code prometheus_notifications_*} under
 * {@code cortex_}, per {@code user} (and per {@code alertmanager}, its URL without credentials, where Prometheus has
 * that label), registered in the process's registry.
 */
public final class NotifierMetrics {
  final Counter sent;
  final Counter errors;
  final Counter dropped;
  final Gauge queueLength;
  final Gauge queueCapacity;

  /** @throws IllegalStateException when {@code registry} holds these metrics already */
  public NotifierMetrics(PrometheusRegistry registry) {
    sent = Counter.builder().name("cortex_prometheus_notifications_sent_total")
        .help("Total number of alerts sent.").labelNames("user", "alertmanager").register(registry);
    errors = Counter.builder().name("cortex_prometheus_notifications_errors_total")
        .help("Total number of sent alerts affected by errors.").labelNames("user", "alertmanager")
        .register(registry);
    dropped = Counter.builder().name("cortex_prometheus_notifications_dropped_total")
        .help("Total number of alerts dropped due to errors when sending to Alertmanager.").labelNames("user")
        .register(registry);
    queueLength = Gauge.builder().name("cortex_prometheus_notifications_queue_length")
        .help("The number of alert notifications in the queue.").labelNames("user").register(registry);
    queueCapacity = Gauge.builder().name("cortex_prometheus_notifications_queue_capacity")
        .help("The capacity of the alert notifications queue.").labelNames("user").register(registry);
  }

  /** Alerts of {@code tenant} dropped so far. */
  public double droppedTotal(String tenant) {
    return dropped.labelValues(tenant).get();
  }

  /** Alerts of {@code tenant} sent (or attempted) to {@code alertmanager} so far. */
  public double sentTotal(String tenant, String alertmanager) {
    return sent.labelValues(tenant, alertmanager).get();
  }

  /** Alerts of {@code tenant} whose send to {@code alertmanager} failed so far. */
  public double errorsTotal(String tenant, String alertmanager) {
    return errors.labelValues(tenant, alertmanager).get();
  }

  void forget(String tenant, List<AlertmanagerUrls.Target> alertmanagers) {
    dropped.remove(tenant);
    queueLength.remove(tenant);
    queueCapacity.remove(tenant);
    for (AlertmanagerUrls.Target target : alertmanagers) {
      sent.remove(tenant, target.display());
      errors.remove(tenant, target.display());
    }
  }
}
