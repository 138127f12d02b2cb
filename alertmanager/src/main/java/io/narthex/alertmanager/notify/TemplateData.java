package io.narthex.alertmanager.notify;

import io.narthex.alertmanager.dispatch.Alert;
import io.narthex.template.AlertmanagerTemplates.Alerts;
import io.narthex.template.AlertmanagerTemplates.Data;
import io.narthex.template.AlertmanagerTemplates.KV;
import io.narthex.template.GoTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The data notification templates see, built as Alertmanager's {@code template.Data(recv, groupLabels, alerts...)}
 * (template/template.go, 0.25): the receiver name regexp-quoted, the group's status ({@code firing} when any alert is),
 * each alert with its status at flush time, the labels and annotations every alert shares, and the external URL.
 */
final class TemplateData {
  /** Go's zero {@code time.Time}, which a firing alert's {@code endsAt} holds. */
  static final Instant GO_ZERO_TIME = Instant.parse("0001-01-01T00:00:00Z");

  private TemplateData() {}

  /**
   * @param now the flush time, which decides each alert's status
   * @param alerts in notification order
   */
  static Data of(String receiver, Map<String, String> groupLabels, List<Alert> alerts, Instant now,
      String externalUrl) {
    List<io.narthex.template.AlertmanagerTemplates.Alert> out = new ArrayList<>(alerts.size());
    boolean firing = false;
    for (Alert a : alerts) {
      String status = status(a, now);
      firing |= status.equals("firing");
      out.add(new io.narthex.template.AlertmanagerTemplates.Alert(status, new KV(a.labels()),
          new KV(a.annotations()), new GoTime(a.startsAt()), new GoTime(endsAt(a)), a.generatorUrl(),
          a.fingerprintHex()));
    }
    Map<String, String> commonLabels = new HashMap<>();
    Map<String, String> commonAnnotations = new HashMap<>();
    if (!alerts.isEmpty()) {
      commonLabels.putAll(alerts.getFirst().labels());
      commonAnnotations.putAll(alerts.getFirst().annotations());
      for (Alert a : alerts.subList(1, alerts.size())) {
        commonLabels.entrySet().removeIf(e -> !e.getValue().equals(a.labels().get(e.getKey())));
        commonAnnotations.entrySet().removeIf(e -> !e.getValue().equals(a.annotations().get(e.getKey())));
      }
    }
    return new Data(quoteMeta(receiver), firing ? "firing" : "resolved", new Alerts(out), new KV(groupLabels),
        new KV(commonLabels), new KV(commonAnnotations), externalUrl);
  }

  static String status(Alert alert, Instant now) {
    return alert.resolvedAt(now) ? "resolved" : "firing";
  }

  static Instant endsAt(Alert alert) {
    return alert.endsAt() == null ? GO_ZERO_TIME : alert.endsAt();
  }

  /** Go's {@code regexp.QuoteMeta}, which Alertmanager applies to the receiver name. */
  static String quoteMeta(String s) {
    StringBuilder out = new StringBuilder(s.length() + 4);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if ("\\.+*?()|[]{}^$".indexOf(c) >= 0) {
        out.append('\\');
      }
      out.append(c);
    }
    return out.toString();
  }
}
