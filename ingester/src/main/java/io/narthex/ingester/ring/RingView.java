package io.narthex.ingester.ring;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The ingester ring as this process last learned it, and who to tell when it changes: on an ingester, its replica
 * of the ring group applies each change here; elsewhere a poller of the ring group does. Starts from the static
 * config's shard map, which is also the ring group's seed.
 */
public final class RingView {
  private volatile RingState state;
  private final List<Consumer<RingState>> listeners = new CopyOnWriteArrayList<>();

  /** A view at {@code initial} until the ring group says otherwise. */
  public RingView(RingState initial) {
    this.state = initial;
  }

  /** A view of a static shard map, at version 0: any ring changed at runtime replaces it. */
  public static RingView of(ShardMap map) {
    return new RingView(new RingState(0, 0, map.nodes(), map.shards(), List.of()));
  }

  public RingState state() {
    return state;
  }

  public ShardMap shardMap() {
    return state.shardMap();
  }

  /**
   * Takes {@code next} when it is newer than the current state and either changed at runtime since its seed or
   * differs from the current shard map, and tells the listeners, in order, on the caller's thread. A ring only
   * seeded with this process's own nodes and replicas changes nothing (its addresses may be older than this process's
   * own); one seeded by another config file (this process started later, with more nodes listed) is the ring, since
   * a seed is never replaced ({@link RingState}).
   *
   * @return whether the view changed
   */
  public synchronized boolean update(RingState next) {
    if (!next.isSeeded() || next.version() <= state.version()) {
      return false;
    }
    // A seeded ring of the same nodes and replicas, whatever their addresses, leaves this process's own: after a
    // restart on other ports the ring still holds the old ones until this node's seed updates them.
    if (!next.changedSinceSeed() && state.isSeeded() && next.sameTopology(state.shardMap())) {
      return false;
    }
    state = next;
    for (Consumer<RingState> listener : listeners) {
      listener.accept(next);
    }
    return true;
  }

  /** Calls {@code listener} with every later state; it must be quick and must not throw. */
  public void addListener(Consumer<RingState> listener) {
    listeners.add(listener);
  }

  public void removeListener(Consumer<RingState> listener) {
    listeners.remove(listener);
  }
}
