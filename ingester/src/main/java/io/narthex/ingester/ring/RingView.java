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
  /** The process's own ingester node at its addresses now, or null in a process without one. */
  private volatile ShardMap.Node own;

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
   * Lists {@code node}, the process's own ingester node at its addresses now, so in every state this view takes,
   * whatever the ring says of it: after a restart at other addresses, the ring group's ring holds the old ones until
   * the node's {@link RingCommand.Addresses} is applied, and this process's writes must not go there meanwhile.
   */
  public synchronized void keepOwnAddresses(ShardMap.Node node) {
    this.own = node;
    if (state.hasNode(node.id()) && !state.nodes().contains(node)) {
      state = withOwn(state);
      for (Consumer<RingState> listener : listeners) {
        listener.accept(state);
      }
    }
  }

  /**
   * Takes {@code next} when it is newer than the current state, and tells the listeners, in order, on the caller's
   * thread. The process's own node keeps its addresses ({@link #keepOwnAddresses}).
   *
   * @return whether the view changed
   */
  public synchronized boolean update(RingState next) {
    if (!next.isSeeded() || next.version() <= state.version()) {
      return false;
    }
    state = withOwn(next);
    for (Consumer<RingState> listener : listeners) {
      listener.accept(state);
    }
    return true;
  }

  private RingState withOwn(RingState next) {
    ShardMap.Node node = own;
    if (node == null || !next.hasNode(node.id()) || next.nodes().contains(node)) {
      return next;
    }
    List<ShardMap.Node> nodes = new java.util.ArrayList<>(next.nodes());
    nodes.replaceAll(n -> n.id().equals(node.id()) ? node : n);
    return new RingState(next.version(), next.seedVersion(), nodes, next.shards(), next.pendingMoves(),
        next.joining(), next.leaving(), next.lastError());
  }

  /** Calls {@code listener} with every later state; it must be quick and must not throw. */
  public void addListener(Consumer<RingState> listener) {
    listeners.add(listener);
  }

  public void removeListener(Consumer<RingState> listener) {
    listeners.remove(listener);
  }
}
