package io.narthex.alertmanager.replication;

import io.narthex.alertmanager.dispatch.Alert;
import io.narthex.alertmanager.dispatch.NotificationLog;
import io.narthex.alertmanager.dispatch.Silence;
import java.time.Instant;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands each applied change to every listener, and keeps what one throws away from the apply: the entry is applied
 * already, and a failure there would answer its proposer with a refusal.
 */
final class StateFanOut implements StateListener {
  private static final Logger log = LoggerFactory.getLogger(StateFanOut.class);

  private final List<StateListener> listeners;

  StateFanOut(List<StateListener> listeners) {
    this.listeners = listeners;
  }

  private interface Call {
    void to(StateListener l);
  }

  private void each(int group, Call call) {
    for (StateListener l : listeners) {
      try {
        call.to(l);
      } catch (RuntimeException e) {
        log.warn("alertmanager state listener failed group={}: {}", group, e.toString());
      }
    }
  }

  @Override
  public void alertsStored(int group, String tenant, List<Alert> stored, Instant now) {
    each(group, l -> l.alertsStored(group, tenant, stored, now));
  }

  @Override
  public void silenceChanged(int group, String tenant, Silence silence, Instant now) {
    each(group, l -> l.silenceChanged(group, tenant, silence, now));
  }

  @Override
  public void notificationLogged(int group, String tenant, NotificationLog.Entry entry, Instant now) {
    each(group, l -> l.notificationLogged(group, tenant, entry, now));
  }

  @Override
  public void stateLoaded(int group, String tenant, List<Silence> silences, List<NotificationLog.Entry> entries,
      Instant now) {
    each(group, l -> l.stateLoaded(group, tenant, silences, entries, now));
  }

  @Override
  public void alertsDropped(int group, String tenant, List<Alert> dropped, Instant now) {
    each(group, l -> l.alertsDropped(group, tenant, dropped, now));
  }

  @Override
  public void tenantDropped(int group, String tenant, Instant now) {
    each(group, l -> l.tenantDropped(group, tenant, now));
  }
}
