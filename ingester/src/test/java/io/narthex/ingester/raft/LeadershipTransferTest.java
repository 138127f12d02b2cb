package io.narthex.ingester.raft;

import static org.assertj.core.api.Assertions.assertThat;

import io.narthex.ingester.ring.ShardMap;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A leader stopping for a rolling restart hands its shard to a replica that is up: three real Raft replicas of one
 * shard on loopback, one of the followers stopped.
 */
class LeadershipTransferTest {
  private static final RaftOptions OPTIONS = new RaftOptions(Duration.ofMillis(300), 10_000, Duration.ofSeconds(10));

  @TempDir
  Path dataDir;

  private final List<IngesterNode> open = new ArrayList<>();

  @AfterEach
  void closeAll() {
    open.reversed().forEach(IngesterNode::close);
  }

  @Test
  void theLeaderSkipsAStoppedReplicaForOneThatIsUp() throws Exception {
    ShardMap shardMap = IngesterNodeRestartTest.shardMap(3);
    for (ShardMap.Node node : shardMap.nodes()) {
      open.add(IngesterNode.start(shardMap, node.id(), dataDir.resolve(node.id()), OPTIONS));
    }
    Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> open.stream().allMatch(IngesterNode::ready)
        && open.stream().anyMatch(n -> n.replicaState(0).getLeader()));
    IngesterNode leader = open.stream().filter(n -> n.replicaState(0).getLeader()).findFirst().orElseThrow();
    // The first other replica in the shard's order is the one a naive hand-over would pick: stop it.
    List<IngesterNode> followers = open.stream().filter(n -> n != leader).toList();
    IngesterNode stopped = followers.getFirst();
    IngesterNode up = followers.getLast();
    stopped.close();
    open.remove(stopped);
    // Past an election timeout the leader counts the stopped replica as not heard from.
    Awaitility.await().atMost(Duration.ofSeconds(10))
        .until(() -> leader.transferTargets(0).equals(List.of(
            org.apache.ratis.protocol.RaftPeerId.valueOf(up.nodeId()),
            org.apache.ratis.protocol.RaftPeerId.valueOf(stopped.nodeId()))));

    Map<Integer, String> handedTo = leader.transferLeadership();

    assertThat(handedTo).containsExactly(Map.entry(0, up.nodeId()));
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> up.replicaState(0).getLeader());
    assertThat(leader.replicaState(0).getLeader()).isFalse();
  }

  @Test
  void aNodeLeadingNothingHandsNothingOver() throws Exception {
    ShardMap shardMap = IngesterNodeRestartTest.shardMap(3);
    for (ShardMap.Node node : shardMap.nodes()) {
      open.add(IngesterNode.start(shardMap, node.id(), dataDir.resolve(node.id()), OPTIONS));
    }
    Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> open.stream().anyMatch(n -> n.replicaState(0)
        .getLeader()));
    IngesterNode follower = open.stream().filter(n -> !n.replicaState(0).getLeader()).findFirst().orElseThrow();

    assertThat(follower.transferLeadership()).isEmpty();
    assertThat(follower.transferTargets(0)).isEmpty();
  }
}
