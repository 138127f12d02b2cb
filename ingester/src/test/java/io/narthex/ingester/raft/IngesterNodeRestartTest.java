package io.narthex.ingester.raft;

import static org.assertj.core.api.Assertions.assertThat;

import io.narthex.ingester.ring.ShardMap;
import io.narthex.proto.ingester.PushResponse;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.server.storage.RaftStorageImpl;
import org.apache.ratis.server.storage.RaftStorageMetadata;
import org.apache.ratis.server.storage.StorageImplUtils;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replicas stopped before their shard's first election, so before Ratis stored the group's configuration, start
 * again on the same directory and port, elect a leader and take writes.
 */
class IngesterNodeRestartTest {
  private static final String TENANT = "team-a";
  private static final long T0_MS = 1_700_000_000_000L;
  /** Long enough that no election starts before the node is closed. */
  private static final RaftOptions NO_ELECTION = new RaftOptions(Duration.ofMinutes(5), 10_000, Duration.ofSeconds(5));
  private static final RaftOptions NORMAL = new RaftOptions(Duration.ofMillis(300), 10_000, Duration.ofSeconds(10));

  private final Path dataDir;
  @AutoClose
  private final TestIngesters ingesters;

  IngesterNodeRestartTest(@TempDir Path dataDir) {
    this.dataDir = dataDir;
    this.ingesters = new TestIngesters(dataDir);
  }

  @Test
  void singleReplicaStoppedBeforeItsFirstElectionElectsAndTakesWritesAfterRestart() throws Exception {
    ShardMap shardMap = TestIngesters.shardMap(1);
    IngesterNode.start(shardMap, "n0", dataDir.resolve("n0"), NO_ELECTION).close();
    assertThat(storedConfiguration("n0")).as("the premise: Ratis stored no configuration").doesNotExist();

    IngesterNode node = start(shardMap, "n0", NORMAL);
    Awaitility.await().atMost(Duration.ofSeconds(15)).until(node::ready);

    assertThat(write(shardMap).getAcceptedSamples()).isEqualTo(1);
    assertThat(node.status().getFirst().role()).isEqualTo("LEADER");
  }

  @Test
  void threeReplicasStoppedBeforeTheirFirstElectionElectAndTakeWritesAfterRestart() throws Exception {
    ShardMap shardMap = TestIngesters.shardMap(3);
    ingesters.startAll(shardMap, NO_ELECTION);
    ingesters.close();
    for (ShardMap.Node n : shardMap.nodes()) {
      assertThat(storedConfiguration(n.id())).as("the premise: Ratis stored no configuration").doesNotExist();
    }

    List<IngesterNode> nodes = new ArrayList<>();
    for (ShardMap.Node n : shardMap.nodes()) {
      nodes.add(start(shardMap, n.id(), NORMAL));
    }
    Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> nodes.stream().allMatch(IngesterNode::ready));

    assertThat(write(shardMap).getAcceptedSamples()).isEqualTo(1);
    assertThat(nodes).allSatisfy(node -> assertThat(node.status().getFirst().replicas()).hasSize(3));
  }

  @Test
  void restartKeepsTheTermAndVoteStoredBeforeTheFirstConfiguration() throws Exception {
    ShardMap shardMap = TestIngesters.shardMap(1);
    IngesterNode.start(shardMap, "n0", dataDir.resolve("n0"), NO_ELECTION).close();
    // A replica that voted in term 7 of a peer's election but never heard of a committed configuration.
    try (RaftStorageImpl storage = groupStorage("n0")) {
      storage.getMetadataFile().persist(RaftStorageMetadata.valueOf(7, RaftPeerId.valueOf("n1")));
    }

    IngesterNode node = start(shardMap, "n0", NORMAL);
    Awaitility.await().atMost(Duration.ofSeconds(15)).until(node::ready);

    // Losing the stored term would let the replica vote again in a term it has voted in.
    assertThat(node.status().getFirst().term()).isGreaterThan(7);
    assertThat(write(shardMap).getAcceptedSamples()).isEqualTo(1);
  }

  private IngesterNode start(ShardMap shardMap, String nodeId, RaftOptions options) throws IOException {
    return ingesters.start(shardMap, nodeId, options);
  }

  private PushResponse write(ShardMap shardMap) throws Exception {
    RaftShardWriter writer = ingesters.closeAfter(new RaftShardWriter(shardMap, 0, NORMAL));
    return TestIngesters.push(writer, TENANT, "up", 1, T0_MS);
  }

  private Path groupDir(String nodeId) {
    return dataDir.resolve(nodeId).resolve("raft").resolve(RaftGroups.groupId(0).getUuid().toString());
  }

  private Path storedConfiguration(String nodeId) {
    Path dir = groupDir(nodeId);
    assertThat(dir).isDirectory();
    return dir.resolve("current").resolve("raft-meta.conf");
  }

  private RaftStorageImpl groupStorage(String nodeId) throws IOException {
    RaftProperties properties = new RaftProperties();
    RaftServerConfigKeys.setStorageDir(properties, List.of(dataDir.resolve(nodeId).resolve("raft").toFile()));
    assertThat(Files.isDirectory(groupDir(nodeId))).isTrue();
    return StorageImplUtils.initRaftStorage(RaftGroups.groupId(0).getUuid().toString(),
        RaftStorage.StartupOption.RECOVER, properties);
  }
}
