package io.narthex.ingester.ring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class RingStateTest {
  private static final ShardMap.Node A = new ShardMap.Node("a", "127.0.0.1:9201", "127.0.0.1:9301");
  private static final ShardMap.Node B = new ShardMap.Node("b", "127.0.0.1:9202", "127.0.0.1:9302");
  private static final ShardMap.Node C = new ShardMap.Node("c", "127.0.0.1:9203", "127.0.0.1:9303");
  private static final ShardMap.Node D = new ShardMap.Node("d", "127.0.0.1:9204", "127.0.0.1:9304");
  private static final ShardMap THREE = ShardMap.roundRobin(List.of(A, B, C), 3, 2);

  @Test
  void moveReplacesTheSourceInPlaceAndRaisesTheVersionAtEachStep() {
    RingState seeded = RingState.EMPTY.apply(new RingCommand.Seed(THREE));
    RingState.Move move = new RingState.Move(0, "a", "d");
    RingState joined = seeded.apply(new RingCommand.Join(D));
    RingState started = joined.apply(new RingCommand.MoveStarted(move));
    RingState done = started.apply(new RingCommand.MoveDone(move));

    assertThat(List.of(seeded.version(), joined.version(), started.version(), done.version()))
        .containsExactly(1L, 2L, 3L, 4L);
    assertThat(started.pendingMoves()).containsExactly(move);
    assertThat(started.shards()).as("replicas change only when the move is done").isEqualTo(THREE.shards());
    assertThat(done.pendingMoves()).isEmpty();
    assertThat(done.shards().get(0)).containsExactly("d", "b");
    assertThat(done.shards().subList(1, 3)).isEqualTo(THREE.shards().subList(1, 3));
    assertThat(done.shardMap().shardsOf("a")).containsExactly(2);
  }

  @Test
  void refusesCommandsThatDoNotFitTheState() {
    RingState seeded = RingState.EMPTY.apply(new RingCommand.Seed(THREE)).apply(new RingCommand.Join(D));
    RingState.Move move = new RingState.Move(0, "a", "d");
    RingState moving = seeded.apply(new RingCommand.MoveStarted(move));

    assertThatThrownBy(() -> seeded.apply(new RingCommand.Seed(THREE))).hasMessageContaining("seeded already");
    assertThatThrownBy(() -> seeded.apply(new RingCommand.Join(D))).hasMessageContaining("in the ring already");
    assertThatThrownBy(() -> seeded.apply(new RingCommand.Leave("a"))).hasMessageContaining("still holds");
    assertThatThrownBy(() -> seeded.apply(new RingCommand.MoveStarted(new RingState.Move(0, "c", "d"))))
        .hasMessageContaining("no replica on c");
    assertThatThrownBy(() -> seeded.apply(new RingCommand.MoveStarted(new RingState.Move(0, "a", "b"))))
        .hasMessageContaining("has a replica on b already");
    assertThatThrownBy(() -> seeded.apply(new RingCommand.MoveStarted(new RingState.Move(3, "a", "d"))))
        .hasMessageContaining("no shard 3");
    assertThatThrownBy(() -> moving.apply(new RingCommand.MoveStarted(new RingState.Move(0, "b", "d"))))
        .hasMessageContaining("moving already");
    assertThatThrownBy(() -> moving.apply(new RingCommand.Leave("d"))).hasMessageContaining("target of");
    assertThatThrownBy(() -> seeded.apply(new RingCommand.MoveDone(move))).hasMessageContaining("no pending move");
    assertThatThrownBy(() -> RingState.EMPTY.apply(new RingCommand.Join(D))).hasMessageContaining("not seeded");
    assertThat(seeded.apply(new RingCommand.Leave("d")).nodes()).containsExactly(A, B, C);
    assertThat(moving.apply(new RingCommand.MoveAbandoned(move)).shards()).isEqualTo(THREE.shards());
  }

  @Test
  void aJoinAndALeaveAreRecordedUntilTheLeaderFinishesThem() {
    RingState seeded = RingState.EMPTY.apply(new RingCommand.Seed(THREE));
    RingState joining = seeded.apply(new RingCommand.Join(D));
    assertThat(joining.joining()).containsExactly("d");
    assertThat(joining.apply(new RingCommand.Joined("d")).joining()).isEmpty();
    assertThat(seeded.apply(new RingCommand.Join(A)).joining()).as("a member asking for its share").containsExactly("a");
    assertThatThrownBy(() -> seeded.apply(new RingCommand.Join(new ShardMap.Node("a", "h:1", "h:2"))))
        .hasMessageContaining("at other addresses");

    RingState.Move move = new RingState.Move(0, "a", "d");
    RingState abandoned = joining.apply(new RingCommand.MoveStarted(move))
        .apply(new RingCommand.MoveAbandoned(move, "d did not catch up"));
    assertThat(abandoned.lastError()).isEqualTo("shard 0 from a to d: d did not catch up");
    assertThat(abandoned.joining()).as("the join stands: the leader tries again").containsExactly("d");
    RingState done = abandoned.apply(new RingCommand.MoveStarted(move)).apply(new RingCommand.MoveDone(move));
    assertThat(done.lastError()).isEmpty();

    RingState leaving = done.apply(new RingCommand.LeaveAsked("d"));
    assertThat(leaving.leaving()).containsExactly("d");
    assertThat(leaving.joining()).isEmpty();
    assertThatThrownBy(() -> leaving.apply(new RingCommand.MoveStarted(new RingState.Move(1, "b", "d"))))
        .hasMessageContaining("is leaving");
    assertThatThrownBy(() -> leaving.apply(new RingCommand.Join(D))).hasMessageContaining("is leaving");
    RingState.Move back = new RingState.Move(0, "d", "a");
    RingState left = leaving.apply(new RingCommand.MoveStarted(back)).apply(new RingCommand.MoveDone(back))
        .apply(new RingCommand.Leave("d"));
    assertThat(left.leaving()).isEmpty();
    assertThat(left.hasNode("d")).isFalse();
    assertThatThrownBy(() -> seeded.apply(new RingCommand.LeaveAsked("x"))).hasMessageContaining("unknown");
    ShardMap full = ShardMap.roundRobin(List.of(A, B, C), 3, 3);
    assertThatThrownBy(() -> RingState.EMPTY.apply(new RingCommand.Seed(full)).apply(new RingCommand.LeaveAsked("a")))
        .as("a shard would have nowhere to go: refused when asked").hasMessageContaining("add a node first");
  }

  @Test
  void aSeededRingRefusesEverySeedTheSameOrAnother() {
    RingState seeded = RingState.EMPTY.apply(new RingCommand.Seed(THREE));
    // A node started later against the running ring, its config listing one more node.
    ShardMap four = new ShardMap(List.of(A, B, C, D), THREE.shards());

    assertThatThrownBy(() -> seeded.apply(new RingCommand.Seed(THREE))).hasMessageContaining("seeded already")
        .hasMessageContaining("with this ring");
    assertThatThrownBy(() -> seeded.apply(new RingCommand.Seed(four))).hasMessageContaining("with another ring")
        .hasMessageContaining("/ingester/ring/join");
    assertThatThrownBy(() -> seeded.apply(new RingCommand.Seed(ShardMap.roundRobin(List.of(A, B, C, D), 4, 2))))
        .hasMessageContaining("seeded already");
    assertThat(List.of(seeded.version(), seeded.seedVersion())).containsExactly(1L, 1L);
    assertThat(seeded.changedSinceSeed()).isFalse();
    RingState moving = seeded.apply(new RingCommand.MoveStarted(new RingState.Move(0, "a", "c")));
    assertThat(moving.changedSinceSeed()).isTrue();
    assertThat(moving.seedVersion()).isEqualTo(1);
  }

  @Test
  void aNodesNewAddressesAreTakenWhetherOrNotTheRingChangedAtRuntime() {
    RingState seeded = RingState.EMPTY.apply(new RingCommand.Seed(THREE));
    ShardMap.Node movedA = new ShardMap.Node("a", "127.0.0.1:19201", "127.0.0.1:19301");
    ShardMap readdressed = new ShardMap(List.of(movedA, B, C), THREE.shards());
    assertThatThrownBy(() -> seeded.apply(new RingCommand.Seed(readdressed)))
        .as("a seed never changes a seeded ring, addresses included").hasMessageContaining("seeded already")
        .hasMessageContaining("with this ring");

    RingState next = seeded.apply(new RingCommand.Addresses(movedA));
    assertThat(next.nodes()).containsExactly(movedA, B, C);
    assertThat(next.shards()).isEqualTo(THREE.shards());
    assertThat(List.of(next.version(), next.seedVersion())).as("a ring only seeded stays so").containsExactly(2L, 2L);

    RingState.Move move = new RingState.Move(0, "a", "d");
    RingState changed = seeded.apply(new RingCommand.Join(D)).apply(new RingCommand.MoveStarted(move));
    ShardMap.Node movedD = new ShardMap.Node("d", "127.0.0.1:19204", "127.0.0.1:19304");
    RingState after = changed.apply(new RingCommand.Addresses(movedD)).apply(new RingCommand.Addresses(movedA));
    assertThat(after.nodes()).containsExactly(movedA, B, C, movedD);
    assertThat(after.version()).isEqualTo(changed.version() + 2);
    assertThat(after.seedVersion()).isEqualTo(changed.seedVersion());
    assertThat(List.of(after.shards(), after.pendingMoves(), after.joining()))
        .as("addresses change nothing else").containsExactly(changed.shards(), changed.pendingMoves(),
            changed.joining());

    assertThatThrownBy(() -> next.apply(new RingCommand.Addresses(movedA)))
        .hasMessageContaining("at these addresses already");
    assertThatThrownBy(() -> seeded.apply(new RingCommand.Addresses(D))).hasMessageContaining("unknown");
    assertThatThrownBy(() -> RingState.EMPTY.apply(new RingCommand.Addresses(A))).hasMessageContaining("not seeded");
  }

  @Test
  void stateAndCommandsRoundTripThroughJson() throws Exception {
    RingState.Move move = new RingState.Move(1, "b", "d");
    RingState state = RingState.EMPTY.apply(new RingCommand.Seed(THREE)).apply(new RingCommand.Join(D))
        .apply(new RingCommand.MoveStarted(move));
    assertThat(RingState.fromJson(state.toJsonBytes())).isEqualTo(state);
    assertThat(RingState.fromJson(RingState.EMPTY.toJsonBytes())).isEqualTo(RingState.EMPTY);

    List<RingCommand> commands = List.of(new RingCommand.Seed(THREE), new RingCommand.Join(D),
        new RingCommand.Leave("d"), new RingCommand.MoveStarted(move), new RingCommand.MoveDone(move),
        new RingCommand.MoveAbandoned(move, "d did not catch up"), new RingCommand.Joined("d"),
        new RingCommand.LeaveAsked("d"), new RingCommand.Addresses(D),
        new RingCommand.Planned(new RingCommand.MoveDone(move), 7));
    for (RingCommand command : commands) {
      assertThat(RingCommand.fromJson(command.toJsonBytes())).isEqualTo(command);
    }
    assertThatThrownBy(() -> new RingCommand.Planned(new RingCommand.Planned(new RingCommand.Leave("d"), 2), 3))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> RingCommand.fromJson("{\"op\":\"split\"}".getBytes()))
        .hasMessageContaining("unknown ring command split");
  }
}
