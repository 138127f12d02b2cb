package io.narthex.ruler.alert;

import io.narthex.template.GoUrl;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The ruler's notifiers, one per tenant made on first use (Mimir's {@code getOrCreateNotifier}), and the conversion
 * of a rule's alerts into what Alertmanager takes, as Prometheus's {@code rules.SendAlerts}.
 */
public final class Notifiers implements AutoCloseable {
  /**
   * @param alertmanagers {@code -ruler.alertmanager-url}, parsed; none means alerts are evaluated but not sent
   * @param queueCapacity {@code -ruler.notification-queue-capacity}
   * @param timeout {@code -ruler.notification-timeout}
   * @param externalUrl {@code -ruler.external.url}, the base of each alert's {@code generatorURL}
   * @param externalLabels added to each alert that lacks the label
   */
  public record Settings(List<AlertmanagerUrls.Target> alertmanagers, int queueCapacity, Duration timeout,
      String externalUrl, Map<String, String> externalLabels) {
    /** @throws IllegalArgumentException naming the flag when the capacity is below 1 or the timeout not positive */
    public Settings {
      if (queueCapacity < 1) {
        throw new IllegalArgumentException("-ruler.notification-queue-capacity must be at least 1, got "
            + queueCapacity);
      }
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("-ruler.notification-timeout must be positive, got " + timeout);
      }
    }
  }

  private final Settings settings;
  private final NotifierMetrics metrics;
  private final Map<String, Notifier> byTenant = new ConcurrentHashMap<>();
  private final HttpClient http;
  private volatile boolean closed;

  public Notifiers(Settings settings, NotifierMetrics metrics) {
    this.settings = settings;
    this.metrics = metrics;
    this.http = client(settings.timeout());
  }

  /** The HTTP client notifiers share: HTTP/1.1, as Alertmanager's API is served, with the connect timeout. */
  static HttpClient client(Duration connectTimeout) {
    return HttpClient.newBuilder().connectTimeout(connectTimeout).version(HttpClient.Version.HTTP_1_1).build();
  }

  /** Whether any Alertmanager is configured. */
  public boolean enabled() {
    return !settings.alertmanagers().isEmpty();
  }

  /**
   * Hands the alerts of one rule of {@code tenant} to its notifier: {@code startsAt} is when the alert fired,
   * {@code endsAt} when it was resolved or else its {@code validUntil}, and {@code generatorURL} links the rule's
   * expression under {@code -ruler.external.url}.
   */
  public void send(String tenant, String expr, List<Alert> alerts) {
    if (alerts.isEmpty() || !enabled() || closed) {
      return;
    }
    String generatorUrl = generatorUrl(settings.externalUrl(), expr);
    List<Notifier.PostableAlert> postable = new ArrayList<>(alerts.size());
    for (Alert alert : alerts) {
      long endsAtMs = alert.resolvedAtMs() != 0 ? alert.resolvedAtMs() : alert.validUntilMs();
      postable.add(new Notifier.PostableAlert(alert.labels(), alert.annotations(), alert.firedAtMs(), endsAtMs,
          generatorUrl));
    }
    byTenant.computeIfAbsent(tenant, t -> new Notifier(t, settings.alertmanagers(), settings.queueCapacity(),
        settings.timeout(), settings.externalLabels(), metrics, http)).send(postable);
  }

  /** Stops the notifier of a tenant that no longer has rule groups here. */
  public void removeTenant(String tenant) {
    Notifier notifier = byTenant.remove(tenant);
    if (notifier != null) {
      notifier.close();
    }
  }

  @Override
  public void close() {
    closed = true;
    for (String tenant : List.copyOf(byTenant.keySet())) {
      removeTenant(tenant);
    }
    http.close();
  }

  /** Prometheus's {@code externalURL + strutil.TableLinkForExpression(expr)}. */
  static String generatorUrl(String externalUrl, String expr) {
    return externalUrl + "/graph?g0.expr=" + GoUrl.queryEscape(expr) + "&g0.tab=1";
  }
}
