package io.narthex.alertmanager.notify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.narthex.alertmanager.dispatch.Alert;
import io.narthex.common.PrometheusDurations;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * {@code webhook_configs}, as Alertmanager's notify/webhook: POSTs the group as JSON, message version {@code 4}
 * ({@code template.Data} plus {@code version}, {@code groupKey} and {@code truncatedAlerts}); with
 * {@code max_alerts} above 0 only the first that many alerts are sent (and the common labels are of those), the rest
 * counted in {@code truncatedAlerts}. {@code timeout} (Alertmanager 0.28's; 0 = none) bounds each attempt.
 */
final class WebhookNotifier implements Notifier {
  /** Retried besides 5xx: rate limiting. */
  private static final Set<Integer> RETRY_CODES = Set.of(429);

  private final String url;
  private final int maxAlerts;
  private final Duration attemptTimeout;
  private final HttpTransport http;

  WebhookNotifier(JsonNode config, HttpTransport http) {
    this.url = Fields.text(config, "url", "");
    // The config parser checked both; a bad value is taken as unset rather than failing the tenant.
    int max;
    Duration timeout;
    try {
      max = Integer.parseInt(Fields.text(config, "max_alerts", "0"));
      timeout = Duration.ofMillis(PrometheusDurations.parseMs(Fields.text(config, "timeout", "0s")));
    } catch (IllegalArgumentException e) {
      max = 0;
      timeout = Duration.ZERO;
    }
    this.maxAlerts = max;
    this.attemptTimeout = timeout;
    this.http = http;
  }

  @Override
  public void send(Message message, Duration timeout) throws NotifyException {
    List<Alert> alerts = message.alerts();
    int truncated = 0;
    if (maxAlerts > 0 && alerts.size() > maxAlerts) {
      truncated = alerts.size() - maxAlerts;
      alerts = alerts.subList(0, maxAlerts);
    }
    ObjectNode body = Payloads.data(message.data(alerts));
    body.put("version", "4");
    body.put("groupKey", message.groupKey());
    body.put("truncatedAlerts", truncated);
    Duration limit = attemptTimeout.isZero() || attemptTimeout.compareTo(timeout) > 0 ? timeout : attemptTimeout;
    HttpTransport.check(http.postJson(url, Payloads.bytes(body), limit), RETRY_CODES);
  }
}
