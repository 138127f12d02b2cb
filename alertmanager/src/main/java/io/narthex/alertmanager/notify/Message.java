package io.narthex.alertmanager.notify;

import io.narthex.alertmanager.dispatch.Alert;
import io.narthex.template.AlertmanagerTemplates.Data;
import io.narthex.template.TemplateException;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What one integration sends: a group's alerts at a flush (resolved ones already left out when the integration does
 * not send them), with what its templates need.
 *
 * @param receiver the receiver's name
 * @param groupKey {@code <route key>:<group labels>}, as Alertmanager's {@code notify.GroupKey}
 * @param now the flush time, which decides each alert's status
 */
record Message(String tenant, String receiver, String groupKey, Map<String, String> groupLabels, List<Alert> alerts,
    Instant now, String externalUrl, NotificationTemplates templates) {

  /** The template data of all the alerts. */
  Data data() {
    return data(alerts);
  }

  /** The template data of some of the alerts (the webhook's {@code max_alerts} first ones). */
  Data data(List<Alert> subset) {
    return TemplateData.of(receiver, groupLabels, subset, now, externalUrl);
  }

  /** Whether any alert fires: the group's status, as {@code types.Alerts(...).Status()}. */
  boolean firing() {
    for (Alert a : alerts) {
      if (!a.resolvedAt(now)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Renders a configured text, as Alertmanager's {@code notify.TmplText}.
   *
   * @throws NotifyException not retried, naming the field, when the template fails
   */
  String render(String field, String text, Data data) throws NotifyException {
    try {
      return templates.render(text, data);
    } catch (TemplateException e) {
      throw NotifyException.permanent("template " + field + ": " + e.getMessage());
    }
  }
}
