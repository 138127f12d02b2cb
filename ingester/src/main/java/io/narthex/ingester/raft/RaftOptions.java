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
 * @param logSegmentBytes size at which a log segment is closed; only closed segments are purged after a snapshot
 * @param installSnapshotRequestTimeout how long a leader waits for a follower's answer to a snapshot chunk; the
 *     leader gives up a snapshot stream, and sends the snapshot again, after 8 times this (Ratis's
 *     {@code raft.grpc.server.install_snapshot.request.timeout} and its element limit of 8), for instance when the
 *     follower died during the transfer
 */
public record RaftOptions(Duration electionTimeout, long snapshotEveryEntries, Duration writeTimeout,
    String listenAddress, TlsFiles serverTls, TlsFiles clientTls, long logSegmentBytes,
    Duration installSnapshotRequestTimeout) {
  /** Log segments of 32 MiB: few files, and a purge frees the log in 32 MiB steps. */
  public static final long DEFAULT_LOG_SEGMENT_BYTES = 32L << 20;
  /** Ratis's default, its RPC request timeout: a snapshot stream to a dead follower is given up after 24s. */
  public static final Duration DEFAULT_INSTALL_SNAPSHOT_REQUEST_TIMEOUT = Duration.ofSeconds(3);

  /** With log segments of {@link #DEFAULT_LOG_SEGMENT_BYTES} and Ratis's snapshot chunk timeout. */
  public RaftOptions(Duration electionTimeout, long snapshotEveryEntries, Duration writeTimeout,
      String listenAddress, TlsFiles serverTls, TlsFiles clientTls) {
    this(electionTimeout, snapshotEveryEntries, writeTimeout, listenAddress, serverTls, clientTls,
        DEFAULT_LOG_SEGMENT_BYTES, DEFAULT_INSTALL_SNAPSHOT_REQUEST_TIMEOUT);
  }

  /** These options with log segments closed at {@code bytes}. */
  public RaftOptions withLogSegmentBytes(long bytes) {
    return new RaftOptions(electionTimeout, snapshotEveryEntries, writeTimeout, listenAddress, serverTls, clientTls,
        bytes, installSnapshotRequestTimeout);
  }

  /** These options with another snapshot chunk timeout (tests whose followers die during a snapshot transfer). */
  public RaftOptions withInstallSnapshotRequestTimeout(Duration timeout) {
    return new RaftOptions(electionTimeout, snapshotEveryEntries, writeTimeout, listenAddress, serverTls, clientTls,
        logSegmentBytes, timeout);
  }

  /** Plaintext on all interfaces. */
  public RaftOptions(Duration electionTimeout, long snapshotEveryEntries, Duration writeTimeout) {
    this(electionTimeout, snapshotEveryEntries, writeTimeout, "", null, null);
  }

  public static RaftOptions defaults() {
    return new RaftOptions(Duration.ofSeconds(1), 20_000, Duration.ofSeconds(15));
  }
}
