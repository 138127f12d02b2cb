package io.narthex.ingester.raft;

import static org.assertj.core.api.Assertions.assertThat;

import io.narthex.ingester.ring.RingView;
import io.narthex.ingester.ring.ShardMap;
import java.nio.file.Path;
import java.util.Objects;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.ratis.protocol.RaftPeerId;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Leadership moves on three real Raft replicas on loopback: a leader stopping for a rolling restart hands its shard
 * to a replica that is up, and each shard ends up led by its preferred replica ({@link PreferredLeaders}).
 */
class LeadershipTransferTest {
  // Production's 1 s election timeout: the test reads who leads between its waits, and 300 ms re-elects on a GC stall.
  private static final RaftOptions OPTIONS = new RaftOptions(Duration.ofSeconds(1), 10_000, Duration.ofSeconds(10));

  @TempDir
  Path dataDir;

  private final List<IngesterNode> open = new ArrayList<>();

  @AfterEach
  void closeAll() {
    open.reversed().forEach(IngesterNode::close);
  }

  @Test
  void theLeaderSkipsAStoppedReplicaForOneThatIsUp() throws Exception {
    ShardMap shardMap = TestIngesters.shardMap(3);
    for (ShardMap.Node node : shardMap.nodes()) {
      open.add(IngesterNode.start(shardMap, node.id(), dataDir.resolve(node.id()), OPTIONS));
    }
    // The shard's preferred replica leads it, so no move to it races the hand-over below.
    Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> open.stream().allMatch(IngesterNode::ready)
        && leaderOf(0) == open.getFirst());
    IngesterNode leader = open.getFirst();
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
    ShardMap shardMap = TestIngesters.shardMap(3);
    for (ShardMap.Node node : shardMap.nodes()) {
      open.add(IngesterNode.start(shardMap, node.id(), dataDir.resolve(node.id()), OPTIONS));
    }
    Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> leaderOf(0) == open.getFirst());
    IngesterNode follower = open.getLast();

    assertThat(follower.transferLeadership()).isEmpty();
    assertThat(follower.transferTargets(0)).isEmpty();
  }

  @Test
  void shardsLedByOneNodeGoBackToOneLeaderPerNode() throws Exception {
    ShardMap shardMap = TestIngesters.shardMap(3, 3);
    for (ShardMap.Node node : shardMap.nodes()) {
      open.add(IngesterNode.start(shardMap, node.id(), dataDir.resolve(node.id()), OPTIONS));
    }
    Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> open.stream().allMatch(IngesterNode::ready)
        && leaders().stream().allMatch(Objects::nonNull));
    // Whoever won the first elections: pile every shard on the last node, as an unlucky start or a restart does.
    IngesterNode last = open.getLast();
    for (int shard = 0; shard < 3; shard++) {
      int moved = shard;
      Awaitility.await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> leaderOf(moved) == last
          || leaderOf(moved).transfer(moved, RaftPeerId.valueOf(last.nodeId()), 2_000));
    }

    // Within the settle time (3 s here) and a transfer each.
    Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> leaders().equals(open));
    assertThat(leaders()).as("shard i led by node i").containsExactlyElementsOf(open);
  }

  @Test
  void aLeaderYieldsOnlyToAPreferredReplicaThatIsUpAndCaughtUpAfterItSettled() {
    PreferredLeaders preferred = new PreferredLeaders(RingView.of(ShardMap.roundRobin(List.of(
        new ShardMap.Node("a", "h:1", "h:2"), new ShardMap.Node("b", "h:3", "h:4")), 2, 2)), Duration.ofSeconds(1));

    assertThat(preferred.preferred(0)).isEqualTo("a");
    assertThat(preferred.preferred(1)).isEqualTo("b");
    assertThat(preferred.shouldYield(10_000, 100, 50, 50)).isTrue();
    assertThat(preferred.shouldYield(9_999, 100, 50, 50)).as("led for less than 10 election timeouts").isFalse();
    assertThat(preferred.shouldYield(10_000, 1_000, 50, 50)).as("not heard from within an election timeout")
        .isFalse();
    assertThat(preferred.shouldYield(10_000, 100, 49, 50)).as("behind the commit index").isFalse();
  }

  /** The node leading each of the 3 shards, by shard; null where none does yet. */
  private List<IngesterNode> leaders() {
    List<IngesterNode> leaders = new ArrayList<>();
    for (int shard = 0; shard < 3; shard++) {
      leaders.add(leaderOf(shard));
    }
    return leaders;
  }

  private IngesterNode leaderOf(int shard) {
    return open.stream().filter(n -> n.replicaState(shard).getLeader()).findFirst().orElse(null);
  }
}
