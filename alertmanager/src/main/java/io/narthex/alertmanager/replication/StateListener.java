package io.narthex.alertmanager.replication;

import io.narthex.alertmanager.dispatch.Alert;
import io.narthex.alertmanager.dispatch.NotificationLog;
import io.narthex.alertmanager.dispatch.Silence;
import java.time.Instant;
import java.util.List;

/**
 * Told of each change a committed entry made to a tenant's state on this replica, in log order, with the entry's
 * applied time: what the leader's dispatch mirrors. Called on the group's apply thread under its state's lock, so a
 * listener sees the changes after an {@link AlertmanagerReplicaNode#attach} copy and none before it. It must not
 * block on the group (no Raft call) and should be quick; what it throws is logged and does not stop the group.
 */
public interface StateListener {
  /** Alerts a {@code PostAlerts} entry stored, as stored (merged with the ones held before). */
  void alertsStored(int group, String tenant, List<Alert> stored, Instant now);

  /** A silence a {@code SetSilence} or {@code ExpireSilence} entry created or changed, as stored. */
  void silenceChanged(int group, String tenant, Silence silence, Instant now);

  /** The notification log entry a {@code NotifyDone} entry wrote. */
  void notificationLogged(int group, String tenant, NotificationLog.Entry entry, Instant now);

  /** The silences and log of a tenant after a {@code LoadState} entry merged the bucket's state into them. */
  void stateLoaded(int group, String tenant, List<Silence> silences, List<NotificationLog.Entry> log, Instant now);

  /** Alerts a {@code PostAlerts} entry dropped because it brought a lower alert limit (the newest beyond it). */
  default void alertsDropped(int group, String tenant, List<Alert> dropped, Instant now) {}

  /**
   * The tenant's part of the group was dropped by a {@code Collect} entry: it held no alerts, no silences, no log
   * entries and no open intents (all past their retention).
   */
  default void tenantDropped(int group, String tenant, Instant now) {}
}
