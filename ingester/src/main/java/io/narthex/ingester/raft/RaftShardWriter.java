package io.narthex.ingester.raft;

import io.narthex.ingester.client.ShardWriter;
import io.narthex.ingester.ring.ShardMap;
import io.narthex.proto.ingester.PushResponse;
import io.narthex.proto.ingester.ShardLogEntry;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.exceptions.LeaderNotReadyException;
import org.apache.ratis.protocol.exceptions.LeaderSteppingDownException;
import org.apache.ratis.protocol.exceptions.NotLeaderException;
import org.apache.ratis.protocol.exceptions.TransferLeadershipException;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.apache.ratis.util.TimeDuration;

/**
 * Writes a shard's batches through its Raft group: the Ratis client finds the leader (following redirects) and
 * the reply arrives once a quorum has committed the entry and the leader has applied it.
 *
 * <p>Each write is a blocking Ratis call on its own virtual thread. Ratis's ordered async API would keep one send
 * queue per client, which stays failed for good once a write's retries run out during an outage; independent
 * calls recover as soon as a quorum is back. Order between concurrent writes is not needed: a Prometheus queue
 * shard has one request in flight at a time.
 */
public final class RaftShardWriter implements ShardWriter {
  private final int shard;
  private final RaftClient client;
  private final RaftOptions options;
  private final DistributionDataPoint commitLatency;
  private static final long LEADERSHIP_RETRY_SLEEP_MS = 100;
  private final ExecutorService calls = Executors.newVirtualThreadPerTaskExecutor();

  public RaftShardWriter(ShardMap shardMap, int shard, RaftOptions options) {
    this(shardMap, shard, options, new RaftWriterMetrics(new PrometheusRegistry()));
  }

  /** @param metrics where the commit latency is observed: the process's, shared by its writers */
  public RaftShardWriter(ShardMap shardMap, int shard, RaftOptions options, RaftWriterMetrics metrics) {
    this.shard = shard;
    this.commitLatency = metrics.commitLatency.labelValues(Integer.toString(shard));
    this.options = options;
    RaftProperties properties = RaftGroups.properties(options.electionTimeout());
    RaftClientConfigKeys.Rpc.setRequestTimeout(properties, TimeDuration.valueOf(3, TimeUnit.SECONDS));
    long sleepMs = 100;
    int attempts = (int) Math.max(1, options.writeTimeout().toMillis() / sleepMs);
    this.client = RaftClient.newBuilder()
        .setProperties(properties)
        .setRaftGroup(RaftGroups.group(shardMap, shard))
        .setParameters(TlsFiles.ratisParameters(options.clientTls()))
        .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(
            attempts, TimeDuration.valueOf(sleepMs, TimeUnit.MILLISECONDS)))
        .build();
  }

  @Override
  public String name() {
    return "shard " + shard;
  }

  @Override
  public CompletableFuture<PushResponse> pushEntry(byte[] shardLogEntry) {
    return submit(shardLogEntry);
  }

  /**
   * Commits any log entry (a push, a block shipped, a head truncation) through the shard's Raft group.
   *
   * @return the leader's reply once a quorum committed and the leader applied the entry; fails with
   *     {@link ShardUnavailableException} when no quorum committed it within the write timeout
   */
  public CompletableFuture<PushResponse> submit(ShardLogEntry entry) {
    return submit(entry.toByteArray());
  }

  private CompletableFuture<PushResponse> submit(byte[] entry) {
    long startNanos = System.nanoTime();
    Message message = Message.valueOf(UnsafeByteOperations.unsafeWrap(entry));
    long deadlineNanos = startNanos + options.writeTimeout().toNanos();
    return CompletableFuture.supplyAsync(() -> {
          // Leadership moving (a graceful stop, an election) fails the call instead of retrying it, as a reply or
          // as an exception: retry here until the deadline. If an attempt did commit, the repeated samples are
          // identical and the heads take them as no-ops.
          while (true) {
            try {
              RaftClientReply reply = client.io().send(message);
              if (reply.isSuccess() || !isLeadershipChange(reply.getException())
                  || System.nanoTime() >= deadlineNanos) {
                return reply;
              }
            } catch (IOException e) {
              if (!isLeadershipChange(e) || System.nanoTime() >= deadlineNanos) {
                throw new CompletionException(e);
              }
            }
            try {
              Thread.sleep(LEADERSHIP_RETRY_SLEEP_MS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              throw new CompletionException(e);
            }
          }
        }, calls)
        .orTimeout(options.writeTimeout().toMillis(), TimeUnit.MILLISECONDS)
        .handle((reply, error) -> {
          if (error != null) {
            Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                ? error.getCause() : error;
            String why = cause instanceof TimeoutException
                ? "no quorum committed the write within " + options.writeTimeout().toSeconds() + "s (no leader?)"
                : cause.toString();
            throw new ShardUnavailableException(name() + " is unavailable: " + why, cause);
          }
          return parse(reply, startNanos);
        });
  }

  private static boolean isLeadershipChange(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof LeaderSteppingDownException || t instanceof NotLeaderException
          || t instanceof LeaderNotReadyException || t instanceof TransferLeadershipException) {
        return true;
      }
    }
    return false;
  }

  private PushResponse parse(RaftClientReply reply, long startNanos) {
    if (!reply.isSuccess()) {
      throw new ShardUnavailableException(name() + " rejected the write: " + reply.getException(),
          reply.getException());
    }
    commitLatency.observe((System.nanoTime() - startNanos) / 1e9);
    try {
      return PushResponse.parseFrom(reply.getMessage().getContent().newInput());
    } catch (IOException e) {
      throw new ShardUnavailableException(name() + " answered with an unreadable reply", e);
    }
  }

  @Override
  public void close() {
    calls.shutdownNow();
    try {
      client.close();
    } catch (IOException e) {
      // Closing a client loses nothing.
    }
  }
}
