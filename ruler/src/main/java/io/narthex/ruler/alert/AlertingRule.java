package io.narthex.ruler.alert;

import io.narthex.promql.Sample;
import io.narthex.tsdb.labels.Labels;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The state machine of one alerting rule, as Prometheus's {@code rules.AlertingRule} ({@code rules/alerting.go}): each
 * evaluation turns the rule query's result into pending, firing and resolved alerts and returns the {@code ALERTS} and
 * {@code ALERTS_FOR_STATE} samples to write. It runs no query and reads no clock: the caller passes the result and the
 * evaluation instant, so tests drive it with plain numbers.
 *
 * <ul>
 *   <li>A result series becomes a pending alert with {@code activeAt} = the evaluation instant; it fires once
 *       {@code ts - activeAt >= for} (at once when {@code for} is 0).
 *   <li>When its series is gone, a pending alert is dropped; a firing one is resolved ({@code resolvedAt = ts}) unless
 *       {@code keep_firing_for} has not elapsed since {@code keepFiringSince}, the first evaluation without it. A
 *       resolved alert is kept, and re-sent, for 15 minutes.
 *   <li>Two series with the same alert labels fail the evaluation and leave the state as it was; more pending and firing
 *       alerts than the group's {@code limit} clear them all and fail it.
 * </ul>
 *
 * <p>Thread-safe: evaluation, notification and the APIs read the state under the rule's lock.
 */
public final class AlertingRule {
  /** Prometheus's {@code resolvedRetention}: how long a resolved alert is kept and sent as resolved. */
  public static final long RESOLVED_RETENTION_MS = 15 * 60_000L;
  public static final String ALERTS_METRIC = "ALERTS";
  public static final String ALERTS_FOR_STATE_METRIC = "ALERTS_FOR_STATE";
  public static final String ALERT_NAME_LABEL = "alertname";
  public static final String ALERT_STATE_LABEL = "alertstate";
  static final String DUPLICATE_LABEL_SET = "vector contains metrics with the same labelset after applying alert labels";

  private final String name;
  private final String expr;
  private final long holdDurationMs;
  private final long keepFiringForMs;
  private final Labels labels;
  private final Labels annotations;
  private final AlertTemplateExpander expander;
  private final Map<Labels, ActiveAlert> active = new LinkedHashMap<>();
  private boolean restored;
  private boolean evaluated;

  /**
   * @param name the rule's {@code alert}
   * @param expr the rule's PromQL expression, as written (for {@code generatorURL} and the APIs)
   * @param holdDurationMs the rule's {@code for}, milliseconds
   * @param keepFiringForMs the rule's {@code keep_firing_for}, milliseconds
   * @param labels the rule's labels (group labels merged in), values still templates
   * @param annotations the rule's annotations, values still templates
   * @param restored whether {@code ALERTS} may be written from the first evaluation on; false until
   *     {@link ForStateRestorer} has restored the rule's {@code for} state, as Prometheus after a (re)load
   */
  public AlertingRule(String name, String expr, long holdDurationMs, long keepFiringForMs, Labels labels,
      Labels annotations, AlertTemplateExpander expander, boolean restored) {
    this.name = name;
    this.expr = expr;
    this.holdDurationMs = holdDurationMs;
    this.keepFiringForMs = keepFiringForMs;
    this.labels = labels;
    this.annotations = annotations;
    this.expander = expander;
    this.restored = restored;
  }

  public String name() {
    return name;
  }

  public String expr() {
    return expr;
  }

  public long holdDurationMs() {
    return holdDurationMs;
  }

  public long keepFiringForMs() {
    return keepFiringForMs;
  }

  public Labels labels() {
    return labels;
  }

  public Labels annotations() {
    return annotations;
  }

  /**
   * One evaluation, as Prometheus's {@code AlertingRule.Eval} after its query.
   *
   * @param queryResult the rule expression's instant vector at {@code evalTimestampMs - queryOffsetMs}
   * @param evalTimestampMs the group's evaluation instant, Unix milliseconds
   * @param queryOffsetMs the group's {@code query_offset}; output samples carry {@code evalTimestampMs - queryOffsetMs}
   * @param limit the group's {@code limit} on pending and firing alerts, 0 for none
   * @return the {@code ALERTS} (value 1) and {@code ALERTS_FOR_STATE} ({@code activeAt} in Unix seconds) samples of
   *     every pending and firing alert; empty until the rule is restored
   * @throws AlertEvaluationException on duplicate alert labels (state untouched) or when the limit is exceeded (all
   *     alerts cleared)
   */
  public synchronized List<Sample> eval(List<Sample> queryResult, long evalTimestampMs, long queryOffsetMs, int limit)
      throws AlertEvaluationException {
    String templateName = "__alert_" + name;
    Map<Labels, ActiveAlert> results = new HashMap<>(queryResult.size() * 2);
    for (Sample sample : queryResult) {
      Labels.Builder builder = sample.labels().toBuilder().delete(Labels.METRIC_NAME);
      for (int i = 0; i < labels.size(); i++) {
        builder.set(labels.name(i),
            expander.expand(templateName, labels.value(i), sample.labels(), sample.value(), evalTimestampMs));
      }
      builder.set(ALERT_NAME_LABEL, name);
      Labels.Builder annotationBuilder = Labels.EMPTY.toBuilder();
      for (int i = 0; i < annotations.size(); i++) {
        annotationBuilder.set(annotations.name(i),
            expander.expand(templateName, annotations.value(i), sample.labels(), sample.value(), evalTimestampMs));
      }
      Labels alertLabels = builder.build();
      ActiveAlert alert = new ActiveAlert(alertLabels, annotationBuilder.build(), sample.value(), evalTimestampMs);
      if (results.putIfAbsent(alertLabels, alert) != null) {
        throw new AlertEvaluationException(DUPLICATE_LABEL_SET);
      }
    }
    evaluated = true;

    for (ActiveAlert alert : results.values()) {
      ActiveAlert existing = active.get(alert.labels);
      if (existing != null && existing.state != AlertState.INACTIVE) {
        existing.value = alert.value;
        existing.annotations = alert.annotations;
      } else {
        active.put(alert.labels, alert);
      }
    }

    long outputTimestampMs = evalTimestampMs - queryOffsetMs;
    List<Sample> output = new ArrayList<>();
    int activeCount = 0;
    for (Iterator<ActiveAlert> it = active.values().iterator(); it.hasNext(); ) {
      ActiveAlert alert = it.next();
      if (!results.containsKey(alert.labels)) {
        boolean keepFiring = false;
        if (alert.state == AlertState.FIRING && keepFiringForMs > 0) {
          if (alert.keepFiringSinceMs == 0) {
            alert.keepFiringSinceMs = evalTimestampMs;
          }
          keepFiring = evalTimestampMs - alert.keepFiringSinceMs < keepFiringForMs;
        }
        if (alert.state == AlertState.PENDING
            || (alert.resolvedAtMs != 0 && evalTimestampMs - alert.resolvedAtMs > RESOLVED_RETENTION_MS)) {
          it.remove();
        }
        if (keepFiring) {
          // Still firing for keep_firing_for: counted and written below like any firing alert.
        } else {
          if (alert.state != AlertState.INACTIVE) {
            alert.state = AlertState.INACTIVE;
            alert.resolvedAtMs = evalTimestampMs;
          }
          continue;
        }
      } else {
        alert.keepFiringSinceMs = 0;
      }
      activeCount++;
      if (alert.state == AlertState.PENDING && evalTimestampMs - alert.activeAtMs >= holdDurationMs) {
        alert.state = AlertState.FIRING;
        alert.firedAtMs = evalTimestampMs;
      }
      if (restored) {
        output.add(new Sample(alertsSeries(alert), outputTimestampMs, 1));
        output.add(new Sample(forStateSeries(alert.labels), outputTimestampMs,
            (double) Math.floorDiv(alert.activeAtMs, 1000L)));
      }
    }
    if (limit > 0 && activeCount > limit) {
      active.clear();
      throw new AlertEvaluationException("exceeded limit of " + limit + " with " + activeCount + " alerts");
    }
    return output;
  }

  /** {@code ALERTS{alertstate=...}}: Prometheus starts from the rule's labels as written, then the alert's. */
  private Labels alertsSeries(ActiveAlert alert) {
    Labels.Builder builder = labels.toBuilder();
    alert.labels.forEach(builder::set);
    return builder.set(Labels.METRIC_NAME, ALERTS_METRIC)
        .set(ALERT_NAME_LABEL, name)
        .set(ALERT_STATE_LABEL, alert.state.text())
        .build();
  }

  /**
   * The {@code ALERTS_FOR_STATE} series of an alert with the given labels; with {@link Labels#EMPTY}, the labels every
   * series of this rule carries (its name, {@code alertname} and its rule labels as written), which {@link
   * ForStateRestorer} selects on, as Prometheus's {@code QueryForStateSeries}.
   */
  Labels forStateSeries(Labels alertLabels) {
    Labels.Builder builder = labels.toBuilder();
    alertLabels.forEach(builder::set);
    return builder.set(Labels.METRIC_NAME, ALERTS_FOR_STATE_METRIC).set(ALERT_NAME_LABEL, name).build();
  }

  /**
   * The alerts to hand to the notifier after an evaluation, as Prometheus's {@code sendAlerts}: firing and resolved
   * alerts not sent for more than {@code resendDelayMs}, or resolved since their last send. Marks them sent at
   * {@code evalTimestampMs} and valid until {@code evalTimestampMs + 4 * max(groupIntervalMs, resendDelayMs)}.
   */
  public synchronized List<Alert> alertsToSend(long evalTimestampMs, long resendDelayMs, long groupIntervalMs) {
    List<Alert> toSend = new ArrayList<>();
    for (ActiveAlert alert : active.values()) {
      if (alert.needsSending(evalTimestampMs, resendDelayMs)) {
        alert.lastSentAtMs = evalTimestampMs;
        // Room for two failed evaluations or sends before Alertmanager resolves it by itself.
        alert.validUntilMs = evalTimestampMs + 4 * Math.max(groupIntervalMs, resendDelayMs);
        toSend.add(alert.snapshot());
      }
    }
    return toSend;
  }

  /** Every alert the rule holds, resolved ones within their retention included, in the order they appeared. */
  public synchronized List<Alert> currentAlerts() {
    List<Alert> alerts = new ArrayList<>(active.size());
    for (ActiveAlert alert : active.values()) {
      alerts.add(alert.snapshot());
    }
    return alerts;
  }

  /** The pending and firing alerts, as Prometheus's {@code ActiveAlerts} (what {@code /api/v1/alerts} lists). */
  public synchronized List<Alert> activeAlerts() {
    List<Alert> alerts = new ArrayList<>(active.size());
    for (ActiveAlert alert : active.values()) {
      if (alert.resolvedAtMs == 0) {
        alerts.add(alert.snapshot());
      }
    }
    return alerts;
  }

  /** The greatest state of the rule's alerts; {@link AlertState#UNKNOWN} before its first evaluation. */
  public synchronized AlertState state() {
    if (!evaluated) {
      return AlertState.UNKNOWN;
    }
    AlertState max = AlertState.INACTIVE;
    for (ActiveAlert alert : active.values()) {
      if (alert.state.compareTo(max) > 0) {
        max = alert.state;
      }
    }
    return max;
  }

  /** Whether {@code ALERTS} and {@code ALERTS_FOR_STATE} are written: after the rule's {@code for} state is restored. */
  public synchronized boolean restored() {
    return restored;
  }

  /** Lets evaluations write {@code ALERTS} from now on (restore done, failed or not needed). */
  public synchronized void markRestored() {
    restored = true;
  }

  /**
   * Restores the {@code activeAt} of the rule's alerts from their last {@code ALERTS_FOR_STATE} sample, then marks the
   * rule restored. An alert that had fired before the outage keeps its {@code activeAt} and fires again at the next
   * evaluation, as in Prometheus. An alert that was pending keeps its original {@code activeAt}, so it fires at the
   * time it would have without the outage, but never sooner than {@code gracePeriodMs} after the restore.
   *
   * <p>Prometheus ({@code Group.RestoreForState}) adds the outage's length to {@code activeAt} instead, so a restart
   * delays the alert by the time the ruler was away; Narthex does not, since the outage is the ruler's and says nothing
   * about the alerting condition (the complaint of mimir#2888). Alerts with no series here keep the {@code activeAt} of
   * their first evaluation after the load.
   *
   * @param lastForStates per alert labels ({@code ALERTS_FOR_STATE}'s labels without {@code __name__}), the last
   *     non-stale sample within the outage tolerance
   * @param restoreTimeMs when the restore runs, Unix milliseconds
   * @param gracePeriodMs {@code -ruler.for-grace-period}, milliseconds
   */
  public synchronized void restoreForState(Map<Labels, ForStateSample> lastForStates, long restoreTimeMs,
      long gracePeriodMs) {
    for (ActiveAlert alert : active.values()) {
      ForStateSample last = lastForStates.get(alert.labels);
      if (last == null) {
        continue;
      }
      long restoredActiveAtMs = (long) last.activeAtSeconds() * 1000L;
      long pendingAtOutageMs = last.timestampMs() - restoredActiveAtMs;
      if (holdDurationMs - pendingAtOutageMs > 0) {
        restoredActiveAtMs = Math.max(restoredActiveAtMs, restoreTimeMs + gracePeriodMs - holdDurationMs);
      }
      alert.activeAtMs = restoredActiveAtMs;
    }
    restored = true;
  }

  /**
   * Takes over the alerts and restore state of the same rule in its group's previous version, as Prometheus's
   * {@code Group.CopyState} when a group is reloaded.
   */
  public void copyStateFrom(AlertingRule previous) {
    if (previous == this) {
      return;
    }
    Map<Labels, ActiveAlert> alerts;
    boolean previousRestored;
    boolean previousEvaluated;
    synchronized (previous) {
      alerts = new LinkedHashMap<>(previous.active);
      previousRestored = previous.restored;
      previousEvaluated = previous.evaluated;
    }
    synchronized (this) {
      active.putAll(alerts);
      restored = previousRestored;
      evaluated = previousEvaluated;
    }
  }

  /**
   * The last {@code ALERTS_FOR_STATE} sample of one alert found by the restore.
   *
   * @param timestampMs the sample's timestamp, when the previous ruler last wrote it
   * @param activeAtSeconds the sample's value, the alert's {@code activeAt} in Unix seconds
   */
  public record ForStateSample(long timestampMs, double activeAtSeconds) {}

  private static final class ActiveAlert {
    final Labels labels;
    Labels annotations;
    AlertState state = AlertState.PENDING;
    double value;
    long activeAtMs;
    long firedAtMs;
    long resolvedAtMs;
    long lastSentAtMs;
    long validUntilMs;
    long keepFiringSinceMs;

    ActiveAlert(Labels labels, Labels annotations, double value, long activeAtMs) {
      this.labels = labels;
      this.annotations = annotations;
      this.value = value;
      this.activeAtMs = activeAtMs;
    }

    boolean needsSending(long timestampMs, long resendDelayMs) {
      if (state == AlertState.PENDING) {
        return false;
      }
      if (resolvedAtMs > lastSentAtMs) {
        return true;
      }
      return lastSentAtMs + resendDelayMs < timestampMs;
    }

    Alert snapshot() {
      return new Alert(labels, annotations, state, value, activeAtMs, firedAtMs, resolvedAtMs, lastSentAtMs,
          validUntilMs, keepFiringSinceMs);
    }
  }
}
