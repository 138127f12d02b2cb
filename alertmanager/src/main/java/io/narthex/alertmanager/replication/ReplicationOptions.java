package io.narthex.alertmanager.replication;

import java.time.Duration;

/**
 * Tuning of the tenant-state groups.
 *
 * @param electionTimeout lower bound of the randomized election timeout (the upper is twice it)
 * @param snapshotEveryEntries take a snapshot of a group's state after this many applied entries, then purge the
 *     log before it
 * @param requestTimeout how long a write or a linearizable read waits for the group before it fails with
 *     {@link StateUnavailableException}
 * @param retention how long expired silences and notification log entries are kept (Alertmanager's
 *     {@code --data.retention}); must be the same on every node
 * @param maxEntryBytes the largest log entry: a change whose entry is larger is refused before it is proposed
 * @param listenAddress the address the Raft server binds; empty for all interfaces
 */
public record ReplicationOptions(Duration electionTimeout, long snapshotEveryEntries, Duration requestTimeout,
    Duration retention, int maxEntryBytes, String listenAddress) {
  /** 4 MiB: thousands of alerts in one post. */
  public static final int DEFAULT_MAX_ENTRY_BYTES = 4 << 20;

  public ReplicationOptions {
    if (maxEntryBytes < 1024) {
      throw new IllegalArgumentException("the largest alertmanager state entry must be at least 1024 bytes, not "
          + maxEntryBytes);
    }
  }

  /** A 1s election timeout, a snapshot every 10,000 entries, 15s requests, 120h retention, 4 MiB entries. */
  public static ReplicationOptions defaults() {
    return new ReplicationOptions(Duration.ofSeconds(1), 10_000, Duration.ofSeconds(15), Duration.ofHours(120),
        DEFAULT_MAX_ENTRY_BYTES, "");
  }
}
