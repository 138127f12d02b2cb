package io.narthex.app;

import io.grpc.ManagedChannel;
import io.narthex.common.HashRing;
import io.narthex.storegateway.StoreGateway;
import io.narthex.storegateway.client.BlocksStoreReader;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The querier's channels to the store-gateways, and the ring its {@link BlocksStoreReader} asks them by. When the
 * store-gateway ring follows the ingester ring ({@link #update}), a gateway that joins gets a channel at once; one that
 * left keeps its channel for the gateways' handover ({@link StoreGateway#DEFAULT_RING_HANDOVER}), since it serves
 * the blocks it gave up until then and the reader asks it for any block no owner held; then the reader stops asking
 * it, and the channel closes once the queries that could still be using it have timed out.
 */
final class StoreGatewayChannels implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(StoreGatewayChannels.class);

  /** Opens a channel to a gateway at its gRPC address; closed here. */
  @FunctionalInterface
  interface Opener {
    ManagedChannel open(String gatewayId, String address);
  }

  private record Gateway(String address, ManagedChannel channel) {}

  /** One departure of a gateway from the ring; compared by identity, so a later one is told apart. */
  private static final class Departure {
    private final Gateway gateway;

    Departure(Gateway gateway) {
      this.gateway = gateway;
    }

    Gateway gateway() {
      return gateway;
    }
  }

  private final Opener opener;
  private final int replicationFactor;
  private final Duration handover;
  private final Duration queryTimeout;
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
      Thread.ofPlatform().daemon().name("store-gateway-channels").factory());
  /** Guarded by this: the ring's gateways, in ring order. */
  private final Map<String, Gateway> members = new LinkedHashMap<>();
  /** Guarded by this: gateways that left the ring, until their handover ends. */
  private final Map<String, Departure> leaving = new LinkedHashMap<>();
  /** Guarded by this: channels no longer used, closed once the queries that took them have timed out. */
  private final java.util.Set<ManagedChannel> closing = new java.util.HashSet<>();
  /** Guarded by this; null until {@link #follow}. */
  private BlocksStoreReader reader;
  private boolean closed;

  /**
   * @param gateways the ring's gateways by id, in ring order, with their gRPC addresses; not empty
   * @param queryTimeout how long a query may still use a channel after the reader stopped asking its gateway
   */
  StoreGatewayChannels(Opener opener, Map<String, String> gateways, int replicationFactor, Duration handover,
      Duration queryTimeout) {
    this.opener = opener;
    this.replicationFactor = replicationFactor;
    this.handover = handover;
    this.queryTimeout = queryTimeout;
    gateways.forEach((id, address) -> members.put(id, new Gateway(address, opener.open(id, address))));
  }

  /** The ring of the gateways now, each block owned by the replication factor of them, or all when fewer. */
  synchronized HashRing ring() {
    List<String> ids = List.copyOf(members.keySet());
    return new HashRing(ids, Math.min(replicationFactor, ids.size()));
  }

  /** A channel to each gateway of the ring, and to each that left it and is still handing its blocks over. */
  synchronized Map<String, ManagedChannel> channels() {
    Map<String, ManagedChannel> out = new LinkedHashMap<>();
    members.forEach((id, gateway) -> out.put(id, gateway.channel()));
    leaving.forEach((id, departure) -> out.putIfAbsent(id, departure.gateway().channel()));
    return out;
  }

  /** Keeps {@code blocksReader}'s ring and channels up to date from now on. */
  synchronized void follow(BlocksStoreReader blocksReader) {
    this.reader = blocksReader;
    blocksReader.updateRing(ring(), channels());
  }

  /**
   * Takes the ring's gateways now (by id, in ring order, with their gRPC addresses): opens channels to new ones,
   * starts the handover of those that left, and tells the reader. An empty ring is ignored (the ingester ring always
   * has a node). Quick, for a ring listener.
   */
  synchronized void update(Map<String, String> gateways) {
    if (closed || gateways.isEmpty() || sameMembers(gateways)) {
      return;
    }
    Map<String, Gateway> previous = new LinkedHashMap<>(members);
    members.clear();
    for (Map.Entry<String, String> entry : gateways.entrySet()) {
      String id = entry.getKey();
      Departure back = leaving.remove(id);
      Gateway known = previous.remove(id);
      if (known == null && back != null) {
        known = back.gateway();
      }
      if (known != null && known.address().equals(entry.getValue())) {
        members.put(id, known);
      } else {
        members.put(id, new Gateway(entry.getValue(), opener.open(id, entry.getValue())));
        if (known != null) {
          closeLater(known.channel()); // Moved to another address: the old one serves nothing now.
        }
      }
    }
    for (Map.Entry<String, Gateway> left : previous.entrySet()) {
      Departure departure = new Departure(left.getValue());
      leaving.put(left.getKey(), departure);
      schedule(() -> endHandover(left.getKey(), departure), handover);
    }
    log.info("store-gateway ring changed: gateways={} leaving={}", members.keySet(), leaving.keySet());
    if (reader != null) {
      reader.updateRing(ring(), channels());
    }
  }

  private boolean sameMembers(Map<String, String> gateways) {
    if (!List.copyOf(gateways.keySet()).equals(List.copyOf(members.keySet()))) {
      return false;
    }
    for (Map.Entry<String, String> entry : gateways.entrySet()) {
      if (!members.get(entry.getKey()).address().equals(entry.getValue())) {
        return false;
      }
    }
    return true;
  }

  /** The handover of a gateway that left ended: the reader stops asking it, unless it came back meanwhile. */
  private synchronized void endHandover(String id, Departure departure) {
    if (closed || !leaving.remove(id, departure)) {
      return;
    }
    if (reader != null) {
      reader.updateRing(ring(), channels());
    }
    closeLater(departure.gateway().channel());
  }

  /** Closes a channel the reader no longer uses once the queries that took it before have timed out. */
  private void closeLater(ManagedChannel channel) {
    closing.add(channel);
    schedule(() -> {
      synchronized (this) {
        closing.remove(channel);
      }
      channel.shutdownNow();
    }, queryTimeout);
  }

  private void schedule(Runnable task, Duration delay) {
    try {
      timer.schedule(task, delay.toMillis(), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      // Closed: close() shuts every channel down.
    }
  }

  /** Closes every channel now. */
  @Override
  public synchronized void close() {
    closed = true;
    timer.shutdownNow();
    members.values().forEach(gateway -> gateway.channel().shutdownNow());
    leaving.values().forEach(departure -> departure.gateway().channel().shutdownNow());
    closing.forEach(ManagedChannel::shutdownNow);
  }
}
