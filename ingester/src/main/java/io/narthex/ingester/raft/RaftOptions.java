package io.narthex.ingester.raft;

import java.time.Duration;

/**
 * Tuning and transport of the shards' Raft groups.
 *
 * @param electionTimeout lower bound of the randomized election timeout (the upper is twice it): how long a
 *     follower waits without hearing from a leader before it stands for election
 * @param snapshotEveryEntries take a snapshot of a shard's heads after this many applied log entries, then purge
 *     the log before it
 * @param writeTimeout how long the distributor waits for a shard's quorum before answering 5xx
 * @param listenAddress the address the Raft server binds; empty for all interfaces
 * @param serverTls mutual TLS of the Raft server, also used for its calls to the other replicas; null for
 *     plaintext
 * @param clientTls mutual TLS of the Raft clients (distributor writes, shipper entries, leadership transfer);
 *     null for plaintext
 */
public record RaftOptions(Duration electionTimeout, long snapshotEveryEntries, Duration writeTimeout,
    String listenAddress, TlsFiles serverTls, TlsFiles clientTls) {

  /** Plaintext on all interfaces. */
  public RaftOptions(Duration electionTimeout, long snapshotEveryEntries, Duration writeTimeout) {
    this(electionTimeout, snapshotEveryEntries, writeTimeout, "", null, null);
  }

  public static RaftOptions defaults() {
    return new RaftOptions(Duration.ofSeconds(1), 20_000, Duration.ofSeconds(15));
  }
}
