package io.narthex.ingester.ring;

import io.narthex.ingester.raft.RaftGroups;
import io.narthex.ingester.raft.RaftOptions;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a {@link RingView} up to date in a process that holds no replica of the ring group (a distributor, a
 * querier): every {@link #DEFAULT_INTERVAL} it asks the ring group's leader for the ring (a read-only Ratis query,
 * no log entry) and updates the view when the version is newer. The ring group's peers are first the configured
 * nodes', then the nodes of the ring last learned.
 */
public final class RingPoller implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RingPoller.class);
  /** Mimir's ring clients see a change within a heartbeat of the KV store; one second here. */
  public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(1);

  private final RingView view;
  private final RaftOptions options;
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
      Thread.ofPlatform().daemon().name("ring-poller").factory());
  private RaftClient client;
  private java.util.List<ShardMap.Node> clientNodes;
  private boolean warned;

  public RingPoller(RingView view, RaftOptions options) {
    this.view = view;
    this.options = options;
  }

  /** Polls every {@code interval}, the first time at once. */
  public RingPoller start(Duration interval) {
    timer.scheduleWithFixedDelay(this::poll, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    return this;
  }

  /** Asks the ring group once; a failure leaves the view as it was (logged once until a poll succeeds). */
  void poll() {
    try {
      RaftClientReply reply = client().io().sendReadOnly(Message.EMPTY);
      if (!reply.isSuccess()) {
        throw new IOException(String.valueOf(reply.getException()));
      }
      RingState state = RingState.fromJson(reply.getMessage().getContent().toByteArray());
      if (view.update(state)) {
        log.info("ingester ring now at version {}: shards {}", state.version(), state.shards());
      }
      warned = false;
    } catch (IOException | RuntimeException e) {
      if (!warned) {
        log.warn("cannot read the ingester ring from the ring group (kept version {}): {}", view.state().version(),
            e.toString());
        warned = true;
      }
    }
  }

  private RaftClient client() throws IOException {
    java.util.List<ShardMap.Node> nodes = view.state().nodes();
    if (client == null || !nodes.equals(clientNodes)) {
      if (client != null) {
        client.close();
      }
      client = RaftGroups.client(RaftGroups.ringGroup(nodes), options);
      clientNodes = nodes;
    }
    return client;
  }

  @Override
  public void close() {
    timer.shutdownNow();
    try {
      timer.awaitTermination(5, TimeUnit.SECONDS);
      if (client != null) {
        client.close();
      }
    } catch (IOException | InterruptedException e) {
      // Nothing is lost.
    }
  }
}
