package io.narthex.ruler.alert;

import io.narthex.tsdb.labels.Labels;

/**
 * A snapshot of one alert of an alerting rule, as Prometheus's {@code rules.Alert}. Times are Unix milliseconds, 0 when
 * unset: {@code resolvedAtMs} is 0 while the alert is active, {@code keepFiringSinceMs} is 0 unless the alert is kept
 * firing by {@code keep_firing_for}. {@code labels} are the alert's identity (series labels without {@code __name__},
 * plus the templated rule labels, plus {@code alertname}); {@code annotations} are templated and sorted by name.
 *
 * @param value the alert expression's value at the last evaluation that returned this alert
 * @param lastSentAtMs the last evaluation timestamp at which the alert was handed to the notifier
 * @param validUntilMs until when Alertmanager should consider an unresolved alert firing without hearing again
 */
public record Alert(
    Labels labels,
    Labels annotations,
    AlertState state,
    double value,
    long activeAtMs,
    long firedAtMs,
    long resolvedAtMs,
    long lastSentAtMs,
    long validUntilMs,
    long keepFiringSinceMs) {

  /** Whether the alert is still pending or firing, that is not resolved. */
  public boolean isActive() {
    return resolvedAtMs == 0;
  }
}
