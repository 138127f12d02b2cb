package io.narthex.alertmanager.dispatch;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.SortedMap;

/**
 * What one flush of an aggregation group hands to the notification pipeline, as the context Alertmanager's
 * {@code aggrGroup.run} fills: receiver, group key and labels, the flush time and the route's options, and the
 * group's alerts in notification order. A firing alert has a null {@code endsAt}, as Alertmanager clears the end of
 * alerts not resolved at flush time.
 *
 * @param groupKey {@code <route key>:<group labels>}, e.g. {@code {}/{team="a"}:{alertname="x"}}
 */
public record NotificationRequest(
    String receiver,
    String groupKey,
    SortedMap<String, String> groupLabels,
    Instant now,
    Duration groupInterval,
    Duration repeatInterval,
    List<String> muteTimeIntervals,
    List<String> activeTimeIntervals,
    String routeId,
    List<Alert> alerts) {

  /** The alerts resolved at flush time. */
  public List<Alert> resolved() {
    return alerts.stream().filter(a -> a.resolvedAt(now)).toList();
  }

  /** The alerts firing at flush time. */
  public List<Alert> firing() {
    return alerts.stream().filter(a -> !a.resolvedAt(now)).toList();
  }
}
