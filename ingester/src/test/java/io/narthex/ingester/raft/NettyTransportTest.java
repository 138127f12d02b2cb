package io.narthex.ingester.raft;

import static org.assertj.core.api.Assertions.assertThat;

import io.narthex.ingester.ring.ShardMap;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shards' Raft groups on Ratis's Netty transport ({@link RaftOptions.Transport#NETTY}, not the default): the
 * distributor's unordered writes commit on three replicas, and go on committing on the new leader once the leader
 * stops. The other Raft tests run on the default transport, gRPC.
 */
class NettyTransportTest {
  private static final RaftOptions OPTIONS = new RaftOptions(Duration.ofMillis(300), 10_000, Duration.ofSeconds(10))
      .withTransport(RaftOptions.Transport.NETTY);
  private static final long T0_MS = 1_700_000_000_000L;

  @TempDir
  Path dataDir;

  private TestIngesters ingesters;

  @AfterEach
  void closeAll() throws Exception {
    ingesters.close();
  }

  @Test
  void writesCommitOnEveryReplicaAndOnTheNewLeaderAfterTheLeaderStops() throws Exception {
    ingesters = new TestIngesters(dataDir);
    ShardMap shardMap = TestIngesters.shardMap(3);
    List<IngesterNode> nodes = ingesters.startAll(shardMap, OPTIONS);
    Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> nodes.stream().allMatch(IngesterNode::ready));
    RaftShardWriter writer = ingesters.closeAfter(new RaftShardWriter(shardMap, 0, OPTIONS));

    for (int id = 0; id < 20; id++) {
      assertThat(TestIngesters.push(writer, "team-a", "up", id, T0_MS).getAcceptedSamples()).isEqualTo(1);
    }
    Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(nodes).allSatisfy(node ->
        assertThat(node.status().getFirst().seriesPerTenant()).isEqualTo(Map.of("team-a", 20L))));

    // Read once elected: with 300 ms elections a stalled JVM may be between leaders at any instant.
    IngesterNode leader = Awaitility.await().atMost(Duration.ofSeconds(10))
        .until(() -> nodes.stream().filter(node -> node.replicaState(0).getLeader()).findFirst(),
            java.util.Optional::isPresent).orElseThrow();
    leader.close();
    List<IngesterNode> rest = nodes.stream().filter(node -> node != leader).toList();
    for (int id = 20; id < 30; id++) {
      assertThat(TestIngesters.push(writer, "team-a", "up", id, T0_MS).getAcceptedSamples()).isEqualTo(1);
    }
    Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(rest).allSatisfy(node ->
        assertThat(node.status().getFirst().seriesPerTenant()).isEqualTo(Map.of("team-a", 30L))));
  }
}
