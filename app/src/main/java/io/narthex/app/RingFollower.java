package io.narthex.app;

import io.narthex.compactor.Compactor;
import io.narthex.ingester.ring.RingState;
import io.narthex.ingester.ring.RingView;
import io.narthex.storegateway.StoreGateway;
import java.util.List;
import java.util.function.Consumer;

/**
 * A component following the ingester ring: it is given the ring as the view has it now, then each later ring, in
 * version order (a listener may run while the current ring is read; an older ring never follows a newer one).
 */
final class RingFollower implements AutoCloseable {
  private final RingView view;
  private final Consumer<RingState> onChange;
  private final Consumer<RingState> listener = this::offer;
  /** Guarded by this; -1 before the first ring. */
  private long version = -1;

  private RingFollower(RingView view, Consumer<RingState> onChange) {
    this.view = view;
    this.onChange = onChange;
  }

  /**
   * Calls {@code onChange} with the view's ring now, on this thread, then with each later one, on the thread that
   * updates the view.
   *
   * @param onChange quick, must not throw (see {@link RingView#addListener})
   */
  static RingFollower follow(RingView view, Consumer<RingState> onChange) {
    RingFollower follower = new RingFollower(view, onChange);
    view.addListener(follower.listener);
    follower.offer(view.state());
    return follower;
  }

  /** A store-gateway whose ring is the ingester ring's nodes, each block held by {@code replicationFactor} of them. */
  static RingFollower storeGateway(RingView view, StoreGateway gateway, int replicationFactor) {
    return follow(view, state -> gateway.updateRing(List.copyOf(RingConfig.storeGatewaysOf(state).keySet()),
        replicationFactor));
  }

  /** The querier's channels to the store-gateways, when their ring is the ingester ring's nodes. */
  static RingFollower storeGatewayChannels(RingView view, StoreGatewayChannels channels) {
    return follow(view, state -> channels.update(RingConfig.storeGatewaysOf(state)));
  }

  /** A compactor whose ring is the ingester ring's node ids. */
  static RingFollower compactor(RingView view, Compactor compactor) {
    return follow(view, state -> compactor.updateRing(RingConfig.compactorsOf(state)));
  }

  private synchronized void offer(RingState state) {
    if (state.version() <= version) {
      return;
    }
    version = state.version();
    onChange.accept(state);
  }

  /** Stops following. */
  @Override
  public void close() {
    view.removeListener(listener);
  }
}
