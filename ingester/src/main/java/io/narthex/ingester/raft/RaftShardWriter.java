package io.narthex.ingester.raft;

import io.narthex.ingester.client.ShardWriter;
import io.narthex.ingester.ring.RingState;
import io.narthex.ingester.ring.RingView;
import io.narthex.ingester.ring.ShardMap;
import io.narthex.proto.ingester.PushResponse;
import io.narthex.proto.ingester.ShardLogEntry;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.narthex.ingester.client.LogFormat;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.client.impl.RaftClientImpl;
import org.apache.ratis.client.impl.UnorderedAsync;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.exceptions.GroupMismatchException;
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
 * <p>Group commit: while {@link #DEFAULT_ENTRIES_IN_FLIGHT} entries are on their way, further pushes wait, and
 * the next entry carries every push that waited (up to {@link #MAX_BATCH_BYTES}), one Raft log entry and one
 * replication round trip for them all ({@link LogFormat#BATCH}). A push alone is sent at once, as one entry of its
 * own. Each push is acknowledged when the entry carrying it commits, with its own answer (its rejected samples, its
 * tenant's series counts, or its refusal), as if it had been its own entry.
 *
 * <p>Each write is an unordered asynchronous Ratis call ({@link UnorderedAsync}, what Ratis's own
 * {@code sendReadOnlyUnordered} uses, here with a write request): its requests share one long-lived gRPC stream to
 * the leader (on {@link RaftOptions.Transport#NETTY}, one connection), where Ratis's blocking API opens a stream per call and holds a thread until the reply. Not the ordered
 * async API ({@code client.async().send}): it keeps one send queue per client, which stays failed for good once a
 * write's retries run out during an outage; unordered calls are independent and recover as soon as a quorum is
 * back. Order between concurrent writes is not needed: a Prometheus queue shard has one request in flight at a time.
 *
 * <p>The writer follows the ring ({@link RingView}): when the shard's replicas change, the next attempts go through a
 * new client on the new replicas; the old client is closed a write timeout later, once its calls are answered.
 */
public final class RaftShardWriter implements ShardWriter {
  /** Entries of one writer on their way at once; more pushes wait and are coalesced into the next entry. */
  static final int DEFAULT_ENTRIES_IN_FLIGHT = 1;
  /** Most bytes of pushes coalesced into one entry (a push larger than this is sent alone). */
  static final int MAX_BATCH_BYTES = 1 << 20;
  private final int shard;
  private volatile RaftClientImpl client;
  private final RingView ring;
  private final java.util.function.Consumer<RingState> ringListener = this::ringChanged;
  /** The replicas {@link #client} writes to; guarded by {@link #lock}. */
  private List<ShardMap.Node> replicas;
  private final RaftOptions options;
  private final DistributionDataPoint commitLatency;
  private final DistributionDataPoint pushesPerEntry;
  private static final long LEADERSHIP_RETRY_SLEEP_MS = 100;
  private final ExecutorService calls;
  private final int entriesInFlight;
  private final Object lock = new Object();
  /** Pushes waiting for an entry; guarded by {@link #lock}. */
  private final ArrayDeque<Pending> waiting = new ArrayDeque<>();
  /** Entries on their way; guarded by {@link #lock}. */
  private int sending;

  /** A push and its caller's future. */
  private record Pending(byte[] entry, long startNanos, CompletableFuture<PushResponse> answer) {}

  public RaftShardWriter(ShardMap shardMap, int shard, RaftOptions options) {
    this(shardMap, shard, options, new RaftWriterMetrics(new PrometheusRegistry()));
  }

  /** @param metrics where the commit latency is observed: the process's, shared by its writers */
  public RaftShardWriter(ShardMap shardMap, int shard, RaftOptions options, RaftWriterMetrics metrics) {
    this(RingView.of(shardMap), shard, options, metrics);
  }

  /** A writer that follows the ring's replicas of the shard. */
  public RaftShardWriter(RingView ring, int shard, RaftOptions options, RaftWriterMetrics metrics) {
    this(ring, shard, options, metrics, Executors.newVirtualThreadPerTaskExecutor(), DEFAULT_ENTRIES_IN_FLIGHT);
  }

  /**
   * @param calls starts each entry's send and each retry (the calls themselves do not block); shut down by
   *     {@link #close}
   * @param entriesInFlight entries on their way at once, at least 1
   */
  RaftShardWriter(ShardMap shardMap, int shard, RaftOptions options, RaftWriterMetrics metrics,
      ExecutorService calls, int entriesInFlight) {
    this(RingView.of(shardMap), shard, options, metrics, calls, entriesInFlight);
  }

  private RaftShardWriter(RingView ring, int shard, RaftOptions options, RaftWriterMetrics metrics,
      ExecutorService calls, int entriesInFlight) {
    this.shard = shard;
    this.commitLatency = metrics.commitLatency.labelValues(Integer.toString(shard));
    this.pushesPerEntry = metrics.pushesPerEntry.labelValues(Integer.toString(shard));
    this.options = options;
    this.calls = calls;
    this.entriesInFlight = Math.max(1, entriesInFlight);
    this.ring = ring;
    synchronized (lock) {
      ShardMap map = ring.shardMap();
      this.replicas = map.replicas(shard);
      this.client = newClient(map);
    }
    ring.addListener(ringListener);
  }

  private RaftClientImpl newClient(ShardMap map) {
    RaftProperties properties = RaftGroups.properties(options.electionTimeout(), options.transport());
    RaftClientConfigKeys.Rpc.setRequestTimeout(properties, TimeDuration.valueOf(3, TimeUnit.SECONDS));
    long sleepMs = 100;
    int attempts = (int) Math.max(1, options.writeTimeout().toMillis() / sleepMs);
    return (RaftClientImpl) RaftGroups.clientBuilder(properties, options.transport())
        .setRaftGroup(RaftGroups.group(map, shard))
        .setParameters(TlsFiles.ratisParameters(options.clientTls()))
        .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(
            attempts, TimeDuration.valueOf(sleepMs, TimeUnit.MILLISECONDS)))
        .build();
  }

  /** On a ring change: a new client when the shard's replicas changed, the old one closed a write timeout later. */
  private void ringChanged(RingState state) {
    ShardMap map = state.shardMap();
    RaftClientImpl old;
    synchronized (lock) {
      List<ShardMap.Node> next = map.replicas(shard);
      if (next.equals(replicas) || calls.isShutdown()) {
        return;
      }
      replicas = next;
      old = client;
      client = newClient(map);
    }
    CompletableFuture.delayedExecutor(options.writeTimeout().toMillis(), TimeUnit.MILLISECONDS).execute(() -> {
      try {
        old.close();
      } catch (IOException e) {
        // Closing a client loses nothing.
      }
    });
  }

  @Override
  public String name() {
    return "shard " + shard;
  }

  /** Sends the push at once, or with the pushes that arrive while this writer's entries are on their way. */
  @Override
  public CompletableFuture<PushResponse> pushEntry(byte[] shardLogEntry) {
    if (!PushBatch.batchable(shardLogEntry)) {
      return submit(shardLogEntry);
    }
    Pending push = new Pending(shardLogEntry, System.nanoTime(), new CompletableFuture<>());
    boolean sendNow;
    synchronized (lock) {
      sendNow = sending < entriesInFlight;
      if (sendNow) {
        sending++;
      } else {
        waiting.add(push);
      }
    }
    if (sendNow) {
      send(List.of(push));
    }
    // Each caller waits at most the write timeout from its own push, queueing included.
    return push.answer.orTimeout(options.writeTimeout().toMillis(), TimeUnit.MILLISECONDS)
        .handle((answer, error) -> {
          if (error != null) {
            throw unavailable(error);
          }
          return answer;
        });
  }

  /** Sends one entry carrying {@code pushes}; when it is answered, the next entry takes the pushes waiting. */
  private void send(List<Pending> pushes) {
    pushesPerEntry.observe(pushes.size());
    // Until the last caller's timeout: each caller's own future times out on its own.
    long deadlineNanos = Long.MIN_VALUE;
    for (Pending push : pushes) {
      deadlineNanos = Math.max(deadlineNanos, push.startNanos + options.writeTimeout().toNanos());
    }
    CompletableFuture<RaftClientReply> reply;
    try {
      byte[] entry = pushes.size() == 1 ? pushes.getFirst().entry
          : PushBatch.entry(pushes.stream().map(Pending::entry).toList());
      reply = call(entry, deadlineNanos);
    } catch (RuntimeException e) {
      reply = CompletableFuture.failedFuture(e);
    }
    reply.whenComplete((answer, error) -> {
      // Free the slot first: answering a caller may run its continuation on this thread.
      sendWaiting();
      List<PushResponse> answers = null;
      RuntimeException failure = null;
      try {
        answers = error != null ? null : answers(answer, pushes.size());
      } catch (RuntimeException e) {
        failure = e;
      }
      long nowNanos = System.nanoTime();
      for (int i = 0; i < pushes.size(); i++) {
        Pending push = pushes.get(i);
        if (answers != null) {
          commitLatency.observe((nowNanos - push.startNanos) / 1e9);
          push.answer.complete(answers.get(i));
        } else {
          push.answer.completeExceptionally(failure != null ? failure : unavailable(error));
        }
      }
    });
  }

  /** Takes the pushes waiting, as many as fit in one entry, and sends them; or frees a slot when none waits. */
  private void sendWaiting() {
    List<Pending> next = new ArrayList<>();
    synchronized (lock) {
      long bytes = 0;
      while (!waiting.isEmpty()) {
        Pending push = waiting.peek();
        if (push.answer.isDone()) {
          // Its caller timed out already and was told to retry.
          waiting.poll();
          continue;
        }
        if (!next.isEmpty() && bytes + push.entry.length > MAX_BATCH_BYTES) {
          break;
        }
        bytes += push.entry.length;
        next.add(waiting.poll());
      }
      if (next.isEmpty()) {
        sending--;
        return;
      }
    }
    send(next);
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
    return call(entry, startNanos + options.writeTimeout().toNanos())
        .handle((reply, error) -> {
          if (error != null) {
            throw unavailable(error);
          }
          PushResponse answer = answers(reply, 1).getFirst();
          commitLatency.observe((System.nanoTime() - startNanos) / 1e9);
          return answer;
        });
  }

  /** The entry's reply once a quorum committed it; fails when the deadline passes first. */
  private CompletableFuture<RaftClientReply> call(byte[] entry, long deadlineNanos) {
    Message message = Message.valueOf(UnsafeByteOperations.unsafeWrap(entry));
    CompletableFuture<RaftClientReply> reply = new CompletableFuture<>();
    calls.execute(() -> attempt(message, deadlineNanos, reply));
    return reply.orTimeout(Math.max(1, (deadlineNanos - System.nanoTime()) / 1_000_000), TimeUnit.MILLISECONDS);
  }

  /**
   * Sends the entry once, unordered and asynchronously: Ratis follows redirects and retries lost connections by the
   * client's retry policy. Leadership moving (a graceful stop, an election) or a replica moved off its node fails the
   * attempt instead, as a reply or as an exception: attempt again after {@link #LEADERSHIP_RETRY_SLEEP_MS} until the
   * deadline. If an attempt did
   * commit, the repeated samples are identical and the heads take them as no-ops.
   */
  private void attempt(Message message, long deadlineNanos, CompletableFuture<RaftClientReply> reply) {
    CompletableFuture<RaftClientReply> sent;
    try {
      sent = UnorderedAsync.send(RaftClientRequest.writeRequestType(), message, null, client);
    } catch (RuntimeException e) {
      sent = CompletableFuture.failedFuture(e);
    }
    sent.whenComplete((answer, error) -> {
      Throwable failure = error != null ? error : answer.isSuccess() ? null : answer.getException();
      if (reply.isDone() || failure == null || !isReplicaChange(failure) || System.nanoTime() >= deadlineNanos) {
        if (error != null) {
          reply.completeExceptionally(error);
        } else {
          reply.complete(answer);
        }
        return;
      }
      CompletableFuture.delayedExecutor(LEADERSHIP_RETRY_SLEEP_MS, TimeUnit.MILLISECONDS, calls)
          .execute(() -> attempt(message, deadlineNanos, reply));
    });
  }

  private ShardUnavailableException unavailable(Throwable error) {
    Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    if (cause instanceof ShardUnavailableException unavailable) {
      return unavailable;
    }
    String why = cause instanceof TimeoutException
        ? "no quorum committed the write within " + options.writeTimeout().toSeconds() + "s (no leader?)"
        : cause.toString();
    return new ShardUnavailableException(name() + " is unavailable: " + why, cause);
  }

  /**
   * Leadership moving, or a replica that no longer holds the shard's group: a move's source removed it before this
   * process's ring showed the move done, and the next attempt goes to the new replicas once the ring does.
   */
  private static boolean isReplicaChange(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof LeaderSteppingDownException || t instanceof NotLeaderException
          || t instanceof LeaderNotReadyException || t instanceof TransferLeadershipException
          || t instanceof GroupMismatchException) {
        return true;
      }
    }
    return false;
  }

  /**
   * The answers to the pushes of an entry of {@code pushes} pushes, in order.
   *
   * @throws ShardUnavailableException when the entry was not committed or the reply is unreadable
   */
  private List<PushResponse> answers(RaftClientReply reply, int pushes) {
    if (!reply.isSuccess()) {
      throw new ShardUnavailableException(name() + " rejected the write: " + reply.getException(),
          reply.getException());
    }
    try {
      return pushes == 1 ? List.of(PushResponse.parseFrom(reply.getMessage().getContent().newInput()))
          : PushBatch.answers(reply.getMessage().getContent(), pushes);
    } catch (IOException e) {
      throw new ShardUnavailableException(name() + " answered with an unreadable reply", e);
    }
  }

  @Override
  public void close() {
    ring.removeListener(ringListener);
    calls.shutdownNow();
    synchronized (lock) {
      for (Pending push : waiting) {
        push.answer.completeExceptionally(new ShardUnavailableException(name() + " is closed", null));
      }
      waiting.clear();
    }
    try {
      client.close();
    } catch (IOException e) {
      // Closing a client loses nothing.
    }
  }
}
