package io.narthex.ingester.raft;

import static org.assertj.core.api.Assertions.assertThat;

import io.narthex.ingester.ring.RingState;
import io.narthex.ingester.ring.ShardMap;
import io.narthex.proto.ingester.PushResponse;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A shard's replica moves to a node that held none, by Raft membership changes, while the shard takes writes. */
class ReplicaMoveTest {
  private static final String TENANT = "team-a";
  /** Snapshots every 20 entries: the log the new replica would need is purged, so it installs a snapshot. */
  private static final RaftOptions OPTIONS = new RaftOptions(Duration.ofMillis(300), 20, Duration.ofSeconds(10))
      .withLogSegmentBytes(16 << 10);

  /** Three shards at RF=3 on n0-n2; n3 is configured but holds nothing. */
  private static final List<List<String>> THREE_SHARDS_ON_N0_TO_N2 = List.of(List.of("n0", "n1", "n2"),
      List.of("n1", "n2", "n0"), List.of("n2", "n0", "n1"));

  private final Path dataDir;
  @AutoClose
  private final TestIngesters ingesters;
  private ShardMap shardMap;

  ReplicaMoveTest(@TempDir Path dataDir) {
    this.dataDir = dataDir;
    this.ingesters = new TestIngesters(dataDir);
  }

  @Test
  void aReplicaMovesToANewNodeUnderWritesAndEveryAcknowledgedSeriesIsOnIt() throws Exception {
    // One shard on n0, n1 and n2; n3 holds nothing yet.
    List<IngesterNode> started = startFourNodes(List.of(List.of("n0", "n1", "n2")));
    IngesterNode n1 = started.get(1);
    IngesterNode n3 = started.get(3);
    RaftShardWriter writer = new RaftShardWriter(n1.ringView(), 0, OPTIONS,
        new RaftWriterMetrics(new PrometheusRegistry()));
    ingesters.closeAfter(writer);
    AtomicInteger series = new AtomicInteger();
    for (int i = 0; i < 100; i++) {
      assertThat(push(writer, series.getAndIncrement()).getAcceptedSamples()).isEqualTo(1);
    }

    AtomicBoolean writing = new AtomicBoolean(true);
    ConcurrentLinkedQueue<Integer> acknowledged = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
    Thread load = Thread.ofVirtual().start(() -> {
      while (writing.get()) {
        int id = series.getAndIncrement();
        try {
          if (push(writer, id).getAcceptedSamples() == 1) {
            acknowledged.add(id);
          }
        } catch (Exception e) {
          failures.add(e);
        }
      }
    });
    // A follower moves, so the leader that adds n3 still leads when the move is done.
    String leader = n1.replicaState(0).getLeaderId();
    String from = leader.equals("n0") ? "n2" : "n0";
    n1.moveReplica(new RingState.Move(0, from, "n3"), Duration.ofSeconds(30));
    // Writes after the move too, and at least one acknowledged whatever the machine's speed.
    Thread.sleep(500);
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> !acknowledged.isEmpty());
    writing.set(false);
    load.join();

    assertThat(failures).as("no write failed during the move").isEmpty();
    assertThat(acknowledged).as("writes went on during the move").isNotEmpty();
    RingState ring = n1.ringState();
    List<String> expectedReplicas = new ArrayList<>(List.of("n0", "n1", "n2"));
    expectedReplicas.set(expectedReplicas.indexOf(from), "n3");
    assertThat(ring.shards().getFirst()).containsExactlyElementsOf(expectedReplicas);
    assertThat(ring.pendingMoves()).isEmpty();
    long expected = 100 + acknowledged.size();
    Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      assertThat(n3.heads(0)).isNotNull();
      assertThat(n3.heads(0).seriesPerTenant().get(TENANT)).as("every acknowledged series on the new replica")
          .isEqualTo(expected);
    });
    assertThat(n3.shards()).containsExactly(0);
    IngesterNode source = started.get(Integer.parseInt(from.substring(1)));
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> source.shards().isEmpty());
    assertThat(dataDir.resolve(from).resolve("raft").resolve(RaftGroups.groupId(0).getUuid().toString()))
        .as("the old replica's directory").doesNotExist();
    assertThat(Files.exists(dataDir.resolve("n3").resolve("raft").resolve(RaftGroups.groupId(0).getUuid().toString())))
        .isTrue();
    // The writer follows the ring: a write after the move commits on the new replicas.
    assertThat(push(writer, series.getAndIncrement()).getAcceptedSamples()).isEqualTo(1);
    // The new replica is a full member: it stands for election and takes the leadership when handed it (Ratis 3.3
    // kept a replica added by a configuration change from both while the leader that added it led).
    try (org.apache.ratis.client.RaftClient shard =
             RaftGroups.client(RaftGroups.group(n1.ringView().shardMap(), 0), OPTIONS)) {
      assertThat(shard.admin().transferLeadership(org.apache.ratis.protocol.RaftPeerId.valueOf("n3"), 5_000)
          .isSuccess()).as("n3 took the leadership").isTrue();
    }
    assertThat(push(writer, series.getAndIncrement()).getAcceptedSamples()).isEqualTo(1);
  }

  @Test
  void theOnlyReplicaOfAShardMovesAndTheNewOneLeadsIt() throws Exception {
    // Replication factor 1: no other voting replica can take the leadership from the one that adds the new replica.
    List<IngesterNode> started = startFourNodes(List.of(List.of("n0")));
    IngesterNode n1 = started.get(1);
    RaftShardWriter writer = new RaftShardWriter(n1.ringView(), 0, OPTIONS,
        new RaftWriterMetrics(new PrometheusRegistry()));
    ingesters.closeAfter(writer);
    for (int i = 0; i < 100; i++) {
      assertThat(push(writer, i).getAcceptedSamples()).isEqualTo(1);
    }

    n1.moveReplica(new RingState.Move(0, "n0", "n1"), Duration.ofSeconds(30));

    assertThat(n1.ringState().shards().getFirst()).containsExactly("n1");
    Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      assertThat(n1.replicaState(0).getLeader()).as("the new replica leads the shard").isTrue();
      assertThat(n1.heads(0).seriesPerTenant().get(TENANT)).isEqualTo(100);
    });
    assertThat(push(writer, 100).getAcceptedSamples()).isEqualTo(1);
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> started.getFirst().shards().isEmpty());
  }

  @Test
  void aNodeJoinsTakingItsShareThenLeavesGivingItBack() throws Exception {
    List<IngesterNode> started = startFourNodes(THREE_SHARDS_ON_N0_TO_N2);
    IngesterNode n3 = started.get(3);

    List<RingState.Move> joined = n3.join(Duration.ofSeconds(30));
    assertThat(joined).hasSize(2).extracting(RingState.Move::to).containsOnly("n3");
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> n3.shards().size() == 2 && n3.ready());

    List<RingState.Move> left = n3.leave("n3", Duration.ofSeconds(30));
    assertThat(left).hasSize(2).extracting(RingState.Move::from).containsOnly("n3");
    RingState ring = n3.queryRing();
    assertThat(ring.hasNode("n3")).isFalse();
    for (List<String> replicas : ring.shards()) {
      assertThat(replicas).containsExactlyInAnyOrder("n0", "n1", "n2");
    }
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> n3.shards().isEmpty());
  }

  @Test
  void aNodeRestartedOnOtherPortsAfterAJoinCatchesUpAndTakesWritesAtItsNewAddress() throws Exception {
    List<IngesterNode> started = startFourNodes(THREE_SHARDS_ON_N0_TO_N2);
    IngesterNode n1 = started.get(1);
    IngesterNode n3 = started.get(3);
    n3.join(Duration.ofSeconds(30));
    int shard = n3.shards().iterator().next();
    RaftShardWriter writer = new RaftShardWriter(n1.ringView(), shard, OPTIONS,
        new RaftWriterMetrics(new PrometheusRegistry()));
    ingesters.closeAfter(writer);
    for (int i = 0; i < 50; i++) {
      assertThat(push(writer, i).getAcceptedSamples()).isEqualTo(1);
    }

    // The ring changed at runtime (the join); n3 comes back on other ports, as a pod on another IP would.
    n3.close();
    for (int i = 50; i < 100; i++) {
      assertThat(push(writer, i).getAcceptedSamples()).as("the other two replicas are a quorum").isEqualTo(1);
    }
    ShardMap.Node moved = new ShardMap.Node("n3", "127.0.0.1:1", "127.0.0.1:" + io.narthex.ingester.FreePorts.next());
    List<ShardMap.Node> nodes = new ArrayList<>(shardMap.nodes());
    nodes.set(3, moved);
    IngesterNode restarted = ingesters.start(new ShardMap(nodes, shardMap.shards()), "n3", OPTIONS);
    Awaitility.await("the ring takes n3's new addresses").atMost(Duration.ofSeconds(20)).ignoreExceptions()
        .until(() -> n1.queryRing().nodes().contains(moved) && n1.ringView().state().nodes().contains(moved));
    for (int i = 100; i < 150; i++) {
      assertThat(push(writer, i).getAcceptedSamples()).isEqualTo(1);
    }

    Awaitility.await("the leader's appends reach n3 at its new address").atMost(Duration.ofSeconds(20))
        .untilAsserted(() -> {
          assertThat(restarted.notReady()).isEmpty();
          assertThat(restarted.heads(shard)).isNotNull();
          assertThat(restarted.heads(shard).seriesPerTenant().get(TENANT))
              .as("every acknowledged series on the restarted replica").isEqualTo(150);
        });
    try (org.apache.ratis.client.RaftClient client =
             RaftGroups.client(RaftGroups.group(n1.ringView().shardMap(), shard), OPTIONS)) {
      assertThat(client.admin().transferLeadership(org.apache.ratis.protocol.RaftPeerId.valueOf("n3"), 5_000)
          .isSuccess()).as("n3 took the leadership at its new address").isTrue();
    }
    assertThat(push(writer, 150).getAcceptedSamples()).isEqualTo(1);
  }

  @Test
  void theRingLeaderRunsAJoinAskedOfAnotherNodeAndItsSuccessorFinishesAMoveItWasCutOffIn() throws Exception {
    List<IngesterNode> started = startFourNodes(THREE_SHARDS_ON_N0_TO_N2);
    IngesterNode n1 = started.get(1);
    IngesterNode n3 = started.get(3);
    try (org.apache.ratis.client.RaftClient ring = RaftGroups.client(RaftGroups.ringGroup(shardMap.nodes()), OPTIONS)) {
      assertThat(ring.admin().transferLeadership(org.apache.ratis.protocol.RaftPeerId.valueOf("n1"), 5_000)
          .isSuccess()).as("n1 leads the ring group").isTrue();
    }
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(n1::leadsRingGroup);
    // Who reached which step of which move; n1, the ring leader, dies once it added the first move's listener.
    List<String> steps = new java.util.concurrent.CopyOnWriteArrayList<>();
    java.util.concurrent.atomic.AtomicReference<RingState.Move> cut = new java.util.concurrent.atomic.AtomicReference<>();
    for (IngesterNode node : started) {
      node.moves().stepListener = (move, step) -> {
        steps.add(node.nodeId() + " " + step + " " + move);
        if (node == n1 && step.equals("listener added") && cut.compareAndSet(null, move)) {
          Thread.ofVirtual().start(n1::close);
          try {
            Thread.sleep(Long.MAX_VALUE);
          } catch (InterruptedException e) {
            throw new IllegalStateException("n1 closed in the middle of " + move, e);
          }
        }
      };
    }

    List<RingState.Move> joined = n3.join(Duration.ofSeconds(30));

    assertThat(joined).hasSize(2).extracting(RingState.Move::to).containsOnly("n3");
    RingState.Move first = cut.get();
    assertThat(first).as("n1 was cut off in a move").isNotNull();
    assertThat(steps).as("n1, not n3 that was asked, started the move").contains("n1 started " + first)
        .doesNotContain("n3 started " + first);
    assertThat(steps).as("another node finished it").anyMatch(step -> step.endsWith(" swapped " + first)
        && !step.startsWith("n1 "));
    RingState ring = n3.queryRing();
    assertThat(ring.pendingMoves()).isEmpty();
    assertThat(ring.joining()).isEmpty();
    assertThat(ring.shards().get(first.shard())).contains("n3").doesNotContain(first.from());
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> n3.shards().size() == 2 && n3.ready());
    try (org.apache.ratis.client.RaftClient shard =
             RaftGroups.client(RaftGroups.group(ring.shardMap(), first.shard()), OPTIONS)) {
      assertThat(shard.getGroupManagementApi(org.apache.ratis.protocol.RaftPeerId.valueOf("n3"))
          .info(RaftGroups.groupId(first.shard())).getConf().orElseThrow().getPeersList())
          .extracting(peer -> peer.getId().toStringUtf8())
          .as("the shard group's voters").containsExactlyInAnyOrderElementsOf(ring.shards().get(first.shard()));
    }
  }

  @Test
  void aNodeReceivingAReplicaIsNotReadyUntilTheMoveIsDone() throws Exception {
    List<IngesterNode> started = startFourNodes(List.of(List.of("n0", "n1", "n2")));
    IngesterNode n1 = started.get(1);
    IngesterNode n3 = started.get(3);
    assertThat(n3.notReady()).isEmpty();
    RingState.Move move = new RingState.Move(0, "n0", "n3");

    // The move leaves n3 ready with its new replica.
    List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
    AtomicBoolean moving = new AtomicBoolean(true);
    Thread watcher = Thread.ofVirtual().start(() -> {
      while (moving.get()) {
        try {
          seen.addAll(n3.notReady());
        } catch (RuntimeException e) {
          seen.add("error: " + e); // shown by the assertion on seen, not lost with the thread
        }
        try {
          Thread.sleep(20);
        } catch (InterruptedException e) {
          return;
        }
      }
    });
    n1.moveReplica(move, Duration.ofSeconds(30));
    moving.set(false);
    watcher.join();
    assertThat(seen).as("not ready during the move")
        .anyMatch(reason -> reason.startsWith("shard 0 is catching up as a new replica, moving from n0 ("));
    assertThat(started.get(2).ready()).as("a node the move does not reach").isTrue();
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(n3::ready);
    assertThat(n3.shards()).containsExactly(0);
  }

  @Test
  void aReplicaMovedOffANodeWhileItWasDownNeverRunsThereAgain() throws Exception {
    List<IngesterNode> started = startFourNodes(List.of(List.of("n0", "n1", "n2")));
    IngesterNode n1 = started.get(1);
    started.getFirst().close();
    // n0 is down, so its replica stays on its disk: the move cannot remove it (a dead node being replaced).
    n1.moveReplica(new RingState.Move(0, "n0", "n3"), Duration.ofSeconds(30));
    Path raft = dataDir.resolve("n0").resolve("raft");
    Path groupDir = raft.resolve(RaftGroups.groupId(0).getUuid().toString());
    assertThat(groupDir).as("the premise: n0's replica is on its disk").isDirectory();

    // Back, n0 starts the replica its records still name, then learns of the move and removes it.
    IngesterNode n0 = restart("n0");
    Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      assertThat(n0.shards()).isEmpty();
      assertThat(groupDir).doesNotExist();
    });
    Path staleDir = dataDir.resolve("n0").resolve(HeldShards.STALE_REPLICAS_DIR);
    List<Path> setAside;
    try (var dirs = Files.list(staleDir)) {
      setAside = dirs.toList();
    }
    assertThat(setAside).singleElement().satisfies(dir -> assertThat(dir.getFileName().toString()).startsWith("shard-0-"));
    assertThat(Files.readString(raft.resolve(HeldShards.FILE))).contains("\"shards\":[]");

    // A directory left on disk (here put back) is set aside at the next start, not started: held-shards.json decides.
    n0.close();
    copyTree(setAside.getFirst(), groupDir);
    IngesterNode again = restart("n0");
    assertThat(again.shards()).isEmpty();
    assertThat(groupDir).doesNotExist();
    try (var dirs = Files.list(staleDir)) {
      assertThat(dirs.count()).isEqualTo(2);
    }
    try (org.apache.ratis.client.RaftClient shard =
             RaftGroups.client(RaftGroups.group(n1.ringView().shardMap(), 0), OPTIONS)) {
      assertThat(shard.getGroupManagementApi(org.apache.ratis.protocol.RaftPeerId.valueOf("n1"))
          .info(RaftGroups.groupId(0)).getGroup().getPeers())
          .extracting(peer -> peer.getId().toString()).containsExactlyInAnyOrder("n1", "n2", "n3");
    }
    RaftShardWriter writer = new RaftShardWriter(n1.ringView(), 0, OPTIONS,
        new RaftWriterMetrics(new PrometheusRegistry()));
    ingesters.closeAfter(writer);
    assertThat(push(writer, 1).getAcceptedSamples()).isEqualTo(1);
  }

  private IngesterNode restart(String nodeId) throws Exception {
    return ingesters.start(shardMap, nodeId, OPTIONS);
  }

  private static void copyTree(Path from, Path to) throws java.io.IOException {
    try (var files = Files.walk(from)) {
      for (Path file : files.toList()) {
        Files.copy(file, to.resolve(from.relativize(file).toString()));
      }
    }
  }

  /** Nodes n0-n3 on free loopback ports with {@code shards}' replicas, once all are ready and the ring seeded. */
  private List<IngesterNode> startFourNodes(List<List<String>> shards) throws Exception {
    shardMap = new ShardMap(TestIngesters.nodes(4), shards);
    List<IngesterNode> started = ingesters.startAll(shardMap, OPTIONS);
    Awaitility.await().atMost(Duration.ofSeconds(20)).until(
        () -> started.stream().allMatch(IngesterNode::ready) && started.get(3).ringState().isSeeded());
    return started;
  }

  private static PushResponse push(RaftShardWriter writer, int id) throws Exception {
    return TestIngesters.push(writer, TENANT, "moved", id, System.currentTimeMillis());
  }

}
