package io.narthex.ingester.ring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RingPlannerTest {
  private static List<ShardMap.Node> nodes(int count) {
    List<ShardMap.Node> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      out.add(new ShardMap.Node("n" + i, "h:" + i, "h:" + (100 + i)));
    }
    return out;
  }

  private static RingState ring(ShardMap map) {
    return RingState.EMPTY.apply(new RingCommand.Seed(map));
  }

  private static RingState applied(RingState ring, List<RingState.Move> moves) {
    for (RingState.Move move : moves) {
      ring = ring.apply(new RingCommand.MoveStarted(move)).apply(new RingCommand.MoveDone(move));
    }
    return ring;
  }

  private static Map<String, Integer> load(RingState ring) {
    Map<String, Integer> load = new HashMap<>();
    ring.nodes().forEach(n -> load.put(n.id(), 0));
    ring.shards().forEach(replicas -> replicas.forEach(r -> load.merge(r, 1, Integer::sum)));
    return load;
  }

  @Test
  void aJoinedNodeGetsItsShareAndNoNodeHoldsTwoMoreThanAnother() {
    List<ShardMap.Node> five = nodes(5);
    RingState three = ring(ShardMap.roundRobin(five.subList(0, 3), 3, 3));
    RingState four = three.apply(new RingCommand.Join(five.get(3)));
    List<RingState.Move> toFour = RingPlanner.forJoin(four, "n3");
    RingState grown = applied(four, toFour);
    // 9 replicas on 4 nodes: 3, 2, 2, 2.
    assertThat(toFour).hasSize(2);
    assertThat(load(grown).values()).containsExactlyInAnyOrder(3, 2, 2, 2);

    RingState five5 = grown.apply(new RingCommand.Join(five.get(4)));
    RingState grownAgain = applied(five5, RingPlanner.forJoin(five5, "n4"));
    assertThat(load(grownAgain).get("n4")).isEqualTo(1);
    assertThat(load(grownAgain).values()).allMatch(count -> count >= 1 && count <= 2);
    for (List<String> replicas : grownAgain.shards()) {
      assertThat(replicas).doesNotHaveDuplicates().hasSize(3);
    }
  }

  @Test
  void aLeavingNodesReplicasGoToTheLeastLoadedNodesThatLackTheShard() {
    List<ShardMap.Node> four = nodes(4);
    RingState ring = ring(ShardMap.roundRobin(four, 4, 3));
    List<RingState.Move> moves = RingPlanner.forLeave(ring, "n0");
    RingState shrunk = applied(ring, moves).apply(new RingCommand.Leave("n0"));

    assertThat(moves).extracting(RingState.Move::from).containsOnly("n0");
    assertThat(shrunk.nodes()).extracting(ShardMap.Node::id).containsExactly("n1", "n2", "n3");
    for (List<String> replicas : shrunk.shards()) {
      assertThat(replicas).containsExactlyInAnyOrder("n1", "n2", "n3");
    }
    assertThatThrownBy(() -> RingPlanner.forLeave(shrunk, "n1")).hasMessageContaining("add a node first");
  }

  @Test
  void aLeavingNodeTakesNoReplicaOfAnotherLeavingNode() {
    // n3 holds nothing, so it would be the target, but it leaves too: n0's replica goes to n2.
    RingState ring = ring(new ShardMap(nodes(4), List.of(List.of("n0", "n1"), List.of("n1", "n2"))))
        .apply(new RingCommand.LeaveAsked("n3")).apply(new RingCommand.LeaveAsked("n0"));
    assertThat(RingPlanner.forLeave(ring, "n0")).containsExactly(new RingState.Move(0, "n0", "n2"));
  }
}
