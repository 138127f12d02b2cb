package io.narthex.alertmanager.replication;

import io.narthex.alertmanager.dispatch.NotificationLog;
import java.time.Instant;
import java.util.Set;

/**
 * A notification the group's leader is about to send, committed before the send: until a {@code NotifyDone} or
 * {@code NotifyAbandoned} entry names it, its fate is in doubt, and the next leader finds it among the open intents.
 * Done, it becomes the notification log entry of {@code groupKey} and {@code receiver}.
 *
 * @param intentId a UUID the proposer draws
 * @param firing fingerprints of the firing alerts to notify
 * @param resolved fingerprints of the resolved alerts to notify
 * @param createdAt the applied time of the entry that opened it; null in a proposal
 */
public record NotifyIntent(String intentId, String groupKey, NotificationLog.Receiver receiver, Set<Long> firing,
    Set<Long> resolved, Instant createdAt) {
  public NotifyIntent {
    firing = Set.copyOf(firing);
    resolved = Set.copyOf(resolved);
  }

  NotifyIntent createdAt(Instant at) {
    return new NotifyIntent(intentId, groupKey, receiver, firing, resolved, at);
  }
}
