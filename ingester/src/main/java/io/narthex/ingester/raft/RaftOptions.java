package io.narthex.ingester.raft;

import java.time.Duration;

/**
 * Tuning of the shards' Raft groups.
 *
 * @param electionTimeout lower bound of the randomized election timeout (the upper is twice it): how long a
 *     follower waits without hearing from a leader before it stands for election
 * @param snapshotEveryEntries take a snapshot of a shard's heads after this many applied log entries, then purge
 *     the log before it
 * @param writeTimeout how long the distributor waits for a shard's quorum before answering 5xx
 */
public record RaftOptions(Duration electionTimeout, long snapshotEveryEntries, Duration writeTimeout) {
  public static RaftOptions defaults() {
    return new RaftOptions(Duration.ofSeconds(1), 20_000, Duration.ofSeconds(15));
  }
}
