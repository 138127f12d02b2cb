package io.narthex.alertmanager.notify;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * Mimir's per-tenant notification metrics (Alertmanager's {@code alertmanager_notification*} as Mimir exports them,
 * with the tenant in {@code user}), by integration kind: notifications and their failures by {@code reason}, send
 * attempts (requests) and their failures, each attempt's latency, and the notifications refused by the rate limit.
 */
final class NotifyMetrics {
  final Counter notifications;
  final Counter notificationsFailed;
  final Counter requests;
  final Counter requestsFailed;
  final Histogram latencySeconds;
  final Counter rateLimited;

  /** @throws IllegalStateException when {@code registry} holds these metrics already */
  NotifyMetrics(PrometheusRegistry registry) {
    notifications = Counter.builder().name("cortex_alertmanager_notifications_total")
        .help("The total number of attempted notifications.").labelNames("user", "integration").register(registry);
    notificationsFailed = Counter.builder().name("cortex_alertmanager_notifications_failed_total")
        .help("The total number of failed notifications.").labelNames("user", "integration", "reason")
        .register(registry);
    requests = Counter.builder().name("cortex_alertmanager_notification_requests_total")
        .help("The total number of attempted notification requests.").labelNames("user", "integration")
        .register(registry);
    requestsFailed = Counter.builder().name("cortex_alertmanager_notification_requests_failed_total")
        .help("The total number of failed notification requests.").labelNames("user", "integration")
        .register(registry);
    latencySeconds = Histogram.builder().name("cortex_alertmanager_notification_latency_seconds")
        .help("The latency of notifications in seconds.").labelNames("user", "integration")
        .classicOnly().classicUpperBounds(1, 5, 10, 15, 20).register(registry);
    rateLimited = Counter.builder().name("cortex_alertmanager_notification_rate_limited_total")
        .help("Number of rate-limited notifications per integration.").labelNames("user", "integration")
        .register(registry);
  }
}
