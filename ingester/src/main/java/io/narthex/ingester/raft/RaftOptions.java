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
 *     follower died during the transfer (gRPC transport only: Netty's leader waits for each chunk's answer as
 *     for any request, Ratis's {@code raft.server.rpc.request.timeout})
 * @param transport how Raft servers and clients talk: every process of a cluster must use the same one
 */
public record RaftOptions(Duration electionTimeout, long snapshotEveryEntries, Duration writeTimeout,
    String listenAddress, TlsFiles serverTls, TlsFiles clientTls, long logSegmentBytes,
    Duration installSnapshotRequestTimeout, Transport transport) {
  /** Log segments of 32 MiB: few files, and a purge frees the log in 32 MiB steps. */
  public static final long DEFAULT_LOG_SEGMENT_BYTES = 32L << 20;
  /** Ratis's default, its RPC request timeout: a snapshot stream to a dead follower is given up after 24s. */
  public static final Duration DEFAULT_INSTALL_SNAPSHOT_REQUEST_TIMEOUT = Duration.ofSeconds(3);
  /**
   * The transport without TLS: gRPC. Netty took the RF=3 cluster's CPU per sample from 13.7 to 11.9 s per million
   * samples in one run each (docs/performance.md, goal 1, session 32), but Ratis 3.3's Netty server answers every
   * request on one of its event-loop threads and holds it until the answer, a client's write until it commits: with
   * many writers those threads can all wait on commits that need appends queued behind them on the other replicas.
   */
  public static final Transport DEFAULT_TRANSPORT = Transport.GRPC;

  /** Ratis's RPC transports (Ratis's {@code raft.rpc.type}). */
  public enum Transport {
    /**
     * Ratis's gRPC transport: HTTP/2 streams, a leader streams appends to a follower without waiting for each
     * answer; mutual TLS.
     */
    GRPC,
    /**
     * Ratis's Netty transport: length-prefixed protobuf messages over one TCP connection per peer, each request
     * answered in turn on the connection's event-loop thread, which waits for it (a write until it commits); a
     * leader sends a follower one batch of entries at a time; no TLS. Less framing and fewer thread hand-offs per
     * message than gRPC's HTTP/2. Every process of a cluster must run the same transport: a change is a restart of
     * all of them, not a rolling one.
     */
    NETTY
  }

  public RaftOptions {
    if (transport == Transport.NETTY && (serverTls != null || clientTls != null)) {
      throw new IllegalArgumentException("Ratis's Netty transport has no TLS: use the gRPC transport with TLS");
    }
  }

  /**
   * With log segments of {@link #DEFAULT_LOG_SEGMENT_BYTES}, Ratis's snapshot chunk timeout, and
   * {@link #DEFAULT_TRANSPORT}, or gRPC when either TLS is set.
   */
  public RaftOptions(Duration electionTimeout, long snapshotEveryEntries, Duration writeTimeout,
      String listenAddress, TlsFiles serverTls, TlsFiles clientTls) {
    this(electionTimeout, snapshotEveryEntries, writeTimeout, listenAddress, serverTls, clientTls,
        DEFAULT_LOG_SEGMENT_BYTES, DEFAULT_INSTALL_SNAPSHOT_REQUEST_TIMEOUT,
        serverTls == null && clientTls == null ? DEFAULT_TRANSPORT : Transport.GRPC);
  }

  /** These options with log segments closed at {@code bytes}. */
  public RaftOptions withLogSegmentBytes(long bytes) {
    return new RaftOptions(electionTimeout, snapshotEveryEntries, writeTimeout, listenAddress, serverTls, clientTls,
        bytes, installSnapshotRequestTimeout, transport);
  }

  /** These options with another snapshot chunk timeout (tests whose followers die during a snapshot transfer). */
  public RaftOptions withInstallSnapshotRequestTimeout(Duration timeout) {
    return new RaftOptions(electionTimeout, snapshotEveryEntries, writeTimeout, listenAddress, serverTls, clientTls,
        logSegmentBytes, timeout, transport);
  }

  /** These options on another transport. */
  public RaftOptions withTransport(Transport transport) {
    return new RaftOptions(electionTimeout, snapshotEveryEntries, writeTimeout, listenAddress, serverTls, clientTls,
        logSegmentBytes, installSnapshotRequestTimeout, transport);
  }

  /** Plaintext on all interfaces. */
  public RaftOptions(Duration electionTimeout, long snapshotEveryEntries, Duration writeTimeout) {
    this(electionTimeout, snapshotEveryEntries, writeTimeout, "", null, null);
  }

  public static RaftOptions defaults() {
    return new RaftOptions(Duration.ofSeconds(1), 20_000, Duration.ofSeconds(15));
  }
}
