package io.narthex.alertmanager.replication;

import io.narthex.alertmanager.dispatch.Alert;
import io.narthex.alertmanager.dispatch.NotificationLog;
import io.narthex.alertmanager.dispatch.Silence;
import java.util.List;

/**
 * A copy of one tenant's replicated state as a replica applied it: what a new leader builds its dispatch from.
 *
 * @param openIntents the notify intents neither done nor abandoned, in the order they were opened: sends in doubt
 */
public record TenantCopy(String tenant, List<Alert> alerts, List<Silence> silences, List<NotificationLog.Entry> log,
    List<NotifyIntent> openIntents) {
  public TenantCopy {
    alerts = List.copyOf(alerts);
    silences = List.copyOf(silences);
    log = List.copyOf(log);
    openIntents = List.copyOf(openIntents);
  }
}
