package io.narthex.ingester.ring;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RingViewTest {
  private static final ShardMap.Node A = new ShardMap.Node("a", "127.0.0.1:9201", "127.0.0.1:9301");
  private static final ShardMap.Node B = new ShardMap.Node("b", "127.0.0.1:9202", "127.0.0.1:9302");
  private static final ShardMap.Node C = new ShardMap.Node("c", "127.0.0.1:9203", "127.0.0.1:9303");

  @Test
  void aProcessListsItsOwnNodeAtItsAddressesNowWhateverTheRingStillSays() {
    ShardMap.Node restartedA = new ShardMap.Node("a", "127.0.0.1:19201", "127.0.0.1:19301");
    ShardMap configured = ShardMap.roundRobin(List.of(restartedA, B, C), 3, 2);
    RingView view = RingView.of(configured);
    view.keepOwnAddresses(restartedA);
    List<RingState> told = new ArrayList<>();
    view.addListener(told::add);

    // The ring group's replica replays the ring from before the restart, with a's old addresses.
    RingState replayed = RingState.EMPTY.apply(new RingCommand.Seed(ShardMap.roundRobin(List.of(A, B, C), 3, 2)));
    assertThat(view.update(replayed)).isTrue();
    assertThat(view.state().nodes()).containsExactly(restartedA, B, C);
    assertThat(view.state().version()).isEqualTo(replayed.version());

    // Another node's new addresses are the ring's; a's own once the ring has them.
    ShardMap.Node movedB = new ShardMap.Node("b", "127.0.0.1:19202", "127.0.0.1:19302");
    RingState next = replayed.apply(new RingCommand.Addresses(movedB)).apply(new RingCommand.Addresses(restartedA));
    assertThat(view.update(next)).isTrue();
    assertThat(view.state()).isEqualTo(next);
    assertThat(told).extracting(state -> state.nodes().getFirst()).containsOnly(restartedA);
    assertThat(view.update(replayed)).as("an older ring").isFalse();
  }

  @Test
  void keepingOwnAddressesTellsTheListenersWhenTheViewListedOthers() {
    RingView view = RingView.of(ShardMap.roundRobin(List.of(A, B, C), 3, 2));
    List<RingState> told = new ArrayList<>();
    view.addListener(told::add);
    ShardMap.Node restartedC = new ShardMap.Node("c", "127.0.0.1:19203", "127.0.0.1:19303");

    view.keepOwnAddresses(restartedC);

    assertThat(view.state().nodes()).containsExactly(A, B, restartedC);
    assertThat(told).hasSize(1);
    view.keepOwnAddresses(restartedC);
    assertThat(told).as("nothing changed").hasSize(1);
  }
}
