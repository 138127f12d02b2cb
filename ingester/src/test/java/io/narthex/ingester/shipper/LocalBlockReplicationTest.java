package io.narthex.ingester.shipper;

import static org.assertj.core.api.Assertions.assertThat;

import io.narthex.ingester.FreePorts;
import io.narthex.ingester.LocalBlocks;
import io.narthex.ingester.raft.IngesterNode;
import io.narthex.ingester.raft.RaftGroups;
import io.narthex.ingester.raft.RaftOptions;
import io.narthex.ingester.raft.RaftShardWriter;
import io.narthex.ingester.ring.ShardMap;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Blocks cut to local disk on a three-replica shard: a replica that was down while they were cut, and whose log the
 * leader has purged since, gets them with the leader's Raft snapshot.
 */
class LocalBlockReplicationTest {
  private static final long HOUR_MS = 3_600_000L;
  private static final String TENANT = "team-a";

  @TempDir
  Path dataDir;

  // Small segments and frequent snapshots, so that the log is purged after a few pushes.
  private final RaftOptions options = new RaftOptions(Duration.ofMillis(300), 20, Duration.ofSeconds(5))
      .withLogSegmentBytes(64 << 10);
  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable closeable : open.reversed()) {
      closeable.close();
    }
  }

  private static int freePort() throws IOException {
    return FreePorts.next();
  }

  private IngesterNode start(ShardMap shardMap, String id) throws IOException {
    IngesterNode node = IngesterNode.start(shardMap, id, dataDir.resolve(id), options);
    open.add(node);
    return node;
  }

  @Test
  void aReplicaThatInstallsTheLeadersSnapshotGetsItsLocalBlocks() throws Exception {
    List<ShardMap.Node> nodes = new ArrayList<>();
    for (String id : List.of("n0", "n1", "n2")) {
      nodes.add(new ShardMap.Node(id, "127.0.0.1:1", "127.0.0.1:" + freePort()));
    }
    ShardMap shardMap = ShardMap.roundRobin(nodes, 1, 3);
    IngesterNode n0 = start(shardMap, "n0");
    IngesterNode n1 = start(shardMap, "n1");
    IngesterNode n2 = IngesterNode.start(shardMap, "n2", dataDir.resolve("n2"), options);
    Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> n0.ready() && n1.ready() && n2.ready());
    n2.close();

    RaftShardWriter writer = new RaftShardWriter(shardMap, 0, options);
    open.add(writer);
    long startMs = 100 * HOUR_MS;
    TestPushes.push(writer, TENANT, startMs, startMs + 5 * HOUR_MS + 30 * 60_000, 2); // [0h, 2h) and [2h, 4h) due
    BlockSink down = (tenant, dir) -> {
      throw new IOException("object storage unavailable");
    };
    ShipperOptions shipperOptions = new ShipperOptions(Duration.ofHours(2), Duration.ofHours(1),
        Duration.ofHours(13), Duration.ofHours(1));
    Clock clock = Clock.fixed(Instant.ofEpochMilli(startMs + 5 * HOUR_MS + 60_000), ZoneOffset.UTC);
    for (IngesterNode node : List.of(n0, n1)) {
      try (Shipper shipper = new Shipper(node, options, down, shipperOptions,
          dataDir.resolve("shipper"), clock)) {
        shipper.ship(false);
      }
    }
    String leaderId = n0.replicaState(0).getLeader() ? "n0" : "n1";
    IngesterNode leader = leaderId.equals("n0") ? n0 : n1;
    List<LocalBlocks.Block> cut = leader.heads(0).localBlocks().blocks(TENANT);
    assertThat(cut).hasSize(2);
    // Enough pushes for snapshots and closed segments: the log the stopped replica would need is purged.
    TestPushes.push(writer, TENANT, startMs + 5 * HOUR_MS + 30 * 60_000, startMs + 16 * HOUR_MS, 40);
    Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> !hasFirstLogSegment(dataDir.resolve(leaderId)));
    // Three snapshots or more were taken; only the newest two stay (Ratis keeps all by default).
    try (Stream<Path> files = Files.walk(dataDir.resolve(leaderId).resolve("raft"))) {
      assertThat(files.filter(f -> f.getFileName().toString().matches("snapshot\\.\\d+_\\d+"))).hasSize(2);
    }

    IngesterNode restarted = start(shardMap, "n2");
    // Ratis's first attempts often reach the replica before it runs; a failed installation is retried ~25 s later.
    Awaitility.await().atMost(Duration.ofSeconds(90)).until(
        () -> restarted.heads(0) != null && restarted.heads(0).localBlocks().blocks(TENANT).size() == 2);

    List<LocalBlocks.Block> installed = restarted.heads(0).localBlocks().blocks(TENANT);
    assertThat(installed).extracting(LocalBlocks.Block::ulid)
        .containsExactlyElementsOf(cut.stream().map(LocalBlocks.Block::ulid).toList());
    assertThat(TestPushes.samples(restarted.heads(0), TENANT, startMs, startMs + 4 * HOUR_MS - 1))
        .isEqualTo(2 * 960);
    for (LocalBlocks.Block block : installed) {
      try (Stream<Path> files = Files.walk(block.dir())) {
        // Only the block's own files: Ratis's digest files of the installed snapshot are gone.
        assertThat(files.filter(Files::isRegularFile).map(f -> block.dir().relativize(f).toString()))
            .containsExactlyInAnyOrder("chunks/000001", "index", "meta.json", "tombstones");
      }
    }
  }

  /** Whether the node's log of shard 0 still starts at index 0 (not the ring group's, which is never purged here). */
  private static boolean hasFirstLogSegment(Path nodeDir) throws IOException {
    try (Stream<Path> files = Files.walk(nodeDir.resolve("raft").resolve(RaftGroups.groupId(0).getUuid().toString()))) {
      return files.anyMatch(f -> f.getFileName().toString().matches("log_(inprogress_)?0(-\\d+)?"));
    }
  }
}
