package io.narthex.alertmanager.state;

import io.narthex.alertmanager.dispatch.NotificationLog;
import io.narthex.alertmanager.dispatch.Silence;
import io.narthex.alertmanager.dispatch.Silences;
import java.time.Instant;
import java.util.List;

/**
 * What is persisted of a tenant's Alertmanager: its silences (expired ones included until their retention ends) and
 * its notification log, the two parts of Mimir's full state ({@code sil:<tenant>} and {@code nfl:<tenant>}).
 */
public record TenantState(List<Silence> silences, List<NotificationLog.Entry> notificationLog) {
  public static final TenantState EMPTY = new TenantState(List.of(), List.of());

  public TenantState {
    silences = List.copyOf(silences);
    notificationLog = List.copyOf(notificationLog);
  }

  /** A copy of the tenant's current state; the caller holds whatever lock guards the two. */
  public static TenantState of(Silences silences, NotificationLog log) {
    return new TenantState(List.copyOf(silences.snapshot().values()), List.copyOf(log.snapshot().values()));
  }

  /**
   * Merges this state into a tenant's ({@code Silences.merge}, {@code NotificationLog.merge}: what is newer wins, what
   * expired before {@code now} is dropped); the caller holds whatever lock guards the two.
   */
  public void mergeInto(Silences into, NotificationLog log, Instant now) {
    for (Silence s : silences) {
      into.merge(s, now);
    }
    for (NotificationLog.Entry e : notificationLog) {
      log.merge(e, now);
    }
  }

  public boolean isEmpty() {
    return silences.isEmpty() && notificationLog.isEmpty();
  }
}
